import { toMedChainError, type HasInterface } from "./errors.js";

/**
 * Runs a task's body and turns any failure into one line on stderr naming the problem (a decoded
 * custom error, a bad file, a wrong address) instead of a stack trace, with the exit code of its
 * kind (`EXIT_CODES`: 1 bad input, 2 negative verdict, 3 refused by the contract, 4 node unreachable,
 * 5 internal). Set MEDCHAIN_DEBUG=1 to see the full error.
 */
export async function runCli(contracts: HasInterface[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const error = toMedChainError(err, contracts);
    console.error(`error: ${error.message}`);
    if (process.env.MEDCHAIN_DEBUG === "1") console.error(err);
    process.exitCode = error.exitCode;
  }
}

/** Prints what a task did, with the transaction hash. */
export function reportTx(what: string, txHash: string): void {
  console.log(`${what} (tx ${txHash})`);
}
