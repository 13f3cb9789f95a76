import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { parseId, reviewClaim } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claim: string; decision: string; reason: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, async (c) => {
    const claimId = parseId(args.claim, "claim");
    if (args.decision !== "approve" && args.decision !== "deny")
      throw new MedChainError(`--decision: "${args.decision}" is not approve or deny`);
    const txHash = await reviewClaim(c, claimId, args.decision, Number(args.reason || "0"));
    reportTx(
      `claim ${claimId}: ${args.decision === "approve" ? "approved and paid" : `denied (CARC ${args.reason})`}`,
      txHash,
    );
  });
}
