import { randomBytes } from "node:crypto";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, encodeBytes32String, keccak256, type TypedDataDomain, type TypedDataField } from "ethers";

import { GenomicsInputError } from "./errors.js";
import type { SiteCount } from "./vcf.js";
import { variantIdOf } from "./vrs.js";

/**
 * Dataset commitments. A version's Merkle root commits to the lab's de-identified sites as a sorted
 * linked list, so one tree proves both that a variant is in the dataset and that it is not:
 *
 *   leaf_i = MerkleLeaf.ofPair(keyHash_i, link_i)            (StandardMerkleTree ["bytes32","bytes32"])
 *   link_i = keccak256(abi.encode(keyHash_{i+1}, stats_i))   (the next key, and this site's counts)
 *   stats_i = keccak256(abi.encode(ac, an, salt_i))           (salted: the counts stay hidden)
 *
 * with keys sorted ascending, a head leaf (keyHash 0) before the first and the last linking to
 * 2^256 - 1. A variant is absent when a leaf's key is below it and that leaf's next key above it.
 * Salts derive from one 256-bit dataset secret the lab keeps (`salt_i = keccak256(secret, keyHash_i)`).
 *
 * Known limit: a proof reveals the neighbouring variant's key hash (and so, to anyone who can guess
 * keys, that the lab has it); proofs are for parties the data-use rules admit, not for publication.
 */

const coder = AbiCoder.defaultAbiCoder();
export const HEAD_KEY = "0x" + "00".repeat(32);
export const TAIL_KEY = "0x" + "ff".repeat(32);
const LEAF_ENCODING = ["bytes32", "bytes32"];

/** One leaf's opening: what a proof shows about a site (its counts stay behind the salted `stats`). */
export interface LeafOpening {
  keyHash: string;
  nextKeyHash: string;
  stats: string;
  link: string;
}

/** The committed dataset: root, leaves and the lab's secret. */
export interface DatasetTree {
  root: string;
  sites: number;
  /** Leaves in tree-input order: the head first, then the sites by ascending key hash. */
  openings: LeafOpening[];
  tree: StandardMerkleTree<string[]>;
  secret: string;
}

/** A proof that a variant is (`member`) or is not in a committed version. */
export interface MembershipProof {
  variantKey: string;
  keyHash: string;
  member: boolean;
  leaf: LeafOpening;
  proof: string[];
}

export function statsCommitment(ac: number, an: number, salt: string): string {
  return keccak256(coder.encode(["uint256", "uint256", "bytes32"], [ac, an, salt]));
}

export function linkOf(nextKeyHash: string, stats: string): string {
  return keccak256(coder.encode(["bytes32", "bytes32"], [nextKeyHash, stats]));
}

function saltOf(secret: string, keyHash: string): string {
  return keccak256(coder.encode(["bytes32", "bytes32"], [secret, keyHash]));
}

/** Builds the tree of a lab's sites; `secret` defaults to 256 fresh random bits. */
export function buildDatasetTree(sites: SiteCount[], secret = "0x" + randomBytes(32).toString("hex")): DatasetTree {
  if (sites.length === 0) throw new GenomicsInputError("a dataset needs at least one site");
  const byKey = sites
    .map((s) => ({ keyHash: variantIdOf(s.key), site: s }))
    .sort((a, b) => (BigInt(a.keyHash) < BigInt(b.keyHash) ? -1 : 1));
  const openings: LeafOpening[] = [];
  const headNext = byKey[0]!.keyHash;
  openings.push({ keyHash: HEAD_KEY, nextKeyHash: headNext, stats: HEAD_KEY, link: linkOf(headNext, HEAD_KEY) });
  byKey.forEach(({ keyHash, site }, i) => {
    const next = byKey[i + 1]?.keyHash ?? TAIL_KEY;
    const stats = statsCommitment(site.ac, site.an, saltOf(secret, keyHash));
    openings.push({ keyHash, nextKeyHash: next, stats, link: linkOf(next, stats) });
  });
  const tree = StandardMerkleTree.of(
    openings.map((o) => [o.keyHash, o.link]),
    LEAF_ENCODING,
  );
  return { root: tree.root, sites: sites.length, openings, tree, secret };
}

