import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

import { parseFhir, type FhirResource } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
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

/** A record input from a resource read on its own (not a Bundle entry). */
export function recordInput(source: string, name: string, resource: FhirResource): RecordInput {
  return { source, name, resource, patient: patientOf(resource) };
}

async function readResource(file: string): Promise<FhirResource> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new RecordsInputError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseFhir(text, file);
}

/** The resources of a FHIR Bundle's entries, each a record of its own. */
export function bundleEntries(bundle: FhirResource, file: string): RecordInput[] {
  const entries = bundle.entry;
  if (!Array.isArray(entries) || entries.length === 0) throw new RecordsInputError(file, "the Bundle has no entries");
  const base = path.basename(file, ".json");
  const context = bundleContextOf(bundle);
  return entries.map((entry: unknown, i) => {
    const source = `${file}#entry[${i}]`;
    const resource = (entry as { resource?: unknown } | null)?.resource;
    if (resource === undefined) throw new RecordsInputError(source, 'the entry has no "resource"');
    const parsed = parseFhir(JSON.stringify(resource), source);
    return {
      source,
      name: `${base}-${i}-${parsed.resourceType}`,
      resource: parsed,
      patient: patientOf(parsed, context),
    };
  });
}

/**
 * Loads what an operator points `records anchor` at: a FHIR JSON file (one record), a Bundle (one
 * record per entry unless `wholeBundle`), or a folder (every `.json` file in it, in name order, one
 * record each). Every file is validated before anything is sent.
 */
export async function loadRecords(target: string, wholeBundle = false): Promise<RecordInput[]> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new RecordsInputError(target, "no such file or folder");
  }
  if (info.isDirectory()) {
    const files = (await readdir(target)).filter((f) => f.toLowerCase().endsWith(".json")).sort();
    if (files.length === 0) throw new RecordsInputError(target, "the folder has no .json files");
    const out: RecordInput[] = [];
    for (const f of files) {
      const file = path.join(target, f);
      out.push(recordInput(file, path.basename(f, ".json"), await readResource(file)));
    }
    return out;
  }
  const resource = await readResource(target);
  if (resource.resourceType === "Bundle" && !wholeBundle) return bundleEntries(resource, target);
  return [recordInput(target, path.basename(target, ".json"), resource)];
}
