import { createReadStream, existsSync, statSync, writeFileSync } from "node:fs";
import { access, open, readFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";

import { getBytes, hexlify, type Signer } from "ethers";

import type { RecordRegistry } from "../../typechain-types/index.js";
import { makePrivateFolder, PRIVATE_FILE_MODE, writeFileAtomic } from "../chain/atomic-write.js";
import type { Connection } from "../chain/connection.js";
import { MedChainError } from "../chain/errors.js";
import { leafBytesOfPair } from "../chain/merkle-leaf.js";
import { runJob, type JobStep, type StepOutcome } from "../chain/pipeline.js";
import { CATEGORIES, categoryOf } from "./categories.js";
import { COMMITMENT_ALGORITHM, keyedSalt, randomSalt, recordCommitment } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import { checkFhir } from "./fhir.js";
import { readRecordFile, recordFiles, type LoadOptions, type RecordInput } from "./input.js";
import { signerMemberId } from "./member.js";
import { hex32, MerkleBatch } from "../chain/merkle-tree.js";
import { NO_BATCH, subjectOfAccount } from "./merkle.js";
import type { PatientMap } from "./patients.js";
import { PROOF_FORMAT, shareableProof, type AnchoredLeaf, type RecordProof } from "./proof.js";

/**
 * Anchoring records: a streaming, resumable, incremental job.
 *
 * - **Streaming.** Records are read one file at a time; each is checked, bound to its patient,
 *   committed to, and dropped. What the job keeps per record is 192 bytes (subject, salt and
 *   commitment of its two leaves) plus its source and name, so a million records fit in a few
 *   hundred megabytes; trees are {@link MerkleBatch}es (64 bytes a leaf).
 * - **A plan file before anything is sent.** `<outDir>/.medchain-anchor-plan.jsonl` gets one line per
 *   record (its salts, subjects and commitments: salts are fixed before sending) and then one line
 *   per run with that run's steps (batch roots, single leaves). Only a run whose steps line is on
 *   disk (flushed) sends anything; a run that died before it left pending records, which the next
 *   run anchors with the same salts.
 * - **Sending** is the pipelined, crash-safe sender (`runJob`, journal
 *   `.medchain-anchor-job.jsonl`); each step is also looked up on chain under the signing member's
 *   own key before it is first sent (another member's anchor of the same bytes is not ours).
 * - **Incremental.** A record of an earlier run (same source) is not anchored again and its proof
 *   file is kept as it is: re-running on a folder that has grown anchors only the new files (a file
 *   whose size and time are unchanged is not even read). A record that changed since it was
 *   anchored is refused (anchor the new version with `records amend`).
 */

/** How salts are chosen: fresh random per record (kept in the job's plan file), or from a hospital key. */
export type SaltSource = { kind: "random" } | { kind: "key"; key: string };

/** One leaf of the job: a record's own leaf, or its billing documentation leaf. */
export interface PlannedLeaf extends AnchoredLeaf {
  /** `ofPair(subject, commitment)`. */
  leaf: string;
}

/** One record of this run, bound to its patient. */
export interface AnchorItem {
  source: string;
  name: string;
  category: number;
  /** The leaf consents reach: subject = the patient's account at this hospital. */
  record: PlannedLeaf;
  /** The billing documentation leaf (subject = the claims patient reference), when the patient has one. */
  billing?: PlannedLeaf;
}

/**
 * One on-chain write: a single anchor or a batch. Record leaves are batched per category; billing
 * leaves go in a batch (or single anchors) of their own, never next to record leaves, so a claim's
 * Merkle path shares no node with the path an access reveals.
 */
export interface AnchorStep {
  /** Journal key: issuer and root. */
  key: string;
  kind: "single" | "batch";
  purpose: "record" | "billing";
  category: number;
  /** The batch root, or the leaf of a single anchor. */
  root: string;
  /** How many leaves. */
  count: number;
  /** The run of the plan file that planned it. */
  run: number;
  /** Where the leaves came from, for messages (the first few). */
  sources: string[];
}

export interface AnchorPlan {
  issuer: string;
  /** This run's number in the plan file. */
  run: number;
  /** Every step to be done: earlier runs' (done or not) and this run's. */
  steps: AnchorStep[];
  /** The records this run plans (new, or pending from a run that sent nothing). */
  items: AnchorItem[];
  /** Records of the input anchored by an earlier run (kept as they are). */
  alreadyAnchored: number;
  /** @internal the plan's records. */
  table: RecordTable;
  /** @internal rows of the input, in input order. */
  inputRows: number[];
  /** @internal the FHIR reference (`Type/id`) of this run's rows whose resource has an id. */
  references: Map<number, string>;
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
  /** How records are read when the input is a path (`wholeBundle`, `validate`). */
  load?: LoadOptions;
  /** One line per transaction sent. */
  log?: (line: string) => void;
  /** Progress: records read, then proof files written. */
  onProgress?: (phase: "reading" | "proofs", done: number, total: number) => void;
  /** Most transactions in flight at once (default 64). */
  window?: number;
  /** The connection to send with (its fees apply); default the records contract's signer and provider. */
  connection?: Connection;
}

export interface AnchorResult {
  /** Steps of the job (earlier runs' included). */
  steps: number;
  sent: number;
  /** Steps already done (the journal or the chain had them). */
  skipped: number;
  /** Records this run anchored. */
  anchored: number;
  /** Records of the input anchored by an earlier run (their proof files are kept). */
  alreadyAnchored: number;
  /** Records of the input (anchored now or before). */
  records: number;
  /**
   * The issuer's proof file of every record of the input (with the billing leaf): keep them. Listed
   * when first read (a million paths are some 100 MB, which a job that only counts never pays).
   */
  readonly proofs: string[];
  /** Copies without the billing leaf (`<outDir>/share/`): give these to the patient or another hospital. */
  readonly shared: string[];
  /** Proof files written by this run (earlier ones are kept as they are). */
  written: number;
}

const PLAN_FILE = ".medchain-anchor-plan.jsonl";
const PLAN_FORMAT = "medchain.anchor-plan.v3";
const OLD_PLAN_FILE = ".medchain-anchor-plan.json";
const JOURNAL_FILE = ".medchain-anchor-job.jsonl";
export const SHARE_DIR = "share";
/**
 * The job's index of proof files by FHIR reference (`Observation/obs-1` -> `obs-1.proof.json`), so a
 * record gateway in front of a FHIR server knows which anchored record each proof is for.
 */
export const PROOF_INDEX_FILE = "index.json";

/** The proof file of the record named `name` (its input file's name without `.json`). */
export function proofFileName(name: string): string {
  return `${name}.proof.json`;
}
export const PROOF_INDEX_FORMAT = "medchain.proof-index.v1";

/** Fields of a record's 192 bytes: the record leaf's subject, salt, commitment, then the billing leaf's. */
const F = { subject: 0, salt: 1, commitment: 2, billingSubject: 3, billingSalt: 4, billingCommitment: 5 } as const;
const ROW_BYTES = 6 * 32;
const CHUNK_ROWS = 65_536;

/**
 * The plan's records, packed: parallel arrays and 192 bytes a row in chunks (no per-record objects,
 * so a million records cost a few hundred megabytes, not gigabytes).
 */
class RecordTable {
  readonly sources: string[] = [];
  readonly names: string[] = [];
  readonly runs: number[] = [];
  readonly categories: number[] = [];
  readonly billed: boolean[] = [];
  readonly sizes: number[] = [];
  readonly mtimes: number[] = [];
  readonly bySource = new Map<string, number>();
  private readonly chunks: Uint8Array[] = [];

  get length(): number {
    return this.sources.length;
  }

  /** The row of `source`, added if new. */
  row(source: string): number {
    let i = this.bySource.get(source);
    if (i === undefined) {
      i = this.sources.length;
      this.bySource.set(source, i);
      this.sources.push(source);
      this.names.push("");
      this.runs.push(0);
      this.categories.push(0);
      this.billed.push(false);
      this.sizes.push(-1);
      this.mtimes.push(-1);
      if (i % CHUNK_ROWS === 0) this.chunks.push(new Uint8Array(CHUNK_ROWS * ROW_BYTES));
    }
    return i;
  }

  bytes(i: number, field: number): Uint8Array {
    const at = (i % CHUNK_ROWS) * ROW_BYTES + field * 32;
    return this.chunks[Math.floor(i / CHUNK_ROWS)]!.subarray(at, at + 32);
  }

  hex(i: number, field: number): string {
    return hex32(this.bytes(i, field));
  }

  set(i: number, field: number, hex: string): void {
    this.bytes(i, field).set(getBytes(hex));
  }

  /** The leaf of row `i`'s record (`purpose` record) or billing section. */
  leaf(i: number, purpose: AnchorStep["purpose"]): Uint8Array {
    const base = purpose === "record" ? F.subject : F.billingSubject;
    return leafBytesOfPair(this.bytes(i, base), this.bytes(i, base + 2));
  }

  section(i: number, purpose: AnchorStep["purpose"]): Omit<AnchoredLeaf, "batchRoot" | "proof"> {
    const base = purpose === "record" ? F.subject : F.billingSubject;
    return { subject: this.hex(i, base), salt: this.hex(i, base + 1), commitment: this.hex(i, base + 2) };
  }
}

/** One plan-file line of a record. */
interface RecordLine {
  r: number;
  source: string;
  name: string;
  category: number;
  size?: number;
  mtimeMs?: number;
  record: [string, string, string];
  billing?: [string, string, string];
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * What is wrong with a record line read back from a plan file, or undefined: the shape the job
 * wrote, and a name that is a file name only (it names the record's proof files in `--out`, so an
 * edited `../x` must not write outside it).
 */
function recordLineProblem(line: RecordLine): string | undefined {
  const hexes = (v: unknown) =>
    Array.isArray(v) && v.length === 3 && v.every((h) => typeof h === "string" && HEX32.test(h));
  if (typeof line.source !== "string" || line.source === "") return "source: not a file name";
  if (
    typeof line.name !== "string" ||
    line.name === "" ||
    line.name === "." ||
    line.name === ".." ||
    /[\\/\u0000]/.test(line.name)
  )
    return `name ${JSON.stringify(line.name)}: not a file name`;
  if (!Number.isSafeInteger(line.r) || line.r < 0) return "r: not a run number";
  if (!Number.isInteger(line.category) || line.category < 0 || line.category > 255) return "category: not 0-255";
  if (!hexes(line.record)) return "record: not three 32-byte hex values";
  if (line.billing !== undefined && !hexes(line.billing)) return "billing: not three 32-byte hex values";
  return undefined;
}

/** One plan-file line of a run's steps. */
interface StepsLine {
  r: number;
  /** The member that planned the run (every run of one plan file is one member's). */
  issuer: string;
  steps: Array<Pick<AnchorStep, "kind" | "purpose" | "category" | "root" | "count">>;
}

/** The plan file read back: its records, and the steps of every run that committed them. */
async function readPlan(
  file: string,
  issuer: string,
): Promise<{ table: RecordTable; runs: Map<number, StepsLine["steps"]> }> {
  const table = new RecordTable();
  const runs = new Map<number, StepsLine["steps"]>();
  try {
    await access(file);
  } catch {
    try {
      await access(path.join(path.dirname(file), OLD_PLAN_FILE));
    } catch {
      return { table, runs };
    }
    throw new RecordsInputError(
      path.join(path.dirname(file), OLD_PLAN_FILE),
      "a plan file of an earlier version of MedChain: finish that job with that version, or use another --out folder",
    );
  }
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let n = 0;
  let torn: number | undefined;
  for await (const text of lines) {
    n += 1;
    if (text === "") continue;
    if (torn !== undefined) throw new RecordsInputError(file, `line ${torn} is not JSON: the plan file is damaged`);
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      torn = n; // a torn last line from a crash is ignored; anywhere else the file is damaged
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new RecordsInputError(file, `line ${n} is not an object: the plan file is damaged`);
    }
    if (n === 1) {
      if (value.format !== PLAN_FORMAT) throw new RecordsInputError(file, `not a ${PLAN_FORMAT} plan file`, "format");
      continue;
    }
    if (Array.isArray(value.steps)) {
      if (String(value.issuer).toLowerCase() !== issuer.toLowerCase()) {
        throw new RecordsInputError(
          file,
          `the records there were anchored by member ${String(value.issuer)}, not by your member ${issuer}: use another --out folder`,
        );
      }
      runs.set(Number(value.r), value.steps as StepsLine["steps"]);
      continue;
    }
    const line = value as unknown as RecordLine;
    const problem = recordLineProblem(line);
    if (problem !== undefined) throw new RecordsInputError(file, `line ${n}: ${problem}: the plan file is damaged`);
    const i = table.row(line.source);
    table.names[i] = line.name;
    table.runs[i] = line.r;
    table.categories[i] = line.category;
    table.sizes[i] = line.size ?? -1;
    table.mtimes[i] = line.mtimeMs ?? -1;
    line.record.forEach((hex, k) => table.set(i, F.subject + k, hex));
    table.billed[i] = line.billing !== undefined;
    line.billing?.forEach((hex, k) => table.set(i, F.billingSubject + k, hex));
  }
  return { table, runs };
}

/** Rows of `run` by (purpose, category), in row order: the groups its steps were planned from. */
function groupsOf(table: RecordTable, run: number): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  const add = (key: string, i: number) => {
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(i);
  };
  for (let i = 0; i < table.length; i++) {
    if (table.runs[i] !== run) continue;
    add(`record:${table.categories[i]}`, i);
    if (table.billed[i]) add(`billing:${CATEGORIES.financial}`, i);
  }
  return groups;
}

