import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { opVerifyDataset } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function verifyDataset(
  args: GenomicsArgs & { file: string },
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  await genomicsTask(hre, args, (c) => opVerifyDataset(c, args.file), { readOnly: true });
}
