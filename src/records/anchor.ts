import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";

import type { RecordRegistry } from "../../typechain-types/index.js";
import { Journal } from "../chain/journal.js";
import { startProgress } from "../chain/progress.js";
import { categoryOf } from "./categories.js";
import { COMMITMENT_ALGORITHM, keyedSalt, randomSalt, recordCommitment } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import type { RecordInput } from "./input.js";
import { buildBatch } from "./merkle.js";
import { PROOF_FORMAT, writeProof, type RecordProof } from "./proof.js";

/** How salts are chosen: fresh random per record (kept in the job's plan file), or from a hospital key. */
export type SaltSource = { kind: "random" } | { kind: "key"; key: string };

/** One on-chain write of the job: a single anchor, or a batch of records of one category. */
export interface AnchorStep {
  key: string;
  kind: "single" | "batch";
  category: number;
  root: string;
  items: Array<{ input: RecordInput; salt: string; commitment: string; proof: string[] }>;
}

export interface AnchorOptions {
  chainId: bigint;
  registryAddress: string;
  /** Where proof files, the plan (salts) and the journal go. */
  outDir: string;
  salts: SaltSource;
  /** Records of a category with fewer than this many go one by one (default 2: any pair is batched). */
  minBatch?: number;
  log?: (line: string) => void;
}

export interface AnchorResult {
  steps: number;
  sent: number;
  skipped: number;
  proofs: string[];
}

const PLAN_FILE = ".medchain-anchor-plan.json";
const JOURNAL_FILE = ".medchain-anchor-journal.jsonl";

/**
 * Salts per source, persisted before anything is sent: a re-run after a crash reuses them, so the
 * same records get the same commitments and the journal and the chain can recognise them.
 */
async function loadSalts(outDir: string, inputs: RecordInput[], salts: SaltSource): Promise<Map<string, string>> {
  const file = path.join(outDir, PLAN_FILE);
  let plan: Record<string, string> = {};
  try {
    plan = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new RecordsInputError(file, "the plan file is not JSON");
  }
  const out = new Map<string, string>();
  for (const input of inputs) {
    const salt = salts.kind === "key" ? keyedSalt(salts.key, input.resource) : (plan[input.source] ?? randomSalt());
    out.set(input.source, salt);
    plan[input.source] = salt;
  }
  if (salts.kind === "random") await writeFile(file, JSON.stringify(plan, null, 2) + "\n", { mode: 0o600 });
  return out;
}

/** Plans the job: commitments, then one batch per category (or single anchors for lone records). */
export async function planAnchors(inputs: RecordInput[], opts: AnchorOptions): Promise<AnchorStep[]> {
  if (inputs.length === 0) throw new RecordsInputError(opts.outDir, "nothing to anchor");
  const names = new Set<string>();
  for (const input of inputs) {
    if (names.has(input.name))
      throw new RecordsInputError(input.source, `two records would share the proof file ${input.name}`);
    names.add(input.name);
  }
  await mkdir(opts.outDir, { recursive: true });
  const salts = await loadSalts(opts.outDir, inputs, opts.salts);
  const byCategory = new Map<number, AnchorStep["items"]>();
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const salt = salts.get(input.source)!;
    const commitment = recordCommitment(input.resource, salt);
    const dup = seen.get(commitment);
    if (dup !== undefined) throw new RecordsInputError(input.source, `same record and salt as ${dup}`);
    seen.set(commitment, input.source);
    const category = categoryOf(input.resource.resourceType);
    const list = byCategory.get(category) ?? [];
    list.push({ input, salt, commitment, proof: [] });
    byCategory.set(category, list);
  }
  const steps: AnchorStep[] = [];
  for (const [category, items] of [...byCategory.entries()].sort((a, b) => a[0] - b[0])) {
    if (items.length < (opts.minBatch ?? 2)) {
      for (const item of items) {
        steps.push({ key: item.commitment, kind: "single", category, root: item.commitment, items: [item] });
      }
      continue;
    }
    const batch = buildBatch(items.map((i) => i.commitment));
    items.forEach((item, i) => (item.proof = batch.proofs[i]!));
    steps.push({ key: batch.root, kind: "batch", category, root: batch.root, items });
  }
  return steps;
}

async function alreadyOnChain(records: RecordRegistry, step: AnchorStep): Promise<boolean> {
  if (step.kind === "single") return (await records.getRecord(step.root)).anchoredAt !== 0n;
  return (await records.getBatch(step.root)).anchoredAt !== 0n;
}

function proofOf(step: AnchorStep, item: AnchorStep["items"][number], opts: AnchorOptions): RecordProof {
  return {
    format: PROOF_FORMAT,
    algorithm: COMMITMENT_ALGORITHM,
    salt: item.salt,
    commitment: item.commitment,
    category: step.category,
    batchId: step.kind === "single" ? "0" : BigInt(step.root).toString(),
    root: step.root,
    proof: item.proof,
    chainId: opts.chainId.toString(),
    registry: opts.registryAddress,
  };
}

/**
 * Anchors the records: validates and plans everything first, then sends one transaction per step,
 * skipping steps the journal or the chain already has, and writes one proof file per record.
 * Resumable: run it again after a crash and nothing is anchored twice.
 */
export async function anchorRecords(
  records: RecordRegistry,
  inputs: RecordInput[],
  opts: AnchorOptions,
): Promise<AnchorResult> {
  const steps = await planAnchors(inputs, opts);
  const journal = await Journal.open(path.join(opts.outDir, JOURNAL_FILE));
  const progress = startProgress("anchoring", inputs.length);
  const result: AnchorResult = { steps: steps.length, sent: 0, skipped: 0, proofs: [] };
  try {
    for (const step of steps) {
      if (journal.has(step.key) || (await alreadyOnChain(records, step))) {
        result.skipped += 1;
      } else {
        const tx =
          step.kind === "single"
            ? await records.anchor(step.root, step.category)
            : await records.anchorBatch(step.root, step.items.length, step.category);
        const receipt = await tx.wait();
        await journal.record({ key: step.key, txHash: receipt!.hash, kind: step.kind, count: step.items.length });
        result.sent += 1;
        opts.log?.(
          step.kind === "single"
            ? `anchored ${step.items[0]!.input.source} as ${step.root} (tx ${receipt!.hash})`
            : `anchored a batch of ${step.items.length} records as batch ${step.root} (tx ${receipt!.hash})`,
        );
      }
      for (const item of step.items) {
        const file = path.join(opts.outDir, `${item.input.name}.proof.json`);
        await writeProof(file, proofOf(step, item, opts));
        result.proofs.push(file);
      }
      progress.tick(step.items.length);
    }
  } finally {
    progress.stop();
  }
  return result;
}
