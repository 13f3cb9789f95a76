import { carcGroup, carcText } from "./carc.js";
import { fromTokenUnits, toFhirDate } from "./codes.js";
import type { ClaimView, LineResultView } from "./engine.js";

const ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication";
/** `coinsurance` is not in the base FHIR adjudication code system; MedChain names it here. */
const MEDCHAIN_ADJUDICATION = "https://medchain.example/fhir/CodeSystem/adjudication";
const CARC_SYSTEM = "https://x12.org/codes/claim-adjustment-reason-codes";
const MEMBER_SYSTEM = "urn:medchain:member";
const PATIENT_SYSTEM = "urn:medchain:patient-ref";
const CLAIM_SYSTEM = "urn:medchain:claim";

/** How amounts and items are presented. */
export interface ResponseOptions {
  decimals: number;
  currency?: string;
  /** The insurer's member id (the plan's insurer). */
  insurerId: string;
  /** The original FHIR Claim, to echo its items' service codes (the chain holds only their hashes). */
  sourceClaim?: { item?: Array<{ productOrService?: unknown }>; type?: unknown };
  /** When the response is created (default: now). */
  created?: string;
}

type Json = Record<string, unknown>;

function moneyOf(units: bigint, o: ResponseOptions): Json {
  return { value: fromTokenUnits(units, o.decimals), currency: o.currency ?? "USD" };
}

function category(code: string): Json {
  const system = code === "coinsurance" ? MEDCHAIN_ADJUDICATION : ADJUDICATION;
  return { coding: [{ system, code }] };
}

function reason(code: number): Json {
  return {
    coding: [{ system: CARC_SYSTEM, code: String(code), display: `${carcGroup(code)}-${code} ${carcText(code)}` }],
  };
}

function entry(code: string, amount: bigint, o: ResponseOptions, carc?: number): Json {
  return {
    category: category(code),
    ...(carc === undefined ? {} : { reason: reason(carc) }),
    amount: moneyOf(amount, o),
  };
}

/** One line's FHIR adjudication entries, with CARC reasons where the payer adjusts. */
export function lineAdjudication(r: LineResultView, o: ResponseOptions): Json[] {
  const out = [entry("submitted", r.submitted, o)];
  out.push(entry("eligible", r.eligible, o, r.eligible < r.submitted ? 45 : undefined));
  if (r.deductible > 0n) out.push(entry("deductible", r.deductible, o, 1));
  if (r.copay > 0n) out.push(entry("copay", r.copay, o, 3));
  if (r.coinsurance > 0n) out.push(entry("coinsurance", r.coinsurance, o, 2));
  out.push(entry("benefit", r.benefit, o, r.overLimit > 0n ? 119 : undefined));
  return out;
}

/** The per-line results of a claim, or all-zero benefits with the denial reason when it was not adjudicated. */
function itemsOf(view: ClaimView, o: ResponseOptions): Json[] {
  const denied = view.status === "Rejected" || view.status === "Denied" || view.status === "AppealDenied";
  return view.lines.map((line, i) => {
    const r = view.results[i];
    const adjudication =
      r === undefined || denied
        ? [entry("submitted", line.charged, o), entry("benefit", 0n, o, view.reason === 0 ? undefined : view.reason)]
        : lineAdjudication(r, o);
    return { itemSequence: i + 1, adjudication };
  });
}

function outcomeOf(view: ClaimView): { outcome: string; disposition: string } {
  switch (view.status) {
    case "PendingReview":
      return { outcome: "queued", disposition: "Adjudicated; pending the insurer's review." };
    case "Appealed":
      return { outcome: "queued", disposition: "Denied; under appeal." };
    case "Approved":
      return { outcome: "complete", disposition: "Approved; the plan's share is reserved for settlement." };
    case "Paid":
      return { outcome: "complete", disposition: "Paid: the plan's share was credited to the provider." };
    case "Voided":
    case "Replaced":
      return { outcome: "error", disposition: `Claim ${view.status.toLowerCase()} by the provider.` };
    default:
      return {
        outcome: "complete",
        disposition: `${view.status}: ${carcGroup(view.reason)}-${view.reason} ${carcText(view.reason)}`,
      };
  }
}

