import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { fromTokenUnits } from "../../src/claims/codes.js";
import { withdrawCredit } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    const { amount, txHash } = await withdrawCredit(c);
    reportTx(`withdrew ${fromTokenUnits(amount, c.decimals)}`, txHash);
  });
}
