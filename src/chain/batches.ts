/**
 * Several steps in one transaction: the steps of a job that call the same contract as the same
 * signer are sent together through the contract's `multicall` (OpenZeppelin `Multicall`), so an
 * EPCIS import pays one signature, one journal write and one round of JSON-RPC per batch instead of
 * per event.
 *
 * Only steps marked `batchWith` are grouped, and only steps the contract refuses to repeat
 * (`refusedIfDone`): that is what keeps batching crash-safe. A batch is one journal step with its own
 * key, recovered after a crash like any other (landed, sent again with the same bytes, or re-signed).
 * A batch the contract refuses (one of its calls fails, so none of it happened) is taken apart and
 * its steps are sent one by one, which names the exact step and error. A later run keeps a batch as
 * it was when its transaction is in the journal, and takes it apart when any of its steps is there
 * on its own; should a batch and one of its steps both reach the chain anyway, the second is refused
 * by the contract as a repeat and reported as already on chain.
 *
 * How steps are grouped: in input order, a step joins the first open batch of its signer and
 * contract that was started after every batch its dependencies are in (so no step shares a
 * transaction with a step it depends on, and batches depend only on earlier batches: no cycles),
 * up to `batchSize` steps. The grouping depends only on the steps, so a re-run of the same input
 * forms the same batches with the same keys.
 */
import { Interface, keccak256, toUtf8Bytes, type Signer } from "ethers";

import { requireSigner, type Connection } from "./connection.js";
import { bytesOfHex, HEX_DATA } from "./bytes.js";
import { MedChainError } from "./errors.js";
import { Journal } from "./journal.js";
import type { JobOptions, JobReport, JobStep, StepOutcome, TxCall } from "./pipeline.js";
import { JobError } from "./pipeline.js";

const MULTICALL = new Interface(["function multicall(bytes[] data) returns (bytes[] results)"]);
const MULTICALL_SELECTOR = Buffer.from(MULTICALL.getFunction("multicall")!.selector.slice(2), "hex");

/**
 * The calldata of `multicall(calls)`. Encoded over Buffers rather than by ethers' ABI coder, which
 * turns each call from hex text to bytes and back (1.3 ms for 16 calls, measured on this machine:
 * a good part of a batch job's client time). The layout is the ABI's for one `bytes[]` argument:
 * the selector, the offset of the array, its length, one offset per call (from the first of them),
 * then each call's length and bytes, padded to 32. A test checks it byte for byte against ethers'
 * encoding on random batches.
 */
export function multicallData(calls: readonly string[]): string {
  const word = (n: number) => {
    const b = Buffer.alloc(32);
    b.writeUIntBE(n, 26, 6);
    return b;
  };
  const bodies = calls.map((data, i) => {
    if (!HEX_DATA.test(data)) {
      throw new MedChainError(`batched call ${i}: its data is not whole bytes of hex`, { kind: "INTERNAL" });
    }
    return bytesOfHex(data);
  });
  const parts: Uint8Array[] = [MULTICALL_SELECTOR, word(32), word(calls.length)];
  let offset = 32 * calls.length;
  for (const body of bodies) {
    parts.push(word(offset));
    offset += 32 + Math.ceil(body.length / 32) * 32;
  }
  for (const body of bodies) parts.push(word(body.length), body, Buffer.alloc((32 - (body.length % 32)) % 32));
  return "0x" + Buffer.concat(parts).toString("hex");
}
/** Journal keys of batches: `batch:` and a hash of their steps' keys. */
export const BATCH_KEY_PREFIX = "batch:";

/** A unit of the first pass: a batch of steps, or one step on its own. */
interface Unit {
  key: string;
  members: JobStep[];
  batch: boolean;
  /** Order of creation: a unit depends only on units created before it. */
  index: number;
}

type RunSteps = (conn: Connection, steps: readonly JobStep[], options: JobOptions) => Promise<JobReport>;

