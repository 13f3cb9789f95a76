import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import type { RecordRegistry } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";
import { SHARE_DIR, type SaltSource } from "./anchor.js";
import { CATEGORIES, categoryOf } from "./categories.js";
import { keyedSalt, randomSalt, recordCommitment, type FhirResource } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import { signerMemberId } from "./member.js";
import { NO_BATCH, recordLeaf } from "./merkle.js";
import { leafOf, readProof, shareableProof, writeProof, type AnchoredLeaf, type RecordProof } from "./proof.js";

/** The record's leaves the issuer ends together: its own, and its billing documentation leaf if any. */
function sectionsOf(proof: RecordProof): Array<{ name: "record" | "billing"; section: AnchoredLeaf }> {
  const out: Array<{ name: "record" | "billing"; section: AnchoredLeaf }> = [{ name: "record", section: proof.record }];
  if (proof.billing !== undefined) out.push({ name: "billing", section: proof.billing });
  return out;
}

/** The signing member, refusing one that is not the proof's issuer (only the issuer changes a record). */
async function issuerFor(records: RecordRegistry, proof: RecordProof, file: string): Promise<string> {
  const issuer = await signerMemberId(records);
  if (issuer.toLowerCase() !== proof.issuer.toLowerCase()) {
    throw new RecordsInputError(
      file,
      `issuer: the record was anchored by ${proof.issuer}, not by your member ${issuer}`,
    );
  }
  return issuer;
}

const STATUS_NAMES = ["not anchored", "active", "superseded", "retracted"];

export interface LifecycleResult {
  sent: string[];
  skipped: number;
}

/**
 * Retracts a record (entered in error) as its issuer: its own leaf and its billing documentation leaf,
 * so claims citing it are refused too. Leaves already retracted are skipped, so a re-run after a crash
 * finishes the job.
 */
export async function retractRecord(
  records: RecordRegistry,
  proof: RecordProof,
  file: string,
): Promise<LifecycleResult> {
  const issuer = await issuerFor(records, proof, file);
  const result: LifecycleResult = { sent: [], skipped: 0 };
  for (const { name, section } of sectionsOf(proof)) {
    const leaf = leafOf(section);
    const [, status] = await records.recordStatus(issuer, leaf, section.batchRoot, section.proof);
    if (status === 3n) {
      result.skipped += 1;
      continue;
    }
    if (status !== 1n) throw new RecordsInputError(file, `${name}: the leaf is ${STATUS_NAMES[Number(status)]}`);
    const receipt = await (await records.retract(leaf, section.batchRoot, section.proof)).wait();
    result.sent.push(receipt!.hash);
  }
  return result;
}

export interface AmendOptions {
  /** The new version's proof file (a shareable copy goes to `share/` next to it). */
  outFile: string;
  salts: SaltSource;
}

/**
 * Salts of an amendment: from the hospital key, else those of the pending amendment kept next to its
 * output until it is complete, else those of a finished output for this very version (a re-run).
 */
async function amendmentSalts(
  outFile: string,
  pendingFile: string,
  resource: FhirResource,
  billed: boolean,
  salts: SaltSource,
): Promise<{ record: string; billing?: string }> {
  if (salts.kind === "key") {
    return {
      record: keyedSalt(salts.key, resource),
      ...(billed ? { billing: keyedSalt(salts.key, resource, "billing") } : {}),
    };
  }
  try {
    return JSON.parse(await readFile(pendingFile, "utf8")) as { record: string; billing?: string };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new RecordsInputError(pendingFile, "the pending amendment is not JSON");
    }
  }
  const done = await readProof(outFile).catch(() => undefined);
  if (done !== undefined && recordCommitment(resource, done.record.salt) === done.record.commitment.toLowerCase()) {
    return { record: done.record.salt, ...(done.billing === undefined ? {} : { billing: done.billing.salt }) };
  }
  const fresh = { record: randomSalt(), ...(billed ? { billing: randomSalt() } : {}) };
  await mkdir(path.dirname(pendingFile), { recursive: true });
  await writeFile(pendingFile, JSON.stringify(fresh) + "\n", { mode: 0o600 });
  return fresh;
}

/**
 * Supersedes a record with a new version as its issuer: the record's leaf and its billing leaf are
 * each amended to a new leaf of the new version (same subjects, new independent salts), anchored
 * alone. Writes the new version's proof file (and a shareable copy) once both are anchored. Resumable:
 * salts are fixed in `<outFile>.pending.json` before anything is sent (or read back from a finished
 * `outFile` for the same version), and a leaf already superseded by its planned new version is skipped. The new version keeps the record's patient: to move a record
 * to another patient, retract it and anchor it anew.
 */
export async function amendRecord(
  records: RecordRegistry,
  oldProof: RecordProof,
  oldFile: string,
  resource: FhirResource,
  opts: AmendOptions,
): Promise<LifecycleResult & { proof: RecordProof; shared: string }> {
  const issuer = await issuerFor(records, oldProof, oldFile);
  const pendingFile = `${opts.outFile}.pending.json`;
  const salts = await amendmentSalts(opts.outFile, pendingFile, resource, oldProof.billing !== undefined, opts.salts);
  const category = categoryOf(resource.resourceType);
  const next = (section: AnchoredLeaf, salt: string): AnchoredLeaf => ({
    subject: section.subject,
    salt,
    commitment: recordCommitment(resource, salt),
    batchRoot: NO_BATCH,
    proof: [],
  });
  const proof: RecordProof = {
    ...oldProof,
    category,
    record: next(oldProof.record, salts.record),
    ...(oldProof.billing === undefined ? {} : { billing: next(oldProof.billing, salts.billing!) }),
  };
  const result: LifecycleResult = { sent: [], skipped: 0 };
  for (const { name, section } of sectionsOf(oldProof)) {
    const newSection = name === "record" ? proof.record : proof.billing!;
    const oldLeaf = leafOf(section);
    const newLeaf = recordLeaf(newSection.subject, newSection.commitment);
    if ((await records.supersededBy(issuer, oldLeaf)).toLowerCase() === newLeaf) {
      result.skipped += 1;
      continue;
    }
    const [, status] = await records.recordStatus(issuer, oldLeaf, section.batchRoot, section.proof);
    if (status !== 1n) throw new MedChainError(`${oldFile}: ${name}: the leaf is ${STATUS_NAMES[Number(status)]}`);
    const tx = await records.amend(
      oldLeaf,
      section.batchRoot,
      section.proof,
      newLeaf,
      name === "record" ? category : CATEGORIES.financial,
    );
    result.sent.push((await tx.wait())!.hash);
  }
  const shared = path.join(path.dirname(opts.outFile), SHARE_DIR, path.basename(opts.outFile));
  await mkdir(path.dirname(shared), { recursive: true });
  await writeProof(opts.outFile, proof);
  await writeProof(shared, shareableProof(proof));
  await rm(pendingFile, { force: true });
  return { ...result, proof, shared };
}
