import type { TaskDefinition } from "hardhat/types/tasks";

import { claimsTasks } from "./claims.js";
import { consortiumTasks } from "./consortium.js";
import { genomicsTasks } from "./genomics.js";
import { provenanceTasks } from "./provenance.js";
import { recordsTasks } from "./records.js";

/** Every MedChain task, registered in hardhat.config.ts. */
export const medchainTasks: TaskDefinition[] = [
  ...consortiumTasks,
  ...recordsTasks,
  ...provenanceTasks,
  ...claimsTasks,
  ...genomicsTasks,
];
