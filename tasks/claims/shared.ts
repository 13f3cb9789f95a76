import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask, type TaskIo, type TaskOutcome } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { connectHardhat, readSecret } from "../../src/chain/hardhat.js";
import { carcText } from "../../src/claims/carc.js";
import { MIN_SECRET_BYTES } from "../../src/claims/codes.js";
import { openClaims, type ClaimsConnection } from "../../src/claims/connect.js";

/** Options every claims task takes. */
export interface CommonArgs {
  engine: string;
  plans: string;
  from: string;
  as: string;
  json: boolean;
}

/** Where the coverage's member secret (printed on the insurance card) is read from: keystore or environment. */
export const MEMBER_SECRET = "MEDCHAIN_MEMBER_SECRET";

/** The coverage's member secret, from the Hardhat keystore or the environment (never the command line). */
export function memberSecret(hre: HardhatRuntimeEnvironment): Promise<string> {
  return readSecret(hre, MEMBER_SECRET, { kind: "text", minBytes: MIN_SECRET_BYTES });
}

/** A reason code with its name: `18 (Exact duplicate claim/service …)`. */
export function carcName(code: number): string {
  return `CARC ${code}: ${carcText(code)}`;
}

/**
 * Runs a claims task with the CLI's output discipline (`runTask`: `--json`, exit codes by kind).
 * `prepare` checks the arguments and reads the input files before anything is connected or sent,
 * then returns the body, which gets the claims contracts signed as `--as` / `--from`.
 */
export async function withClaims(
  args: CommonArgs,
  hre: HardhatRuntimeEnvironment,
  prepare: () =>
    | Promise<(c: ClaimsConnection, io: TaskIo) => Promise<TaskOutcome | void>>
    | ((c: ClaimsConnection, io: TaskIo) => Promise<TaskOutcome | void>),
): Promise<void> {
  await runTask(args, async (io) => {
    const body = await prepare();
    const conn = await connectHardhat(hre, {
      from: args.from,
      as: args.as,
      addresses: { claimsEngine: args.engine, claimsPlans: args.plans },
      labels: { claimsEngine: "--engine", claimsPlans: "--plans" },
    });
    return body(await openClaims(conn), io);
  });
}

/** A CARC given on the command line (`--reason 50`): a positive whole number below 2^16. */
export function parseCarc(value: string): number {
  if (value === "") throw badInput("a CARC reason code is required (e.g. 50)", { field: "--reason" });
  if (!/^\d{1,5}$/.test(value) || Number(value) === 0 || Number(value) > 65_535)
    throw badInput(`"${value}" is not a CARC reason code (1 to 65535)`, { field: "--reason" });
  return Number(value);
}
