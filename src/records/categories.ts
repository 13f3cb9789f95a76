import { MedChainError } from "../chain/errors.js";

/**
 * Record-category codes bound on chain with each anchor (a `uint8`; a consent's category set is the
 * bit mask `1 << code`). Codes are grouped by FHIR R4 resource type; every other type is `other`.
 */
export const CATEGORIES = {
  other: 0,
  patient: 1,
  encounter: 2,
  observation: 3,
  diagnosticReport: 4,
  imaging: 5,
  condition: 6,
  procedure: 7,
  medication: 8,
  allergy: 9,
  immunization: 10,
  carePlan: 11,
  document: 12,
  consent: 13,
  financial: 14,
} as const;
export type CategoryName = keyof typeof CATEGORIES;

const BY_RESOURCE: Record<string, CategoryName> = {
  Patient: "patient",
  Encounter: "encounter",
  EpisodeOfCare: "encounter",
  Observation: "observation",
  DiagnosticReport: "diagnosticReport",
  ImagingStudy: "imaging",
  Media: "imaging",
  Condition: "condition",
  Procedure: "procedure",
  MedicationRequest: "medication",
  MedicationStatement: "medication",
  MedicationAdministration: "medication",
  MedicationDispense: "medication",
  AllergyIntolerance: "allergy",
  Immunization: "immunization",
  CarePlan: "carePlan",
  DocumentReference: "document",
  Composition: "document",
  Bundle: "document",
  Consent: "consent",
  Claim: "financial",
  ClaimResponse: "financial",
  ExplanationOfBenefit: "financial",
  Coverage: "financial",
};

/** The category code of a FHIR resource type. */
export function categoryOf(resourceType: string): number {
  return CATEGORIES[BY_RESOURCE[resourceType] ?? "other"];
}

/** The name of a category code (or its number when unknown). */
export function categoryName(code: number | bigint): string {
  const entry = Object.entries(CATEGORIES).find(([, c]) => c === Number(code));
  return entry === undefined ? String(code) : entry[0];
}

/** Parses "observation,diagnosticReport" (names or numbers) into a consent category bit mask. */
export function parseCategorySet(list: string): bigint {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) throw new MedChainError(`--categories: empty category list`);
  return names.reduce((mask, name) => {
    const code = /^\d+$/.test(name)
      ? Number(name)
      : (Object.entries(CATEGORIES).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? -1);
    if (code < 0 || code > 255) {
      throw new MedChainError(
        `--categories: unknown category "${name}" (expected a number 0-255 or one of ${Object.keys(CATEGORIES).join(", ")})`,
      );
    }
    return mask | (1n << BigInt(code));
  }, 0n);
}
