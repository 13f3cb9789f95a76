import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, isHexString, zeroPadValue, ZeroHash } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { leafOfPair } from "../chain/merkle-leaf.js";

/**
 * Record leaves and Merkle batches of them. A record leaf binds a salted commitment to its subject,
 * `MerkleLeaf.ofPair(subject, commitment)`: the subject is the patient's pseudonymous account at the
 * issuer (left-padded, `subjectOfAccount`) for consented reads, or a claim's patient reference for a
 * billing documentation leaf. Batches are StandardMerkleTrees over `["bytes32", "bytes32"]` values
 * `[subject, commitment]`, whose leaves are exactly those record leaves, so RecordRegistry checks them
 * with OpenZeppelin's MerkleProof. On chain a batch is keyed by (issuer, root).
 */
export type LeafValue = [subject: string, commitment: string];

export interface Batch {
  root: string;
  /** Proof of each value, in input order. */
  proofs: string[][];
}

/** `batchRoot` of a record anchored alone. */
export const NO_BATCH = ZeroHash;

/** The subject of a patient's account: its address left-padded to 32 bytes (`RecordKeys.subjectOf`). */
export function subjectOfAccount(account: string): string {
  return zeroPadValue(getAddress(account), 32).toLowerCase();
}

/** A record leaf, `MerkleLeaf.ofPair(subject, commitment)`. */
export function recordLeaf(subject: string, commitment: string): string {
  if (!isHexString(subject, 32) || !isHexString(commitment, 32)) {
    throw new MedChainError("a record leaf needs a 32-byte subject and a 32-byte commitment");
  }
  return leafOfPair(subject, commitment);
}

export function buildBatch(values: LeafValue[]): Batch {
  if (values.length === 0) throw new MedChainError("a batch needs at least one record");
  const tree = StandardMerkleTree.of(values, ["bytes32", "bytes32"]);
  return { root: tree.root, proofs: values.map((_, i) => tree.getProof(i)) };
}

/** Whether `proof` shows the leaf of `[subject, commitment]` under `root` (offline). */
export function verifyInBatch(root: string, value: LeafValue, proof: string[]): boolean {
  return StandardMerkleTree.verify(root, ["bytes32", "bytes32"], value, proof);
}
