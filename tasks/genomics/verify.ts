import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { GenomicsInputError } from "../../src/genomics/errors.js";
import { opVerify } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function verify(args: GenomicsArgs & { exchange: string }, hre: HardhatRuntimeEnvironment) {
  await genomicsTask(hre, args, (c) => opVerify(c, args.exchange), {
    readOnly: true,
    prepare: () => {
      if (args.exchange === "") throw new GenomicsInputError("--exchange: the query's exchange folder is required");
    },
  });
}
