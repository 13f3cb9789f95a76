import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { GenomicsInputError } from "../../src/genomics/errors.js";
import { opRequest } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

interface Args extends GenomicsArgs {
  versions: string;
  purpose: string;
  variants: string;
  region: string;
  exchange: string;
}

export default async function request(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await genomicsTask(
    hre,
    args,
    (c) => opRequest(c, args),
    () => {
      for (const o of ["versions", "purpose", "variants", "exchange"] as const) {
        if (args[o] === "") throw new GenomicsInputError(`--${o}: required`);
      }
    },
  );
}
