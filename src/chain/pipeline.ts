/**
 * The pipelined, crash-safe batch sender: many transactions in flight at once, every one written to
 * the journal (hash, nonce, signed bytes) before it is sent, so a job killed at any point resumes
 * without losing or repeating a step.
 *
 * Written here rather than taken from a library: ethers' NonceManager keeps nonces in memory only
 * (a crash loses them) and knows nothing of journals, dropped transactions or dependent steps; no
 * well-kept package does write-ahead journalling of signed transactions.
 *
 * How a job runs:
 * 1. Recovery: the journal's unfinished transactions are looked up on chain. A receipt means it
 *    landed. No receipt and its nonce still free: the same signed bytes are sent again (same hash,
 *    so it can land at most once). No receipt and its nonce used by another transaction: the step
 *    is signed anew with a fresh nonce. Steps the journal calls mined are checked to still have
 *    their receipt (the chain decides, not the journal).
 * 2. Steps the journal does not know are asked `isDone` (work done before the journal existed).
 * 3. The rest are estimated (concurrently), given consecutive nonces per signer, journalled and
 *    flushed in one write per group, then sent; at most `window` are in flight. A step waits for
 *    the steps it `dependsOn` to be mined first.
 * 4. Receipts: one `eth_getTransactionCount` per signer every `pollMs`, then the receipts of the
 *    transactions it says are mined. A transaction not mined after `resendAfterMs` whose node no
 *    longer knows it was dropped: it is sent again. Node errors are retried with backoff (reported
 *    through `onEvent`) until that call has failed for `giveUpAfterMs` (a clock per call). A send
 *    answered "underpriced" is signed again at its nonce with higher fees (at most 3 times); every
 *    signing's hash stays in the journal, since an earlier one may still land.
 */
import {
  isHexString,
  Transaction,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
} from "ethers";

import { requireSigner, type Connection } from "./connection.js";
import { decodeContractRevert, MedChainError, toMedChainError, type ContractRevert } from "./errors.js";
import { lockFile, whileHolding } from "./file-lock.js";
import { Journal, type JournalEntry } from "./journal.js";
import { runBatchedJob } from "./batches.js";
import { signRaw } from "./raw-tx.js";
import { decodeEvents, type DecodedEvent } from "./send.js";

/** A contract call (or plain transfer) a step sends. */
export interface TxCall {
  to: string;
  data?: string;
  value?: bigint;
}

/** One step of a job: one transaction. */
export interface JobStep {
  /** Unique within the job and stable across runs (a commitment, an EPCIS event id). */
  key: string;
  /** Keys of earlier steps that must be mined first (a pack after its case's commissioning). */
  dependsOn?: readonly string[];
  /** The call; a function is called when the step is about to be sent (after its dependencies). */
  call: TxCall | (() => TxCall | Promise<TxCall>);
  /** Who signs (default: the connection's signer). Each signer has its own nonces. */
  signer?: Signer;
  /** A fixed gas limit; by default the step is estimated once. */
  gasLimit?: bigint;
  /**
   * Steps of one kind cost about the same gas (one contract function on similar input): the first
   * sent is estimated and the others of the kind (calling the same function with calldata of the
   * same size) take its estimate with the margin: one `eth_estimateGas` per kind, not per step. A step that then reverts is estimated on its
   * own: a refusal is reported with the contract's custom error, too little gas is sent once more.
   */
  gasKind?: string;
  /** Whether the chain already has the step's effect (done before the journal existed, or by another process); asked before the step is first sent in a run. */
  isDone?: () => Promise<boolean>;
  /**
   * The contract refuses the step when its effect is already on chain (a lot commissioned twice).
   * Then, when the journal is new (nothing to recover), `isDone` is not asked before sending but
   * only if the step is refused, and a step it calls done is reported as already on chain: one read
   * per step fewer in the usual case, the same outcome when the work was done before. Not for a
   * step the contract accepts again (a second dispense is recorded as a clone alert).
   */
  refusedIfDone?: boolean;
  /**
   * The contract the step calls, when it has `multicall` and the step may share a transaction with
   * other steps of the same signer to it (see `batches.ts`; with the job's `batchSize`). Only for a
   * step that is `refusedIfDone`.
   */
  batchWith?: string;
}

/** How a step ended in this run. */
export type StepStatus =
  /** Sent and mined in this run. */
  | "sent"
  /** Mined in an earlier run (the journal says so and the chain has the receipt). */
  | "journal"
  /** Already on chain (its `isDone` said so): nothing sent. */
  | "chain"
  /** The contract refused it (at estimation, or mined and reverted). */
  | "refused"
  /** Not sent: a step it depends on was refused or blocked, or the job stopped first. */
  | "blocked";

export interface StepOutcome {
  key: string;
  status: StepStatus;
  hash?: string;
  nonce?: number;
  receipt?: TransactionReceipt;
  /** Its transaction's events (a batch's: those of all its steps). */
  events?: DecodedEvent[];
  error?: MedChainError;
  /** Sent in a batch: the batch's journal key, the step's place in it, and how many steps it has. */
  batch?: { key: string; index: number; size: number };
}

/** What a job reports as it goes (a task prints these; the SDK prints nothing). */
export type JobEvent =
  | { type: "sent"; key: string; hash: string; nonce: number }
  | { type: "mined"; key: string; hash: string; block: number }
  | { type: "done"; key: string; status: StepStatus }
  | { type: "refused"; key: string; message: string }
  | { type: "resent"; key: string; hash: string; why: string }
  | { type: "renonced"; key: string; nonce: number; why: string }
  | { type: "retry"; what: string; attempt: number; delayMs: number; message: string }
  | { type: "stale"; key: string; hash: string };

export interface JobOptions {
  /** The journal file; created if missing. */
  journal: string;
  /** Most transactions in flight at once (default 64). */
  window?: number;
  /** How often receipts are looked for (default 25 ms). */
  pollMs?: number;
  /** A transaction not mined after this long is checked and sent again if the node dropped it (default 6 s). */
  resendAfterMs?: number;
  /** Give up when a call has failed for this long without a success (default 60 s; each call its own clock). */
  giveUpAfterMs?: number;
  /** On a refused step: stop sending new steps (default), or go on with the others. */
  onRefused?: "stop" | "continue";
  /** Most `batchWith` steps in one transaction (default 1: each step alone). */
  batchSize?: number;
  /** Gas estimate multiplier in percent (default 125: state may change between estimate and mining). */
  gasMarginPercent?: number;
  /** Flush the journal to disk before each send (default true; tests on tmpfs may turn it off). */
  sync?: boolean;
  /** Called for every step that is done (sent, journal or chain), in order of completion. Must be idempotent: a re-run calls it again. */
  onDone?: (outcome: StepOutcome) => void | Promise<void>;
  /** Progress and retry reports. */
  onEvent?: (event: JobEvent) => void;
}