function totals(view: ClaimView, o: ResponseOptions): Json[] {
  const submitted = view.lines.reduce((a, l) => a + l.charged, 0n);
  const sum = (f: (r: LineResultView) => bigint) => view.results.reduce((a, r) => a + f(r), 0n);
  const paidOrDue =
    view.status === "Rejected" || view.status === "Denied" || view.status === "AppealDenied" ? 0n : view.planPays;
  const list = [entry("submitted", submitted, o)];
  if (view.results.length > 0)
    list.push(
      entry(
        "eligible",
        sum((r) => r.eligible),
        o,
      ),
    );
  list.push(entry("benefit", paidOrDue, o));
  return list;
}

function common(view: ClaimView, o: ResponseOptions): Json {
  return {
    status: "active",
    type: o.sourceClaim?.type ?? {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/claim-type", code: "institutional" }],
    },
    use: "claim",
    patient: { identifier: { system: PATIENT_SYSTEM, value: view.patientRef } },
    created: o.created ?? new Date().toISOString().slice(0, 10),
    insurer: { identifier: { system: MEMBER_SYSTEM, value: o.insurerId } },
    ...outcomeOf(view),
  };
}

/** The chain's result for a claim as a FHIR R4 ClaimResponse. */
export function toClaimResponse(view: ClaimView, o: ResponseOptions): Json {
  const paid = view.status === "Paid";
  return {
    resourceType: "ClaimResponse",
    id: `medchain-claim-${view.claimId}`,
    identifier: [{ system: CLAIM_SYSTEM, value: String(view.claimId) }],
    ...common(view, o),
    requestor: { identifier: { system: MEMBER_SYSTEM, value: view.providerId } },
    request: { identifier: { system: CLAIM_SYSTEM, value: String(view.claimId) } },
    item: itemsOf(view, o),
    total: totals(view, o),
    ...(paid ? { payment: { type: { coding: [{ code: "complete" }] }, amount: moneyOf(view.planPays, o) } } : {}),
  };
}

/** The chain's result for a claim as a FHIR R4 ExplanationOfBenefit (the patient-facing account). */
export function toExplanationOfBenefit(view: ClaimView, o: ResponseOptions): Json {
  const serviced = toFhirDate(view.serviceDate);
  const source = o.sourceClaim?.item;
  return {
    resourceType: "ExplanationOfBenefit",
    id: `medchain-eob-${view.claimId}`,
    identifier: [{ system: CLAIM_SYSTEM, value: String(view.claimId) }],
    ...common(view, o),
    provider: { identifier: { system: MEMBER_SYSTEM, value: view.providerId } },
    claim: { identifier: { system: CLAIM_SYSTEM, value: String(view.claimId) } },
    claimResponse: { reference: `ClaimResponse/medchain-claim-${view.claimId}` },
    insurance: [{ focal: true, coverage: { identifier: { system: "urn:medchain:plan", value: String(view.planId) } } }],
    item: itemsOf(view, o).map((it, i) => ({
      sequence: i + 1,
      productOrService: source?.[i]?.productOrService ?? {
        coding: [{ system: "urn:medchain:service-code", code: view.lines[i]!.code }],
      },
      servicedDate: serviced,
      quantity: { value: Number(view.lines[i]!.units) },
      net: moneyOf(view.lines[i]!.charged, o),
      adjudication: it.adjudication,
    })),
    total: totals(view, o),
    ...(view.status === "Paid"
      ? { payment: { type: { coding: [{ code: "complete" }] }, amount: moneyOf(view.planPays, o) } }
      : {}),
  };
}

/** A short plain-text EOB for the terminal. */
export function formatEob(view: ClaimView, o: ResponseOptions): string {
  const cell = (x: string) => x.padStart(12);
  const f = (u: bigint | undefined) => cell(fromTokenUnits(u ?? 0n, o.decimals).toFixed(2));
  const why = view.reason ? ` (CARC ${view.reason}: ${carcText(view.reason)})` : "";
  const rows = [`Claim ${view.claimId}  service date ${toFhirDate(view.serviceDate)}  status ${view.status}${why}`];
  rows.push("  line" + ["charged", "allowed", "deductible", "copay", "coinsurance", "plan pays"].map(cell).join(""));
  view.lines.forEach((l, i) => {
    const r = view.results[i];
    rows.push(
      `  ${String(i + 1).padStart(4)}${f(l.charged)}${f(r?.eligible)}${f(r?.deductible)}${f(r?.copay)}${f(r?.coinsurance)}${f(r?.benefit)}`,
    );
  });
  rows.push(`  the plan pays ${fromTokenUnits(view.planPays, o.decimals).toFixed(2)} ${o.currency ?? "USD"}`);
  return rows.join("\n");
}
