import { getAddress, getBytes, isHexString, zeroPadValue, ZeroHash } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { leafBytesOfPair, leafOfPair } from "../chain/merkle-leaf.js";
import { MerkleBatch, processProof } from "../chain/merkle-tree.js";

/**
 * Record leaves and Merkle batches of them. A record leaf binds a salted commitment to its subject,
 * `MerkleLeaf.ofPair(subject, commitment)`: the subject is the patient's pseudonymous account at the
 * issuer (left-padded, `subjectOfAccount`) for consented reads, or a claim's patient reference for a
 * billing documentation leaf. Batches are trees over `["bytes32", "bytes32"]` values
 * `[subject, commitment]` exactly as `@openzeppelin/merkle-tree`'s StandardMerkleTree builds them
 * (same leaves, same sorted leaf order, same layout, same root and proofs: a test compares them
 * byte for byte on random inputs), so RecordRegistry checks them with OpenZeppelin's MerkleProof.
 * On chain a batch is keyed by (issuer, root). The tree is the SDK's one {@link MerkleBatch}
 * (`src/chain/merkle-tree.ts`, which says why it is not the library's own).
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

/** The batch of `[subject, commitment]` values (hex): leaves `ofPair(subject, commitment)`, in input order. */
export function batchOfValues(values: readonly LeafValue[]): MerkleBatch {
  if (values.length === 0) throw new MedChainError("a batch needs at least one record");
  const leaves = new Uint8Array(values.length * 32);
  values.forEach(([subject, commitment], i) => {
    if (!isHexString(subject, 32) || !isHexString(commitment, 32)) {
      throw new MedChainError("a record leaf needs a 32-byte subject and a 32-byte commitment");
    }
    leaves.set(leafBytesOfPair(getBytes(subject), getBytes(commitment)), i * 32);
  });
  return new MerkleBatch(leaves, values.length);
}

/** A batch of values with every proof (for small batches: consent scopes, tests). */
export function buildBatch(values: LeafValue[]): Batch {
  const batch = batchOfValues(values);
  return { root: batch.root, proofs: values.map((_, i) => batch.proof(i)) };
}

/** Whether `proof` shows the leaf of `[subject, commitment]` under `root` (offline). */
export function verifyInBatch(root: string, value: LeafValue, proof: string[]): boolean {
  return processProof(recordLeaf(value[0], value[1]), proof) === root.toLowerCase();
}
