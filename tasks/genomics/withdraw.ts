import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { isHexString } from "ethers";

import { GenomicsInputError } from "../../src/genomics/errors.js";
import { opWithdraw } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function withdraw(
  args: GenomicsArgs & { versionId: string },
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  await genomicsTask(hre, args, (c) => opWithdraw(c, args.versionId), {
    prepare: () => {
      if (!isHexString(args.versionId, 32))
        throw new GenomicsInputError(`--version-id: "${args.versionId}" is not a version id`);
    },
  });
}
