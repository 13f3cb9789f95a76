import cliProgress from "cli-progress";

import { toMedChainError, type HasInterface, type MedChainError } from "./errors.js";
import type { TxResult } from "./send.js";

/**
 * The command line's one output discipline, shared by every task:
 * - human mode prints one line per thing done on stdout, progress on stderr (a bar on a terminal,
 *   periodic lines otherwise), and a failure as one `error: …` line on stderr;
 * - `--json` prints exactly one JSON document on stdout and nothing else (no lines, no progress):
 *   `{"ok":true,"result":…}`, `{"ok":false,"verdict":"negative","result":…}` for a negative verdict,
 *   or `{"ok":false,"error":{kind,message,exitCode,revert?,where?}}`;
 * - the exit code says what happened, the same in every module (`EXIT_CODES`: 0 success, 1 bad
 *   input, 2 negative verdict, 3 refused by the contract, 4 node unreachable, 5 internal).
 * Tasks print only through the `TaskIo` they are given; the SDK never prints (it reports progress
 * through callbacks, `ProgressCallback`).
 */
export interface TaskIo {
  /** True under `--json`. */
  readonly json: boolean;
  /** Prints one line of what was done (not under `--json`). */
  say(line: string): void;
  /** A progress reporter for `total` items, labelled `label` (silent under `--json`). */
  progress(label: string, total: number): Progress;
}

/** What a task's body returns: its result (the JSON document's `result`) and whether the answer is no. */
export interface TaskOutcome {
  /** Machine-readable result: plain data (bigints become decimal strings). */
  result?: unknown;
  /** `negative`: the action worked and the answer is no (TAMPERED, UNKNOWN, a clone alert, a rejected claim). */
  verdict?: "negative";
}

/** A progress reporter; `tick` after each item, `stop` at the end (idempotent). */
export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

/** How the SDK reports progress of a long job, for the caller to display: items done of total. */
export type ProgressCallback = (done: number, total: number) => void;

/** Options every task takes for its output. */
export interface OutputOptions {
  json?: boolean;
}

/** Periodic progress lines without a terminal: at most one every this many milliseconds. */
const PLAIN_PROGRESS_INTERVAL_MS = 5_000;

/**
 * Runs a task's body with the output discipline above. `contracts` are extra interfaces whose custom
 * errors should be decoded (every MedChain ABI is known already).
 */
export async function runTask(
  options: OutputOptions,
  body: (io: TaskIo) => Promise<TaskOutcome | void>,
  contracts: HasInterface[] = [],
): Promise<void> {
  guardClosedPipes();
  const json = options.json === true;
  const display = json ? new SilentDisplay() : new TerminalDisplay();
  const io: TaskIo = {
    json,
    say: (line) => display.say(line),
    progress: (label, total) => display.progress(label, total),
  };
  try {
    const outcome = (await body(io)) ?? {};
    display.stop();
    if (outcome.verdict === "negative") process.exitCode = 2;
    if (json) {
      const doc =
        outcome.verdict === "negative"
          ? { ok: false, verdict: "negative", result: outcome.result ?? null }
          : { ok: true, result: outcome.result ?? null };
      process.stdout.write(toJson(doc) + "\n");
    }
  } catch (err) {
    display.stop();
    const error = toMedChainError(err, contracts);
    process.exitCode = error.exitCode;
    if (json) process.stdout.write(toJson({ ok: false, error: errorDocument(error) }) + "\n");
    else console.error(`error: ${oneLine(error.message)}`);
    if (process.env.MEDCHAIN_DEBUG === "1") console.error(err);
  }
}

/**
 * Runs a task's body and turns any failure into one line on stderr naming the problem (a decoded
 * custom error, a bad file, a wrong address) instead of a stack trace, with the exit code of its
 * kind. Kept for tasks that print their own lines; new tasks use `runTask`.
 */
export async function runCli(contracts: HasInterface[], body: () => Promise<void>): Promise<void> {
  await runTask({}, async () => body(), contracts);
}

/** Longest error line printed: a message quoting a hostile 10 MB value stays readable. */
export const MAX_ERROR_LINE = 600;

/**
 * An error message as one printable line: control characters (a NUL, a newline or an escape
 * sequence a hostile value carried) shown as `\uXXXX`, and anything past {@link MAX_ERROR_LINE}
 * characters left out with a count, so the line always names the file, the field and the problem.
 */
