import type { ContractTransactionResponse } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { ConsortiumRegistry__factory, type ConsortiumRegistry } from "../../typechain-types/index.js";
import { reportTx, runCli } from "../../src/chain/cli.js";
import { mined } from "../../src/chain/send.js";
import { connectRegistry } from "../../src/consortium/connect.js";

/** Options every consortium task takes. */
export interface RegistryArgs {
  registry: string;
  from: string;
}

/**
 * The body of a one-transaction consortium task: validate the arguments (before connecting, so bad
 * input sends nothing), send, and report what was done with the transaction hash.
 */
export async function sendRegistryTx(
  hre: HardhatRuntimeEnvironment,
  args: RegistryArgs,
  prepare: () => (registry: ConsortiumRegistry) => [string, Promise<ContractTransactionResponse>],
): Promise<void> {
  await runCli([ConsortiumRegistry__factory.createInterface()], async () => {
    const send = prepare();
    const { registry } = await connectRegistry(hre, args.registry, args.from);
    const [what, tx] = send(registry);
    const receipt = await mined(tx);
    reportTx(what, receipt.hash);
  });
}
