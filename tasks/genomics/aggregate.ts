import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { GenomicsInputError } from "../../src/genomics/errors.js";
import { opAggregate } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function aggregate(
  args: GenomicsArgs & { exchange: string; rounding: string },
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  await genomicsTask(hre, args, (c) => opAggregate(c, { exchange: args.exchange, rounding: Number(args.rounding) }), {
    prepare: () => {
      if (args.exchange === "") throw new GenomicsInputError("--exchange: the query's exchange folder is required");
      if (!/^\d{1,6}$/.test(args.rounding) || Number(args.rounding) < 1) {
        throw new GenomicsInputError(`--rounding: "${args.rounding}" is not a whole number from 1 to 999999`);
      }
    },
  });
}
