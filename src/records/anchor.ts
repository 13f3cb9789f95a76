import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import type { RecordRegistry } from "../../typechain-types/index.js";
import { writeFileAtomic } from "../chain/atomic-write.js";
import { MedChainError } from "../chain/errors.js";
import { Journal } from "../chain/journal.js";
import { startProgress } from "../chain/progress.js";
import { CATEGORIES, categoryOf } from "./categories.js";
import { COMMITMENT_ALGORITHM, keyedSalt, randomSalt, recordCommitment } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import type { RecordInput } from "./input.js";
import { signerMemberId } from "./member.js";
import { buildBatch, NO_BATCH, recordLeaf, subjectOfAccount } from "./merkle.js";
import type { PatientMap } from "./patients.js";
import { PROOF_FORMAT, shareableProof, writeProof, type AnchoredLeaf, type RecordProof } from "./proof.js";

/** How salts are chosen: fresh random per record (kept in the job's plan file), or from a hospital key. */
export type SaltSource = { kind: "random" } | { kind: "key"; key: string };

/** One leaf of the job: a record's own leaf, or its billing documentation leaf. */
export interface PlannedLeaf extends AnchoredLeaf {
  /** `ofPair(subject, commitment)`. */
  leaf: string;
}

/** One record of the job, bound to its patient. */
export interface AnchorItem {
  input: RecordInput;
  category: number;
  /** The leaf consents reach: subject = the patient's account at this hospital. */
  record: PlannedLeaf;
  /** The billing documentation leaf (subject = the claims patient reference), when the patient has one. */
  billing?: PlannedLeaf;
}

/**
 * One on-chain write of the job: a single anchor or a batch. Record leaves are batched per category;
 * billing leaves go in a batch (or single anchors) of their own, never next to record leaves, so a
 * claim's Merkle path shares no node with the path an access reveals.
 */
export interface AnchorStep {
  /** Journal key: issuer and root. */
  key: string;
  kind: "single" | "batch";
  purpose: "record" | "billing";
  category: number;
  /** The batch root, or the leaf of a single anchor. */
  root: string;
  leaves: PlannedLeaf[];
  /** Where the leaves came from, for messages. */
  sources: string[];
}

export interface AnchorPlan {
  issuer: string;
  items: AnchorItem[];
  steps: AnchorStep[];
}

export interface AnchorOptions {
  chainId: bigint;
  registryAddress: string;
  /** The hospital's patients file: every record must map to its patient's account here. */
  patients: PatientMap;
  /** Where proof files, the plan (salts) and the journal go. */
  outDir: string;
  salts: SaltSource;
  /** Leaves of one kind and category with fewer than this many go one by one (default 2: any pair is batched). */
  minBatch?: number;
  log?: (line: string) => void;
}

export interface AnchorResult {
  steps: number;
  sent: number;
  skipped: number;
  /** The issuer's proof files (with the billing leaf): keep them. */
  proofs: string[];
  /** Copies without the billing leaf (`<outDir>/share/`): give these to the patient or another hospital. */
  shared: string[];
}

const PLAN_FILE = ".medchain-anchor-plan.json";
const PLAN_FORMAT = "medchain.anchor-plan.v2";
const JOURNAL_FILE = ".medchain-anchor-journal.jsonl";
export const SHARE_DIR = "share";
/**
 * The job's index of proof files by FHIR reference (`Observation/obs-1` -> `obs-1.proof.json`), so a
 * record gateway in front of a FHIR server knows which anchored record each proof is for.
 */
export const PROOF_INDEX_FILE = "index.json";
export const PROOF_INDEX_FORMAT = "medchain.proof-index.v1";

type SaltPlan = Record<string, { record: string; billing?: string }>;

/**
 * Salts per source, persisted before anything is sent: a re-run after a crash reuses them, so the
 * same records get the same leaves and the journal and the chain can recognise them.
 */
async function loadSalts(
  outDir: string,
  inputs: Array<{ input: RecordInput; billed: boolean }>,
  salts: SaltSource,
): Promise<SaltPlan> {
  const file = path.join(outDir, PLAN_FILE);
  let plan: SaltPlan = {};
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as { format?: unknown; salts?: SaltPlan };
    if (parsed.format !== PLAN_FORMAT || typeof parsed.salts !== "object" || parsed.salts === null) {
      throw new RecordsInputError(file, `not a ${PLAN_FORMAT} plan file (from another version?): move it away`);
    }
    plan = parsed.salts;
  } catch (err) {
    if (err instanceof RecordsInputError) throw err;
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new RecordsInputError(file, "the plan file is not JSON");
    }
  }
  for (const { input, billed } of inputs) {
    const earlier = plan[input.source];
    const record = salts.kind === "key" ? keyedSalt(salts.key, input.resource) : (earlier?.record ?? randomSalt());
    const billing = !billed
      ? undefined
      : salts.kind === "key"
        ? keyedSalt(salts.key, input.resource, "billing")
        : (earlier?.billing ?? randomSalt());
    plan[input.source] = billing === undefined ? { record } : { record, billing };
  }
  if (salts.kind === "random") {
    await writeFile(file, JSON.stringify({ format: PLAN_FORMAT, salts: plan }, null, 2) + "\n", { mode: 0o600 });
  }
  return plan;
}

