import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask, txSummary } from "../../src/chain/cli.js";
import type { Connection } from "../../src/chain/connection.js";
import type { TxResult } from "../../src/chain/send.js";
import { loadMemberDirectory, type MemberDirectory } from "../../src/consortium/directory.js";
import { connectTask, type SigningArgs } from "../options.js";

/** Options every consortium task takes besides the common ones. */
export interface RegistryArgs extends SigningArgs {
  registry: string;
}

/** The task's connection: signing as `--as`/`--from`, the `--registry` given (or the deployed one). */
export function connectRegistry(
  hre: HardhatRuntimeEnvironment,
  args: Partial<RegistryArgs>,
  readOnly = false,
): Promise<Connection> {
  return connectTask(hre, args, { registry: args.registry ?? "" }, { readOnly });
}

/** The consortium's member directory (registration codes), with the codes typed in this command. */
export function directoryOf(
  hre: HardhatRuntimeEnvironment,
  codes: Array<string | undefined> = [],
): Promise<MemberDirectory> {
  return loadMemberDirectory(
    hre.config.paths.root,
    codes.filter((c): c is string => c !== undefined),
  );
}

/** What a one-transaction consortium task reports: its line, the result, and extra JSON fields. */
export interface Sent {
  line: string;
  result: TxResult;
  data?: Record<string, unknown>;
}

/**
 * The body of a one-transaction consortium task: `prepare` validates the arguments (before
 * connecting, so bad input sends nothing) and returns the write; the task prints what was done with
 * the transaction hash, or under `--json` one document with the result.
 */
export async function sendRegistryTx(
  hre: HardhatRuntimeEnvironment,
  args: RegistryArgs,
  prepare: () => (conn: Connection) => Promise<Sent>,
): Promise<void> {
  await runTask(args, async (io) => {
    const send = prepare();
    const { line, result, data } = await send(await connectRegistry(hre, args));
    io.say(`${line} (tx ${result.hash})`);
    return { result: { ...data, ...txSummary(result) } };
  });
}
