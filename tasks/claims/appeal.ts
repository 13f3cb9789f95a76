import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { appealClaim, parseId } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claim: string; decision: string; reason: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, async (c) => {
    const claimId = parseId(args.claim, "claim");
    if (args.decision !== "" && args.decision !== "overturn" && args.decision !== "uphold") {
      throw new MedChainError(`--decision: "${args.decision}" is not overturn or uphold`);
    }
    const txHash = await appealClaim(c, claimId, args.decision, Number(args.reason || "0"));
    reportTx(
      args.decision === ""
        ? `claim ${claimId}: appealed`
        : `claim ${claimId}: appeal ${args.decision === "overturn" ? "overturned; claim paid" : "upheld"}`,
      txHash,
    );
  });
}
