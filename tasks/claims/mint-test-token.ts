import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAccount } from "../../src/chain/values.js";
import { fromTokenUnits, toTokenUnits } from "../../src/claims/codes.js";
import { mintTestToken, TEST_TOKEN_SYMBOL } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { amount: string; to: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => {
    toTokenUnits(args.amount, 18, "--amount");
    const to = args.to === "" ? undefined : parseAccount(args.to, "--to");
    return async (c, io) => {
      const minted = await mintTestToken(c, args.amount, to);
      const amount = fromTokenUnits(minted.amount, c.decimals);
      io.say(`minted ${amount} ${TEST_TOKEN_SYMBOL} (test token, no value) to ${minted.to} (tx ${minted.txHash})`);
      return {
        result: {
          amount: amount.toString(),
          units: minted.amount,
          to: minted.to,
          token: minted.token,
          hash: minted.txHash,
        },
      };
    };
  });
}
