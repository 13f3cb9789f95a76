import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { checkInterpretationOptions, opInterpretations } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function interpretations(
  args: GenomicsArgs & { variant: string; condition: string },
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  await genomicsTask(hre, args, (c) => opInterpretations(c, args), {
    readOnly: true,
    prepare: () => checkInterpretationOptions(args),
  });
}
