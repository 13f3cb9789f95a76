import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { isHexString } from "ethers";

import { mined } from "../../src/chain/send.js";
import { GenomicsInputError } from "../../src/genomics/errors.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

export default async function withdraw(
  args: GenomicsArgs & { versionId: string },
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  await genomicsTask(
    hre,
    args,
    async (c) => {
      const receipt = await mined(c.datasets.withdraw(args.versionId));
      return [`withdrew ${args.versionId}: it can no longer be queried (tx ${receipt.hash})`];
    },
    () => {
      if (!isHexString(args.versionId, 32))
        throw new GenomicsInputError(`--version-id: "${args.versionId}" is not a version id`);
    },
  );
}
