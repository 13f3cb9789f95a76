import type { TaskDefinition } from "hardhat/types/tasks";

import { consortiumTasks } from "./consortium.js";
import { provenanceTasks } from "./provenance.js";

/** Every MedChain task, registered in hardhat.config.ts. */
export const medchainTasks: TaskDefinition[] = [...consortiumTasks, ...provenanceTasks];
