import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";

import type { RecordRegistry } from "../../../typechain-types/index.js";
import { makePrivateFolder, writeFileAtomic } from "../../chain/atomic-write.js";
import { openContract, requireSigner, type Connection } from "../../chain/connection.js";
import { MedChainError } from "../../chain/errors.js";
import type { ConsentFile } from "../consent-file.js";
import { proofFileName } from "../anchor.js";
import { recordsDomain } from "../consent.js";
import { RecordsInputError } from "../errors.js";
import { checkBoundTo, checkProofTarget, leafOf, proofSchema, type RecordProof } from "../proof.js";
import { verifyRecord, type Verdict } from "../verify.js";
import { auditedLeaves } from "./auditor.js";
import { chainHead } from "./chain-head.js";
import { GatewayClient, type GatewayClientOptions, type RequesterSigner } from "./client.js";
import { AUDIT_EXTENSION, PROOF_EXTENSION } from "./protocol.js";

export const FETCH_REPORT_FORMAT = "medchain.fetch-report.v1";

/** One record the gateway sent, and what the requester's checks found. */
export interface FetchedRecord {
  /** `Observation/obs-1` (as the entry names it). */
  reference: string;
  /** The chain's verdict on the record against its proof (TAMPERED also when the entry is unusable). */
  verdict: Verdict;
  reason?: string;
  /** Whether the chain audited this record in the requester's name for this very request. */
  audited: boolean;
  /** Where the record was written (relative to the output folder). */
  file: string;
}

/** The verdict report `fetchRecords` writes (`report.json`) and returns. */
export interface FetchReport {
  format: typeof FETCH_REPORT_FORMAT;
  gateway: string;
  consentId: string;
  custodian: string;
  grantee: string;
  requester: string;
  /** The request's nonce and the transaction that audited it. */
  nonce: string;
  auditTx: string;
  fetchedAt: string;
  records: FetchedRecord[];
  /** Leaves the chain audited in the requester's name that the gateway did not send. */
  auditedNotServed: string[];
  /** True when every record is VALID and audited, and nothing was audited that was not sent. */
  ok: boolean;
}

export interface FetchOptions {
  /** The gateway's FHIR base URL. */
  gateway: string;
  consent: ConsentFile;
  /** The RecordRegistry (any runner): the chain the records are verified against. Or give `connection`. */
  records?: RecordRegistry;
  /** An operating account of the consent's grantee (default: the connection's signer). */
  signer?: RequesterSigner;
  /** A chain-layer connection signing as the grantee's operating account, instead of `records` and `signer`. */
  connection?: Connection;
  /** A folder that does not exist yet (or is empty): records, quarantine and report go there. */
  outDir: string;
  /** Only these resource types (default: everything the consent covers). */
  types?: string[];
  client?: Partial<Pick<GatewayClientOptions, "lifetimeSeconds" | "retries" | "retryDelayMs" | "purpose" | "now">>;
}

/**
 * A file name for a reference the gateway sent (untrusted): only letters, digits, `-` and `.`
 * (`Type/id` always has its `/` replaced, so never `.` or `..`), at most 100 characters.
 */
const safeName = (reference: string) => reference.replace(/[^A-Za-z0-9\-.]/g, "-").slice(0, 100);

interface Entry {
  reference: string;
  resource: unknown;
  proof?: RecordProof;
  problem?: string;
}

