import { getAddress, ZeroAddress, ZeroHash } from "ethers";
import { z } from "zod";

import { addressString, readJsonFile } from "../chain/files.js";

import type { FhirResource } from "./commitment.js";
import { RecordsInputError } from "./errors.js";

/**
 * Who each record is about. The issuing hospital binds every record, at anchoring, to its patient's
 * pseudonymous account at the hospital (the patient's app derives it from the patient's secret and the
 * hospital's member id: `patientAccountFor(secret, issuerMemberId)`, printed by
 * `records patient-accounts`, and hands it over at registration). The hospital keeps the mapping from
 * its FHIR patient references to those accounts in a patients file:
 *
 * ```json
 * { "format": "medchain.patients.v1",
 *   "patients": [ { "reference": "Patient/123", "account": "0x…", "billingRef": "0x…" } ] }
 * ```
 *
 * `billingRef` (optional) is the patient reference claims use (the insurer-card HMAC of the claims
 * SDK, `patientReference`): when given, each of the patient's records also gets a billing
 * documentation leaf, which claims cite instead of the record itself.
 */
export const PATIENTS_FORMAT = "medchain.patients.v1";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");
const patientsFileSchema = z.object({
  format: z.literal(PATIENTS_FORMAT),
  patients: z.array(
    z.object({
      reference: z.string().min(1, "must not be empty"),
      account: addressString(),
      billingRef: hex32.optional(),
    }),
  ),
});

/** One patient of the issuing hospital, as the patients file maps it. */
export interface PatientBinding {
  /** The FHIR reference as the patients file writes it (e.g. `Patient/123`). */
  reference: string;
  /** The patient's account at this hospital (checksummed). */
  account: string;
  /** The claims patient reference, when the patient's records document billed services. */
  billingRef?: string;
}

/** A hospital's patients file: FHIR patient reference -> patient account (and billing reference). */
export class PatientMap {
  constructor(
    readonly file: string,
    private readonly byReference: Map<string, PatientBinding>,
  ) {}

  /** The binding of a record's patient, trying the reference as written, then its `Patient/<id>` form. */
  find(patient: PatientReference): PatientBinding | undefined {
    return this.byReference.get(patient.reference) ?? this.byReference.get(patient.key);
  }

  get size(): number {
    return this.byReference.size;
  }
}

/** Reads and validates a patients file; a bad one is a one-line error naming the file and the field. */
export async function readPatientsFile(file: string): Promise<PatientMap> {
  return patientMapOf(await readJsonFile(file), file);
}

/** Validates a parsed patients file (see `readPatientsFile`). */
export function patientMapOf(value: unknown, file: string): PatientMap {
  const parsed = patientsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordsInputError(file, `not a patients file: ${issue.path.join(".") || "file"} ${issue.message}`);
  }
  const map = new Map<string, PatientBinding>();
  parsed.data.patients.forEach((p, i) => {
    const where = `patients[${i}]`;
    if (map.has(p.reference)) throw new RecordsInputError(file, `${where}.reference: "${p.reference}" is listed twice`);
    if (getAddress(p.account) === ZeroAddress) throw new RecordsInputError(file, `${where}.account: the zero address`);
    if (p.billingRef === ZeroHash) throw new RecordsInputError(file, `${where}.billingRef: zero`);
    map.set(p.reference, {
      reference: p.reference,
      account: getAddress(p.account),
      ...(p.billingRef === undefined ? {} : { billingRef: p.billingRef.toLowerCase() }),
    });
  });
  return new PatientMap(file, map);
}

/** Where a record names its patient. */
export interface PatientReference {
  /** The field it came from (`subject`, `patient`, `beneficiary`, `id`, or `entry[i].…` in a Bundle). */
  field: string;
  /** The reference as written (or `identifier:<system>|<value>` for an identifier-only reference). */
  reference: string;
  /** Its normal form: `Patient/<id>` for relative or absolute Patient URLs, else the reference. */
  key: string;
}

/** A record's patient, or why it has none the patients file could name. */
export type PatientOf = { ok: true; patient: PatientReference } | { ok: false; field: string; problem: string };

/** The fields that name a resource's patient, in the order they are tried. */
const PATIENT_FIELDS = ["patient", "subject", "beneficiary"] as const;

interface FhirReference {
  reference?: unknown;
  type?: unknown;
  identifier?: { system?: unknown; value?: unknown };
}

