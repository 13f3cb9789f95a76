import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { CLAIM_STATUS } from "../../src/claims/engine.js";
import { parseId, reviewClaim } from "../../src/claims/operations.js";
import { carcName, parseCarc, withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claim: string; decision: string; reason: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, () => {
    const claimId = parseId(args.claim, "claim");
    if (args.decision !== "approve" && args.decision !== "deny")
      throw badInput(`"${args.decision}" is not approve or deny`, { field: "--decision" });
    const decision = args.decision;
    const reason = decision === "deny" ? parseCarc(args.reason) : 0;
    if (decision === "approve" && args.reason !== "")
      throw badInput("an approval takes no reason code", { field: "--reason" });
    return async (c, io) => {
      const txHash = await reviewClaim(c, claimId, decision, reason);
      const status = CLAIM_STATUS[Number((await c.engine.claimOf(claimId)).status)];
      io.say(`claim ${claimId}: ${status}${reason ? ` (${carcName(reason)})` : ""} (tx ${txHash})`);
      return { result: { claimId, status, ...(reason ? { reason, reasonText: carcName(reason) } : {}), hash: txHash } };
    };
  });
}