export interface JobReport {
  /** One outcome per step, in input order. */
  outcomes: StepOutcome[];
  /** Steps sent and mined in this run. */
  sent: number;
  /** Transactions mined in this run (fewer than `sent` when steps share them). */
  transactions: number;
  /** Done in an earlier run (journal) or already on chain. */
  skipped: number;
  refused: number;
  blocked: number;
  /** Transactions sent again (dropped, or recovered after a crash) and steps re-signed with a new nonce. */
  resent: number;
  retries: number;
  elapsedMs: number;
}

/** A job that stopped on a refused step; the report says what was done. */
export class JobError extends MedChainError {
  constructor(
    message: string,
    readonly report: JobReport,
    revert?: ContractRevert,
  ) {
    super(message, { kind: "REFUSED", ...(revert === undefined ? {} : { revert }) });
    this.name = "JobError";
  }
}

const JOURNAL_FORMAT = "medchain.job-journal/1";
const HEADER_KEY = "#job";

type Fees = { type: 0; gasPrice: bigint } | { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/**
 * Fees for signing a step again at its nonce: the node's current ones (`fresh`; a fee cap of twice
 * the base fee), and at least 12.5% above the earlier signing's, fee cap and tip alike (what pools
 * ask of a replacement). A legacy price counts as both cap and tip, whichever type either side is.
 */
function raisedFees(fresh: Fees, earlier: TransactionRequest): Fees {
  const big = (v: unknown) => BigInt((v as bigint | null | undefined) ?? 0n);
  const up = (v: bigint) => (v * 1125n + 999n) / 1000n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const cap = up(big(earlier.maxFeePerGas ?? earlier.gasPrice));
  const tip = up(big(earlier.maxPriorityFeePerGas ?? earlier.gasPrice));
  if (fresh.type === 0) return { type: 0, gasPrice: max(fresh.gasPrice, cap) };
  const maxPriorityFeePerGas = max(fresh.maxPriorityFeePerGas, tip);
  return { type: 2, maxFeePerGas: max(max(fresh.maxFeePerGas * 2n, cap), maxPriorityFeePerGas), maxPriorityFeePerGas };
}

/** Whether a transaction would be signed with these fees already (nothing to raise: a zero-gas chain). */
function sameFees(fees: Fees, tx: TransactionRequest): boolean {
  return fees.type === 0
    ? tx.type === 0 && BigInt(tx.gasPrice ?? 0n) === fees.gasPrice
    : tx.type === 2 &&
        BigInt(tx.maxFeePerGas ?? 0n) === fees.maxFeePerGas &&
        BigInt(tx.maxPriorityFeePerGas ?? 0n) === fees.maxPriorityFeePerGas;
}

interface Flight {
  nonce: number;
  hash?: string;
  /**
   * Hashes of earlier signings of this step at the same nonce (re-signed with higher fees after an
   * "underpriced" answer): a send that timed out may have been accepted, so any of them may land.
   */
  earlier?: string[];
  raw?: string;
  tx: TransactionRequest;
  sentAt: number;
  /** When this run first sent it (resends keep it): how long it has waited for a block. */
  firstSentAt?: number;
  checkedAt: number;
  /** Since when its nonce is used without its receipt showing (a slow receipt index, or another transaction). */
  missing: number;
  /** The journal's block number when it was signed: where a node-signed transaction is looked for. */
  block: number;
  /** Times signed again at this nonce in this run, with higher fees (at most {@link MAX_RESIGNS}). */
  resigns?: number;
  /** Times this signing was answered "replacement underpriced" (another transaction pooled at its nonce). */
  replacementRefusals?: number;
}

interface StepState {
  step: JobStep;
  index: number;
  lane: Lane;
  phase: "waiting" | "preparing" | "ready" | "inflight" | "finished";
  call?: TxCall;
  gas?: bigint;
  flight?: Flight;
  outcome?: StepOutcome;
  /** Estimated again after a revert at mining (at most once). */
  reestimated?: boolean;
}

interface Lane {
  signer: Signer;
  address: string;
  /** `raw`: we sign (the journal holds the signed bytes); `node`: the node signs (eth_sendTransaction). */
  mode?: "raw" | "node";
  nextNonce: number;
  inFlight: Map<number, StepState>;
  /** The lane's mined nonce count at the last poll, and since when it has not moved (or was nudged). */
  used: number;
  usedSince: number;
  /** When the mined nonce count last moved (or the lane began). */
  movedAt: number;
}

/**
 * Transactions of one signer go out in nonce order, at most this many (and this many bytes) to a
 * JSON-RPC batch, one batch after the other. anvil handles a batch's calls concurrently: a large
 * batch arrives out of order, the early nonces wait in its queue, and now and then one is lost in a
 * race with its block being mined (the whole lane then waits for its resends; measured: 1 in ~20
 * batches of 64 small transfers). 16 small transfers in order never showed it, but 16 multicall
 * batches of 3.4 KB did (a 5 s stall of resends in about one EPCIS import of 1,000 events in
 * eight); at most 16 KB to a request (four such batches), 24 imports in a row showed none.
 */
export const SEND_CHUNK = 16;
export const SEND_CHUNK_BYTES = 16_384;

/**
 * Splits a lane's transactions (in nonce order) into consecutive JSON-RPC batches of at most
 * SEND_CHUNK transactions and, past the first, SEND_CHUNK_BYTES bytes.
 */
export function sendChunks<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (chunk.length > 0 && (chunk.length >= SEND_CHUNK || bytes + size > SEND_CHUNK_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
/** A lane whose mined nonce has not moved for this long gets its lowest transaction sent again (same bytes). */
const NUDGE_AFTER_MS = 1_000;

/**
 * `events` of an outcome, decoded when first read: most jobs never read them, and decoding every
 * receipt's logs was a tenth of a claims job's client time.
 */
function withEvents(outcome: StepOutcome & { receipt: TransactionReceipt }): StepOutcome {
  let decoded: DecodedEvent[] | undefined;
  return Object.defineProperty(outcome, "events", {
    enumerable: true,
    configurable: true,
    get: () => (decoded ??= decodeEvents(outcome.receipt.logs)),
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function rpcOf(provider: Provider): (method: string, params: unknown[]) => Promise<unknown> {
  const send = (provider as unknown as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  if (typeof send !== "function") {
    throw new MedChainError("the batch sender needs a JSON-RPC provider (one with send())", { kind: "BAD_INPUT" });
  }
  return send.bind(provider);
}

function messageOf(err: unknown): string {
  const e = err as {
    info?: { error?: { message?: unknown } };
    error?: { message?: unknown };
    shortMessage?: unknown;
    message?: unknown;
  };
  const inner = e?.info?.error?.message ?? e?.error?.message;
  if (typeof inner === "string") return inner;
  if (typeof e?.shortMessage === "string") return e.shortMessage;
  return typeof e?.message === "string" ? e.message.split("\n")[0]! : String(err);
}

const ALREADY_KNOWN = /already known|known transaction|already imported|AlreadyKnown|transaction already exists/i;
const NONCE_USED = /nonce too low|nonce has already been used|NONCE_EXPIRED|OldNonce|invalid nonce/i;
/** The pool holds another transaction at this nonce (ours, signed earlier, or not ours): not a fee to raise. */
const REPLACEMENT_UNDERPRICED = /replacement transaction underpriced|ReplacementUnderpriced|replacement fee too low/i;
const UNDERPRICED =
  /max fee per gas less than block base fee|fee cap less than block base fee|underpriced|FeeCapTooLow/i;
/** How often a step is signed again with higher fees before the job stops and says so. */
const MAX_RESIGNS = 3;
const NO_FUNDS = /insufficient funds|InsufficientFunds/i;
/** The node's answer to a transaction that needs more gas than a block holds: it can never be mined. */
const OVER_BLOCK_GAS =
  /gas required exceeds allowance|exceeds block gas limit|gas limit reached|more gas than (the )?block gas limit|intrinsic gas too high/i;

/** Hex quantities for eth_sendTransaction. */
function rpcTx(from: string, tx: TransactionRequest): Record<string, string> {
  const hex = (v: bigint | number) => `0x${BigInt(v).toString(16)}`;
  const out: Record<string, string> = { from, to: String(tx.to), data: String(tx.data ?? "0x") };
  if (tx.value != null) out.value = hex(tx.value as bigint);
  if (tx.nonce != null) out.nonce = hex(tx.nonce);
  if (tx.gasLimit != null) out.gas = hex(tx.gasLimit as bigint);
  if (tx.gasPrice != null) out.gasPrice = hex(tx.gasPrice as bigint);
  if (tx.maxFeePerGas != null) out.maxFeePerGas = hex(tx.maxFeePerGas as bigint);
  if (tx.maxPriorityFeePerGas != null) out.maxPriorityFeePerGas = hex(tx.maxPriorityFeePerGas as bigint);
  if (tx.type != null) out.type = hex(tx.type);
  return out;
}

function txToJson(tx: TransactionRequest): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(tx))
    if (v != null) out[k] = typeof v === "bigint" ? v.toString() : (v as string | number);
  return out;
}

function txFromJson(json: Record<string, string | number>): TransactionRequest {
  const big = (k: string) => (json[k] === undefined ? undefined : BigInt(json[k]!));
  const tx: TransactionRequest = { to: String(json.to), data: String(json.data ?? "0x") };
  for (const k of ["value", "gasLimit", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "chainId"] as const) {
    const v = big(k);
    if (v !== undefined) (tx as Record<string, unknown>)[k] = v;
  }
  if (json.nonce !== undefined) tx.nonce = Number(json.nonce);
  if (json.type !== undefined) tx.type = Number(json.type);
  return tx;
}

/**
 * Refuses a journal entry whose transaction is not the step's call: another contract or account
 * (`to`), value, or function (the calldata's selector). The journal was edited, or belongs to other
 * input; recovery would otherwise sign again, with the job's key, whatever the entry says, or count
 * the step done by another transaction. The arguments are not compared: a step may build them anew
 * in each run (a claim's fresh salts), and the journalled ones are the ones that count. Only a step
 * whose call is fixed (not built when sent) can be compared.
 */
function requireStepCall(
  journalFile: string,
  step: JobStep,
  tx: { to?: string | null; data?: string | null; value?: bigint | null },
): void {
  if (typeof step.call === "function") return;
  const want = step.call;
  const selector = (data: string | null | undefined) => (data ?? "0x").slice(0, 10).toLowerCase();
  const same =
    String(tx.to ?? "").toLowerCase() === want.to.toLowerCase() &&
    selector(tx.data) === selector(want.data) &&
    BigInt(tx.value ?? 0n) === (want.value ?? 0n);
  if (!same) {
    throw new MedChainError(
      `${journalFile}: step "${step.key}": the journal's transaction (to ${String(tx.to)}) is not the step's call; ` +
        "the journal was changed or belongs to other input: move it away to start the job over",
    );
  }
}

/** The call a signed transaction makes (to sign it again). */
function callOfTx(tx: TransactionRequest): TxCall {
  return {
    to: String(tx.to),
    data: String(tx.data ?? "0x"),
    ...(tx.value != null ? { value: BigInt(tx.value as bigint) } : {}),
  };
}

/** The fee fields of every transaction of a job, asked of the node once. */
async function jobFees(conn: Connection): Promise<Fees> {
  const fixed = conn.fees;
  if (fixed?.gasPrice !== undefined) return { type: 0, gasPrice: fixed.gasPrice };
  if (fixed?.maxFeePerGas !== undefined) {
    return { type: 2, maxFeePerGas: fixed.maxFeePerGas, maxPriorityFeePerGas: fixed.maxPriorityFeePerGas ?? 0n };
  }
  const [block, feeData] = await Promise.all([conn.provider.getBlock("latest"), conn.provider.getFeeData()]);
  const baseFee = block?.baseFeePerGas;
  // A zero-gas chain (most consortium chains): legacy transactions at price 0 are what they accept.
  if (baseFee == null || (baseFee === 0n && (feeData.gasPrice ?? 0n) === 0n)) {
    return { type: 0, gasPrice: feeData.gasPrice ?? 0n };
  }
  const priority = feeData.maxPriorityFeePerGas ?? 0n;
  return { type: 2, maxFeePerGas: baseFee * 2n + priority, maxPriorityFeePerGas: priority };
}

/**
 * Runs a batch job: sends every step's transaction, pipelined and crash-safe (see the file comment).
 * Returns one outcome per step; with `onRefused: "stop"` (the default) a refused step ends the job
 * with a {@link JobError} once what was in flight has landed.
 */
export async function runJob(conn: Connection, steps: readonly JobStep[], options: JobOptions): Promise<JobReport> {
  // one run at a time on a journal: two would interleave its lines and sign the same nonces
  return whileHolding(lockFile(options.journal, "a job"), () => {
    const batchSize = options.batchSize ?? 1;
    if (batchSize > 1 && steps.some((s) => s.batchWith !== undefined)) {
      return runBatchedJob(conn, steps, { ...options, batchSize }, runSteps);
    }
    return runSteps(conn, steps, options);
  });
}

/** The pipelined sender itself: each step its own transaction. */
async function runSteps(conn: Connection, steps: readonly JobStep[], options: JobOptions): Promise<JobReport> {
  const started = Date.now();
  const window = Math.max(1, options.window ?? 64);
  const pollMs = options.pollMs ?? 25;
  const resendAfterMs = options.resendAfterMs ?? 6_000;
  const giveUpAfterMs = options.giveUpAfterMs ?? 60_000;
  const margin = BigInt(options.gasMarginPercent ?? 125);
  const emit = options.onEvent ?? (() => {});
  const provider = conn.provider;
  const rpc = rpcOf(provider);
  const report: JobReport = {
    outcomes: [],
    sent: 0,
    transactions: 0,
    skipped: 0,
    refused: 0,
    blocked: 0,
    resent: 0,
    retries: 0,
    elapsedMs: 0,
  };

  // ---- the steps ----
  const byKey = new Map<string, StepState>();
  const lanes = new Map<string, Lane>();
  const laneOf = async (signer: Signer): Promise<Lane> => {
    const address = (await signer.getAddress()).toLowerCase();
    let lane = lanes.get(address);
    if (lane === undefined) {
      lane = {
        signer,
        address,
        nextNonce: -1,
        inFlight: new Map(),
        used: -1,
        usedSince: Date.now(),
        movedAt: Date.now(),
      };
      lanes.set(address, lane);
    }
    return lane;
  };
  const defaultSigner = steps.some((s) => s.signer === undefined) ? requireSigner(conn, "a batch job") : undefined;
  const states: StepState[] = [];
  for (const [index, step] of steps.entries()) {
    if (typeof step.key !== "string" || step.key === "" || step.key.startsWith("#")) {
      throw new MedChainError(`step ${index}: a step key must be a non-empty string not starting with #`);
    }
    if (byKey.has(step.key)) throw new MedChainError(`step ${index}: the key "${step.key}" is used twice`);
    for (const dep of step.dependsOn ?? []) {
      if (!byKey.has(dep))
        throw new MedChainError(`step "${step.key}": depends on "${dep}", which is not an earlier step`);
    }
    const state: StepState = { step, index, lane: await laneOf(step.signer ?? defaultSigner!), phase: "waiting" };
    byKey.set(step.key, state);
    states.push(state);
  }

  // ---- retries ----
  // Each call keeps its own clock: a call that keeps failing gives up even while other calls succeed.
  const retrying = async <T>(
    what: string,
    fn: () => Promise<T>,
    retryable: (err: unknown) => boolean = () => true,
  ): Promise<T> => {
    let failingSince: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!retryable(err)) throw err;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > giveUpAfterMs) {
          throw new MedChainError(
            `the node at ${conn.endpoint} has failed for ${Math.round(giveUpAfterMs / 1000)} s (${what}: ${messageOf(err)}); ` +
              `run the job again to resume: nothing is lost or sent twice`,
            { kind: "UNREACHABLE", cause: err },
          );
        }
        const delayMs = Math.min(5_000, 100 * 2 ** Math.min(attempt - 1, 6));
        report.retries += 1;
        emit({ type: "retry", what, attempt, delayMs, message: messageOf(err) });
        await sleep(delayMs);
      }
    }
  };
  const notRevert = (err: unknown) => decodeContractRevert(err) === undefined && !/revert/i.test(messageOf(err));

  // The block gas limit, read once: no transaction of the job may ask for more (it would never be mined).
  let blockGas: Promise<bigint | undefined> | undefined;
  const blockGasLimit = () =>
    (blockGas ??= retrying("eth_getBlockByNumber", () => provider.getBlock("latest")).then((b) => b?.gasLimit));
  const estimateOf = async (state: StepState): Promise<bigint> => {
    let estimate: bigint;
    try {
      estimate = await retrying(
        `estimating step "${state.step.key}"`,
        () =>
          provider.estimateGas({
            from: state.lane.address,
            to: state.call!.to,
            data: state.call!.data ?? "0x",
            value: state.call!.value ?? 0n,
          }),
        (err) => notRevert(err) && !OVER_BLOCK_GAS.test(messageOf(err)),
      );
    } catch (err) {
      if (!OVER_BLOCK_GAS.test(messageOf(err))) throw err;
      throw new MedChainError(`it needs more gas than a block of this chain holds (${messageOf(err)})`, {
        kind: "REFUSED",
        cause: err,
      });
    }
    return (estimate * margin) / 100n;
  };
  /** A gas limit no higher than the block's (the margin must not make a transaction unminable). */
  const capped = async (gas: bigint): Promise<bigint> => {
    const cap = await blockGasLimit();
    return cap !== undefined && cap > 0n && gas > cap ? cap : gas;
  };
  // One estimate per gas kind: the first step of a kind to be prepared asks, the others wait for it.
  const gasByKind = new Map<string, Promise<{ gas: bigint; nonZero: number }>>();
  /** Calldata bytes that are not zero: each costs 16 gas before execution, a zero byte 4. */
  const nonZeroBytes = (data: string) => {
    let n = 0;
    for (let i = 2; i + 1 < data.length; i += 2) if (data[i] !== "0" || data[i + 1] !== "0") n += 1;
    return n;
  };
  const gasOf = async (state: StepState): Promise<bigint> => {
    if (state.step.gasKind === undefined) return estimateOf(state);
    // The same kind, contract, function and calldata size (a list of links is as long).
    const data = state.call!.data ?? "0x";
    const kind = `${state.step.gasKind}|${state.call!.to.toLowerCase()}|${data.slice(0, 10)}|${data.length}`;
    const nonZero = nonZeroBytes(data);
    const zero = (data.length - 2) / 2 - nonZero;
    // The kind's estimate, plus what this step's calldata costs more than the estimated step's, and
    // at least the calldata floor of EIP-7623 (Prague: 10 gas per token, a non-zero byte 4 tokens;
    // a node takes a transaction below it into its pool and then never mines it).
    const floor = 21_000n + 10n * BigInt(zero + 4 * nonZero);
    const adjusted = (known: { gas: bigint; nonZero: number }) => {
      const gas = known.gas + BigInt(Math.max(0, nonZero - known.nonZero) * 12);
      return gas > floor ? gas : (floor * margin) / 100n;
    };
    for (;;) {
      const known = gasByKind.get(kind);
      if (known === undefined) {
        const mine = estimateOf(state).then((gas) => ({ gas, nonZero }));
        gasByKind.set(kind, mine);
        try {
          return (await mine).gas;
        } catch (err) {
          if (gasByKind.get(kind) === mine) gasByKind.delete(kind); // refused: the next of its kind asks
          throw err;
        }
      }
      try {
        return adjusted(await known);
      } catch {
        if (gasByKind.get(kind) === known) gasByKind.delete(kind);
      }
    }
  };

  // ---- the journal ----
  const journal = await Journal.open(options.journal);
  const header = journal.get(HEADER_KEY);
  if (header !== undefined && header.chainId !== conn.chainId.toString()) {
    throw new MedChainError(
      `${options.journal}: the journal is of chain ${String(header.chainId)}, not ${conn.chainId}`,
    );
  }
  const freshJournal = journal.size === 0;
  const askDoneFirst = (state: StepState) => !(state.step.refusedIfDone === true && freshJournal);
  const pendingWrites: JournalEntry[] =
    header === undefined ? [{ key: HEADER_KEY, format: JOURNAL_FORMAT, chainId: conn.chainId.toString() }] : [];
  // One queue of writes: a flush returns only once every entry taken before it is on disk, even
  // those an earlier, concurrent flush took (else a transaction could go out before its entry).
  // A failed write fails every later flush too: what it held may be another step's entry.
  let flushed: Promise<void> = Promise.resolve();
  let writeFailed: unknown;
  const flush = (): Promise<void> => {
    const entries = pendingWrites.splice(0);
    const written = flushed.then(async () => {
      if (writeFailed !== undefined) throw writeFailed;
      try {
        await journal.recordMany(entries, { sync: options.sync ?? true });
      } catch (err) {
        writeFailed = err;
        throw err;
      }
    });
    flushed = written.catch(() => {});
    return written;
  };

  const finish = async (state: StepState, outcome: StepOutcome) => {
    state.phase = "finished";
    state.outcome = outcome;
    if (outcome.status === "sent") {
      report.sent += 1;
      report.transactions += 1;
    } else if (outcome.status === "journal" || outcome.status === "chain") report.skipped += 1;
    else if (outcome.status === "refused") report.refused += 1;
    else report.blocked += 1;
    emit({ type: "done", key: outcome.key, status: outcome.status });
    if (outcome.status === "sent" || outcome.status === "journal" || outcome.status === "chain") {
      await options.onDone?.(outcome);
    }
  };

  let stopping: StepState | undefined;
  const refuse = async (state: StepState, error: MedChainError, extra: Partial<StepOutcome> = {}) => {
    if (state.step.isDone !== undefined && (state.step.refusedIfDone === true || !askDoneFirst(state))) {
      // A refusal may be the contract refusing a repeat: not asked before sending (a new journal),
      // or done since it was asked (an earlier run's transaction, batched, that landed first).
      if (await retrying(`checking step "${state.step.key}"`, () => state.step.isDone!(), notRevert)) {
        pendingWrites.push({ key: state.step.key, state: "done", why: "already on chain" });
        await finish(state, { key: state.step.key, status: "chain" });
        return;
      }
    }
    emit({ type: "refused", key: state.step.key, message: error.message });
    pendingWrites.push({
      key: state.step.key,
      state: "refused",
      message: error.message,
      ...(extra.hash ? { hash: extra.hash } : {}),
    });
    await finish(state, { key: state.step.key, status: "refused", error, ...extra });
    if ((options.onRefused ?? "stop") === "stop") stopping ??= state;
  };

  const landed = async (state: StepState, receipt: TransactionReceipt) => {
    const flight = state.flight!;
    state.lane.inFlight.delete(flight.nonce);
    if (receipt.status !== 1 && !state.reestimated) {
      // Estimated as its kind, or the chain moved since its estimate: estimate it now, on its own.
      state.reestimated = true;
      state.call ??= {
        to: String(flight.tx.to),
        data: String(flight.tx.data ?? "0x"),
        ...(flight.tx.value != null ? { value: BigInt(flight.tx.value as bigint) } : {}),
      };
      let estimate: bigint | undefined;
      let revert: MedChainError | undefined;
      try {
        estimate = await capped(await estimateOf(state));
      } catch (err) {
        const error = toMedChainError(err);
        if (error.kind !== "REFUSED") throw error;
        revert = error;
      }
      if (estimate !== undefined && estimate > BigInt(flight.tx.gasLimit as bigint)) {
        // It ran out of gas: sign it again, with its own estimate and a new nonce (the old one is spent).
        pendingWrites.push({ key: state.step.key, state: "reverted", hash: receipt.hash, nonce: flight.nonce });
        emit({ type: "renonced", key: state.step.key, nonce: flight.nonce, why: "it ran out of gas" });
        report.resent += 1;
        state.gas = estimate;
        delete state.flight;
        state.phase = "ready";
        return;
      }
      if (revert !== undefined) {
        pendingWrites.push({ key: state.step.key, state: "reverted", hash: receipt.hash, nonce: flight.nonce });
        await refuse(
          state,
          new MedChainError(`step "${state.step.key}": ${revert.message}`, {
            kind: "REFUSED",
            ...(revert.revert ? { revert: revert.revert } : {}),
          }),
          { hash: receipt.hash, nonce: flight.nonce, receipt },
        );
        return;
      }
    }
    if (receipt.status !== 1) {
      pendingWrites.push({ key: state.step.key, state: "reverted", hash: receipt.hash, nonce: flight.nonce });
      await refuse(
        state,
        new MedChainError(`step "${state.step.key}": transaction ${receipt.hash} was mined but reverted`, {
          kind: "REFUSED",
        }),
        {
          hash: receipt.hash,
          nonce: flight.nonce,
          receipt,
        },
      );
      return;
    }
    pendingWrites.push({
      key: state.step.key,
      state: "mined",
      hash: receipt.hash,
      nonce: flight.nonce,
      block: receipt.blockNumber,
    });
    emit({ type: "mined", key: state.step.key, hash: receipt.hash, block: receipt.blockNumber });
    await finish(
      state,
      withEvents({
        key: state.step.key,
        status: "sent",
        hash: receipt.hash,
        nonce: flight.nonce,
        receipt,
      }),
    );
  };

  // ---- nonces ----
  const latestNonce = (lane: Lane) =>
    retrying("eth_getTransactionCount", () => provider.getTransactionCount(lane.address, "latest"));
  for (const lane of lanes.values()) {
    lane.nextNonce = await retrying("eth_getTransactionCount", () =>
      provider.getTransactionCount(lane.address, "pending"),
    );
  }

  // ---- fees, once per job ----
  let fees = await retrying("fee data", () => jobFees(conn));

  // ---- 1. recovery ----
  /** A step the journal says an earlier run sent, and whose receipt the chain still has. */
  const doneEarlier = (state: StepState, receipt: TransactionReceipt, nonce?: number) =>
    finish(
      state,
      withEvents({
        key: state.step.key,
        status: "journal",
        hash: receipt.hash,
        ...(nonce === undefined ? {} : { nonce }),
        receipt,
      }),
    );
  const recovering: StepState[] = [];
  await Promise.all(
    states.map(async (state) => {
      const entry = journal.get(state.step.key);
      if (entry === undefined) return;
      if (entry.state === "mined") {
        const receipt = await retrying("eth_getTransactionReceipt", () =>
          provider.getTransactionReceipt(String(entry.hash)),
        );
        if (receipt !== null && receipt.status === 1) {
          if (typeof state.step.call !== "function") {
            const tx = await retrying("eth_getTransactionByHash", () => provider.getTransaction(receipt.hash));
            if (tx !== null) requireStepCall(options.journal, state.step, tx);
          }
          await doneEarlier(state, receipt, Number(entry.nonce));
        } else {
          emit({ type: "stale", key: state.step.key, hash: String(entry.hash) }); // the chain forgot it: do it again
        }
        return;
      }
      if (entry.state === "signed" && String(entry.from).toLowerCase() !== state.lane.address) {
        // Signed by another account in an earlier run: only that account's nonces say whether it can still land.
        const hashes = [entry.hash, ...(Array.isArray(entry.earlier) ? entry.earlier : [])].filter((h): h is string =>
          isHexString(h, 32),
        );
        let receipt: TransactionReceipt | null = null;
        for (const hash of hashes) {
          receipt ??= await retrying("eth_getTransactionReceipt", () => provider.getTransactionReceipt(hash));
        }
        if (receipt === null) {
          throw new MedChainError(
            `${options.journal}: step "${state.step.key}" was sent by ${String(entry.from)} in an earlier run; run the job again with that account`,
          );
        }
        if (typeof state.step.call !== "function") {
          const found = receipt;
          const tx = await retrying("eth_getTransactionByHash", () => provider.getTransaction(found.hash));
          if (tx !== null) requireStepCall(options.journal, state.step, tx);
        }
        await doneEarlier(state, receipt);
        return;
      }
      if (entry.state === "signed") {
        state.flight = {
          nonce: Number(entry.nonce),
          ...(typeof entry.hash === "string" ? { hash: entry.hash } : {}),
          ...(Array.isArray(entry.earlier) ? { earlier: entry.earlier.filter((h) => isHexString(h, 32)) } : {}),
          ...(typeof entry.raw === "string" ? { raw: entry.raw } : {}),
          tx: txFromJson(entry.tx as Record<string, string | number>),
          sentAt: 0,
          checkedAt: 0,
          missing: 0,
          block: Number(entry.block ?? 0),
        };
        requireStepCall(options.journal, state.step, state.flight.tx as { to?: string; data?: string; value?: bigint });
        if (state.flight.raw !== undefined) {
          // the signed bytes it would send again: the same call, from this lane's account
          const signed = Transaction.from(state.flight.raw);
          requireStepCall(options.journal, state.step, signed);
          if (signed.from?.toLowerCase() !== state.lane.address) {
            throw new MedChainError(
              `${options.journal}: step "${state.step.key}": the journal's signed transaction is not from ${state.lane.address}; move the journal away to start over`,
            );
          }
        }
        // What it calls, should it be signed again (its nonce taken, or answered underpriced).
        state.call = callOfTx(state.flight.tx);
        state.gas = BigInt(state.flight.tx.gasLimit as bigint);
        recovering.push(state);
      }
    }),
  );
  // Look for a node-signed transaction (no hash in the journal) among the blocks since it was signed.
  const findSent = async (lane: Lane, flight: Flight): Promise<TransactionReceipt | null> => {
    const latest = await retrying("eth_blockNumber", () => provider.getBlockNumber());
    for (let n = flight.block; n <= latest; n++) {
      const block = await retrying("eth_getBlockByNumber", () => provider.getBlock(n, true));
      for (const tx of block?.prefetchedTransactions ?? []) {
        if (tx.from.toLowerCase() === lane.address && tx.nonce === flight.nonce) {
          const ours = tx.to?.toLowerCase() === String(flight.tx.to).toLowerCase() && tx.data === flight.tx.data;
          return ours ? retrying("eth_getTransactionReceipt", () => provider.getTransactionReceipt(tx.hash)) : null;
        }
      }
    }
    return null;
  };
  /** The receipt of a flight's transaction, whichever of its signings landed. */
  const receiptOf = async (lane: Lane, flight: Flight): Promise<TransactionReceipt | null> => {
    if (flight.hash === undefined) return findSent(lane, flight);
    for (const hash of [flight.hash, ...(flight.earlier ?? [])]) {
      const receipt = await retrying("eth_getTransactionReceipt", () => provider.getTransactionReceipt(hash));
      if (receipt !== null) return receipt;
    }
    return null;
  };
  for (const lane of lanes.values()) {
    const mine = recovering.filter((s) => s.lane === lane).sort((a, b) => a.flight!.nonce - b.flight!.nonce);
    if (mine.length === 0) continue;
    const used = await latestNonce(lane);
    let expected = used;
    for (const state of mine) {
      const flight = state.flight!;
      const receipt = flight.hash !== undefined || flight.nonce < used ? await receiptOf(lane, flight) : null;
      if (receipt !== null) {
        state.phase = "inflight";
        lane.inFlight.set(flight.nonce, state);
        await landed(state, receipt);
      } else if (flight.nonce < used || flight.nonce !== expected) {
        // Its nonce went to another transaction (or a gap lies before it): sign it anew.
        emit({
          type: "renonced",
          key: state.step.key,
          nonce: flight.nonce,
          why: flight.nonce < used ? "its nonce was used by another transaction" : "an earlier nonce was never sent",
        });
        report.resent += 1;
        state.call = callOfTx(flight.tx);
        state.gas = BigInt(flight.tx.gasLimit as bigint);
        delete state.flight;
        state.phase = "ready";
      } else {
        // Not landed, nonce still free: send the same signed transaction again.
        expected += 1;
        state.phase = "inflight";
        lane.inFlight.set(flight.nonce, state);
        lane.nextNonce = Math.max(lane.nextNonce, flight.nonce + 1);
        emit({
          type: "resent",
          key: state.step.key,
          hash: flight.hash ?? "(node-signed)",
          why: "recovered from the journal after a restart",
        });
        report.resent += 1;
        await broadcast(state);
      }
    }
  }
  await flush();

  // Transactions of a signer still pending that this run does not know (an earlier run's under
  // other keys, such as a batch sent before a re-run with another batch size): wait for them to be
  // mined first (at most resendAfterMs), so that the state this run reads, and refusals it checks
  // against the chain, are those its own transactions will meet.
  for (const lane of lanes.values()) {
    const since = Date.now();
    for (;;) {
      const used = await latestNonce(lane);
      let unknown = false;
      for (let n = used; n < lane.nextNonce && !unknown; n++) if (!lane.inFlight.has(n)) unknown = true;
      if (!unknown || Date.now() - since >= resendAfterMs) break;
      await sleep(pollMs);
    }
  }

  // ---- sending ----
  async function sign(state: StepState, nonce: number): Promise<void> {
    const lane = state.lane;
    const tx: TransactionRequest = {
      to: state.call!.to,
      data: state.call!.data ?? "0x",
      value: state.call!.value ?? 0n,
      nonce,
      gasLimit: state.gas!,
      chainId: conn.chainId,
      ...fees,
    };
    let raw: string | undefined;
    let hash: string | undefined;
    if (lane.mode !== "node") {
      try {
        ({ raw, hash } = await signRaw(lane.signer, tx));
        lane.mode = "raw";
      } catch (err) {
        if (lane.mode === "raw") throw toMedChainError(err);
        lane.mode = "node"; // the node holds the key (Hardhat's remote accounts): it signs at send time
      }
    }
    // A node-signed transaction's hash is known only once sent: recovery looks for it from this block.
    let block = raw === undefined ? await retrying("eth_blockNumber", () => provider.getBlockNumber()) : 0;
    // Signed anew at the same nonce (higher fees): the earlier signing may still land, so it is kept.
    const before = state.flight?.nonce === nonce ? state.flight : undefined;
    const earlier = [
      ...new Set([...(before?.earlier ?? []), ...(before?.hash === undefined ? [] : [before.hash])]),
    ].filter((h) => h !== hash);
    if (before !== undefined) block = Math.min(block, before.block);
    state.flight = {
      nonce,
      tx,
      sentAt: 0,
      checkedAt: 0,
      missing: 0,
      block,
      ...(hash ? { hash } : {}),
      ...(earlier.length > 0 ? { earlier } : {}),
      ...(raw ? { raw } : {}),
    };
    pendingWrites.push(signedEntry(state));
  }

  function signedEntry(state: StepState): JournalEntry {
    const flight = state.flight!;
    return {
      key: state.step.key,
      state: "signed",
      from: state.lane.address,
      nonce: flight.nonce,
      block: flight.block,
      tx: txToJson(flight.tx),
      ...(flight.hash === undefined ? {} : { hash: flight.hash }),
      ...(flight.earlier === undefined ? {} : { earlier: flight.earlier }),
      ...(flight.raw === undefined ? {} : { raw: flight.raw }),
    };
  }

  /** Sends a flight's transaction (again, after a crash or a drop: the same bytes, the same hash). */
  async function broadcast(state: StepState, nudge = false): Promise<void> {
    const flight = state.flight!;
    const lane = state.lane;
    if (!nudge) {
      flight.sentAt = Date.now();
      flight.checkedAt = flight.sentAt;
      flight.firstSentAt ??= flight.sentAt;
    }
    for (;;) {
      try {
        const result = await retrying(
          "sending a transaction",
          () =>
            flight.raw !== undefined
              ? rpc("eth_sendRawTransaction", [flight.raw])
              : rpc("eth_sendTransaction", [rpcTx(lane.address, flight.tx)]),
          (err) =>
            !(
              ALREADY_KNOWN.test(messageOf(err)) ||
              NONCE_USED.test(messageOf(err)) ||
              UNDERPRICED.test(messageOf(err)) ||
              REPLACEMENT_UNDERPRICED.test(messageOf(err)) ||
              NO_FUNDS.test(messageOf(err)) ||
              !notRevert(err)
            ),
        );
        if (flight.hash === undefined && typeof result === "string") {
          flight.hash = result;
          pendingWrites.push(signedEntry(state));
        }
        if (!nudge) emit({ type: "sent", key: state.step.key, hash: flight.hash!, nonce: flight.nonce });
        return;
      } catch (err) {
        const message = messageOf(err);
        if (ALREADY_KNOWN.test(message)) return;
        if (NONCE_USED.test(message)) return; // ours landed (a re-send) or another took it: the poll tells which
        // Another transaction waits at this nonce (an earlier signing of this step, or one this run
        // does not know). The first time, it is given the chance to land (the poll sees which did,
        // and signs the step anew if it was not ours); answered so again at the next resend, the
        // step is signed with higher fees, to replace it (counted as a re-signing below).
        const replacement = REPLACEMENT_UNDERPRICED.test(message);
        if (replacement && (flight.replacementRefusals = (flight.replacementRefusals ?? 0) + 1) === 1) return;
        if (NO_FUNDS.test(message)) {
          throw new MedChainError(`account ${lane.address} cannot pay for the transactions of the job (${message})`, {
            kind: "BAD_INPUT",
          });
        }
        if (replacement || UNDERPRICED.test(message)) {
          // The base fee rose past the job's fees: ask again and sign the same nonce anew, with fees
          // above the earlier signing's (which stays journalled: it may still land), a few times.
          const resigns = (flight.resigns ?? 0) + 1;
          if (resigns > MAX_RESIGNS) {
            throw new MedChainError(
              `the node at ${conn.endpoint} refused step "${state.step.key}" as underpriced ${resigns} times, fees raised each time (${message}); ` +
                `give the connection fees the chain accepts and run the job again: nothing is lost or sent twice`,
              { kind: "BAD_INPUT", cause: err },
            );
          }
          await sleep(250 * resigns);
          // Fees the connection fixes are raised from; otherwise the node is asked again.
          const fresh = await retrying("fee data", () => jobFees(conn));
          const raised = raisedFees(fresh, flight.tx);
          if (sameFees(raised, flight.tx)) {
            throw new MedChainError(
              `the node at ${conn.endpoint} refused step "${state.step.key}" as underpriced, and its fees cannot be raised (${message}); ` +
                `give the connection fees the chain accepts and run the job again: nothing is lost or sent twice`,
              { kind: "BAD_INPUT", cause: err },
            );
          }
          fees = raised; // the later steps of the job meet the same base fee
          await sign(state, flight.nonce);
          state.flight!.resigns = resigns;
          await flush();
          return broadcast(state);
        }
        // A node that executes on send (Hardhat automine) reports a revert here; the poll finds the receipt.
        if (!notRevert(err)) return;
        throw err;
      }
    }
  }

  const prepare = async (state: StepState): Promise<void> => {
    try {
      if (state.step.isDone !== undefined && askDoneFirst(state)) {
        if (await retrying(`checking step "${state.step.key}"`, () => state.step.isDone!(), notRevert)) {
          pendingWrites.push({ key: state.step.key, state: "done", why: "already on chain" });
          await finish(state, { key: state.step.key, status: "chain" });
          return;
        }
      }
      state.call ??= typeof state.step.call === "function" ? await state.step.call() : state.step.call;
      state.gas ??= state.step.gasLimit ?? (await capped(await gasOf(state)));
      state.phase = "ready";
    } catch (err) {
      const error = toMedChainError(err);
      if (error.kind === "REFUSED") {
        await refuse(
          state,
          new MedChainError(`step "${state.step.key}": ${error.message}`, {
            kind: "REFUSED",
            ...(error.revert ? { revert: error.revert } : {}),
          }),
        );
      } else throw error;
    }
  };

  const depsState = (state: StepState): "ok" | "wait" | "blocked" => {
    let result: "ok" | "wait" = "ok";
    for (const dep of state.step.dependsOn ?? []) {
      const d = byKey.get(dep)!;
      if (d.phase !== "finished") result = "wait";
      else if (d.outcome!.status === "refused" || d.outcome!.status === "blocked") return "blocked";
    }
    return result;
  };

  const preparing = new Set<Promise<void>>();
  const inFlightCount = () => [...lanes.values()].reduce((n, lane) => n + lane.inFlight.size, 0);
  let fatal: unknown;

  /** Looks for receipts; returns how many transactions landed. */
  const poll = async (): Promise<number> => {
    let landedCount = 0;
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        if (lane.inFlight.size === 0) return;
        const used = await latestNonce(lane);
        const now = Date.now();
        await Promise.all(
          [...lane.inFlight.values()].map(async (state) => {
            const flight = state.flight!;
            if (flight.nonce < used) {
              const receipt = await receiptOf(lane, flight);
              if (receipt !== null) {
                landedCount += 1;
                return landed(state, receipt);
              }
              // Its nonce is used but not by it (after 3 s, to allow for a slow receipt index).
              if (flight.missing === 0) flight.missing = now;
              if (now - flight.missing < 3_000) return;
              lane.inFlight.delete(flight.nonce);
              emit({
                type: "renonced",
                key: state.step.key,
                nonce: flight.nonce,
                why: "its nonce was used by another transaction",
              });
              report.resent += 1;
              delete state.flight;
              state.phase = "ready";
              return;
            }
            if (now - flight.checkedAt < resendAfterMs) return;
            flight.checkedAt = now;
            const known =
              flight.hash === undefined
                ? null
                : await retrying("eth_getTransactionByHash", () => provider.getTransaction(flight.hash!));
            if (known === null) {
              emit({
                type: "resent",
                key: state.step.key,
                hash: flight.hash ?? "(node-signed)",
                why: "the node dropped it",
              });
              report.resent += 1;
              await broadcast(state);
            }
          }),
        );
        lane.nextNonce = Math.max(lane.nextNonce, used);
        if (used !== lane.used) {
          lane.used = used;
          lane.usedSince = now;
          lane.movedAt = now;
        } else if (now - lane.usedSince >= NUDGE_AFTER_MS) {
          // Nothing mined for a while: the lowest transaction may be lost in the node (see SEND_CHUNK) and
          // every later one waits behind it. Sending its signed bytes again is harmless ("already known").
          lane.usedSince = now;
          const head = lane.inFlight.get(used);
          // The node knows it but mines nothing (a stopped chain, or an automining dev node whose
          // full block left it in the pool): say so instead of waiting for ever.
          const waiting = head?.flight?.firstSentAt;
          if (waiting !== undefined && now - Math.max(waiting, lane.movedAt) >= giveUpAfterMs) {
            throw new MedChainError(
              `the node at ${conn.endpoint} has mined none of account ${lane.address}'s transactions for ` +
                `${Math.round((now - Math.max(waiting, lane.movedAt)) / 1000)} s (the lowest, step "${head!.step.key}" at nonce ${used}, waits in its pool); ` +
                `run the job again to resume: nothing is lost or sent twice`,
              { kind: "UNREACHABLE" },
            );
          }
          if (head?.flight?.raw !== undefined) await broadcast(head, true);
        }
      }),
    );
    await flush();
    return landedCount;
  };

  const sendReady = async (): Promise<void> => {
    const ready = states.filter((s) => s.phase === "ready");
    if (ready.length === 0) return;
    const room = window - inFlightCount();
    const batch = ready.slice(0, Math.max(0, room));
    for (const state of batch) await sign(state, state.lane.nextNonce++);
    await flush(); // written ahead: every transaction is on disk before it is sent
    for (const state of batch) {
      state.phase = "inflight";
      state.lane.inFlight.set(state.flight!.nonce, state);
    }
    // Each signer's in nonce order (see SEND_CHUNK); the signers side by side.
    const byLane = new Map<Lane, StepState[]>();
    for (const state of batch) byLane.set(state.lane, [...(byLane.get(state.lane) ?? []), state]);
    await Promise.all(
      [...byLane.values()].map(async (list) => {
        list.sort((a, b) => a.flight!.nonce - b.flight!.nonce);
        // a node-signed transaction's size is its calldata's
        const bytesOf = (s: StepState) => ((s.flight!.raw ?? s.flight!.tx.data ?? "0x").length - 2) / 2;
        for (const chunk of sendChunks(list, bytesOf)) await Promise.all(chunk.map((state) => broadcast(state)));
      }),
    );
    await flush();
  };

  try {
    for (;;) {
      if (fatal !== undefined) throw fatal;
      // Start what can start (dependencies mined, room in the window).
      for (const state of states) {
        if (state.phase !== "waiting") continue;
        if (stopping !== undefined) continue;
        const deps = depsState(state);
        if (deps === "blocked") {
          await finish(state, { key: state.step.key, status: "blocked" });
          continue;
        }
        if (deps === "wait") continue;
        if (preparing.size + inFlightCount() >= window) break;
        state.phase = "preparing";
        const p = prepare(state)
          .catch((err) => void (fatal ??= err))
          .finally(() => preparing.delete(p));
        preparing.add(p);
      }
      if (stopping === undefined) await sendReady();
      const flying = inFlightCount();
      if (flying > 0) {
        // Ask at once (a node that mines on arrival has the receipts already); wait only when nothing landed.
        if ((await poll()) === 0) await sleep(pollMs);
        continue;
      }
      if (preparing.size > 0) {
        await Promise.race(preparing);
        continue;
      }
      const open = states.filter((s) => s.phase !== "finished");
      if (open.length === 0) break;
      if (stopping !== undefined || open.every((s) => s.phase === "waiting" && depsState(s) !== "ok")) {
        for (const state of open)
          if (state.phase !== "finished") await finish(state, { key: state.step.key, status: "blocked" });
        break;
      }
    }
  } finally {
    await flush().catch(() => {});
    await journal.close();
  }
  report.outcomes = states.map((s) => s.outcome!);
  report.elapsedMs = Date.now() - started;
  if (stopping !== undefined) {
    const error = stopping.outcome!.error!;
    throw new JobError(
      `${error.message} (${report.sent} sent, ${report.skipped} already done, ${report.blocked} not sent; run again after fixing it)`,
      report,
      error.revert,
    );
  }
  return report;
}
