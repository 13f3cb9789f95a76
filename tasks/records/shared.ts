import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContract, type Connection } from "../../src/chain/connection.js";
import { readSecret } from "../../src/chain/hardhat.js";
import type { RecordRegistry } from "../../typechain-types/index.js";
import { connectTask, type CommonArgs, type SigningArgs } from "../options.js";

/** Options every records task that reads only takes besides the common ones. */
export interface ReadRecordsArgs extends CommonArgs {
  records: string;
}

/** Options every records task that signs takes besides the common ones. */
export interface RecordsArgs extends SigningArgs {
  records: string;
}

/** The task's RecordRegistry (`--records`, or the one Ignition deployed), signing as `--as`/`--from`. */
export async function openRecords(
  hre: HardhatRuntimeEnvironment,
  args: Partial<RecordsArgs> | ReadRecordsArgs,
  readOnly = false,
): Promise<{ conn: Connection; records: RecordRegistry; chainId: bigint; address: string }> {
  const conn = await connectTask(hre, args, { records: args.records ?? "" }, { readOnly });
  const records = await openContract(conn, "records");
  return { conn, records, chainId: conn.chainId, address: await records.getAddress() };
}

/** A 32-byte secret of the keystore or the environment (never the command line). */
export function secretOf(hre: HardhatRuntimeEnvironment, name: string): Promise<string> {
  return readSecret(hre, name);
}