export function oneLine(message: string): string {
  const printable = message.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (printable.length <= MAX_ERROR_LINE) return printable;
  const left = printable.length - MAX_ERROR_LINE;
  return `${printable.slice(0, MAX_ERROR_LINE - 100)}… (${left} characters left out) …${printable.slice(-100)}`;
}

/** Prints what a task did, with the transaction hash. */
export function reportTx(what: string, txHash: string): void {
  console.log(`${what} (tx ${txHash})`);
}

/** The JSON form of a transaction's result: hash, block, gas and decoded events (the receipt left out). */
export function txSummary(result: TxResult): Record<string, unknown> {
  return {
    hash: result.hash,
    blockNumber: result.blockNumber,
    gasUsed: result.gasUsed,
    events: result.events.map((e) => ({ name: e.name, args: e.args })),
  };
}

/** The JSON form of an error: what a program branches on. */
export function errorDocument(error: MedChainError): Record<string, unknown> {
  return {
    kind: error.kind,
    message: oneLine(error.message),
    exitCode: error.exitCode,
    ...(error.revert === undefined
      ? {}
      : { revert: { name: error.revert.name, signature: error.revert.signature, args: error.revert.args } }),
    ...(error.where === undefined ? {} : { where: error.where }),
  };
}

/**
 * JSON with bigints as decimal strings and byte arrays as 0x-hex: chain values round-trip without
 * loss, and the document is valid JSON for any consumer.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return "0x" + Buffer.from(v).toString("hex");
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    return v;
  });
}

/**
 * A task piped into `head` or `grep -q` must end quietly when the reader goes away, not die of an
 * uncaught EPIPE with a stack trace.
 */
let pipesGuarded = false;
function guardClosedPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

interface Display {
  say(line: string): void;
  progress(label: string, total: number): Progress;
  stop(): void;
}

class SilentDisplay implements Display {
  say(): void {}
  progress(): Progress {
    return { tick() {}, stop() {} };
  }
  stop(): void {}
}

/**
 * Human output. On a terminal, progress is a bar on stderr and lines printed while it runs appear
 * above it (never interleaved with it); without a terminal, progress comes as periodic lines on
 * stderr. Jobs of fewer than `MIN_PROGRESS_ITEMS` items show no progress.
 */
class TerminalDisplay implements Display {
  private bars: cliProgress.MultiBar | undefined;
  private readonly active = new Set<Progress>();

  say(line: string): void {
    if (this.bars !== undefined) this.bars.log(line + "\n");
    else console.log(line);
  }

  progress(label: string, total: number): Progress {
    if (total < MIN_PROGRESS_ITEMS) return { tick() {}, stop() {} };
    const progress = process.stderr.isTTY ? this.bar(label, total) : plainProgress(label, total);
    this.active.add(progress);
    const stop = progress.stop.bind(progress);
    progress.stop = () => {
      if (!this.active.delete(progress)) return;
      stop();
      if (this.active.size === 0 && this.bars !== undefined) {
        this.bars.stop();
        this.bars = undefined;
      }
    };
    return progress;
  }

  stop(): void {
    for (const p of [...this.active]) p.stop();
  }

  private bar(label: string, total: number): Progress {
    this.bars ??= new cliProgress.MultiBar(
      {
        format: `{label} [{bar}] {value}/{total} {percentage}% eta {eta}s`,
        hideCursor: true,
        stream: process.stderr,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = this.bars.create(total, 0, { label });
    return {
      tick: (n = 1) => bar.increment(n),
      stop: () => bar.stop(),
    };
  }
}

/** Jobs smaller than this show no progress: their per-item lines are progress enough. */
export const MIN_PROGRESS_ITEMS = 20;

/** Progress as `label: done/total (pct%)` lines on stderr, at most one per interval, and one at the end. */
function plainProgress(label: string, total: number): Progress {
  let done = 0;
  let last = Date.now();
  const line = () => process.stderr.write(`${label}: ${done}/${total} (${Math.floor((done * 100) / total)}%)\n`);
  return {
    tick(n = 1) {
      done += n;
      const now = Date.now();
      if (now - last >= PLAIN_PROGRESS_INTERVAL_MS) {
        last = now;
        line();
      }
    },
    stop() {
      line();
    },
  };
}
