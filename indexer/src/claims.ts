// Claims: each claim's state replayed from its events (the status and reason the engine stores,
// the last adjudication's totals), the plans' insurers, and every claims event keyed by claim,
// provider and insurer.
import { claim, claimEvent, plan } from "ponder:schema";

import { CLAIM_STATUS } from "../../src/claims/engine.js";
import { eventId, position, type FamilyHandler, type IndexedEvent, type Store } from "./handlers.js";

interface LineResult {
  eligible: bigint;
  deductible: bigint;
  copay: bigint;
  coinsurance: bigint;
  benefit: bigint;
}

const CLAIMS_EVENTS = [
  "PlanPublished",
  "CodeRuleSet",
  "EngineBound",
  "PatientEnrolled",
  "PriorAuthorisationGranted",
  "ClaimSubmitted",
  "ClaimAdjudicated",
  "ClaimRejected",
  "ClaimPaid",
  "ClaimDenied",
  "ClaimEscalated",
  "ClaimAppealed",
  "AppealDecided",
  "ClaimVoided",
  "ClaimsSettled",
  "EscrowFunded",
  "EscrowWithdrawn",
  "PaymentOwed",
  "OwedCollected",
  "CreditWithdrawn",
  "FundsRecovered",
];

/** Moves a claim to a new state (the update carries the event's position). */
async function move(e: IndexedEvent, db: Store, values: Record<string, unknown>) {
  await db
    .update(claim, { claimId: e.args.claimId })
    .set({ ...values, updatedBlock: Number(e.block.number), updatedAt: Number(e.block.timestamp) });
}

/** The state change each claim event makes, as the engine's storage makes it. */
const STATE: Record<string, FamilyHandler> = {
  async PlanPublished(e, db) {
    await db
      .insert(plan)
      .values({ planId: BigInt(e.args.planId as number), insurer: e.args.insurer, version: e.args.version })
      .onConflictDoUpdate({ insurer: e.args.insurer, version: e.args.version });
  },
  async ClaimSubmitted(e, db) {
    const a = e.args;
    const planId = BigInt(a.planId as number);
    const p = (await db.find(plan, { planId })) as { insurer: string } | null;
    const lines = a.lines as Array<{ charged: bigint }>;
    await db.insert(claim).values({
      claimId: a.claimId,
      providerId: a.providerId,
      insurer: p?.insurer ?? "",
      planId,
      patientRef: a.patientRef,
      serviceDate: BigInt(a.serviceDate as number),
      replaces: a.replaces,
      // Submission always ends in the same transaction with an adjudication or a rejection.
      status: "PendingReview",
      reason: 0,
      adjudicated: false,
      charged: lines.reduce((sum, l) => sum + BigInt(l.charged), 0n),
      allowed: 0n,
      deductible: 0n,
      coinsurance: 0n,
      copay: 0n,
      overLimit: 0n,
      planPays: 0n,
      submittedBlock: Number(e.block.number),
      updatedBlock: Number(e.block.number),
      updatedAt: Number(e.block.timestamp),
    });
  },
  async ClaimAdjudicated(e, db) {
    const results = e.args.results as LineResult[];
    const sum = (f: (r: LineResult) => bigint) => results.reduce((a, r) => a + BigInt(f(r)), 0n);
    await move(e, db, {
      status: CLAIM_STATUS[Number(e.args.status)] ?? "None",
      reason: 0,
      adjudicated: results.length > 0,
      allowed: sum((r) => r.eligible),
      deductible: sum((r) => r.deductible),
      coinsurance: sum((r) => r.coinsurance),
      copay: sum((r) => r.copay),
      overLimit: sum((r) => r.eligible - r.deductible - r.copay - r.coinsurance - r.benefit),
      planPays: e.args.planPays,
    });
  },
  async ClaimRejected(e, db) {
    await move(e, db, { status: "Rejected", reason: Number(e.args.reason) });
  },
  async ClaimPaid(e, db) {
    await move(e, db, { status: "Paid", reason: 0 });
  },
  async ClaimDenied(e, db) {
    await move(e, db, { status: "Denied", reason: Number(e.args.reason) });
  },
  async ClaimAppealed(e, db) {
    await move(e, db, { status: "Appealed" });
  },
  async AppealDecided(e, db) {
    // Overturned: the re-decision's own ClaimAdjudicated/ClaimPaid came first in the transaction.
    if (e.args.overturned !== true) await move(e, db, { status: "AppealDenied", reason: Number(e.args.reason) });
  },
  async ClaimVoided(e, db) {
    await move(e, db, { status: BigInt(e.args.replacedBy as bigint) === 0n ? "Voided" : "Replaced" });
  },
};

const record: FamilyHandler = async (e, db) => {
  const a = e.args;
  const big = (v: unknown) => (v === undefined ? null : BigInt(v as bigint));
  await db.insert(claimEvent).values({
    id: eventId(e),
    event: e.name,
    claimId: big(a.claimId),
    providerId: (a.providerId as string | undefined) ?? null,
    insurer: (a.insurer as string | undefined) ?? null,
    amount: big(a.amount ?? a.total),
    ...position(e),
  });
  await STATE[e.name]?.(e, db);
};

export const claimsHandlers: Record<string, FamilyHandler> = Object.fromEntries(
  CLAIMS_EVENTS.map((name) => [name, record]),
);
