import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { fromTokenUnits } from "../../src/claims/codes.js";
import { withdrawCredit } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => async (c, io) => {
    const { amount, txHash } = await withdrawCredit(c);
    io.say(`withdrew ${fromTokenUnits(amount, c.decimals)} (tx ${txHash})`);
    return { result: { amount: fromTokenUnits(amount, c.decimals).toString(), units: amount, hash: txHash } };
  });
}
