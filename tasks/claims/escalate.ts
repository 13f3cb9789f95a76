import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CLAIM_STATUS } from "../../src/claims/engine.js";
import { escalateClaim, parseId } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { claim: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => {
    const claimId = parseId(args.claim, "claim");
    return async (c, io) => {
      const txHash = await escalateClaim(c, claimId);
      const status = CLAIM_STATUS[Number((await c.engine.claimOf(claimId)).status)];
      io.say(`claim ${claimId}: escalated after the insurer's deadline: ${status} (tx ${txHash})`);
      return { result: { claimId, status, hash: txHash } };
    };
  });
}