/** The steps of one group: single anchors for fewer than `minBatch` leaves, else one batch. */
function stepsOfGroup(
  issuer: string,
  run: number,
  purpose: AnchorStep["purpose"],
  category: number,
  rows: number[],
  table: RecordTable,
  minBatch: number,
): { steps: AnchorStep[]; batch?: MerkleBatch } {
  const sources = (list: number[]) => list.slice(0, 3).map((i) => table.sources[i]!);
  if (rows.length < minBatch) {
    return {
      steps: rows.map((i) => {
        const leaf = hexlify(table.leaf(i, purpose));
        return {
          key: `${issuer}:${leaf}`,
          kind: "single",
          purpose,
          category,
          root: leaf,
          count: 1,
          run,
          sources: sources([i]),
        };
      }),
    };
  }
  const leaves = new Uint8Array(rows.length * 32);
  rows.forEach((i, k) => leaves.set(table.leaf(i, purpose), k * 32));
  const batch = new MerkleBatch(leaves, rows.length);
  const root = batch.root;
  return {
    steps: [
      {
        key: `${issuer}:${root}`,
        kind: "batch",
        purpose,
        category,
        root,
        count: rows.length,
        run,
        sources: sources(rows),
      },
    ],
    batch,
  };
}

function groupKeys(groups: Map<string, number[]>): Array<[AnchorStep["purpose"], number]> {
  return [...groups.keys()]
    .map((k) => {
      const [purpose, category] = k.split(":");
      return [purpose as AnchorStep["purpose"], Number(category)] as [AnchorStep["purpose"], number];
    })
    .sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] === "record" ? -1 : 1));
}

