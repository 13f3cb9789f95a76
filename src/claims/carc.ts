/**
 * X12 Claim Adjustment Reason Codes (CARC) the claims module uses, with the group code a payer
 * would send (CO contractual obligation, PR patient responsibility). Texts abridged from the X12
 * code list. Rejections and denials come from the contract; line adjustments are derived from the
 * adjudication categories.
 */
export const CARC: Record<number, { text: string; group: "CO" | "PR" }> = {
  1: { text: "Deductible amount", group: "PR" },
  2: { text: "Coinsurance amount", group: "PR" },
  3: { text: "Co-payment amount", group: "PR" },
  18: { text: "Exact duplicate claim/service (or its documentation already documents another claim)", group: "CO" },
  26: { text: "Expenses incurred prior to coverage", group: "PR" },
  27: { text: "Expenses incurred after coverage terminated", group: "PR" },
  31: { text: "Patient cannot be identified as our insured", group: "CO" },
  45: { text: "Charge exceeds fee schedule/maximum allowable", group: "CO" },
  50: { text: "Not deemed a medical necessity by the payer", group: "CO" },
  96: { text: "Non-covered charge(s): code not in the plan's fee schedule", group: "CO" },
  119: { text: "Benefit maximum for this time period has been reached", group: "PR" },
  151: { text: "Information submitted does not support this many services (unit cap)", group: "CO" },
  197: { text: "Precertification/authorization absent", group: "CO" },
  198: { text: "Precertification/authorization exceeded", group: "CO" },
  204: { text: "Service not covered under the patient's current benefit plan", group: "CO" },
  252: {
    text: "Documentation required: the billing provider anchored no record for this patient that documents it (or retracted it)",
    group: "CO",
  },
};

/** A CARC's text, or a generic one for codes this module does not use itself (e.g. a reviewer's choice). */
export function carcText(code: number): string {
  return CARC[code]?.text ?? `CARC ${code}`;
}

/** The group code for a CARC (CO when unknown). */
export function carcGroup(code: number): "CO" | "PR" {
  return CARC[code]?.group ?? "CO";
}
