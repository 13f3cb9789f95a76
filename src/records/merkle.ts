import { keccak_256 } from "@noble/hashes/sha3.js";
import { getAddress, getBytes, hexlify, isHexString, zeroPadValue, ZeroHash } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { leafBytesOfPair, leafOfPair } from "../chain/merkle-leaf.js";

/**
 * Record leaves and Merkle batches of them. A record leaf binds a salted commitment to its subject,
 * `MerkleLeaf.ofPair(subject, commitment)`: the subject is the patient's pseudonymous account at the
 * issuer (left-padded, `subjectOfAccount`) for consented reads, or a claim's patient reference for a
 * billing documentation leaf. Batches are trees over `["bytes32", "bytes32"]` values
 * `[subject, commitment]` exactly as `@openzeppelin/merkle-tree`'s StandardMerkleTree builds them
 * (same leaves, same sorted leaf order, same layout, same root and proofs: a test compares them
 * byte for byte on random inputs), so RecordRegistry checks them with OpenZeppelin's MerkleProof.
 * On chain a batch is keyed by (issuer, root).
 *
 * Why not the library itself: `StandardMerkleTree.of` hashes with ethereum-cryptography's keccak
 * through an ABI coder, keeps every value as hex strings, and `getProof` re-verifies each proof it
 * hands out (the operators issue measured 3.6 s of a 10,000-record job in it, and 1.35 GB for
 * 100,000 records). `MerkleBatch` keeps the tree in one byte array, hashes with `@noble/hashes`, and
 * reads each proof straight from the built tree, so a million-leaf batch fits in tens of megabytes.
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

/** 0x-hex of 32 bytes with the platform's encoder (ethers' hexlify walks the bytes in JavaScript). */
export function hex32(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

function compareAt(bytes: Uint8Array, a: number, b: number): number {
  for (let k = 0; k < 32; k++) {
    const d = bytes[a * 32 + k]! - bytes[b * 32 + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** OpenZeppelin's commutative pair hash: keccak256 of the two nodes in ascending byte order. */
function hashPairInto(nodes: Uint8Array, parent: number, left: number, right: number, scratch: Uint8Array): void {
  const l = nodes.subarray(left * 32, left * 32 + 32);
  const r = nodes.subarray(right * 32, right * 32 + 32);
  let lower = l;
  let upper = r;
  for (let k = 0; k < 32; k++) {
    if (l[k] !== r[k]) {
      if (l[k]! > r[k]!) [lower, upper] = [r, l];
      break;
    }
  }
  scratch.set(lower, 0);
  scratch.set(upper, 32);
  nodes.set(keccak_256(scratch), parent * 32);
}

/**
 * A StandardMerkleTree of pair leaves, built from the leaf hashes (`leaves`: `count` hashes of 32
 * bytes each, in input order). Memory: 64 bytes per leaf plus 4 bytes for its position.
 */
export class MerkleBatch {
  private readonly nodes: Uint8Array;
  /** Tree index of each input leaf. */
  private readonly position: Uint32Array;
  readonly size: number;

  constructor(leaves: Uint8Array, count: number) {
    if (count === 0) throw new MedChainError("a batch needs at least one record");
    if (leaves.length !== count * 32) throw new MedChainError("a batch's leaves must be 32 bytes each");
    this.size = count;
    // Leaves in ascending byte order (StandardMerkleTree's sortLeaves), a cheap 48-bit key first.
    const key = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const o = i * 32;
      key[i] =
        leaves[o]! * 2 ** 40 +
        leaves[o + 1]! * 2 ** 32 +
        leaves[o + 2]! * 2 ** 24 +
        leaves[o + 3]! * 2 ** 16 +
        leaves[o + 4]! * 2 ** 8 +
        leaves[o + 5]!;
    }
    const order = Array.from({ length: count }, (_, i) => i);
    order.sort((a, b) => key[a]! - key[b]! || compareAt(leaves, a, b));
    const total = 2 * count - 1;
    this.nodes = new Uint8Array(total * 32);
    this.position = new Uint32Array(count);
    // The i-th sorted leaf goes to the tree's end, backwards (makeMerkleTree's layout).
    order.forEach((input, i) => {
      const at = total - 1 - i;
      this.nodes.set(leaves.subarray(input * 32, input * 32 + 32), at * 32);
      this.position[input] = at;
    });
    const scratch = new Uint8Array(64);
    for (let i = total - 1 - count; i >= 0; i--) hashPairInto(this.nodes, i, 2 * i + 1, 2 * i + 2, scratch);
  }

  /** A batch of `[subject, commitment]` values (hex), leaves `ofPair(subject, commitment)`. */
  static ofValues(values: readonly LeafValue[]): MerkleBatch {
    const leaves = new Uint8Array(values.length * 32);
    values.forEach(([subject, commitment], i) => {
      if (!isHexString(subject, 32) || !isHexString(commitment, 32)) {
        throw new MedChainError("a record leaf needs a 32-byte subject and a 32-byte commitment");
      }
      leaves.set(leafBytesOfPair(getBytes(subject), getBytes(commitment)), i * 32);
    });
    return new MerkleBatch(leaves, values.length);
  }

  get root(): string {
    return hexlify(this.nodes.subarray(0, 32));
  }

  /** The proof of input leaf `index`, read from the tree (siblings from the leaf up). */
  proof(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new MedChainError(`no leaf ${index} in a batch of ${this.size}`, { kind: "INTERNAL" });
    }
    const out: string[] = [];
    for (let i = this.position[index]!; i > 0; i = Math.floor((i - 1) / 2)) {
      const sibling = i % 2 === 1 ? i + 1 : i - 1;
      out.push(hex32(this.nodes.subarray(sibling * 32, sibling * 32 + 32)));
    }
    return out;
  }
}

/** A batch of values with every proof (for small batches: consent scopes, tests). */
export function buildBatch(values: LeafValue[]): Batch {
  const batch = MerkleBatch.ofValues(values);
  return { root: batch.root, proofs: values.map((_, i) => batch.proof(i)) };
}

/** The root a proof leads to from `leaf` (OpenZeppelin's `MerkleProof.processProof`). */
export function processProof(leaf: string, proof: readonly string[]): string {
  const nodes = new Uint8Array(96);
  nodes.set(getBytes(leaf), 0);
  const scratch = new Uint8Array(64);
  for (const sibling of proof) {
    nodes.set(getBytes(sibling), 32);
    hashPairInto(nodes, 2, 0, 1, scratch);
    nodes.copyWithin(0, 64, 96);
  }
  return hexlify(nodes.subarray(0, 32));
}

/** Whether `proof` shows the leaf of `[subject, commitment]` under `root` (offline). */
export function verifyInBatch(root: string, value: LeafValue, proof: string[]): boolean {
  return processProof(recordLeaf(value[0], value[1]), proof) === root.toLowerCase();
}