/** The key of the batch of these steps (stable across runs: the steps' keys in order). */
export function batchKeyOf(keys: readonly string[]): string {
  // JSON: keys holding a separator cannot make two lists of keys spell the same text.
  return BATCH_KEY_PREFIX + keccak256(toUtf8Bytes(JSON.stringify(keys))).slice(2, 34);
}

/**
 * Groups steps into batches (see the file comment). Returns the units in creation order; a unit's
 * steps keep their input order. Exported for the tests of the grouping rules.
 */
export function groupSteps(
  steps: readonly JobStep[],
  signerOf: (step: JobStep) => string,
  batchSize: number,
): { key: string; keys: string[]; batch: boolean }[] {
  return formUnits(steps, signerOf, batchSize).map((u) => ({
    key: u.key,
    keys: u.members.map((m) => m.key),
    batch: u.batch,
  }));
}

function formUnits(steps: readonly JobStep[], signerOf: (step: JobStep) => string, batchSize: number): Unit[] {
  const units: Unit[] = [];
  const unitOf = new Map<string, Unit>();
  const open = new Map<string, Unit[]>();
  for (const step of steps) {
    const after = Math.max(-1, ...(step.dependsOn ?? []).map((d) => unitOf.get(d)?.index ?? -1));
    let unit: Unit | undefined;
    if (step.batchWith !== undefined) {
      const laneKey = `${signerOf(step)}|${step.batchWith.toLowerCase()}`;
      const candidates = open.get(laneKey) ?? [];
      unit = candidates.find((u) => u.index > after && u.members.length < batchSize);
      if (unit === undefined) {
        unit = { key: "", members: [], batch: true, index: units.length };
        units.push(unit);
        open.set(laneKey, [...candidates.filter((u) => u.members.length < batchSize), unit]);
      }
      unit.members.push(step);
    } else {
      unit = { key: step.key, members: [step], batch: false, index: units.length };
      units.push(unit);
    }
    unitOf.set(step.key, unit);
  }
  for (const unit of units) {
    if (!unit.batch) continue;
    if (unit.members.length === 1) {
      unit.batch = false; // a batch of one is the step itself
      unit.key = unit.members[0]!.key;
    } else unit.key = batchKeyOf(unit.members.map((m) => m.key));
  }
  return units;
}

/** The outcome of a step sent in a batch: the batch's transaction, status and receipt. */
function memberOutcome(step: JobStep, batch: StepOutcome, index: number, size: number): StepOutcome {
  const out: StepOutcome = { key: step.key, status: batch.status, batch: { key: batch.key, index, size } };
  if (batch.hash !== undefined) out.hash = batch.hash;
  if (batch.nonce !== undefined) out.nonce = batch.nonce;
  if (batch.error !== undefined) out.error = batch.error;
  if (batch.receipt !== undefined) {
    out.receipt = batch.receipt;
    // The batch's events (all of its steps'), decoded when first read.
    Object.defineProperty(out, "events", { enumerable: true, configurable: true, get: () => batch.events });
  }
  return out;
}

/** A step for the sender on its own: its dependencies renamed (or dropped) by `rename`. */
function alone(step: JobStep, rename: (dep: string) => string | undefined): JobStep {
  const { dependsOn: deps, batchWith: _batchWith, ...rest } = step;
  const dependsOn = [...new Set((deps ?? []).flatMap((d) => rename(d) ?? []))];
  return dependsOn.length > 0 ? { ...rest, dependsOn } : rest;
}

/**
 * Runs a job whose `batchWith` steps are sent several to a transaction (see the file comment);
 * `runSteps` is the pipelined sender. The report has one outcome per step, in input order.
 */