/** `Patient/<id>` for `Patient/<id>`, `Patient/<id>/_history/<v>` or `https://…/Patient/<id>`; else undefined. */
function patientKey(reference: string): string | undefined {
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m === null ? undefined : `Patient/${m[1]}`;
}

/** Full URLs of a Bundle's entries -> their resources, to resolve `urn:uuid:` references. */
export type BundleContext = Map<string, FhirResource>;

export function bundleContextOf(bundle: FhirResource): BundleContext {
  const out: BundleContext = new Map();
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  for (const entry of entries) {
    const e = entry as { fullUrl?: unknown; resource?: unknown } | null;
    if (typeof e?.fullUrl === "string" && e.resource !== null && typeof e.resource === "object") {
      out.set(e.fullUrl, e.resource as FhirResource);
    }
  }
  return out;
}

function resolveReference(field: string, ref: FhirReference, context?: BundleContext): PatientOf {
  if (typeof ref.reference === "string" && ref.reference !== "") {
    const written = ref.reference;
    if (written.startsWith("#")) {
      return { ok: false, field, problem: `"${written}" is a contained resource, which the patients file cannot name` };
    }
    const target = context?.get(written);
    if (target !== undefined) {
      if (target.resourceType !== "Patient") {
        return { ok: false, field, problem: `"${written}" is a ${target.resourceType}, not a Patient` };
      }
      const key = typeof target.id === "string" ? `Patient/${target.id}` : written;
      return { ok: true, patient: { field, reference: written, key } };
    }
    const key = patientKey(written);
    if (key === undefined && !written.startsWith("urn:")) {
      return { ok: false, field, problem: `"${written}" is not a Patient reference` };
    }
    return { ok: true, patient: { field, reference: written, key: key ?? written } };
  }
  const id = ref.identifier;
  if (typeof id?.system === "string" && typeof id.value === "string" && id.value !== "") {
    if (ref.type !== undefined && ref.type !== "Patient") {
      return { ok: false, field, problem: `the identifier names a ${String(ref.type)}, not a Patient` };
    }
    const reference = `identifier:${id.system}|${id.value}`;
    return { ok: true, patient: { field, reference, key: reference } };
  }
  return { ok: false, field, problem: "has neither a reference nor an identifier with system and value" };
}

/**
 * The patient a FHIR resource is about: its `patient`, `subject` or `beneficiary` reference (the first
 * present), or itself for a Patient resource. `context` resolves `urn:uuid:` references inside a Bundle.
 */
export function patientOf(resource: FhirResource, context?: BundleContext): PatientOf {
  if (resource.resourceType === "Patient") {
    if (typeof resource.id !== "string" || resource.id === "") {
      return { ok: false, field: "id", problem: "a Patient resource without an id" };
    }
    const reference = `Patient/${resource.id}`;
    return { ok: true, patient: { field: "id", reference, key: reference } };
  }
  if (resource.resourceType === "Bundle") return bundlePatient(resource);
  for (const field of PATIENT_FIELDS) {
    const value = resource[field];
    if (value === undefined) continue;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { ok: false, field, problem: "is not a FHIR Reference" };
    }
    return resolveReference(field, value as FhirReference, context);
  }
  return { ok: false, field: PATIENT_FIELDS.join("/"), problem: "the record names no patient" };
}

/** A whole Bundle's patient: the one patient its entries name (document Bundles: the subject). */
function bundlePatient(bundle: FhirResource): PatientOf {
  const context = bundleContextOf(bundle);
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  const found = new Map<string, PatientReference>();
  entries.forEach((entry, i) => {
    const resource = (entry as { resource?: unknown } | null)?.resource;
    if (resource === null || typeof resource !== "object") return;
    const of = patientOf(resource as FhirResource, context);
    if (of.ok && !found.has(of.patient.key))
      found.set(of.patient.key, { ...of.patient, field: `entry[${i}].${of.patient.field}` });
  });
  if (found.size === 1) return { ok: true, patient: [...found.values()][0]! };
  if (found.size === 0) return { ok: false, field: "entry", problem: "the Bundle names no patient" };
  return {
    ok: false,
    field: "entry",
    problem: `the Bundle names ${found.size} patients (${[...found.keys()].join(", ")}): anchor its entries one by one`,
  };
}