function plannedLeaf(subject: string, resource: unknown, salt: string): PlannedLeaf {
  const commitment = recordCommitment(resource, salt);
  return { subject, salt, commitment, leaf: recordLeaf(subject, commitment), batchRoot: NO_BATCH, proof: [] };
}

/** Single anchors for fewer than `minBatch` leaves, else one batch; sets each leaf's batch root and path. */
function stepsOf(
  issuer: string,
  purpose: AnchorStep["purpose"],
  category: number,
  entries: Array<{ leaf: PlannedLeaf; source: string }>,
  minBatch: number,
): AnchorStep[] {
  if (entries.length < minBatch) {
    return entries.map(({ leaf, source }) => ({
      key: `${issuer}:${leaf.leaf}`,
      kind: "single",
      purpose,
      category,
      root: leaf.leaf,
      leaves: [leaf],
      sources: [source],
    }));
  }
  const batch = buildBatch(entries.map(({ leaf }) => [leaf.subject, leaf.commitment]));
  entries.forEach(({ leaf }, i) => {
    leaf.batchRoot = batch.root;
    leaf.proof = batch.proofs[i]!;
  });
  return [
    {
      key: `${issuer}:${batch.root}`,
      kind: "batch",
      purpose,
      category,
      root: batch.root,
      leaves: entries.map((e) => e.leaf),
      sources: entries.map((e) => e.source),
    },
  ];
}

/**
 * Plans the job for `issuer`: binds every record to its patient through the patients file (a record
 * without a mapping is refused, naming the file, the field and why, before anything is sent), fixes
 * the salts, then one batch per category of record leaves (single anchors for lone records), and the
 * billing leaves in their own batch.
 */
export async function planAnchors(issuer: string, inputs: RecordInput[], opts: AnchorOptions): Promise<AnchorPlan> {
  if (inputs.length === 0) throw new RecordsInputError(opts.outDir, "nothing to anchor");
  const names = new Set<string>();
  const bound = inputs.map((input) => {
    if (names.has(input.name)) {
      throw new RecordsInputError(input.source, `two records would share the proof file ${input.name}`);
    }
    names.add(input.name);
    if (!input.patient.ok)
      throw new RecordsInputError(input.source, `${input.patient.field}: ${input.patient.problem}`);
    const { field, reference } = input.patient.patient;
    const binding = opts.patients.find(input.patient.patient);
    if (binding === undefined) {
      throw new RecordsInputError(
        input.source,
        `${field}: the patient "${reference}" is not in the patients file ${opts.patients.file}`,
      );
    }
    return { input, binding, billed: binding.billingRef !== undefined };
  });
  await mkdir(opts.outDir, { recursive: true });
  const salts = await loadSalts(opts.outDir, bound, opts.salts);
  const seen = new Map<string, string>();
  const items: AnchorItem[] = bound.map(({ input, binding }) => {
    const salt = salts[input.source]!;
    const item: AnchorItem = {
      input,
      category: categoryOf(input.resource.resourceType),
      record: plannedLeaf(subjectOfAccount(binding.account), input.resource, salt.record),
    };
    if (binding.billingRef !== undefined) {
      item.billing = plannedLeaf(binding.billingRef, input.resource, salt.billing!);
    }
    for (const leaf of [item.record, item.billing]) {
      if (leaf === undefined) continue;
      const dup = seen.get(leaf.leaf);
      if (dup !== undefined) throw new RecordsInputError(input.source, `same record, patient and salt as ${dup}`);
      seen.set(leaf.leaf, input.source);
    }
    return item;
  });
  const minBatch = opts.minBatch ?? 2;
  const byCategory = new Map<number, AnchorItem[]>();
  for (const item of items) byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
  const steps: AnchorStep[] = [];
  for (const [category, list] of [...byCategory.entries()].sort((a, b) => a[0] - b[0])) {
    const entries = list.map((item) => ({ leaf: item.record, source: item.input.source }));
    steps.push(...stepsOf(issuer, "record", category, entries, minBatch));
  }
  const billed = items.filter((item) => item.billing !== undefined);
  const billingEntries = billed.map((item) => ({ leaf: item.billing!, source: item.input.source }));
  steps.push(...stepsOf(issuer, "billing", CATEGORIES.financial, billingEntries, minBatch));
  return { issuer, items, steps };
}

