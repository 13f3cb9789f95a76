/** Enums of IDrugProvenance, in contract order, with the words and CBV codes the SDK prints. */
export const ITEM_KINDS = ["None", "Pack", "Container"] as const;
export const ITEM_STATES = ["None", "Held", "InTransit", "Opened", "Dispensed", "Destroyed", "Stolen"] as const;
export type ItemStateName = (typeof ITEM_STATES)[number];
export const ItemKind = { None: 0n, Pack: 1n, Container: 2n } as const;
export const ItemState = {
  None: 0n,
  Held: 1n,
  InTransit: 2n,
  Opened: 3n,
  Dispensed: 4n,
  Destroyed: 5n,
  Stolen: 6n,
} as const;

/** CBV 2.0 business steps, index = `IDrugProvenance.BizStep`. */
export const BIZ_STEPS = [
  "commissioning",
  "packing",
  "unpacking",
  "shipping",
  "receiving",
  "dispensing",
  "decommissioning",
  "destroying",
  "holding",
] as const;
export type BizStepName = (typeof BIZ_STEPS)[number];

/** CBV 2.0 dispositions, index = `IDrugProvenance.Disposition`. */
export const DISPOSITIONS = [
  "active",
  "in_transit",
  "recalled",
  "dispensed",
  "destroyed",
  "expired",
  "stolen",
] as const;
export type DispositionName = (typeof DISPOSITIONS)[number];

/** Verdicts of `verify`, index = `IDrugProvenance.Verdict`. */
export const VERDICTS = ["UNKNOWN", "GENUINE", "DISPENSED", "RECALLED", "EXPIRED", "DESTROYED", "STOLEN"] as const;
export type VerdictName = (typeof VERDICTS)[number];

/** What each verdict means, in plain words for a patient. */
export const VERDICT_WORDS: Record<VerdictName, string> = {
  UNKNOWN: "no pack with this identity and code is known: do not use it, it may be counterfeit",
  GENUINE: "genuine and active in the supply chain",
  DISPENSED: "this pack was already dispensed: if you just received it, it is likely a clone",
  RECALLED: "genuine but its lot was recalled: do not use it",
  EXPIRED: "genuine but expired: do not use it",
  DESTROYED: "this pack was reported destroyed: it should not exist",
  STOLEN: "this pack was reported stolen",
};

/** Why a lot was recalled: `IProvenanceTypes.RecallReason`, index = the on-chain code. */
export const RECALL_REASONS = [
  "unspecified",
  "quality-defect",
  "contamination",
  "mislabelling",
  "counterfeit-found",
  "regulatory-action",
  "other",
] as const;
export type RecallReasonName = (typeof RECALL_REASONS)[number];

/** A recall reason in plain words. */
export const RECALL_REASON_WORDS: Record<RecallReasonName, string> = {
  unspecified: "no reason given",
  "quality-defect": "quality defect",
  contamination: "contamination",
  mislabelling: "mislabelling",
  "counterfeit-found": "counterfeits found",
  "regulatory-action": "regulatory action",
  other: "other reason",
};

/** The on-chain code of a recall reason named by its SDK name (case-insensitive). */
export function recallReasonCode(name: string): number | undefined {
  const i = (RECALL_REASONS as readonly string[]).indexOf(name.trim().toLowerCase());
  return i < 0 ? undefined : i;
}

/** The SDK name of an on-chain recall reason code (`other` for a code this SDK does not know). */
export function recallReasonName(code: bigint | number): RecallReasonName {
  return RECALL_REASONS[Number(code)] ?? "other";
}
