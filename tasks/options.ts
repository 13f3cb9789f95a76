/**
 * The options every MedChain task takes, declared once: `--json` (print one JSON document and
 * nothing else), and for tasks that sign, `--as <name>` (a named account from
 * `medchain.accounts.json`) and `--from <address>` (one of the network's accounts). `--network` is
 * Hardhat's own global option and works with every task.
 *
 * A module declares its tasks with `taskOptions(task(...), { signs: true })` and its action passes
 * the parsed values to `runTask(args, …)` (output) and `connectTask(hre, args, …)` (the connection):
 *
 * ```ts
 * taskOptions(task(["records", "anchor"], "…"), { signs: true })
 *   .addPositionalArgument({ name: "target", description: "…" })
 *   .setAction(() => import("./records/anchor.js"))
 *   .build();
 *
 * export default async function anchor(args: Args & SigningArgs, hre: HardhatRuntimeEnvironment) {
 *   await runTask(args, async (io) => {
 *     const conn = await connectTask(hre, args, { records: args.records });
 *     …
 *   });
 * }
 * ```
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NewTaskDefinitionBuilder, TaskArguments } from "hardhat/types/tasks";

import type { Connection, ContractName } from "../src/chain/connection.js";

/**
 * The `--indexer <url>` option of the tasks that read reports (custody timeline, access audit,
 * remittance): read them from the MedChain indexer instead of scanning the chain's logs.
 */
export const indexerOption = {
  name: "indexer" as const,
  description:
    "Read from the MedChain indexer at this URL (default: env MEDCHAIN_INDEXER_URL; with neither, scan the chain's logs)",
  defaultValue: "",
};

/** What every task's arguments carry. */
export interface CommonArgs {
  json: boolean;
}

/** What a signing task's arguments carry besides {@link CommonArgs}. */
export interface SigningArgs extends CommonArgs {
  as: string;
  from: string;
}

/**
 * Adds the common options to a task: `--json` always; `--as` and `--from` when it `signs`. Returns
 * the builder, so the task's own options and action follow.
 */
export function taskOptions<A extends TaskArguments>(
  builder: NewTaskDefinitionBuilder<A>,
  options: { signs: true },
): NewTaskDefinitionBuilder<A & SigningArgs>;
export function taskOptions<A extends TaskArguments>(
  builder: NewTaskDefinitionBuilder<A>,
  options?: { signs?: false },
): NewTaskDefinitionBuilder<A & CommonArgs>;
export function taskOptions<A extends TaskArguments>(
  builder: NewTaskDefinitionBuilder<A>,
  options: { signs?: boolean } = {},
): NewTaskDefinitionBuilder<A & CommonArgs> {
  const withJson = builder.addFlag({
    name: "json",
    description: "Print one JSON document (the result, or the error) and nothing else",
  });
  if (options.signs !== true) return withJson as unknown as NewTaskDefinitionBuilder<A & CommonArgs>;
  return withJson
    .addOption({
      name: "as",
      description: "Sign as this named account (medchain.accounts.json, e.g. hospital-a)",
      defaultValue: "",
    })
    .addOption({
      name: "from",
      description: "Sign with this account of the network (an address; default: its first account)",
      defaultValue: "",
    }) as unknown as NewTaskDefinitionBuilder<A & CommonArgs>;
}

/**
 * The task's connection to the network it runs on (`--network`), signing as `--as` or `--from`
 * (read-only when `readOnly` and neither is given), with contract addresses given on the command
 * line (`{ records: args.records }`; empty strings mean "from the deployment record").
 */
export async function connectTask(
  hre: HardhatRuntimeEnvironment,
  args: Partial<SigningArgs>,
  addresses: Partial<Record<ContractName, string>> = {},
  options: { readOnly?: boolean } = {},
): Promise<Connection> {
  // Loaded when a task runs, not when hardhat.config.ts declares the tasks: the chain layer imports
  // the generated contract types, which a clean clone has only after its first `hardhat build`.
  const { connectHardhat } = await import("../src/chain/hardhat.js");
  return connectHardhat(hre, {
    from: args.from ?? "",
    as: args.as ?? "",
    addresses,
    ...(options.readOnly === true ? { readOnly: true } : {}),
  });
}
