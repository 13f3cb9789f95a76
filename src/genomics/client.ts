import { getAddress, keccak256, toUtf8Bytes, AbiCoder, hexlify, randomBytes, type TypedDataField } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { mined } from "../chain/send.js";
import { proposalIdFrom } from "../consortium/governance.js";
import { kindMask } from "../consortium/kinds.js";
import type { GenomicsConnection } from "./connect.js";
import {
  ASSEMBLY_GRCH38,
  DATASET_VERSION_TYPES,
  buildDatasetTree,
  datasetKeyOf,
  datasetName,
  datasetsDomain,
  versionIdOf,
  versionTuple,
  type DatasetTree,
  type DatasetVersionMessage,
} from "./dataset.js";
import { GenomicsInputError } from "./errors.js";
import { cellsRootOf } from "./release.js";
import type { SiteCounts } from "./vcf.js";
import { CHROMOSOME_NUMBERS, normalizeChromosome, variantIdOf } from "./vrs.js";

/** The contract calls of the genomics module, each a thin wrapper that also reads back what it did. */

const coder = AbiCoder.defaultAbiCoder();
/** Signatures stay valid this long (seconds) unless the caller sets a deadline. */
const SIGNATURE_LIFETIME = 3600n;

async function deadlineOf(c: GenomicsConnection, deadline?: bigint): Promise<bigint> {
  if (deadline !== undefined) return deadline;
  const block = await c.signer.provider!.getBlock("latest");
  return BigInt(block!.timestamp) + SIGNATURE_LIFETIME;
}

// ---------------------------------------------------------------- datasets

/** A registered (or found already registered) dataset version. */
export interface RegisteredVersion {
  versionId: string;
  datasetKey: string;
  message: DatasetVersionMessage;
  signature: string;
  signer: string;
  tree: DatasetTree;
  txHash?: string;
  alreadyRegistered: boolean;
}

/**
 * Builds the dataset tree of `counts`, signs the next version of dataset `name` of lab `lab` with the
 * connection's signer, and registers it. If the dataset's current version already has this root (a
 * re-run after a crash), nothing is sent. `secret` fixes the tree's salts (default: fresh random).
 */
export async function registerDatasetVersion(
  c: GenomicsConnection,
  args: { lab: string; name: string; counts: SiteCounts; dataUses: bigint; secret?: string; deadline?: bigint },
): Promise<RegisteredVersion> {
  const name = datasetName(args.name);
  const datasetKey = datasetKeyOf(args.lab, name);
  const tree = buildDatasetTree(args.counts.sites, args.secret);
  const [current] = await c.datasets.currentVersion(datasetKey);
  const signerAddress = await c.signer.getAddress();
  let version = 1;
  if (current !== "0x" + "00".repeat(32)) {
    const record = await c.datasets.versionOf(current);
    if (record.root === tree.root) {
      return {
        versionId: current,
        datasetKey,
        message: messageOf(args, name, Number(record.version), tree, record.previous, 0n, 0n),
        signature: "",
        signer: signerAddress,
        tree,
        alreadyRegistered: true,
      };
    }
    version = Number(record.version) + 1;
  }
  const nonce = await c.datasets.nonces(signerAddress);
  const message = messageOf(args, name, version, tree, current, nonce, await deadlineOf(c, args.deadline));
  const signature = await c.signer.signTypedData(
    datasetsDomain(c.chainId, await c.datasets.getAddress()),
    DATASET_VERSION_TYPES,
    message,
  );
  const receipt = await mined(c.datasets.register(versionTuple(message), signerAddress, signature));
  return {
    versionId: versionIdOf(datasetKey, version, tree.root),
    datasetKey,
    message,
    signature,
    signer: signerAddress,
    tree,
    txHash: receipt.hash,
    alreadyRegistered: false,
  };
}

function messageOf(
  args: { lab: string; counts: SiteCounts; dataUses: bigint },
  name: string,
  version: number,
  tree: DatasetTree,
  previous: string,
  nonce: bigint,
  deadline: bigint,
): DatasetVersionMessage {
  return {
    lab: args.lab,
    name,
    version,
    root: tree.root,
    previous,
    assembly: ASSEMBLY_GRCH38,
    samples: args.counts.samples,
    sites: tree.sites,
    dataUses: args.dataUses,
    nonce,
    deadline,
  };
}

