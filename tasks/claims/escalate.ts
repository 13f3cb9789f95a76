import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { parseId } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { claim: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    const claimId = parseId(args.claim, "claim");
    const tx = await c.engine.escalate(claimId);
    reportTx(`claim ${claimId}: escalated after the review deadline and paid as adjudicated`, (await tx.wait())!.hash);
  });
}
