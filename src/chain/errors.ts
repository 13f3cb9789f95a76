import type { Interface } from "ethers";

import { medchainInterface } from "./abi.js";

/**
 * What kind of failure an error is, for programs (branch on it) and for the command line (the exit
 * code). The same kinds in every module. (Named `kind`, not `code`: subclasses such as `Gs1Error`
 * keep their own finer `code`.)
 */
export type ErrorKind =
  /** The input was refused before anything was sent (a file, a field, an option). */
  | "BAD_INPUT"
  /** The contract refused the transaction or call (a custom error, decoded in `revert`). */
  | "REFUSED"
  /** The action worked and the answer is no: TAMPERED, UNKNOWN, RECALLED, a clone alert, a rejected claim. */
  | "NEGATIVE_VERDICT"
  /** The node could not be reached, answered with errors, or did not confirm a transaction in time. */
  | "UNREACHABLE"
  /** Anything else: a fault in MedChain itself. Set MEDCHAIN_DEBUG=1 to see the whole error. */
  | "INTERNAL";

/** The process exit code for each kind of error (README, "Exit codes"). 0 is success. */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  BAD_INPUT: 1,
  NEGATIVE_VERDICT: 2,
  REFUSED: 3,
  UNREACHABLE: 4,
  INTERNAL: 5,
};

/** A decoded contract refusal: the custom error's name and its arguments by name. */
export interface ContractRevert {
  /** The error's name, e.g. `ConsortiumNotEnoughVotes`; `Error` for a string reason, `Panic` for a panic. */
  name: string;
  /** Its full signature, e.g. `ConsortiumNotEnoughVotes(uint256,uint256,uint256)`. */
  signature: string;
  /** The 4-byte selector. */
  selector: string;
  /** The arguments by their declared names (`arg0`, `arg1`… where unnamed). */
  args: Record<string, unknown>;
  /** The arguments in declaration order. */
  values: unknown[];
  /** The raw revert data. */
  data: string;
}

export interface MedChainErrorOptions {
  kind?: ErrorKind;
  cause?: unknown;
  revert?: ContractRevert;
  /** The file the problem is in, when there is one. */
  file?: string;
  /** The field (a JSON path such as `entry[2].resource.status`) or option (`--member`) at fault. */
  field?: string;
}

/**
 * The one error type of the SDK: a message meant to be shown as one line, without a stack trace, and
 * a machine-readable `kind` (with, for a contract refusal, the decoded custom error in `revert`).
 * `new MedChainError(message)` is bad input; other kinds are given explicitly.
 */
export class MedChainError extends Error {
  readonly kind: ErrorKind;
  readonly revert?: ContractRevert;
  /**
   * Where bad input is: the file and field (a JSON path) or option. (One object rather than `file`
   * and `field` properties, which some subclasses declare with their own meaning.)
   */
  readonly where?: { file?: string; field?: string };

  constructor(message: string, options: MedChainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MedChainError";
    this.kind = options.kind ?? "BAD_INPUT";
    if (options.revert !== undefined) this.revert = options.revert;
    if (options.file !== undefined || options.field !== undefined) {
      this.where = {
        ...(options.file === undefined ? {} : { file: options.file }),
        ...(options.field === undefined ? {} : { field: options.field }),
      };
    }
  }

  /** The process exit code for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  /** True when the contract refused with the custom error `name` (e.g. `ConsortiumNotGovernor`). */
  isRevert(name: string): boolean {
    return this.revert?.name === name;
  }
}

/** Bad input naming where it is: `file: field: problem`, `--option: problem`, or just the problem. */
export function badInput(problem: string, where: { file?: string; field?: string } = {}): MedChainError {
  const prefix = [where.file, where.field].filter((p) => p !== undefined && p !== "").join(": ");
  return new MedChainError(prefix === "" ? problem : `${prefix}: ${problem}`, { kind: "BAD_INPUT", ...where });
}

/** A negative verdict (the answer is no). */
export function negativeVerdict(message: string): MedChainError {
  return new MedChainError(message, { kind: "NEGATIVE_VERDICT" });
}

/** An ethers `Interface`, or anything carrying one (a TypeChain contract). */
export type HasInterface = Interface | { interface: Interface };

function interfaceOf(x: HasInterface): Interface {
  return "interface" in x ? x.interface : x;
}

function findRevertData(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== "object" || depth > 6) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8}/.test(e.data)) return e.data;
  for (const key of ["error", "info", "cause", "data", "revert"]) {
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

function plain(value: unknown): unknown {
  // ethers' Result is an array subclass; hand callers plain arrays.
  return Array.isArray(value) ? Array.from(value, plain) : value;
}

/**
 * Decodes revert data into a {@link ContractRevert} with every MedChain ABI (and any extra
 * interfaces given first), or undefined when the error carries no revert data.
 */
export function decodeContractRevert(err: unknown, extra: HasInterface[] = []): ContractRevert | undefined {
  const data = findRevertData(err);
  if (data === undefined) return undefined;
  for (const iface of [...extra.map(interfaceOf), medchainInterface()]) {
    let parsed;
    try {
      parsed = iface.parseError(data);
    } catch {
      continue; // data that does not decode with this interface's fragment
    }
    if (parsed === null) continue;
    const values = parsed.fragment.inputs.map((_, i) => plain(parsed.args[i]));
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name || `arg${i}`] = values[i]));
    return { name: parsed.name, signature: parsed.signature, selector: parsed.selector, args, values, data };
  }
  return { name: "", signature: "", selector: data.slice(0, 10), args: {}, values: [], data };
}

