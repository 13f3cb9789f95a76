import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx, runCli } from "../../src/chain/cli.js";
import type { Connection } from "../../src/chain/connection.js";
import { connectHardhat } from "../../src/chain/hardhat.js";
import type { TxResult } from "../../src/chain/send.js";

/** Options every consortium task takes. */
export interface RegistryArgs {
  registry: string;
  from: string;
}

/** The task's connection: the network's account `--from` (default the first), the `--registry` given. */
export function connectTask(hre: HardhatRuntimeEnvironment, args: Partial<RegistryArgs>): Promise<Connection> {
  return connectHardhat(hre, { from: args.from ?? "", addresses: { registry: args.registry ?? "" } });
}

/**
 * The body of a one-transaction consortium task: `prepare` validates the arguments (before
 * connecting, so bad input sends nothing) and returns the write; the task reports what was done
 * with the transaction hash.
 */
export async function sendRegistryTx(
  hre: HardhatRuntimeEnvironment,
  args: RegistryArgs,
  prepare: () => (conn: Connection) => Promise<[string, TxResult]>,
): Promise<void> {
  await runCli([], async () => {
    const send = prepare();
    const [what, result] = await send(await connectTask(hre, args));
    reportTx(what, result.hash);
  });
}