/**
 * The plan file, appended to as the records are read (a million records' lines are never held in
 * memory), flushed to disk by `commit` before anything is sent.
 */
class PlanWriter {
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  lines = 0;

  constructor(
    private readonly file: string,
    private readonly header: boolean,
  ) {}

  async add(line: string): Promise<void> {
    this.lines += 1;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= 1 << 20) await this.write();
  }

  private async write(): Promise<void> {
    if (this.handle === undefined) {
      this.handle = await open(this.file, "a", 0o600);
      if (this.header) await this.handle.write(JSON.stringify({ format: PLAN_FORMAT }) + "\n");
    }
    if (this.pending.length > 0) await this.handle.write(this.pending.join(""));
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Writes what is left and `last`, and flushes the file to disk. */
  async commit(last: string): Promise<void> {
    this.pending.push(last);
    await this.write();
    await this.handle!.datasync();
  }

  async close(): Promise<void> {
    if (this.pending.length > 0 && this.handle !== undefined) await this.write();
    await this.handle?.close();
    this.handle = undefined;
  }
}

/** The records of `inputs` (a list, or a path read one file at a time), with the file's size and time when known. */
async function* inputsOf(
  inputs: readonly RecordInput[] | string,
  table: RecordTable,
  committed: (i: number) => boolean,
  opts: AnchorOptions,
): AsyncGenerator<{ input?: RecordInput; source: string; size?: number; mtimeMs?: number }> {
  if (typeof inputs !== "string") {
    // Records built by the caller are checked against FHIR R4 too (unless `load.validate` is false).
    for (const input of inputs) {
      if (opts.load?.validate !== false && !table.bySource.has(input.source)) checkFhir(input.resource, input.source);
      yield { input, source: input.source };
    }
    return;
  }
  const { folder, files } = await recordFiles(inputs);
  let done = 0;
  for (const file of files) {
    const info = statSync(file); // synchronous: a folder of a million files is stat'ed several times faster
    const known = table.bySource.get(file);
    if (
      folder &&
      known !== undefined &&
      committed(known) &&
      table.sizes[known] === info.size &&
      table.mtimes[known] === info.mtimeMs
    ) {
      yield { source: file }; // anchored by an earlier run and untouched since: not even read
    } else {
      for (const input of await readRecordFile(file, folder, opts.load)) {
        yield { input, source: input.source, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
    opts.onProgress?.("reading", ++done, files.length);
  }
}

/**
 * Plans the job for `issuer` and writes the plan file: binds every new record to its patient through
 * the patients file (a record without a mapping is refused, naming the file, the field and why,
 * before anything is sent), fixes the salts, then one batch per category of record leaves (single
 * anchors for lone records), and the billing leaves in their own batch. Records an earlier run
 * anchored are kept as they are.
 */
export async function planAnchors(
  issuer: string,
  inputs: readonly RecordInput[] | string,
  opts: AnchorOptions,
): Promise<AnchorPlan> {
  await makePrivateFolder(opts.outDir);
  const planFile = path.join(opts.outDir, PLAN_FILE);
  const { table, runs } = await readPlan(planFile, issuer);
  const header = table.length === 0 && runs.size === 0;
  let run = 1;
  for (const r of table.runs) if (r >= run) run = r + 1;
  for (const r of runs.keys()) if (r >= run) run = r + 1;
  const committed = (i: number) => runs.has(table.runs[i]!);
  const names = new Map<string, number>();
  // One subject per patient account, not per record (the address checksum is a keccak of its own).
  const subjects = new Map<string, string>();
  const subjectOf = (account: string) => {
    let subject = subjects.get(account);
    if (subject === undefined) subjects.set(account, (subject = subjectOfAccount(account)));
    return subject;
  };
  for (let i = 0; i < table.length; i++) if (committed(i)) names.set(table.names[i]!, i);
  // Only keyed salts can give two records the same leaf (random salts never repeat): checked then.
  const seen = new Map<string, string>();
  if (opts.salts.kind === "key") {
    for (let i = 0; i < table.length; i++)
      if (committed(i)) seen.set(hexlify(table.leaf(i, "record")), table.sources[i]!);
  }
  const plan = new PlanWriter(planFile, header);
  try {
    const inputRows: number[] = [];
    const references = new Map<number, string>();
    let alreadyAnchored = 0;
    let count = 0;
    for await (const { input, source, size, mtimeMs } of inputsOf(inputs, table, committed, opts)) {
      count += 1;
      const known = table.bySource.get(source);
      if (known !== undefined && committed(known)) {
        if (
          input !== undefined &&
          recordCommitment(input.resource, table.hex(known, F.salt)) !== table.hex(known, F.commitment)
        ) {
          throw new RecordsInputError(
            source,
            `changed since run ${table.runs[known]} anchored it (proof ${table.names[known]}.proof.json): anchor the new version with records amend`,
          );
        }
        alreadyAnchored += 1;
        inputRows.push(known);
        continue;
      }
      const record = input!;
      if (!record.patient.ok) throw new RecordsInputError(source, record.patient.problem, record.patient.field);
      const { field, reference } = record.patient.patient;
      const binding = opts.patients.find(record.patient.patient);
      if (binding === undefined) {
        throw new RecordsInputError(
          source,
          `the patient "${reference}" is not in the patients file ${opts.patients.file}`,
          field,
        );
      }
      const i = table.row(source);
      const other = names.get(record.name);
      if (other !== undefined && other !== i) {
        throw new RecordsInputError(
          source,
          `two records would share the proof file ${record.name}.proof.json (${table.sources[other]})`,
        );
      }
      names.set(record.name, i);
      const pending = known !== undefined; // planned by a run that sent nothing: same salts
      const salt =
        opts.salts.kind === "key"
          ? keyedSalt(opts.salts.key, record.resource)
          : pending
            ? table.hex(i, F.salt)
            : randomSalt();
      const subject = subjectOf(binding.account);
      const recordSection: [string, string, string] = [subject, salt, recordCommitment(record.resource, salt)];
      let billingSection: [string, string, string] | undefined;
      if (binding.billingRef !== undefined) {
        const billingSalt =
          opts.salts.kind === "key"
            ? keyedSalt(opts.salts.key, record.resource, "billing")
            : pending && table.billed[i]
              ? table.hex(i, F.billingSalt)
              : randomSalt();
        billingSection = [
          binding.billingRef.toLowerCase(),
          billingSalt,
          recordCommitment(record.resource, billingSalt),
        ];
      }
      table.names[i] = record.name;
      const id = record.resource.id;
      if (typeof id === "string" && id !== "") references.set(i, `${record.resource.resourceType}/${id}`);
      table.runs[i] = run;
      table.categories[i] = categoryOf(record.resource.resourceType);
      table.sizes[i] = size ?? -1;
      table.mtimes[i] = mtimeMs ?? -1;
      recordSection.forEach((hex, k) => table.set(i, F.subject + k, hex));
      table.billed[i] = billingSection !== undefined;
      billingSection?.forEach((hex, k) => table.set(i, F.billingSubject + k, hex));
      if (opts.salts.kind === "key") {
        for (const purpose of ["record", "billing"] as const) {
          if (purpose === "billing" && !table.billed[i]) continue;
          const leaf = hexlify(table.leaf(i, purpose));
          const dup = seen.get(leaf);
          if (dup !== undefined) throw new RecordsInputError(source, `same record, patient and salt as ${dup}`);
          seen.set(leaf, source);
        }
      }
      const line: RecordLine = {
        r: run,
        source,
        name: record.name,
        category: table.categories[i]!,
        ...(size === undefined ? {} : { size, mtimeMs: mtimeMs! }),
        record: recordSection,
        ...(billingSection === undefined ? {} : { billing: billingSection }),
      };
      await plan.add(JSON.stringify(line) + "\n");
      inputRows.push(i);
    }
    if (count === 0) throw new RecordsInputError(opts.outDir, "nothing to anchor");

    const minBatch = opts.minBatch ?? 2;
    const steps: AnchorStep[] = [];
    for (const [r, planned] of [...runs.entries()].sort((a, b) => a[0] - b[0])) {
      const groups = groupsOf(table, r);
      for (const s of planned) {
        const rows = groups.get(`${s.purpose}:${s.category}`) ?? [];
        const sources = s.kind === "single" ? [] : rows.slice(0, 3).map((i) => table.sources[i]!);
        steps.push({ ...s, key: `${issuer}:${s.root}`, run: r, sources });
      }
    }
    const items: AnchorItem[] = [];
    if (plan.lines > 0) {
      const groups = groupsOf(table, run);
      const planned: AnchorStep[] = [];
      for (const [purpose, category] of groupKeys(groups)) {
        const rows = groups.get(`${purpose}:${category}`)!;
        planned.push(...stepsOfGroup(issuer, run, purpose, category, rows, table, minBatch).steps);
      }
      const stepsLine: StepsLine = {
        r: run,
        issuer,
        steps: planned.map(({ kind, purpose, category, root, count: n }) => ({
          kind,
          purpose,
          category,
          root,
          count: n,
        })),
      };
      // The salts and the steps are on disk before anything is sent.
      await plan.commit(JSON.stringify(stepsLine) + "\n");
      runs.set(run, stepsLine.steps);
      steps.push(...planned);
      for (let i = 0; i < table.length; i++) {
        if (table.runs[i] !== run || items.length >= 10_000) continue; // the items of small jobs, for callers
        const leafOf = (purpose: AnchorStep["purpose"]): PlannedLeaf => ({
          ...table.section(i, purpose),
          leaf: hexlify(table.leaf(i, purpose)),
          batchRoot: NO_BATCH,
          proof: [],
        });
        items.push({
          source: table.sources[i]!,
          name: table.names[i]!,
          category: table.categories[i]!,
          record: leafOf("record"),
          ...(table.billed[i] ? { billing: leafOf("billing") } : {}),
        });
      }
    }
    return { issuer, run, steps, items, alreadyAnchored, table, inputRows, references };
  } finally {
    await plan.close();
  }
}

/** Whether `issuer` itself anchored the step already (another member's anchor of the same bytes is not ours). */
async function alreadyOnChain(records: RecordRegistry, issuer: string, step: AnchorStep): Promise<boolean> {
  if (step.kind === "batch") return (await records.getBatch(issuer, step.root)).anchoredAt !== 0n;
  const entry = await records.getRecord(issuer, step.root);
  if (entry.batched) {
    throw new MedChainError(
      `${step.sources[0] ?? step.root}: this leaf is in one of your batches and its status was changed there; it cannot be anchored alone`,
    );
  }
  return entry.anchoredAt !== 0n;
}

function describe(step: AnchorStep, txHash: string): string {
  const billing = step.purpose === "billing";
  return step.kind === "single"
    ? `anchored ${step.sources[0] ?? step.root} (${billing ? "billing documentation leaf" : "record"}) as ${step.root} (tx ${txHash})`
    : `anchored a batch of ${step.count} ${billing ? "billing documentation leaves" : "records"} as batch ${step.root} (tx ${txHash})`;
}

/** The connection the batch sender uses: the records contract's signer and its provider. */
function connectionOf(records: RecordRegistry, chainId: bigint): Connection {
  const signer = records.runner as Signer | null;
  if (signer?.provider == null) {
    throw new MedChainError("the records connection has no signer: connect it with the hospital's account");
  }
  return { provider: signer.provider, signer, chainId, addresses: {}, endpoint: "the records contract's node" };
}

/**
 * Adds `entries` (FHIR reference -> proof file) to the proof index of `outDir`: a later job into the
 * same folder keeps the earlier entries; the same reference anchored again points to its newest proof.
 */
async function writeProofIndex(outDir: string, entries: Iterable<[string, string]>): Promise<void> {
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
  for (const [reference, proof] of entries) byReference.set(reference, proof);
  const records = [...byReference.entries()].map(([reference, proof]) => ({ reference, proof }));
  await writeFileAtomic(file, JSON.stringify({ format: PROOF_INDEX_FORMAT, records }, null, 2) + "\n");
}

/**
 * Anchors the records as the signing member: validates and plans everything first (see the file
 * comment), then sends the steps through the pipelined, crash-safe sender, skipping steps the journal
 * or the chain already has under this member's key, and writes one proof file per record (and a
 * shareable copy without the billing leaf) once all its leaves are anchored. `inputs` is a list of
 * records or a path (a file, a Bundle, a folder) read one file at a time. Resumable and
 * incremental: run it again after a crash, or on a folder that has grown, and nothing is anchored twice.
 */
export async function anchorRecords(
  records: RecordRegistry,
  inputs: readonly RecordInput[] | string,
  opts: AnchorOptions,
): Promise<AnchorResult> {
  const issuer = await signerMemberId(records);
  const plan = await planAnchors(issuer, inputs, opts);
  const { table } = plan;
  const registry = opts.registryAddress;
  const byKey = new Map(plan.steps.map((s) => [s.key, s]));
  const jobSteps: JobStep[] = plan.steps.map((step) => ({
    key: step.key,
    call: {
      to: registry,
      data:
        step.kind === "single"
          ? records.interface.encodeFunctionData("anchor", [step.root, step.category])
          : records.interface.encodeFunctionData("anchorBatch", [step.root, step.count, step.category]),
    },
    isDone: () => alreadyOnChain(records, issuer, step),
  }));
  const done = new Set<string>();
  const report = await runJob(opts.connection ?? connectionOf(records, opts.chainId), jobSteps, {
    journal: path.join(opts.outDir, JOURNAL_FILE),
    ...(opts.window === undefined ? {} : { window: opts.window }),
    onDone: (outcome: StepOutcome) => {
      done.add(outcome.key);
      if (outcome.status === "sent") opts.log?.(describe(byKey.get(outcome.key)!, outcome.hash ?? "?"));
    },
  });

  // Proof files: every record of this run, and any record of an earlier run whose file is missing.
  await makePrivateFolder(path.join(opts.outDir, SHARE_DIR));
  const fileOf = (i: number) => path.join(opts.outDir, proofFileName(table.names[i]!));
  const shareOf = (i: number) => path.join(opts.outDir, SHARE_DIR, proofFileName(table.names[i]!));
  const minBatch = opts.minBatch ?? 2;
  let written = 0;
  const indexed: number[] = []; // rows whose proof the index lists (by FHIR reference)
  const runsDone = [...new Set(plan.steps.map((s) => s.run))].sort((a, b) => a - b);
  const total = plan.items.length > 0 ? table.runs.filter((r) => r === plan.run).length : 0;
  for (const run of runsDone) {
    const groups = groupsOf(table, run);
    const rows = [...new Set([...groups.values()].flat())].sort((a, b) => a - b);
    const wanted = run === plan.run ? rows : rows.filter((i) => !existsSync(fileOf(i)));
    if (wanted.length === 0) continue;
    // Where each row's leaves are: a batch's path, or a single anchor.
    const where = new Map<string, { batch?: MerkleBatch; rows: number[]; step: AnchorStep[] }>();
    for (const [purpose, category] of groupKeys(groups)) {
      const groupRows = groups.get(`${purpose}:${category}`)!;
      const built = stepsOfGroup(issuer, run, purpose, category, groupRows, table, minBatch);
      const stored = plan.steps.filter((s) => s.run === run && s.purpose === purpose && s.category === category);
      if (built.steps.map((s) => s.root).join() !== stored.map((s) => s.root).join()) {
        throw new MedChainError(
          `${path.join(opts.outDir, PLAN_FILE)}: run ${run}'s ${purpose} steps of category ${category} do not rebuild from its records: the plan file is damaged`,
        );
      }
      where.set(`${purpose}:${category}`, {
        ...(built.batch ? { batch: built.batch } : {}),
        rows: groupRows,
        step: built.steps,
      });
    }
    // Each row's place in its group (a typed array per group: a million rows in 4 MB, not a Map's 50).
    const position = new Map<string, Int32Array>();
    for (const [key, w] of where) {
      const at = new Int32Array(table.length);
      w.rows.forEach((i, k) => (at[i] = k));
      position.set(key, at);
    }
    const sectionOf = (i: number, purpose: AnchorStep["purpose"], category: number): AnchoredLeaf | undefined => {
      const key = `${purpose}:${category}`;
      const w = where.get(key)!;
      const k = position.get(key)![i]!;
      const step = w.batch === undefined ? w.step[k]! : w.step[0]!;
      if (!done.has(step.key)) return undefined;
      return {
        ...table.section(i, purpose),
        batchRoot: w.batch === undefined ? NO_BATCH : w.batch.root,
        proof: w.batch === undefined ? [] : w.batch.proof(k),
      };
    };
    let progress = 0;
    // Written synchronously, one after the other: on a busy machine that is several times faster
    // than many small writes through the thread pool.
    for (const i of wanted) {
      const record = sectionOf(i, "record", table.categories[i]!);
      const billing = table.billed[i] ? sectionOf(i, "billing", CATEGORIES.financial) : undefined;
      if (record === undefined || (table.billed[i] && billing === undefined)) continue; // not anchored yet
      const proof: RecordProof = {
        format: PROOF_FORMAT,
        algorithm: COMMITMENT_ALGORITHM,
        chainId: opts.chainId.toString(),
        registry,
        issuer,
        category: table.categories[i]!,
        record,
        ...(billing === undefined ? {} : { billing }),
      };
      // Owner-only: a proof holds its record's commitment salt, which stops guesses being checked on chain.
      writeFileSync(fileOf(i), JSON.stringify(proof, null, 2) + "\n", { mode: PRIVATE_FILE_MODE });
      writeFileSync(shareOf(i), JSON.stringify(shareableProof(proof), null, 2) + "\n", { mode: PRIVATE_FILE_MODE });
      written += 1;
      if (plan.references.has(i)) indexed.push(i);
      if (run === plan.run) opts.onProgress?.("proofs", ++progress, total);
    }
  }
  if (indexed.length > 0) {
    await writeProofIndex(
      opts.outDir,
      indexed.map((i): [string, string] => [plan.references.get(i)!, proofFileName(table.names[i]!)]),
    );
  }
  // The paths from the input's file names alone: the plan's table is not kept alive by the result.
  const names = plan.inputRows.map((i) => table.names[i]!);
  const { outDir } = opts;
  let proofs: string[] | undefined;
  let shared: string[] | undefined;
  return {
    steps: plan.steps.length,
    sent: report.sent,
    skipped: report.skipped,
    anchored: total,
    alreadyAnchored: plan.alreadyAnchored,
    records: names.length,
    get proofs() {
      return (proofs ??= names.map((name) => path.join(outDir, proofFileName(name))));
    },
    get shared() {
      return (shared ??= names.map((name) => path.join(outDir, SHARE_DIR, proofFileName(name))));
    },
    written,
  };
}
