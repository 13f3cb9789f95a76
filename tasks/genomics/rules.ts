import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { opRules } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function rules(args: GenomicsArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await genomicsTask(hre, args, (c) => opRules(c), { readOnly: true });
}