/** A membership or non-membership proof for `variantKey`. */
export function proveVariant(dataset: DatasetTree, variantKey: string): MembershipProof {
  const keyHash = variantIdOf(variantKey);
  const k = BigInt(keyHash);
  // The predecessor-or-equal leaf: the last one whose key is <= k (the head's key 0 always is).
  let lo = 0;
  let hi = dataset.openings.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (BigInt(dataset.openings[mid]!.keyHash) <= k) lo = mid;
    else hi = mid - 1;
  }
  const leaf = dataset.openings[lo]!;
  return { variantKey, keyHash, member: leaf.keyHash === keyHash, leaf, proof: dataset.tree.getProof(lo) };
}

/**
 * Checks a proof against a root offline: the leaf is in the tree and either is the variant or
 * brackets it. Returns whether the variant is in the dataset; throws if the proof proves nothing.
 */
export function verifyVariantProof(root: string, p: MembershipProof): boolean {
  const keyHash = variantIdOf(p.variantKey);
  if (keyHash !== p.keyHash || linkOf(p.leaf.nextKeyHash, p.leaf.stats) !== p.leaf.link) {
    throw new GenomicsInputError(`proof for ${p.variantKey}: the leaf does not open to its link`);
  }
  if (!StandardMerkleTree.verify(root, LEAF_ENCODING, [p.leaf.keyHash, p.leaf.link], p.proof)) {
    throw new GenomicsInputError(`proof for ${p.variantKey}: not a leaf of root ${root}`);
  }
  if (p.leaf.keyHash === keyHash) return true;
  const k = BigInt(keyHash);
  if (BigInt(p.leaf.keyHash) < k && k < BigInt(p.leaf.nextKeyHash)) return false;
  throw new GenomicsInputError(`proof for ${p.variantKey}: the leaf neither is nor brackets the variant`);
}

// ---------------------------------------------------------------- signed versions

/** GRCh38, as the contract's Assembly enum. */
export const ASSEMBLY_GRCH38 = 1;

/** The EIP-712 `DatasetVersion` a lab signs (field order as in the contract's type hash). */
export interface DatasetVersionMessage {
  lab: string;
  name: string;
  version: number;
  root: string;
  previous: string;
  assembly: number;
  samples: number;
  sites: number;
  dataUses: bigint;
  nonce: bigint;
  deadline: bigint;
}

export const DATASET_VERSION_TYPES: Record<string, TypedDataField[]> = {
  DatasetVersion: [
    { name: "lab", type: "bytes32" },
    { name: "name", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "root", type: "bytes32" },
    { name: "previous", type: "bytes32" },
    { name: "assembly", type: "uint8" },
    { name: "samples", type: "uint32" },
    { name: "sites", type: "uint32" },
    { name: "dataUses", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export function datasetsDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "MedChain GenomicDatasets", version: "1", chainId, verifyingContract };
}

/** The lab's dataset name as `bytes32` (UTF-8, at most 31 bytes). */
export function datasetName(name: string): string {
  if (name.trim() === "") throw new GenomicsInputError("dataset name: empty");
  try {
    return encodeBytes32String(name);
  } catch {
    throw new GenomicsInputError(`dataset name "${name}": longer than 31 bytes`);
  }
}

export function datasetKeyOf(lab: string, name: string): string {
  return keccak256(coder.encode(["bytes32", "bytes32"], [lab, name]));
}

export function versionIdOf(datasetKey: string, version: number, root: string): string {
  return keccak256(coder.encode(["bytes32", "uint32", "bytes32"], [datasetKey, version, root]));
}

/** The contract's tuple for `register` (Solidity field `assembly_`). */
export function versionTuple(m: DatasetVersionMessage) {
  return {
    lab: m.lab,
    name: m.name,
    version: m.version,
    root: m.root,
    previous: m.previous,
    assembly_: m.assembly,
    samples: m.samples,
    sites: m.sites,
    dataUses: m.dataUses,
    nonce: m.nonce,
    deadline: m.deadline,
  };
}
