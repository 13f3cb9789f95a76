import { carcGroup } from "./carc.js";
import { fromTokenUnits, toFhirDate } from "./codes.js";
import type { ClaimView } from "./engine.js";

/**
 * A remittance advice per provider, in the spirit of an X12 835: one row per claim with what was
 * charged, allowed and paid, the patient's responsibility and the adjustments as GROUP-CARC:amount
 * (CO-45 contractual reduction, PR-1 deductible, PR-2 coinsurance, PR-3 copay, PR-119 over the
 * benefit maximum; a rejected or denied claim shows its own reason for the whole charge).
 */
export function remittanceCsv(views: ClaimView[], decimals: number): string {
  const money = (u: bigint) => fromTokenUnits(u, decimals).toFixed(decimals > 2 ? 2 : decimals);
  const header = "claim,service_date,status,charged,allowed,paid,patient_responsibility,adjustments";
  const rows = views.map((v) => {
    const charged = v.lines.reduce((a, l) => a + l.charged, 0n);
    const notAdjudicated = v.results.length === 0 || ["Rejected", "Denied", "AppealDenied"].includes(v.status);
    const adjustments: string[] = [];
    let allowed = 0n;
    let patient = 0n;
    if (notAdjudicated) {
      if (v.reason !== 0) adjustments.push(`${carcGroup(v.reason)}-${v.reason}:${money(charged)}`);
    } else {
      const sum = (f: (r: (typeof v.results)[number]) => bigint) => v.results.reduce((a, r) => a + f(r), 0n);
      allowed = sum((r) => r.eligible);
      patient = sum((r) => r.deductible + r.copay + r.coinsurance + r.overLimit);
      const add = (label: string, amount: bigint) => {
        if (amount > 0n) adjustments.push(`${label}:${money(amount)}`);
      };
      add("CO-45", charged - allowed);
      add(
        "PR-1",
        sum((r) => r.deductible),
      );
      add(
        "PR-2",
        sum((r) => r.coinsurance),
      );
      add(
        "PR-3",
        sum((r) => r.copay),
      );
      add(
        "PR-119",
        sum((r) => r.overLimit),
      );
    }
    const paid = v.status === "Paid" ? v.planPays : 0n;
    return [
      v.claimId,
      toFhirDate(v.serviceDate),
      v.status,
      money(charged),
      money(allowed),
      money(paid),
      money(patient),
      adjustments.join(" "),
    ].join(",");
  });
  return [header, ...rows].join("\n") + "\n";
}
