import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { appealClaim, parseId, readDocumentationFile } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claim: string; decision: string; reason: string; record: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, async (c) => {
    const claimId = parseId(args.claim, "claim");
    if (args.decision !== "" && args.decision !== "overturn" && args.decision !== "uphold") {
      throw new MedChainError(`--decision: "${args.decision}" is not overturn or uphold`);
    }
    const documentation = args.record === "" ? undefined : await readDocumentationFile(args.record);
    const txHash = await appealClaim(c, claimId, args.decision, Number(args.reason || "0"), documentation);
    const view = args.decision === "overturn" ? await c.engine.claimOf(claimId) : undefined;
    reportTx(
      args.decision === ""
        ? `claim ${claimId}: appealed`
        : args.decision === "uphold"
          ? `claim ${claimId}: appeal upheld`
          : view !== undefined && Number(view.status) === 3
            ? `claim ${claimId}: appeal overturned; the claim passed the checks again and was paid`
            : `claim ${claimId}: appeal overturned, but the claim failed a check again (CARC ${view?.reason}): finally denied`,
      txHash,
    );
  });
}