/** The entries of a searchset Bundle with their proofs; an unusable entry keeps its problem. */
function entriesOf(bundle: Record<string, unknown>): Entry[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Array<Record<string, unknown>>) : [];
  return entries.map((entry, i) => {
    const resource = entry?.resource as Record<string, unknown> | undefined;
    const type = typeof resource?.resourceType === "string" ? resource.resourceType : "";
    const id = typeof resource?.id === "string" ? resource.id : "";
    const reference = type !== "" && id !== "" ? `${type}/${id}` : `entry-${i}`;
    if (resource === undefined || type === "")
      return { reference, resource, problem: "the entry holds no FHIR resource" };
    const extension = (entry.extension as Array<Record<string, unknown>> | undefined)?.find(
      (e) => e.url === PROOF_EXTENSION,
    );
    const data = (extension?.valueAttachment as { data?: unknown } | undefined)?.data;
    if (typeof data !== "string") return { reference, resource, problem: "the entry carries no MedChain proof" };
    let parsed;
    try {
      parsed = proofSchema.safeParse(JSON.parse(Buffer.from(data, "base64").toString("utf8")));
    } catch {
      return { reference, resource, problem: "the entry's proof is not JSON" };
    }
    if (!parsed.success) return { reference, resource, problem: "the entry's proof is not a record proof" };
    return { reference, resource, proof: parsed.data };
  });
}

/** Checks the output folder can take the fetch: absent, or an empty folder. */
async function checkOut(outDir: string): Promise<void> {
  try {
    await stat(outDir);
  } catch {
    return;
  }
  const inside = await readdir(outDir).catch(() => undefined);
  if (inside === undefined || inside.length > 0) {
    throw new RecordsInputError(outDir, "exists and is not an empty folder: choose another --out or remove it");
  }
}

/**
 * Fetches what a consent covers from the custodian's gateway and verifies every record against the
 * chain: offline against its proof (TAMPERED), then on chain under the consent's custodian (VALID,
 * SUPERSEDED, RETRACTED, NOT ANCHORED), that it is bound to the consent's patient, and that the chain
 * audited exactly what was received in the requester's name. VALID records go to `records/` (with their
 * proof files), all others to `quarantine/`, and the verdict report to `report.json`. The folder
 * appears whole or not at all: it is written next to `outDir` and renamed into place at the end.
 */
