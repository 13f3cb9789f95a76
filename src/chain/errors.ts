import type { Interface } from "ethers";

/** An error whose message is meant to be shown to an operator as one line, without a stack trace. */
export class MedChainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MedChainError";
  }
}

/** An ethers `Interface`, or anything carrying one (a TypeChain contract). */
export type HasInterface = Interface | { interface: Interface };

function interfaceOf(x: HasInterface): Interface {
  return "interface" in x ? x.interface : x;
}

function findRevertData(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== "object" || depth > 6) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
  for (const key of ["error", "info", "cause", "data"]) {
    const found = findRevertData(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return String(value);
}

/**
 * Decodes a contract revert into `ErrorName(arg=value, ...)` using the given interfaces, or
 * returns undefined when the error carries no revert data any of them knows.
 */
export function decodeRevert(err: unknown, contracts: HasInterface[]): string | undefined {
  const data = findRevertData(err);
  if (data === undefined) return undefined;
  for (const contract of contracts) {
    try {
      const parsed = interfaceOf(contract).parseError(data);
      if (parsed === null) continue;
      const args = parsed.fragment.inputs.map(
        (input, i) => `${input.name || `arg${i}`}=${formatValue(parsed.args[i])}`,
      );
      return `${parsed.name}(${args.join(", ")})`;
    } catch {
      // not this contract's error; try the next one
    }
  }
  return `unknown revert ${data.slice(0, 10)}`;
}

/** One line for an operator: the decoded revert, or the error's own short message. */
export function describeError(err: unknown, contracts: HasInterface[] = []): string {
  if (err instanceof MedChainError) return err.message;
  const revert = decodeRevert(err, contracts);
  if (revert !== undefined) return `the contract refused: ${revert}`;
  if (err !== null && typeof err === "object") {
    const e = err as { shortMessage?: unknown; message?: unknown };
    if (typeof e.shortMessage === "string") return e.shortMessage;
    if (typeof e.message === "string") return e.message.split("\n")[0] ?? e.message;
  }
  return String(err);
}
