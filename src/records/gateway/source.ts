import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

import { getAddress } from "ethers";
import { z } from "zod";

import { PROOF_INDEX_FILE, PROOF_INDEX_FORMAT, proofFileName } from "../anchor.js";
import { parseFhir, type FhirResource } from "../commitment.js";
import { RecordsInputError } from "../errors.js";
import { loadRecords } from "../input.js";
import { checkOffline, leafOf, readProof, shareableProof, type RecordProof } from "../proof.js";
import { isFhirReference } from "./protocol.js";

/** One record the gateway may serve: where it is, and its proof (the shareable copy: never the billing leaf). */
export interface IndexedRecord {
  /** `Observation/obs-1`. */
  reference: string;
  resourceType: string;
  id: string;
  /** The proof without its billing leaf: what is handed to requesters. */
  proof: RecordProof;
  /** The record leaf, `ofPair(subject, commitment)`. */
  leaf: string;
  /** The patient's account at this custodian, as the leaf's subject (lowercase, padded). */
  subject: string;
  commitment: string;
  /** The category the proof says it was anchored with (the chain decides; this only pre-selects). */
  category: number;
  /** Where it came from, for the gateway's log. */
  source: string;
}

/** Where the gateway reads records: a folder of FHIR JSON files (the anchored export) or a FHIR server. */
export interface RecordSource {
  /** For the start-up line: "12 records from exports/2026-03-02". */
  readonly description: string;
  readonly records: readonly IndexedRecord[];
  /** The record with this reference, if the custodian holds one. */
  byReference(reference: string): IndexedRecord | undefined;
  /** The records bound to a patient's subject (the consent's patient account at this custodian). */
  forSubject(subject: string): IndexedRecord[];
  /**
   * The record's body, exactly as anchored; undefined when it is no longer available as anchored
   * (a FHIR server that changed or lost it). Throws a {@link SourceUnavailable} when the source
   * cannot be reached.
   */
  body(record: IndexedRecord): Promise<FhirResource | undefined>;
}

/** The records server cannot be reached. */
export class SourceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceUnavailable";
  }
}

/** What the gateway expects of every proof: made for this chain and registry, issued by its custodian. */
export interface SourceTarget {
  chainId: bigint;
  registry: string;
  /** The custodian's member id (the gateway signer's member). */
  custodian: string;
}

function checkTarget(proof: RecordProof, target: SourceTarget, file: string): void {
  if (BigInt(proof.chainId) !== target.chainId) {
    throw new RecordsInputError(file, `the proof is for chain ${proof.chainId}, not chain ${target.chainId}`);
  }
  if (getAddress(proof.registry) !== getAddress(target.registry)) {
    throw new RecordsInputError(file, `the proof is for registry ${proof.registry}, not ${target.registry}`);
  }
  if (proof.issuer.toLowerCase() !== target.custodian.toLowerCase()) {
    throw new RecordsInputError(
      file,
      `issuer: the record was anchored by ${proof.issuer}, not by this gateway's member ${target.custodian}`,
    );
  }
}

function indexed(reference: string, proof: RecordProof, source: string): IndexedRecord {
  const [resourceType, id] = reference.split("/") as [string, string];
  const shared = shareableProof(proof);
  return {
    reference,
    resourceType,
    id,
    proof: shared,
    leaf: leafOf(shared.record),
    subject: shared.record.subject.toLowerCase(),
    commitment: shared.record.commitment.toLowerCase(),
    category: shared.category,
    source,
  };
}

class Index {
  private readonly byRef = new Map<string, IndexedRecord>();
  private readonly bySubject = new Map<string, IndexedRecord[]>();

  constructor(readonly records: IndexedRecord[]) {
    for (const r of records) {
      const twin = this.byRef.get(r.reference);
      if (twin !== undefined) {
        throw new RecordsInputError(
          r.source,
          `${r.reference} is also in ${twin.source}: keep one version per resource`,
        );
      }
      this.byRef.set(r.reference, r);
      this.bySubject.set(r.subject, [...(this.bySubject.get(r.subject) ?? []), r]);
    }
  }

  byReference(reference: string): IndexedRecord | undefined {
    return this.byRef.get(reference);
  }

  forSubject(subject: string): IndexedRecord[] {
    return this.bySubject.get(subject.toLowerCase()) ?? [];
  }
}

/**
 * The records of an anchored export: a folder of FHIR JSON files, a file, or a Bundle (as
 * `records anchor` read it: same names), with the proof files `records anchor` wrote for them
 * (`<records>.proofs/` by default). Every record is checked against its proof at start-up; a record
 * without a proof, without an id, or changed since it was anchored is left out (and named in
 * `skipped`), so only what was anchored is ever served.
 */
