import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContract, type Connection } from "../../src/chain/connection.js";
import type { TaskIo, TaskOutcome } from "../../src/chain/cli.js";
import type { OpOutcome } from "../../src/provenance/ops.js";
import type { DrugProvenance } from "../../typechain-types/index.js";
import { connectTask, type SigningArgs } from "../options.js";

/** What every provenance task takes besides the common options: the contract and the data directory. */
export interface ProvenanceArgs extends Partial<SigningArgs> {
  json: boolean;
  provenance: string;
}

/**
 * The task's connection (`--network`, signing as `--as` / `--from`, or read-only) and DrugProvenance
 * (`--provenance`, else the one Ignition deployed on that network).
 */
export async function connectProvenance(
  hre: HardhatRuntimeEnvironment,
  args: ProvenanceArgs,
  options: { readOnly?: boolean } = {},
): Promise<{ conn: Connection; provenance: DrugProvenance }> {
  const conn = await connectTask(hre, args, { provenance: args.provenance }, options);
  return { conn, provenance: await openContract(conn, "provenance") };
}

/** Prints an operation's lines (not under --json) and hands its result and verdict to runTask. */
export function report(io: TaskIo, outcome: OpOutcome): TaskOutcome {
  for (const line of outcome.lines) io.say(line);
  return { result: outcome.result, ...(outcome.verdict === undefined ? {} : { verdict: outcome.verdict }) };
}