/** Whether `issuer` itself anchored the step already (another member's anchor of the same bytes is not ours). */
async function alreadyOnChain(records: RecordRegistry, issuer: string, step: AnchorStep): Promise<boolean> {
  if (step.kind === "batch") return (await records.getBatch(issuer, step.root)).anchoredAt !== 0n;
  const entry = await records.getRecord(issuer, step.root);
  if (entry.batched) {
    throw new MedChainError(
      `${step.sources[0]}: this leaf is in one of your batches and its status was changed there; it cannot be anchored alone`,
    );
  }
  return entry.anchoredAt !== 0n;
}

function proofOf(plan: AnchorPlan, item: AnchorItem, opts: AnchorOptions): RecordProof {
  const section = ({ subject, salt, commitment, batchRoot, proof }: PlannedLeaf) => ({
    subject,
    salt,
    commitment,
    batchRoot,
    proof,
  });
  return {
    format: PROOF_FORMAT,
    algorithm: COMMITMENT_ALGORITHM,
    chainId: opts.chainId.toString(),
    registry: opts.registryAddress,
    issuer: plan.issuer,
    category: item.category,
    record: section(item.record),
    ...(item.billing === undefined ? {} : { billing: section(item.billing) }),
  };
}

function describe(step: AnchorStep, txHash: string): string {
  const billing = step.purpose === "billing";
  return step.kind === "single"
    ? `anchored ${step.sources[0]} (${billing ? "billing documentation leaf" : "record"}) as ${step.root} (tx ${txHash})`
    : `anchored a batch of ${step.leaves.length} ${billing ? "billing documentation leaves" : "records"} as batch ${step.root} (tx ${txHash})`;
}

/**
 * Adds the job's records to the proof index of `outDir` (a later job into the same folder keeps the
 * earlier entries; the same reference anchored again points to its newest proof file).
 */
async function writeProofIndex(outDir: string, items: AnchorItem[]): Promise<void> {
  const file = path.join(outDir, PROOF_INDEX_FILE);
  const byReference = new Map<string, string>();
  try {
    const earlier = JSON.parse(await readFile(file, "utf8")) as { format?: unknown; records?: unknown };
    if (earlier.format === PROOF_INDEX_FORMAT && Array.isArray(earlier.records)) {
      for (const entry of earlier.records as Array<{ reference?: unknown; proof?: unknown }>) {
        if (typeof entry.reference === "string" && typeof entry.proof === "string") {
          byReference.set(entry.reference, entry.proof);
        }
      }
    }
  } catch {
    // no index yet (or an unreadable one, which this job replaces)
  }
  for (const item of items) {
    const id = item.input.resource.id;
    if (typeof id !== "string" || id === "") continue; // a resource without an id cannot be read by reference
    byReference.set(`${item.input.resource.resourceType}/${id}`, `${item.input.name}.proof.json`);
  }
  const records = [...byReference.entries()].map(([reference, proof]) => ({ reference, proof }));
  await writeFileAtomic(file, JSON.stringify({ format: PROOF_INDEX_FORMAT, records }, null, 2) + "\n");
}

/**
 * Anchors the records as the signing member: validates and plans everything first, then sends one
 * transaction per step, skipping steps the journal or the chain already has under this member's key,
 * and writes one proof file per record (and a shareable copy without the billing leaf) once all its
 * leaves are anchored. Resumable: run it again after a crash and nothing is anchored twice.
 */
export async function anchorRecords(
  records: RecordRegistry,
  inputs: RecordInput[],
  opts: AnchorOptions,
): Promise<AnchorResult> {
  const issuer = await signerMemberId(records);
  const plan = await planAnchors(issuer, inputs, opts);
  const journal = await Journal.open(path.join(opts.outDir, JOURNAL_FILE));
  const progress = startProgress(
    "anchoring",
    plan.steps.reduce((n, s) => n + s.leaves.length, 0),
  );
  const result: AnchorResult = { steps: plan.steps.length, sent: 0, skipped: 0, proofs: [], shared: [] };
  try {
    for (const step of plan.steps) {
      if (journal.has(step.key) || (await alreadyOnChain(records, issuer, step))) {
        result.skipped += 1;
      } else {
        const tx =
          step.kind === "single"
            ? await records.anchor(step.root, step.category)
            : await records.anchorBatch(step.root, step.leaves.length, step.category);
        const receipt = await tx.wait();
        await journal.record({ key: step.key, txHash: receipt!.hash, kind: step.kind, count: step.leaves.length });
        result.sent += 1;
        opts.log?.(describe(step, receipt!.hash));
      }
      progress.tick(step.leaves.length);
    }
  } finally {
    progress.stop();
  }
  await mkdir(path.join(opts.outDir, SHARE_DIR), { recursive: true });
  for (const item of plan.items) {
    const proof = proofOf(plan, item, opts);
    const file = path.join(opts.outDir, `${item.input.name}.proof.json`);
    const shared = path.join(opts.outDir, SHARE_DIR, `${item.input.name}.proof.json`);
    await writeProof(file, proof);
    await writeProof(shared, shareableProof(proof));
    result.proofs.push(file);
    result.shared.push(shared);
  }
  await writeProofIndex(opts.outDir, plan.items);
  return result;
}
