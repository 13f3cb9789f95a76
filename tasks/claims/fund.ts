import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { fundEscrow } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { amount: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    reportTx(`funded escrow with ${args.amount}`, await fundEscrow(c, args.amount));
  });
}