/** Version statuses, in the contract's enum order. */
export const VERSION_STATUS = ["None", "Active", "Superseded", "Withdrawn"] as const;

// ---------------------------------------------------------------- alliance rules (by vote)

/** A rule change the alliance votes on. */
export type RuleChange =
  | { rule: "budget"; budget: bigint; costPerQuery: bigint; costPerCell: bigint; requesterShare: number }
  | { rule: "release"; minCellCount: number; minLabs: number }
  | { rule: "purpose"; purpose: number; kinds: number }
  | { rule: "aggregator"; account: string }
  | { rule: "window"; seconds: number }
  | { rule: "expert-panel"; memberId: string };

/** The module and calldata of a rule change, for `ConsortiumRegistry.proposeCall`. */
export async function ruleCall(c: GenomicsConnection, change: RuleChange): Promise<{ module: string; data: string }> {
  const q = c.queries.interface;
  const queries = await c.queries.getAddress();
  switch (change.rule) {
    case "budget":
      return {
        module: queries,
        data: q.encodeFunctionData("setBudgetRule", [
          change.budget,
          change.costPerQuery,
          change.costPerCell,
          change.requesterShare,
        ]),
      };
    case "release":
      return { module: queries, data: q.encodeFunctionData("setReleaseRule", [change.minCellCount, change.minLabs]) };
    case "purpose":
      return { module: queries, data: q.encodeFunctionData("setPurposeKinds", [change.purpose, change.kinds]) };
    case "aggregator":
      return { module: queries, data: q.encodeFunctionData("setAggregator", [getAddress(change.account)]) };
    case "window":
      return { module: queries, data: q.encodeFunctionData("setAnswerWindow", [change.seconds]) };
    case "expert-panel":
      return {
        module: await c.interpretations.getAddress(),
        data: c.interpretations.interface.encodeFunctionData("setExpertPanel", [change.memberId]),
      };
  }
}

/** A governor proposes a rule change (a governed call); the others vote with `consortium vote`. */
export async function proposeRule(c: GenomicsConnection, change: RuleChange): Promise<bigint> {
  const { module, data } = await ruleCall(c, change);
  const receipt = await mined(c.registry.proposeCall(module, data));
  return proposalIdFrom(c.registry, receipt);
}

/** Requester kinds for a purpose grant: "Hospital,Laboratory" and the like. */
export function requesterKinds(list: string[]): number {
  return kindMask(...(list as Parameters<typeof kindMask>));
}

// ---------------------------------------------------------------- queries

/** `chr19:44905000-44910000` (1-based, inclusive) packed as the contracts' GenomicRegion. */
export function parseRegion(text: string): bigint {
  const m = /^([^:]+):(\d+)-(\d+)$/.exec(text.trim().replace(/,/g, ""));
  const chrom = m === null ? undefined : normalizeChromosome(m[1]!);
  if (m === null || chrom === undefined)
    throw new GenomicsInputError(`region "${text}": expected chr:start-end on GRCh38`);
  const start = BigInt(m[2]!);
  const end = BigInt(m[3]!);
  if (start < 1n || end < start) throw new GenomicsInputError(`region "${text}": start must be 1..end`);
  // Packed as 40-bit positions (the longest chromosome has fewer than 2^28 bases).
  if (end >= 1n << 40n) throw new GenomicsInputError(`region "${text}": positions past ${(1n << 40n) - 1n}`);
  return BigInt(CHROMOSOME_NUMBERS[chrom]!) | (start << 8n) | (end << 48n);
}

/** The region of a packed value (undefined for zero). */
export function regionOf(packed: bigint): { chrom: string; start: number; end: number } | undefined {
  if (packed === 0n) return undefined;
  const n = Number(packed & 0xffn);
  const chrom = Object.entries(CHROMOSOME_NUMBERS).find(([, v]) => v === n)?.[0] ?? String(n);
  return { chrom, start: Number((packed >> 8n) & 0xffffffffffn), end: Number((packed >> 48n) & 0xffffffffffn) };
}

/** What the requester hands the labs: the on-chain query and its variant list (whose root is on chain). */
export interface QueryFile {
  chainId: string;
  queries: string;
  queryId: string;
  purpose: number;
  region: string;
  versions: string[];
  variantKeys: string[];
}

