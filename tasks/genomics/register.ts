import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { checkRegisterOptions, opRegister } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

interface Args extends GenomicsArgs {
  vcf: string;
  name: string;
  uses: string;
  lab: string;
  out: string;
}

export default async function register(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await genomicsTask(hre, args, (c) => opRegister(c, args), {
    prepare: () => checkRegisterOptions(args),
  });
}
