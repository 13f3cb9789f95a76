import type { RecordRegistry } from "../../typechain-types/index.js";
import { checkOffline, type RecordProof } from "./proof.js";

export type Verdict = "VALID" | "TAMPERED" | "NOT ANCHORED" | "SUPERSEDED" | "RETRACTED";
const STATUS: Record<number, Verdict> = { 0: "NOT ANCHORED", 1: "VALID", 2: "SUPERSEDED", 3: "RETRACTED" };

export interface VerifyResult {
  verdict: Verdict;
  commitment: string;
  reason?: string;
  /** Who anchored it and when (when anchored). */
  memberId?: string;
  anchoredAt?: bigint;
  /** When it was superseded or retracted, and by which version. */
  changedAt?: bigint;
  supersededBy?: string;
}

/**
 * Verifies a record against its proof: offline first (TAMPERED if the record or the path does not
 * match), then on chain (NOT ANCHORED, VALID, SUPERSEDED or RETRACTED, with who and when).
 */
export async function verifyRecord(
  records: RecordRegistry,
  resource: unknown,
  proof: RecordProof,
): Promise<VerifyResult> {
  const offline = checkOffline(resource, proof);
  if (!offline.ok) return { verdict: "TAMPERED", commitment: offline.commitment, reason: offline.reason };
  const [memberId, anchoredAt, status] = await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(offline.commitment, proof.batchId, proof.proof);
  const verdict = STATUS[Number(status)]!;
  if (verdict === "NOT ANCHORED") return { verdict, commitment: offline.commitment };
  const result: VerifyResult = { verdict, commitment: offline.commitment, memberId, anchoredAt };
  if (verdict === "SUPERSEDED" || verdict === "RETRACTED") {
    result.changedAt = (await records.getRecord(offline.commitment)).changedAt;
    if (verdict === "SUPERSEDED") result.supersededBy = await records.supersededBy(offline.commitment);
  }
  return result;
}

/** One line for an operator. */
export function formatVerdict(r: VerifyResult, names: Record<string, string> = {}): string {
  const who = (id?: string) => (id === undefined ? "" : (names[id] ?? id));
  const when = (t?: bigint) => (t === undefined ? "" : new Date(Number(t) * 1000).toISOString());
  switch (r.verdict) {
    case "TAMPERED":
      return `TAMPERED: ${r.reason}`;
    case "NOT ANCHORED":
      return `NOT ANCHORED: commitment ${r.commitment} is not on this registry`;
    case "VALID":
      return `VALID: anchored by ${who(r.memberId)} at ${when(r.anchoredAt)}`;
    case "SUPERSEDED":
      return `SUPERSEDED: anchored by ${who(r.memberId)} at ${when(r.anchoredAt)}, superseded at ${when(r.changedAt)} by ${r.supersededBy}`;
    case "RETRACTED":
      return `RETRACTED: anchored by ${who(r.memberId)} at ${when(r.anchoredAt)}, retracted at ${when(r.changedAt)}`;
  }
}
