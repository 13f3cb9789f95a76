import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { ClaimsEngine__factory, ClaimsPlans__factory, SettlementVault__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectClaims, type ClaimsConnection } from "../../src/claims/connect.js";

/** Options every claims task takes. */
export interface CommonArgs {
  engine: string;
  plans: string;
  from: string;
}

/** Runs a claims task body with one-line errors (contract reverts decoded) and a connection. */
export async function withClaims(
  args: CommonArgs,
  hre: HardhatRuntimeEnvironment,
  body: (c: ClaimsConnection) => Promise<void>,
): Promise<void> {
  await runCli(
    [
      ClaimsEngine__factory.createInterface(),
      ClaimsPlans__factory.createInterface(),
      SettlementVault__factory.createInterface(),
    ],
    async () => {
      await body(await connectClaims(hre, args));
    },
  );
}
