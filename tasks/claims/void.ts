import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId, voidClaim } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { claim: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => {
    const claimId = parseId(args.claim, "claim");
    return async (c, io) => {
      const txHash = await voidClaim(c, claimId);
      io.say(`claim ${claimId}: voided (tx ${txHash})`);
      return { result: { claimId, status: "Voided", hash: txHash } };
    };
  });
}