export async function folderSource(
  recordsPath: string,
  proofsDir: string | undefined,
  target: SourceTarget,
): Promise<{ source: RecordSource; skipped: string[] }> {
  const proofs = proofsDir ?? `${recordsPath.replace(/[\\/]+$/, "").replace(/\.json$/i, "")}.proofs`;
  const inputs = await loadRecords(recordsPath);
  const skipped: string[] = [];
  const found: Array<{ record: IndexedRecord; resource: FhirResource }> = [];
  for (const input of inputs) {
    const file = path.join(proofs, proofFileName(input.name));
    let proof: RecordProof;
    try {
      await stat(file);
    } catch {
      skipped.push(`${input.source}: no proof file ${file} (not anchored?)`);
      continue;
    }
    proof = await readProof(file);
    checkTarget(proof, target, file);
    const id = input.resource.id;
    if (typeof id !== "string" || !isFhirReference(`${input.resource.resourceType}/${id}`)) {
      skipped.push(`${input.source}: no usable id, so it cannot be read by reference`);
      continue;
    }
    const check = checkOffline(input.resource, proof);
    if (!check.ok) {
      skipped.push(`${input.source}: ${check.reason} (changed since it was anchored?)`);
      continue;
    }
    found.push({
      record: indexed(`${input.resource.resourceType}/${id}`, proof, input.source),
      resource: input.resource,
    });
  }
  const index = new Index(found.map((f) => f.record));
  const bodies = new Map(found.map((f) => [f.record.reference, f.resource]));
  const source: RecordSource = {
    description: `${found.length} record(s) from ${recordsPath} (proofs in ${proofs})`,
    records: index.records,
    byReference: (ref) => index.byReference(ref),
    forSubject: (subject) => index.forSubject(subject),
    body: async (record) => structuredClone(bodies.get(record.reference)),
  };
  return { source, skipped };
}

const proofIndexSchema = z.object({
  format: z.literal(PROOF_INDEX_FORMAT),
  records: z.array(
    z.object({ reference: z.string().refine(isFhirReference, "must be Type/id"), proof: z.string().min(1) }),
  ),
});

/**
 * Records served from a FHIR server (`<base>/<Type>/<id>`), with the proof files of the export they
 * were anchored from: the proofs folder's `index.json` (written by `records anchor`) says which
 * resource each proof is for. A resource is fetched when read and served only if it still matches
 * its commitment: one the server changed since anchoring is not what was anchored, so it is left out.
 */
export async function fhirServerSource(
  base: string,
  proofsDir: string,
  target: SourceTarget,
  options: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<{ source: RecordSource; skipped: string[] }> {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new RecordsInputError("--fhir-base", `"${base}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RecordsInputError("--fhir-base", `"${base}" is not an http(s) URL`);
  }
  const root = base.replace(/\/+$/, "");
  const indexFile = path.join(proofsDir, PROOF_INDEX_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(indexFile, "utf8"));
  } catch {
    const listing = await readdir(proofsDir).catch(() => undefined);
    throw new RecordsInputError(
      indexFile,
      listing === undefined
        ? "no such proofs folder"
        : "missing or not JSON: run `records anchor` on the export again (nothing is anchored twice) to write it",
    );
  }
  const parsed = proofIndexSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordsInputError(indexFile, `not a proof index: ${issue.path.join(".") || "file"} ${issue.message}`);
  }
  const records: IndexedRecord[] = [];
  for (const entry of parsed.data.records) {
    const file = path.join(proofsDir, entry.proof);
    const proof = await readProof(file);
    checkTarget(proof, target, file);
    records.push(indexed(entry.reference, proof, `${root}/${entry.reference}`));
  }
  const index = new Index(records);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const source: RecordSource = {
    description: `${records.length} record(s) from the FHIR server ${root} (proofs in ${proofsDir})`,
    records: index.records,
    byReference: (ref) => index.byReference(ref),
    forSubject: (subject) => index.forSubject(subject),
    async body(record) {
      let response: Response;
      try {
        response = await fetch(`${root}/${record.reference}`, {
          headers: { accept: "application/fhir+json" },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new SourceUnavailable(`the FHIR server ${root} did not answer (${(err as Error).message})`);
      }
      if (response.status === 404 || response.status === 410) {
        options.log?.(`${record.reference}: the FHIR server no longer has it (${response.status})`);
        return undefined;
      }
      if (!response.ok) throw new SourceUnavailable(`the FHIR server ${root} answered ${response.status}`);
      let resource: FhirResource;
      try {
        resource = parseFhir(await response.text(), `${root}/${record.reference}`);
      } catch (err) {
        options.log?.(`${record.reference}: ${(err as Error).message}`);
        return undefined;
      }
      const check = checkOffline(resource, record.proof);
      if (!check.ok) {
        options.log?.(`${record.reference}: the FHIR server's copy is not what was anchored (${check.reason})`);
        return undefined;
      }
      return resource;
    },
  };
  return { source, skipped: [] };
}
