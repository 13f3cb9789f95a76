import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { escalateClaim, parseId } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { claim: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    const claimId = parseId(args.claim, "claim");
    reportTx(`claim ${claimId}: escalated after the insurer's deadline`, await escalateClaim(c, claimId));
  });
}
