import { describeError, type HasInterface } from "./errors.js";

/**
 * Runs a task's body and turns any failure into one line on stderr naming the problem (a decoded
 * custom error, a bad file, a wrong address) instead of a stack trace; sets a failing exit code.
 * Set MEDCHAIN_DEBUG=1 to see the full error.
 */
export async function runCli(contracts: HasInterface[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    console.error(`error: ${describeError(err, contracts)}`);
    if (process.env.MEDCHAIN_DEBUG === "1") console.error(err);
    process.exitCode = 1;
  }
}

/** Prints what a task did, with the transaction hash. */
export function reportTx(what: string, txHash: string): void {
  console.log(`${what} (tx ${txHash})`);
}