export async function runBatchedJob(
  conn: Connection,
  steps: readonly JobStep[],
  options: JobOptions & { batchSize: number },
  runSteps: RunSteps,
): Promise<JobReport> {
  const started = Date.now();
  const defaultSigner = steps.some((s) => s.signer === undefined) ? requireSigner(conn, "a batch job") : undefined;
  const addresses = new Map<Signer, string>();
  for (const step of steps) {
    const signer = step.signer ?? defaultSigner!;
    if (!addresses.has(signer)) addresses.set(signer, (await signer.getAddress()).toLowerCase());
    if (step.batchWith !== undefined && step.refusedIfDone !== true) {
      throw new MedChainError(
        `step "${step.key}": only a step the contract refuses to repeat (refusedIfDone) may share a transaction`,
        { kind: "INTERNAL" },
      );
    }
    if (step.key.startsWith(BATCH_KEY_PREFIX)) {
      throw new MedChainError(`step "${step.key}": a step key must not start with "${BATCH_KEY_PREFIX}"`);
    }
  }
  const grouped = formUnits(steps, (s) => addresses.get(s.signer ?? defaultSigner!)!, options.batchSize);

  // A batch whose steps the journal holds on their own (an earlier run took it apart) is taken
  // apart again; one whose transaction the journal holds is kept.
  const journal = await Journal.open(options.journal);
  const takenApart = (unit: Unit) => {
    const own = journal.get(unit.key)?.state;
    if (own === "signed" || own === "mined") return false;
    return unit.members.some((m) => journal.get(m.key) !== undefined);
  };
  const units = grouped.flatMap((unit) =>
    unit.batch && takenApart(unit)
      ? unit.members.map((m) => ({ key: m.key, members: [m], batch: false, index: unit.index }))
      : [unit],
  );
  await journal.close();
  const unitOfStep = new Map<string, Unit>();
  for (const unit of units) for (const m of unit.members) unitOfStep.set(m.key, unit);
  const unitByKey = new Map(units.map((u) => [u.key, u]));

  // ---- first pass: the batches and the steps on their own ----
  const outcomes = new Map<string, StepOutcome>();
  const done = async (outcome: StepOutcome) => {
    outcomes.set(outcome.key, outcome);
    await options.onDone?.(outcome);
  };
  const jobSteps: JobStep[] = units.map((unit) => {
    const rename = (d: string) => {
      const key = unitOfStep.get(d)!.key;
      return key === unit.key ? undefined : key;
    };
    if (!unit.batch) return alone(unit.members[0]!, rename);
    const members = unit.members;
    const to = members[0]!.batchWith!;
    const dependsOn = [...new Set(members.flatMap((m) => (m.dependsOn ?? []).flatMap((d) => rename(d) ?? [])))];
    // Batches of the same kinds of steps and calldata size cost about the same: one estimate for them.
    const kinds = members.every((m) => m.gasKind !== undefined)
      ? [...new Set(members.map((m) => m.gasKind))].sort().join(",")
      : undefined;
    return {
      key: unit.key,
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      ...(members[0]!.signer === undefined ? {} : { signer: members[0]!.signer }),
      ...(kinds === undefined ? {} : { gasKind: `batch of ${members.length}: ${kinds}` }),
      refusedIfDone: true,
      isDone: async () => {
        for (const m of members) if (m.isDone === undefined || !(await m.isDone())) return false;
        return true;
      },
      call: async (): Promise<TxCall> => {
        const calls = await Promise.all(members.map((m) => (typeof m.call === "function" ? m.call() : m.call)));
        calls.forEach((c, i) => {
          if (c.to.toLowerCase() !== to.toLowerCase() || (c.value ?? 0n) !== 0n) {
            throw new MedChainError(
              `step "${members[i]!.key}": batched with ${to}, but its call goes to ${c.to}${c.value ? " with value" : ""}`,
              { kind: "INTERNAL" },
            );
          }
        });
        return { to, data: multicallData(calls.map((c) => c.data ?? "0x")) };
      },
    };
  });
  const onDone = async (outcome: StepOutcome) => {
    const unit = unitByKey.get(outcome.key)!;
    if (!unit.batch) return done(outcome);
    for (const [i, m] of unit.members.entries()) await done(memberOutcome(m, outcome, i, unit.members.length));
  };
  let first: JobReport;
  let stopped: JobError | undefined;
  try {
    first = await runSteps(conn, jobSteps, { ...options, onDone });
  } catch (err) {
    if (!(err instanceof JobError)) throw err;
    first = err.report;
    // A step on its own was refused: that is the job's answer, as without batches.
    const alone = first.outcomes.filter((o) => o.status === "refused" && !unitByKey.get(o.key)!.batch);
    if (alone.length > 0 || !first.outcomes.some((o) => o.status === "refused")) stopped = err;
  }
  const firstOf = new Map(first.outcomes.map((o) => [o.key, o]));

  // ---- second pass: the steps of refused batches, and what waited for them, one by one ----
  let second: JobReport | undefined;
  let secondError: JobError | undefined;
  if (stopped === undefined) {
    // In input order (dependencies come first): a step goes again when its batch was refused, or it
    // was not sent and each of its dependencies is done or goes again too.
    const inAgain = new Set<string>();
    const doneFirst = (key: string) => {
      const status = outcomes.get(key)?.status;
      return status === "sent" || status === "journal" || status === "chain";
    };
    for (const s of steps) {
      const unit = unitOfStep.get(s.key)!;
      const status = firstOf.get(unit.key)?.status;
      if (!(status === "blocked" || (unit.batch && status === "refused"))) continue;
      if ((s.dependsOn ?? []).every((d) => inAgain.has(d) || doneFirst(d))) inAgain.add(s.key);
    }
    const again = steps.filter((s) => inAgain.has(s.key));
    if (again.length > 0) {
      try {
        second = await runSteps(
          conn,
          again.map((s) => alone(s, (d) => (inAgain.has(d) ? d : undefined))),
          { ...options, onDone: done },
        );
      } catch (err) {
        if (!(err instanceof JobError)) throw err;
        secondError = err;
        second = err.report;
      }
      for (const o of second.outcomes) outcomes.set(o.key, o);
    }
  }

  // ---- one outcome per step, in input order ----
  const report: JobReport = {
    outcomes: [],
    sent: 0,
    skipped: 0,
    refused: 0,
    blocked: 0,
    transactions: first.transactions + (second?.transactions ?? 0),
    resent: first.resent + (second?.resent ?? 0),
    retries: first.retries + (second?.retries ?? 0),
    elapsedMs: 0,
  };
  for (const step of steps) {
    const unit = unitOfStep.get(step.key)!;
    const ofUnit = firstOf.get(unit.key);
    // A step of a refused batch not tried on its own (the job stopped first) was not sent: blocked.
    const outcome =
      outcomes.get(step.key) ??
      (ofUnit === undefined || (unit.batch && ofUnit.status === "refused")
        ? { key: step.key, status: "blocked" as const }
        : unit.batch
          ? memberOutcome(step, ofUnit, unit.members.indexOf(step), unit.members.length)
          : ofUnit);
    report.outcomes.push(outcome);
    if (outcome.status === "sent") report.sent += 1;
    else if (outcome.status === "journal" || outcome.status === "chain") report.skipped += 1;
    else if (outcome.status === "refused") report.refused += 1;
    else report.blocked += 1;
  }
  report.elapsedMs = Date.now() - started;
  const error = stopped ?? secondError;
  if (error !== undefined) {
    const refused = report.outcomes.find((o) => o.status === "refused" && o.batch === undefined);
    const why = refused?.error?.message ?? error.message.replace(/ \(\d+ sent, .*\)$/, "");
    throw new JobError(
      `${why} (${report.sent} sent, ${report.skipped} already done, ${report.blocked} not sent; run again after fixing it)`,
      report,
      refused?.error?.revert ?? error.revert,
    );
  }
  return report;
}
