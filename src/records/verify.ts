import type { RecordRegistry } from "../../typechain-types/index.js";
import { checkOffline, type RecordProof } from "./proof.js";

export type Verdict = "VALID" | "TAMPERED" | "NOT ANCHORED" | "SUPERSEDED" | "RETRACTED";
const STATUS: Record<number, Verdict> = { 0: "NOT ANCHORED", 1: "VALID", 2: "SUPERSEDED", 3: "RETRACTED" };

export interface VerifyResult {
  verdict: Verdict;
  commitment: string;
  /** The record leaf, `ofPair(subject, commitment)`. */
  leaf: string;
  reason?: string;
  /** The issuer the proof names (the chain confirmed it anchored the leaf, unless NOT ANCHORED). */
  memberId: string;
  /** When it was anchored (when anchored). */
  anchoredAt?: bigint;
  /** When it was superseded or retracted, and by which version. */
  changedAt?: bigint;
  supersededBy?: string;
}

/**
 * Verifies a record against its proof: offline first (TAMPERED if the record or the path does not
 * match), then on chain under the proof's issuer (NOT ANCHORED, VALID, SUPERSEDED or RETRACTED, with
 * when). Only the issuer's own anchoring counts: the same leaf anchored by another member is NOT ANCHORED.
 */
export async function verifyRecord(
  records: RecordRegistry,
  resource: unknown,
  proof: RecordProof,
): Promise<VerifyResult> {
  const offline = checkOffline(resource, proof);
  const base = { commitment: offline.commitment, leaf: offline.leaf, memberId: proof.issuer };
  if (!offline.ok) return { verdict: "TAMPERED", ...base, reason: offline.reason };
  const [anchoredAt, status] = await records.recordStatus(
    proof.issuer,
    offline.leaf,
    proof.record.batchRoot,
    proof.record.proof,
  );
  const verdict = STATUS[Number(status)]!;
  if (verdict === "NOT ANCHORED") return { verdict, ...base };
  const result: VerifyResult = { verdict, ...base, anchoredAt };
  if (verdict === "SUPERSEDED" || verdict === "RETRACTED") {
    result.changedAt = (await records.getRecord(proof.issuer, offline.leaf)).changedAt;
    if (verdict === "SUPERSEDED") result.supersededBy = await records.supersededBy(proof.issuer, offline.leaf);
  }
  return result;
}

/** One line for an operator. */
export function formatVerdict(r: VerifyResult, names: Record<string, string> = {}): string {
  const who = names[r.memberId] ?? r.memberId;
  const when = (t?: bigint) => (t === undefined ? "" : new Date(Number(t) * 1000).toISOString());
  switch (r.verdict) {
    case "TAMPERED":
      return `TAMPERED: ${r.reason}`;
    case "NOT ANCHORED":
      return `NOT ANCHORED: record ${r.leaf} is not anchored by ${who} on this registry`;
    case "VALID":
      return `VALID: anchored by ${who} at ${when(r.anchoredAt)}`;
    case "SUPERSEDED":
      return `SUPERSEDED: anchored by ${who} at ${when(r.anchoredAt)}, superseded at ${when(r.changedAt)} by ${r.supersededBy}`;
    case "RETRACTED":
      return `RETRACTED: anchored by ${who} at ${when(r.anchoredAt)}, retracted at ${when(r.changedAt)}`;
  }
}
