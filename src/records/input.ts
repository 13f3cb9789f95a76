import { readdir, stat } from "node:fs/promises";
import path from "node:path";

import { decodeUtf8, parseJsonText, readBoundedFile } from "../chain/files.js";
import { asFhirResource, type FhirResource } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import { checkFhir } from "./fhir.js";
import { bundleContextOf, patientOf, type PatientOf } from "./patients.js";

/** One record to anchor: its FHIR resource, where it came from (a file, or a Bundle entry), and its patient. */
export interface RecordInput {
  /** `file.json`, or `bundle.json#entry[3]` for a Bundle entry. */
  source: string;
  /** A file-system-safe name for its proof file, unique within one job. */
  name: string;
  resource: FhirResource;
  /** Whom the record is about (see `patientOf`); resolved against the hospital's patients file at anchoring. */
  patient: PatientOf;
}

/** How records are read. */
export interface LoadOptions {
  /** Anchor a Bundle as one record instead of one record per entry. */
  wholeBundle?: boolean;
  /** Check every record against the FHIR R4 definitions (default true). */
  validate?: boolean;
}

/** A record input from a resource read on its own (not a Bundle entry). */
export function recordInput(source: string, name: string, resource: FhirResource): RecordInput {
  return { source, name, resource, patient: patientOf(resource) };
}

/**
 * Reads one FHIR JSON file the one way every JSON input is read (`chain/files.ts`: size-bounded,
 * strict UTF-8 with a byte-order mark accepted, duplicate keys refused with their path), then
 * checks it is a FHIR resource.
 */
export async function readFhirFile(file: string): Promise<FhirResource> {
  const text = decodeUtf8(await readBoundedFile(file), file);
  return asFhirResource(parseJsonText(text, file), file);
}

/** The resources of a FHIR Bundle's entries, each a record of its own (each checked against R4 unless `validate` is false). */
export function bundleEntries(bundle: FhirResource, file: string, validate = true): RecordInput[] {
  const entries = bundle.entry;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new RecordsInputError(file, "the Bundle has no entries", "entry");
  }
  const base = path.basename(file, ".json");
  const context = bundleContextOf(bundle);
  return entries.map((entry: unknown, i) => {
    const source = `${file}#entry[${i}]`;
    const resource = (entry as { resource?: unknown } | null)?.resource;
    if (resource === undefined) throw new RecordsInputError(file, 'the entry has no "resource"', `entry[${i}]`);
    const parsed = asFhirResource(resource, source);
    if (validate) checkFhir(parsed, source);
    return {
      source,
      name: `${base}-${i}-${parsed.resourceType}`,
      resource: parsed,
      patient: patientOf(parsed, context),
    };
  });
}

/** What `records anchor` is pointed at: a folder's `.json` files in name order, or one file. */
export async function recordFiles(target: string): Promise<{ folder: boolean; files: string[] }> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new RecordsInputError(target, "no such file or folder");
  }
  if (!info.isDirectory()) return { folder: false, files: [target] };
  const files = (await readdir(target))
    .filter((f) => f.toLowerCase().endsWith(".json"))
    .sort()
    .map((f) => path.join(target, f));
  if (files.length === 0) throw new RecordsInputError(target, "the folder has no .json files");
  return { folder: true, files };
}

/**
 * The records of one file of a target: the file as one record, or (a Bundle named directly, unless
 * `wholeBundle`) one record per entry. Each is checked against FHIR R4 unless `validate` is false.
 */
export async function readRecordFile(
  file: string,
  inFolder: boolean,
  options: LoadOptions = {},
): Promise<RecordInput[]> {
  const validate = options.validate !== false;
  const resource = await readFhirFile(file);
  if (!inFolder && resource.resourceType === "Bundle" && options.wholeBundle !== true) {
    return bundleEntries(resource, file, validate);
  }
  if (validate) checkFhir(resource, file);
  return [recordInput(file, path.basename(file, ".json"), resource)];
}

/**
 * The records of a target one file at a time (a folder of a million records is never held in
 * memory at once): a FHIR JSON file (one record), a Bundle (one record per entry unless
 * `wholeBundle`), or a folder (every `.json` file in it, in name order, one record each).
 */
export async function* streamRecords(target: string, options: LoadOptions = {}): AsyncGenerator<RecordInput> {
  const { folder, files } = await recordFiles(target);
  for (const file of files) yield* await readRecordFile(file, folder, options);
}

/**
 * Loads what an operator points `records anchor` at (see {@link streamRecords}), all at once. Every
 * file is validated before anything is sent.
 */
export async function loadRecords(target: string, wholeBundle = false): Promise<RecordInput[]> {
  const out: RecordInput[] = [];
  for await (const input of streamRecords(target, { wholeBundle })) out.push(input);
  return out;
}
