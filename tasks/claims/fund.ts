import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { fromTokenUnits, toTokenUnits } from "../../src/claims/codes.js";
import { fundEscrow } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { amount: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => {
    toTokenUnits(args.amount, 18, "--amount"); // the form of the amount, before connecting
    return async (c, io) => {
      const txHash = await fundEscrow(c, args.amount);
      const units = toTokenUnits(args.amount, c.decimals, "--amount");
      io.say(`funded escrow with ${fromTokenUnits(units, c.decimals)} (tx ${txHash})`);
      return { result: { amount: fromTokenUnits(units, c.decimals).toString(), units, hash: txHash } };
    };
  });
}
