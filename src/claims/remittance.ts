import { carcGroup } from "./carc.js";
import { fromTokenUnits, toFhirDate } from "./codes.js";
import type { ClaimStatusName, ClaimView } from "./engine.js";

/**
 * One claim of a remittance advice, in token units: what was charged, allowed and paid, the
 * patient's share by category and the reason of a rejection or denial. Built from a claim's view
 * (`remittanceRow`) or read from the indexer (`medchain/indexer`, `remittance`).
 */
export interface RemittanceRow {
  claimId: bigint;
  providerId: string;
  /** The member id of the insurer of the claim's plan ("" when not looked up). */
  insurer: string;
  planId: bigint;
  serviceDate: bigint;
  status: ClaimStatusName;
  /** The CARC reason of a rejection or denial (0: none). */
  reason: number;
  /** Whether an adjudication's line results stand (false: not adjudicated, rejected or denied). */
  adjudicated: boolean;
  charged: bigint;
  allowed: bigint;
  paid: bigint;
  deductible: bigint;
  coinsurance: bigint;
  copay: bigint;
  overLimit: bigint;
}

const NOT_ADJUDICATED: readonly ClaimStatusName[] = ["Rejected", "Denied", "AppealDenied"];

/** The remittance row of a claim's view (the insurer is not part of a view: pass it when known). */
export function remittanceRow(v: ClaimView, insurer = ""): RemittanceRow {
  const charged = v.lines.reduce((a, l) => a + l.charged, 0n);
  const adjudicated = v.results.length > 0 && !NOT_ADJUDICATED.includes(v.status);
  const sum = (f: (r: (typeof v.results)[number]) => bigint) =>
    adjudicated ? v.results.reduce((a, r) => a + f(r), 0n) : 0n;
  return {
    claimId: v.claimId,
    providerId: v.providerId,
    insurer,
    planId: v.planId,
    serviceDate: v.serviceDate,
    status: v.status,
    reason: v.reason,
    adjudicated,
    charged,
    allowed: sum((r) => r.eligible),
    paid: v.status === "Paid" ? v.planPays : 0n,
    deductible: sum((r) => r.deductible),
    coinsurance: sum((r) => r.coinsurance),
    copay: sum((r) => r.copay),
    overLimit: sum((r) => r.overLimit),
  };
}

/**
 * A remittance advice per provider, in the spirit of an X12 835: one row per claim with what was
 * charged, allowed and paid, the patient's responsibility and the adjustments as GROUP-CARC:amount
 * (CO-45 contractual reduction, PR-1 deductible, PR-2 coinsurance, PR-3 copay, PR-119 over the
 * benefit maximum; a rejected or denied claim shows its own reason for the whole charge).
 */
export function remittanceCsv(claims: ReadonlyArray<ClaimView | RemittanceRow>, decimals: number): string {
  const money = (u: bigint) => fromTokenUnits(u, decimals).toFixed(decimals > 2 ? 2 : decimals);
  const header = "claim,service_date,status,charged,allowed,paid,patient_responsibility,adjustments";
  const rows = claims.map((c) => {
    const r = "lines" in c ? remittanceRow(c) : c;
    const adjustments: string[] = [];
    if (!r.adjudicated) {
      if (r.reason !== 0) adjustments.push(`${carcGroup(r.reason)}-${r.reason}:${money(r.charged)}`);
    } else {
      const add = (label: string, amount: bigint) => {
        if (amount > 0n) adjustments.push(`${label}:${money(amount)}`);
      };
      add("CO-45", r.charged - r.allowed);
      add("PR-1", r.deductible);
      add("PR-2", r.coinsurance);
      add("PR-3", r.copay);
      add("PR-119", r.overLimit);
    }
    const patient = r.deductible + r.copay + r.coinsurance + r.overLimit;
    return [
      r.claimId,
      toFhirDate(r.serviceDate),
      r.status,
      money(r.charged),
      money(r.allowed),
      money(r.paid),
      money(patient),
      adjustments.join(" "),
    ].join(",");
  });
  return [header, ...rows].join("\n") + "\n";
}
