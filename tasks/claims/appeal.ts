import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { CLAIM_STATUS } from "../../src/claims/engine.js";
import { appealClaim, parseId, readDocumentationFile } from "../../src/claims/operations.js";
import { carcName, parseCarc, withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claim: string; decision: string; reason: string; record: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, async () => {
    const claimId = parseId(args.claim, "claim");
    if (args.decision !== "" && args.decision !== "overturn" && args.decision !== "uphold") {
      throw badInput(`"${args.decision}" is not overturn or uphold`, { field: "--decision" });
    }
    const decision = args.decision;
    const reason = decision === "uphold" ? parseCarc(args.reason) : 0;
    if (decision !== "uphold" && args.reason !== "")
      throw badInput("only upholding a denial takes a reason code", { field: "--reason" });
    if (decision !== "overturn" && args.record !== "")
      throw badInput("only an overturn re-runs the documentation check", { field: "--record" });
    const documentation = args.record === "" ? undefined : await readDocumentationFile(args.record);
    return async (c, io) => {
      const txHash = await appealClaim(c, claimId, decision, reason, documentation);
      const claim = await c.engine.claimOf(claimId);
      const status = CLAIM_STATUS[Number(claim.status)];
      const why = Number(claim.reason);
      io.say(
        decision === ""
          ? `claim ${claimId}: appealed (tx ${txHash})`
          : decision === "uphold"
            ? `claim ${claimId}: appeal upheld, finally denied (${carcName(reason)}) (tx ${txHash})`
            : status === "Paid"
              ? `claim ${claimId}: appeal overturned; the claim passed the checks again and was paid (tx ${txHash})`
              : `claim ${claimId}: appeal overturned, but the claim failed a check again (${carcName(why)}): finally denied (tx ${txHash})`,
      );
      const negative = decision === "overturn" && status !== "Paid";
      return {
        result: { claimId, status, ...(why ? { reason: why, reasonText: carcName(why) } : {}), hash: txHash },
        ...(negative ? { verdict: "negative" as const } : {}),
      };
    };
  });
}
