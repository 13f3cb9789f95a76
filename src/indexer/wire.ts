/**
 * The JSON the indexer's API routes answer with, and its decoding back into the SDK's types. Bigints
 * travel as decimal strings and times as ISO 8601 strings (JSON has neither). Kept free of imports
 * beyond types so the Ponder API (indexer/src/api) can use the same encoders.
 */
import type { ClaimStatusName } from "../claims/engine.js";
import type { RemittanceRow } from "../claims/remittance.js";
import type { HistoryEntry } from "../provenance/history.js";
import type { AuditRow } from "../records/audit.js";

/** A JSON value whose bigints are decimal strings and whose Dates are ISO strings. */
export type Wire<T> = {
  [K in keyof T]: T[K] extends bigint
    ? string
    : T[K] extends bigint | undefined
      ? string | undefined
      : T[K] extends Date
        ? string
        : T[K];
};

export interface StatusWire {
  chainId: number;
  indexedBlock: number;
  indexedAt: string;
}

const HISTORY_BIGINTS = ["count", "sscc", "gtin", "expiresAt"] as const;
const REMITTANCE_BIGINTS = [
  "claimId",
  "planId",
  "serviceDate",
  "charged",
  "allowed",
  "paid",
  "deductible",
  "coinsurance",
  "copay",
  "overLimit",
] as const;

/** A history entry as JSON. */
export function historyToWire(e: HistoryEntry): Wire<HistoryEntry> {
  const out: Record<string, unknown> = { ...e, time: e.time.toISOString() };
  for (const k of HISTORY_BIGINTS) if (e[k] !== undefined) out[k] = e[k].toString();
  return out as Wire<HistoryEntry>;
}

/** A history entry from JSON. */
export function historyFromWire(w: Wire<HistoryEntry>): HistoryEntry {
  const out: Record<string, unknown> = { ...w, time: new Date(w.time) };
  for (const k of HISTORY_BIGINTS) if (w[k] !== undefined) out[k] = BigInt(w[k]);
  return out as unknown as HistoryEntry;
}

/** A remittance row as JSON. */
export function remittanceToWire(r: RemittanceRow): Wire<RemittanceRow> {
  const out: Record<string, unknown> = { ...r };
  for (const k of REMITTANCE_BIGINTS) out[k] = r[k].toString();
  return out as Wire<RemittanceRow>;
}

/** A remittance row from JSON. */
export function remittanceFromWire(w: Wire<RemittanceRow>): RemittanceRow {
  const out: Record<string, unknown> = { ...w, status: w.status as ClaimStatusName };
  for (const k of REMITTANCE_BIGINTS) out[k] = BigInt(w[k]);
  return out as unknown as RemittanceRow;
}

/** Audit rows are plain JSON already. */
export type AuditWire = AuditRow;
