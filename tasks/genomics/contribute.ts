import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { GenomicsInputError } from "../../src/genomics/errors.js";
import { opContribute } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

interface Args extends GenomicsArgs {
  exchange: string;
  sites: string;
  versionId: string;
  state: string;
}

export default async function contribute(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await genomicsTask(hre, args, (c) => opContribute(c, { ...args, version: args.versionId }), {
    prepare: () => {
      if (args.exchange === "") throw new GenomicsInputError("--exchange: the query's exchange folder is required");
      if (args.sites === "") throw new GenomicsInputError("--sites: the lab's private sites file is required");
    },
  });
}