/** Requests an aggregate over `versions` for the variant list; returns the query and its file. */
export async function requestQuery(
  c: GenomicsConnection,
  args: { versions: string[]; purpose: number; variantKeys: string[]; region?: bigint },
): Promise<{ queryId: bigint; cost: bigint; file: QueryFile; txHash: string }> {
  const versions = [...new Set(args.versions.map((v) => v.toLowerCase()))].sort((a, b) =>
    BigInt(a) < BigInt(b) ? -1 : 1,
  );
  const request = {
    versions,
    purpose: args.purpose,
    cellsRoot: cellsRootOf(args.variantKeys),
    cells: args.variantKeys.length,
    region: args.region ?? 0n,
  };
  const receipt = await mined(c.queries.requestQuery(request));
  let queryId: bigint | undefined;
  let cost = 0n;
  for (const log of receipt.logs) {
    const parsed = c.queries.interface.parseLog(log);
    if (parsed?.name === "QueryApproved") {
      queryId = parsed.args.queryId as bigint;
      cost = parsed.args.cost as bigint;
    }
  }
  if (queryId === undefined) throw new MedChainError(`transaction ${receipt.hash} approved no query`);
  const file: QueryFile = {
    chainId: c.chainId.toString(),
    queries: (await c.queries.getAddress()).toLowerCase(),
    queryId: queryId.toString(),
    purpose: args.purpose,
    region: request.region.toString(),
    versions,
    variantKeys: args.variantKeys,
  };
  return { queryId, cost, file, txHash: receipt.hash };
}

/** Query statuses, in the contract's enum order. */
export const QUERY_STATUS = [
  "None",
  "Approved",
  "Collecting",
  "Answered",
  "Cancelled",
  "Expired",
  "Unanswered",
] as const;

/**
 * Checks a query file against the chain before a lab contributes: same query, open, the version
 * listed, the variant list committed by the on-chain root, and (for a region query) every variant
 * inside the region. Returns the on-chain query.
 */
export async function checkQueryFile(c: GenomicsConnection, file: QueryFile, versionId: string) {
  const q = await c.queries.queryOf(BigInt(file.queryId));
  const where = `query ${file.queryId}`;
  if (
    BigInt(file.chainId) !== c.chainId ||
    file.queries.toLowerCase() !== (await c.queries.getAddress()).toLowerCase()
  ) {
    throw new GenomicsInputError(`${where}: the query file is for another chain or contract`);
  }
  const status = QUERY_STATUS[Number(q.status)];
  if (status !== "Approved" && status !== "Collecting") throw new GenomicsInputError(`${where}: ${status}, not open`);
  // The contract refuses contributions for a requester that is no longer active; say so before any work.
  if (!(await c.registry.isActiveMemberId(q.requester, kindMask("Hospital", "Laboratory")))) {
    throw new GenomicsInputError(`${where}: its requester ${q.requester} is no longer an active member`);
  }
  const versions = (await c.queries.versionsOf(BigInt(file.queryId))).map((v) => v.toLowerCase());
  if (!versions.includes(versionId.toLowerCase()))
    throw new GenomicsInputError(`${where}: ${versionId} is not queried`);
  if (cellsRootOf(file.variantKeys) !== q.cellsRoot || BigInt(file.variantKeys.length) !== q.cells) {
    throw new GenomicsInputError(`${where}: the variant list does not match the on-chain commitment`);
  }
  const region = regionOf(q.region);
  if (region !== undefined) {
    for (const key of file.variantKeys) {
      const m = /^GRCh38:([^-]+)-(\d+)-/.exec(key);
      // A VRS id does not show its position; the lab checks those against its own site list.
      if (m && (m[1] !== region.chrom || Number(m[2]) < region.start || Number(m[2]) > region.end)) {
        throw new GenomicsInputError(`${where}: ${key} lies outside the region of the query`);
      }
    }
  }
  return q;
}

// ---------------------------------------------------------------- interpretations

/** ACMG/AMP tiers, in the contract's enum order (index = enum value). */
export const SIGNIFICANCE = [
  "None",
  "Benign",
  "Likely benign",
  "Uncertain significance",
  "Likely pathogenic",
  "Pathogenic",
] as const;

/** Aggregate classifications, in the contract's enum order. */
export const AGGREGATE = [
  "no classification",
  "Benign",
  "Likely benign",
  "Benign/Likely benign",
  "Uncertain significance",
  "Likely pathogenic",
  "Pathogenic/Likely pathogenic",
  "Pathogenic",
  "Conflicting classifications of pathogenicity",
] as const;