/** `ErrorName(arg=value, …)`, or `unknown revert 0x12345678` for an error no MedChain ABI knows. */
export function formatRevert(revert: ContractRevert): string {
  if (revert.name === "") return `unknown revert ${revert.selector}`;
  const args = Object.entries(revert.args).map(([name, value]) => `${name}=${formatValue(value)}`);
  return `${revert.name}(${args.join(", ")})`;
}

/**
 * Decodes a contract revert into `ErrorName(arg=value, ...)`, or returns undefined when the error
 * carries no revert data.
 */
export function decodeRevert(err: unknown, contracts: HasInterface[] = []): string | undefined {
  const revert = decodeContractRevert(err, contracts);
  return revert === undefined ? undefined : formatRevert(revert);
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"]);

function errorChain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let e: unknown = err;
  for (let i = 0; i < 8 && e !== null && typeof e === "object"; i++) {
    out.push(e as Record<string, unknown>);
    const next = e as { cause?: unknown; error?: unknown };
    e = next.cause ?? next.error;
  }
  return out;
}

/**
 * A node's answer that it is not yet at the block a read asked for: anvil's "BlockOutOfRangeError"
 * right after a block is mined, geth's and Besu's "header not found" or "unknown block" behind a
 * load balancer. The node's state, not the caller's fault: the same read a moment later succeeds.
 * (Not a pruned node's "missing trie node": that state is gone for good.)
 */
const NODE_BEHIND = /BlockOutOfRange|header not found|unknown block/i;

/**
 * Whether a JSON-RPC error object is the node saying it is behind ({@link NODE_BEHIND}): only the
 * node's own error, never a contract's revert (code 3, revert data, or "revert" in the message),
 * whose reason text anyone can choose.
 */
export function isNodeBehind(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const e = error as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof e.message !== "string" || typeof e.code !== "number") return false;
  if (e.code === 3 || (e.data !== undefined && e.data !== null) || /revert/i.test(e.message)) return false;
  return NODE_BEHIND.test(e.message);
}

/** True when the error says the node could not be reached or failed (not that a contract refused). */
export function isUnreachable(err: unknown): boolean {
  return errorChain(err).some((e) => {
    if (typeof e.code === "string" && (NETWORK_CODES.has(e.code) || e.code === "TIMEOUT")) return true;
    if (e.code === "SERVER_ERROR") return true;
    // ethers keeps the node's own JSON-RPC error in `info.error` (a CALL_EXCEPTION without data may be one)
    if (isNodeBehind((e.info as { error?: unknown } | undefined)?.error) || isNodeBehind(e)) return true;
    const message = typeof e.message === "string" ? e.message : "";
    return /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|connect ECONN|HHE7\b|could not (connect|detect network)/i.test(
      message,
    );
  });
}

function shortMessage(err: unknown): string {
  if (err !== null && typeof err === "object") {
    const e = err as { shortMessage?: unknown; message?: unknown };
    if (typeof e.shortMessage === "string") return e.shortMessage;
    if (typeof e.message === "string") return e.message.split("\n")[0] ?? e.message;
  }
  return String(err);
}

/**
 * Any error as a {@link MedChainError}: a MedChainError as is; revert data as `REFUSED` with the
 * decoded custom error; a connection failure as `UNREACHABLE`; an ethers argument error or a zod
 * validation error as `BAD_INPUT`; anything else as `INTERNAL`.
 */
export function toMedChainError(err: unknown, extra: HasInterface[] = []): MedChainError {
  if (err instanceof MedChainError) return err;
  const revert = decodeContractRevert(err, extra);
  if (revert !== undefined) {
    return new MedChainError(`the contract refused: ${formatRevert(revert)}`, { kind: "REFUSED", revert, cause: err });
  }
  if (isUnreachable(err)) {
    const nodeSaid = (err as { info?: { error?: { message?: unknown } } } | null)?.info?.error?.message;
    const said = typeof nodeSaid === "string" ? nodeSaid : shortMessage(err);
    return new MedChainError(`the node is unreachable or failing: ${said}`, {
      kind: "UNREACHABLE",
      cause: err,
    });
  }
  const e = err as { code?: unknown; name?: unknown } | null;
  const badArgument = e !== null && typeof e === "object" && (e.code === "INVALID_ARGUMENT" || e.name === "ZodError");
  return new MedChainError(shortMessage(err), { kind: badArgument ? "BAD_INPUT" : "INTERNAL", cause: err });
}

/** One line for an operator: the decoded revert, or the error's own short message. */
export function describeError(err: unknown, contracts: HasInterface[] = []): string {
  return toMedChainError(err, contracts).message;
}