export async function fetchRecords(options: FetchOptions): Promise<FetchReport> {
  const { consent } = options;
  if ((options.records === undefined) === (options.connection === undefined)) {
    throw new MedChainError("fetchRecords: give exactly one of records or connection");
  }
  const records = options.records ?? (await openContract(options.connection!, "records"));
  const signer =
    options.signer ??
    (options.connection === undefined ? undefined : (requireSigner(options.connection, "fetching") as RequesterSigner));
  if (signer === undefined) throw new MedChainError("fetchRecords: give the grantee's signer");
  const provider = records.runner?.provider;
  if (provider == null) throw new MedChainError("fetchRecords needs a RecordRegistry connected to a provider");
  const { chainId } = await provider.getNetwork();
  const registry = await records.getAddress();
  if (BigInt(consent.chainId) !== chainId || consent.registry.toLowerCase() !== registry.toLowerCase()) {
    throw new MedChainError(
      `the consent is for registry ${consent.registry} on chain ${consent.chainId}, not ${registry} on chain ${chainId}`,
    );
  }
  await checkOut(options.outDir);
  const head = chainHead(provider, 0); // asked anew for each request signed
  const client = new GatewayClient({
    gateway: options.gateway,
    consent,
    signer,
    domain: recordsDomain(chainId, registry),
    now: () => head.now(),
    ...options.client,
  });
  const answer = await client.search(options.types ?? []);
  const meta = answer.body.meta as { extension?: Array<{ url?: unknown; valueString?: unknown }> } | undefined;
  const auditTx = String(meta?.extension?.find((e) => e.url === AUDIT_EXTENSION)?.valueString ?? "");
  const receipt = /^0x[0-9a-fA-F]{64}$/.test(auditTx) ? await provider.getTransactionReceipt(auditTx) : null;
  const audited = new Set(
    receipt === null || receipt.status !== 1
      ? []
      : (auditedLeaves(records, receipt.logs, answer.request.request) ?? []),
  );
  const entries = entriesOf(answer.body);
  const terms = consent.terms;
  const fetched: Array<FetchedRecord & { resource: unknown; proof?: RecordProof }> = [];
  const received = new Set<string>();
  for (const entry of entries) {
    const base = { reference: entry.reference, resource: entry.resource };
    if (entry.proof === undefined) {
      fetched.push({ ...base, verdict: "TAMPERED", reason: entry.problem, audited: false, file: "" });
      continue;
    }
    const proof = entry.proof;
    const leaf = leafOf(proof.record).toLowerCase();
    received.add(leaf);
    const wasAudited = audited.has(leaf);
    try {
      checkProofTarget(proof, chainId, registry, entry.reference);
      checkBoundTo(proof, terms.custodian, terms.patient, entry.reference);
    } catch (err) {
      fetched.push({
        ...base,
        proof,
        verdict: "TAMPERED",
        reason: `not a record this consent covers: ${(err as Error).message}`,
        audited: wasAudited,
        file: "",
      });
      continue;
    }
    const result = await verifyRecord(records, entry.resource, proof);
    fetched.push({
      ...base,
      proof,
      verdict: result.verdict,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      audited: wasAudited,
      file: "",
    });
  }
  const report: FetchReport = {
    format: FETCH_REPORT_FORMAT,
    gateway: options.gateway,
    consentId: consent.consentId,
    custodian: terms.custodian,
    grantee: terms.grantee,
    requester: answer.request.request.requester,
    nonce: answer.request.request.nonce.toString(),
    auditTx,
    fetchedAt: new Date().toISOString(),
    records: [],
    auditedNotServed: [...audited].filter((leaf) => !received.has(leaf)),
    ok: false,
  };
  // Everything is written into a fresh folder next to the output, then renamed into place.
  const parent = path.dirname(path.resolve(options.outDir));
  await mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(options.outDir)}.partial-${randomBytes(4).toString("hex")}`);
  // Patient records: the folders and files (written by `writeFileAtomic`) are the owner's only.
  await makePrivateFolder(path.join(staging, "records"));
  await makePrivateFolder(path.join(staging, "quarantine"));
  try {
    const used = new Set<string>();
    for (const f of fetched) {
      const folder = f.verdict === "VALID" && f.audited ? "records" : "quarantine";
      let name = safeName(f.reference);
      while (used.has(`${folder}/${name}`)) name += "_";
      used.add(`${folder}/${name}`);
      f.file = `${folder}/${name}.json`;
      await writeFileAtomic(path.join(staging, f.file), JSON.stringify(f.resource, null, 2) + "\n");
      if (f.proof !== undefined) {
        await writeFileAtomic(path.join(staging, folder, proofFileName(name)), JSON.stringify(f.proof, null, 2) + "\n");
      }
      const { resource: _r, proof: _p, ...row } = f;
      report.records.push(row);
    }
    report.ok =
      report.records.every((r) => r.verdict === "VALID" && r.audited) &&
      report.auditedNotServed.length === 0 &&
      auditTx !== "";
    await writeFileAtomic(path.join(staging, "report.json"), JSON.stringify(report, null, 2) + "\n");
    await rmdir(options.outDir).catch(() => {});
    await rename(staging, options.outDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return report;
}

/** One line per record and the summary, for an operator. */
export function formatFetchReport(report: FetchReport): string {
  const lines = report.records.map(
    (r) =>
      `${r.verdict.padEnd(12)} ${r.reference}${r.audited ? "" : "  (NOT AUDITED in your name)"}${r.reason === undefined ? "" : `: ${r.reason}`}`,
  );
  for (const leaf of report.auditedNotServed)
    lines.push(`AUDITED, NOT SENT  record ${leaf} was audited in your name but not sent`);
  const valid = report.records.filter((r) => r.verdict === "VALID" && r.audited).length;
  lines.push(
    `${valid} of ${report.records.length} record(s) valid and audited (tx ${report.auditTx || "none"})${report.ok ? "" : ": VERIFICATION FAILED"}`,
  );
  return lines.join("\n");
}
