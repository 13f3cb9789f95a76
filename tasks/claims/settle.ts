import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { MedChainError } from "../../src/chain/errors.js";
import { startProgress } from "../../src/chain/progress.js";
import { approvedClaims, parseId, settleClaims } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claims: string; batch: string; journal: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, async (c) => {
    const batchSize = Number(args.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 200)
      throw new MedChainError(`--batch: "${args.batch}" is not 1-200`);
    const ids = args.claims === "" ? await approvedClaims(c) : args.claims.split(",").map((s) => parseId(s, "claims"));
    const progress = startProgress("settling", ids.length);
    let reported = 0;
    const { settled, txHashes } = await settleClaims(c, {
      ids,
      batchSize,
      journal: args.journal,
      onBatch: (done) => {
        progress.tick(done - reported);
        reported = done;
      },
    });
    progress.stop();
    console.log(
      `settled ${settled.length} claim(s) in ${txHashes.length} transaction(s): ${txHashes.join(", ") || "nothing to do"}`,
    );
  });
}