/** ClinVar's review-status wording per star count. */
export const REVIEW_STATUS = [
  "no assertion criteria provided",
  "criteria provided, single submitter (or conflicting classifications)",
  "criteria provided, multiple submitters, no conflicts",
  "reviewed by expert panel",
] as const;

const CLASSIFICATION_TYPES: Record<string, TypedDataField[]> = {
  Classification: [
    { name: "lab", type: "bytes32" },
    { name: "variant", type: "bytes32" },
    { name: "condition", type: "uint32" },
    { name: "significance", type: "uint8" },
    { name: "assertionCriteria", type: "bool" },
    { name: "evidence", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** `P`, `LP`, `VUS`, `LB`, `B` or the full words to the enum value. */
export function parseSignificance(text: string): number {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  const table: Record<string, number> = {
    b: 1,
    benign: 1,
    lb: 2,
    "likely benign": 2,
    vus: 3,
    "uncertain significance": 3,
    lp: 4,
    "likely pathogenic": 4,
    p: 5,
    pathogenic: 5,
  };
  const v = table[t];
  if (v === undefined) throw new GenomicsInputError(`significance "${text}": expected P, LP, VUS, LB or B`);
  return v;
}

/** `MONDO:0007254` (or `7254`) to 7254. */
export function parseMondo(text: string): number {
  const m = /^(?:MONDO:)?(\d{1,7})$/.exec(text.trim());
  if (m === null || Number(m[1]) === 0) throw new GenomicsInputError(`condition "${text}": expected MONDO:0000000`);
  return Number(m[1]);
}

/** The evidence commitment: keccak256 over the sorted ACMG/AMP codes and a 128-bit salt. */
export function evidenceCommitment(codes: string[], salt: string): string {
  return keccak256(coder.encode(["string[]", "bytes32"], [[...codes].sort(), salt]));
}

/** Signs and submits (or revises) the lab's classification. Returns the evidence salt to keep. */
export async function submitClassification(
  c: GenomicsConnection,
  args: {
    lab: string;
    variantKey: string;
    condition: number;
    significance: number;
    evidenceCodes: string[];
    assertionCriteria: boolean;
    deadline?: bigint;
  },
): Promise<{ txHash: string; evidence: string; salt: string; revision: bigint }> {
  const salt = hexlify(randomBytes(32));
  const signerAddress = await c.signer.getAddress();
  const message = {
    lab: args.lab,
    variant: variantIdOf(args.variantKey),
    condition: args.condition,
    significance: args.significance,
    assertionCriteria: args.assertionCriteria,
    evidence: evidenceCommitment(args.evidenceCodes, salt),
    nonce: await c.interpretations.nonces(signerAddress),
    deadline: await deadlineOf(c, args.deadline),
  };
  const domain = {
    name: "MedChain VariantInterpretations",
    version: "1",
    chainId: c.chainId,
    verifyingContract: await c.interpretations.getAddress(),
  };
  const signature = await c.signer.signTypedData(domain, CLASSIFICATION_TYPES, message);
  const receipt = await mined(c.interpretations.submit(message, signerAddress, signature));
  const revision = (await c.interpretations.submissionOf(args.lab, message.variant, args.condition)).revision;
  return { txHash: receipt.hash, evidence: message.evidence, salt, revision };
}

/** A variant's aggregate interpretation for a condition, in words. */
export async function describeInterpretation(c: GenomicsConnection, variantKey: string, condition: number) {
  const i = await c.interpretations.interpretationOf(variantIdOf(variantKey), condition);
  const tiers = (counts: readonly bigint[]) =>
    counts.map((n, t) => (n > 0n ? `${SIGNIFICANCE[t + 1]}: ${n}` : "")).filter((s) => s !== "");
  return {
    aggregate: AGGREGATE[Number(i.aggregate)]!,
    stars: Number(i.stars),
    reviewStatus: REVIEW_STATUS[Number(i.stars)]!,
    conflict: i.conflict,
    withCriteria: tiers(i.withCriteria),
    withoutCriteria: tiers(i.withoutCriteria),
    expertPanel: SIGNIFICANCE[Number(i.expertPanel)]!,
    /** Classifications left out because their lab is suspended, revoked or no longer certified. */
    inactive: Number(i.inactive),
  };
}
