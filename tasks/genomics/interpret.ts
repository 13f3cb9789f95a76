import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { checkInterpretOptions, opInterpret } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

interface Args extends GenomicsArgs {
  variant: string;
  condition: string;
  significance: string;
  evidence: string;
  noCriteria: boolean;
  lab: string;
}

export default async function interpret(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await genomicsTask(hre, args, (c) => opInterpret(c, { ...args, criteria: !args.noCriteria }), {
    prepare: () => checkInterpretOptions(args),
  });
}
