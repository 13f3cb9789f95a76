import type { ContractTransactionReceipt } from "ethers";

import type { ClaimsEngine } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";

/** Claim statuses, in the contract's order (IClaims.ClaimStatus). */
export const CLAIM_STATUS = [
  "None",
  "PendingReview",
  "Approved",
  "Paid",
  "Rejected",
  "Denied",
  "Appealed",
  "AppealDenied",
  "Voided",
  "Replaced",
] as const;
export type ClaimStatusName = (typeof CLAIM_STATUS)[number];

/** A claim line as the contract takes it. */
export interface LineArgs {
  code: string;
  units: bigint;
  charged: bigint;
}

/**
 * The anchored record that documents a claim (IClaims.Documentation): the provider's billing
 * documentation leaf `ofPair(patientRef, commitment)`, anchored alone (batchRoot zero, no proof) or
 * in one of its batches. The records SDK's proof file carries it (`readBillingCitation`).
 */
export interface DocumentationArgs {
  commitment: string;
  batchRoot: string;
  proof: string[];
}

/** The zero batch root: a documentation leaf anchored alone (the records SDK's constant). */
export { NO_BATCH } from "../records/merkle.js";

/** A claim as the contract's `submit` takes it. */
export interface ClaimInputArgs {
  patientRef: string;
  planId: bigint;
  /** The start of the patient's coverage period that covers the service date (`coverageOn`). */
  coverageStart: bigint;
  serviceDate: bigint;
  diagnosisCommitment: string;
  documentation: DocumentationArgs;
  lines: LineArgs[];
}

/** What `approve`, `escalate`, `voidClaim`, `replace` and `decideAppeal` take back (hashed on chain). */
export interface ClaimDetailsArgs {
  patientRef: string;
  coverageStart: bigint;
  serviceDate: bigint;
  deductibleApplied: bigint;
  oopApplied: bigint;
  previousDecision: bigint;
  lines: LineArgs[];
}

/** One line's adjudication as emitted. */
export interface LineResultView {
  submitted: bigint;
  eligible: bigint;
  deductible: bigint;
  copay: bigint;
  coinsurance: bigint;
  benefit: bigint;
  overLimit: bigint;
}

/** A claim's whole story, read from its storage and events. */
export interface ClaimView {
  claimId: bigint;
  status: ClaimStatusName;
  reason: number;
  planId: bigint;
  planVersion: bigint;
  providerId: string;
  serviceDate: bigint;
  planPays: bigint;
  patientRef: string;
  lines: LineArgs[];
  replaces: bigint;
  coverageStart: bigint;
  /** The last adjudication's status: PendingReview (provisional, nothing charged), Approved or Paid (charged). */
  adjudicatedAs?: ClaimStatusName;
  /** For a charged claim: the claim decided before it in its period (0: none). */
  previousDecision: bigint;
  results: LineResultView[];
  /** For a rejection: the failing line (undefined: the whole claim) and the duplicated claim. */
  rejectedLine?: number;
  earlierClaim?: bigint;
}

const WHOLE_CLAIM = 2n ** 256n - 1n;

function toLines(lines: ReadonlyArray<{ code: string; units: bigint; charged: bigint }>): LineArgs[] {
  return lines.map((l) => ({ code: l.code, units: BigInt(l.units), charged: BigInt(l.charged) }));
}

type EmittedResult = Omit<LineResultView, "submitted" | "overLimit">;

/** Adds the derived categories: submitted (the line's charge) and over the annual limit. */
function toResults(results: ReadonlyArray<EmittedResult>, lines: LineArgs[]): LineResultView[] {
  return results.map((r, i) => ({
    submitted: lines[i]?.charged ?? 0n,
    eligible: r.eligible,
    deductible: r.deductible,
    copay: r.copay,
    coinsurance: r.coinsurance,
    benefit: r.benefit,
    overLimit: r.eligible - r.deductible - r.copay - r.coinsurance - r.benefit,
  }));
}

/** Reads a claim's stored state and its events into one view. Throws a one-line error if unknown. */
export async function readClaim(engine: ClaimsEngine, claimId: bigint): Promise<ClaimView> {
  const stored = await engine.claimOf(claimId);
  if (Number(stored.status) === 0) throw new MedChainError(`claim ${claimId}: no such claim`);
  const [submitted] = await engine.queryFilter(engine.filters.ClaimSubmitted(claimId));
  if (submitted === undefined)
    throw new MedChainError(`claim ${claimId}: its ClaimSubmitted event is not on this node`);
  const adjudicated = await engine.queryFilter(engine.filters.ClaimAdjudicated(claimId));
  const rejected = await engine.queryFilter(engine.filters.ClaimRejected(claimId));
  const last = adjudicated.at(-1);
  const rej = rejected.at(-1);
  return {
    claimId,
    status: CLAIM_STATUS[Number(stored.status)] ?? "None",
    reason: Number(stored.reason),
    planId: stored.planId,
    planVersion: stored.planVersion,
    providerId: await engine.providerAt(stored.provider),
    serviceDate: submitted.args.serviceDate,
    planPays: stored.planPays,
    patientRef: submitted.args.patientRef,
    lines: toLines(submitted.args.lines),
    replaces: submitted.args.replaces,
    coverageStart: submitted.args.coverageStart,
    ...(last === undefined ? {} : { adjudicatedAs: CLAIM_STATUS[Number(last.args.status)] }),
    previousDecision: last?.args.previousDecision ?? 0n,
    results: last === undefined ? [] : toResults(last.args.results, toLines(submitted.args.lines)),
    ...(rej === undefined
      ? {}
      : {
          rejectedLine: rej.args.line === WHOLE_CLAIM ? undefined : Number(rej.args.line),
          earlierClaim: rej.args.earlierClaim,
        }),
  };
}

/** Whether a claim's last adjudication was charged to its period totals (a decision, not a provisional one). */
export function wasCharged(view: ClaimView): boolean {
  return view.adjudicatedAs === "Approved" || view.adjudicatedAs === "Paid";
}

/**
 * The `ClaimDetails` a claim's later steps need, rebuilt from its events (matches the stored hash):
 * what its last adjudication charged when it was a decision, zero while it was only provisional.
 */
export function detailsOf(view: ClaimView): ClaimDetailsArgs {
  const charged = wasCharged(view);
  const sum = (f: (r: LineResultView) => bigint) => (charged ? view.results.reduce((a, r) => a + f(r), 0n) : 0n);
  return {
    patientRef: view.patientRef,
    coverageStart: view.coverageStart,
    serviceDate: view.serviceDate,
    deductibleApplied: sum((r) => r.deductible),
    oopApplied: sum((r) => r.deductible + r.copay + r.coinsurance),
    previousDecision: charged ? view.previousDecision : 0n,
    lines: view.lines,
  };
}

/** Reads a claim's details for deny / void / replace / decideAppeal. */
export async function claimDetails(engine: ClaimsEngine, claimId: bigint): Promise<ClaimDetailsArgs> {
  return detailsOf(await readClaim(engine, claimId));
}

/** The id of the claim a `submit` or `replace` receipt created. */
export function submittedClaimId(engine: ClaimsEngine, receipt: ContractTransactionReceipt): bigint {
  for (const log of receipt.logs) {
    const parsed = engine.interface.parseLog(log);
    if (parsed?.name === "ClaimSubmitted") return parsed.args.claimId as bigint;
  }
  throw new MedChainError(`transaction ${receipt.hash} submitted no claim`);
}
