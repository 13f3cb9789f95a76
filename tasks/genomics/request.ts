import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { checkRequestOptions, opRequest } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

interface Args extends GenomicsArgs {
  versions: string;
  purpose: string;
  variants: string;
  region: string;
  exchange: string;
}

export default async function request(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await genomicsTask(hre, args, (c) => opRequest(c, args), {
    prepare: () => checkRequestOptions(args),
  });
}
