import { keccak_256 } from "@noble/hashes/sha3.js";
import { getBytes, hexlify, isHexString } from "ethers";

import { hexOf } from "./bytes.js";
import { MedChainError } from "./errors.js";

/**
 * The one Merkle tree of the SDK: `@openzeppelin/merkle-tree`'s StandardMerkleTree layout (leaves
 * sorted in ascending byte order, stored at the array's end backwards, commutative keccak256 pair
 * hash), built from leaf hashes (see `merkle-leaf.ts` for the leaves). Same root, same proofs and the
 * same `standard-v1` dump as the library, byte for byte (tests compare them on random inputs), so
 * the contracts check its proofs with OpenZeppelin's `MerkleProof` and the library can load its dumps.
 *
 * Why not the library itself: `StandardMerkleTree.of` hashes with ethereum-cryptography's keccak
 * through an ABI coder, keeps every node as a hex string, and `getProof` and `load` re-verify what
 * they read (the throughput issue measured 3.6 s of a 10,000-record job in it, 1.35 GB for 100,000
 * records, and a quarter of an EPCIS import's client time in lot and case trees). `MerkleBatch` keeps
 * the tree in one byte array, hashes with `@noble/hashes`, and reads each proof straight from the
 * built tree, so a million-leaf tree fits in tens of megabytes.
 */

/** `@openzeppelin/merkle-tree`'s `standard-v1` dump (`StandardMerkleTree.dump()`, `.load()`). */
export interface StandardTreeDump<T> {
  format: "standard-v1";
  leafEncoding: string[];
  /** Every node, root first. */
  tree: string[];
  /** The values in input order, each with where its leaf is in `tree`. */
  values: { value: T; treeIndex: number }[];
}

/** 0x-hex of 32 bytes with the platform's encoder (ethers' hexlify walks the bytes in JavaScript). */
export function hex32(bytes: Uint8Array): string {
  return hexOf(bytes);
}

/** Node `a` of `x` against node `b` of `y`, byte by byte. */
function compareWith(x: Uint8Array, a: number, y: Uint8Array, b: number): number {
  for (let k = 0; k < 32; k++) {
    const d = x[a * 32 + k]! - y[b * 32 + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The 32 bytes of a node given as 0x-hex (the library refuses any other length; so does the contract's bytes32). */
function bytes32(node: string, what: string): Uint8Array {
  if (!isHexString(node, 32)) throw new MedChainError(`${what} (${String(node)}): expected 32 bytes of hex`);
  return getBytes(node);
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
 * A StandardMerkleTree built from leaf hashes (`leaves`: `count` hashes of 32 bytes each, in input
 * order). Memory: 64 bytes per leaf plus 4 bytes for its position.
 */
export class MerkleBatch {
  private readonly nodes: Uint8Array;
  /** Tree index of each input leaf. */
  private readonly position: Uint32Array;
  readonly size: number;

  constructor(leaves: Uint8Array, count: number) {
    if (count === 0) throw new MedChainError("a Merkle tree needs at least one leaf");
    if (leaves.length !== count * 32) throw new MedChainError("a Merkle tree's leaves must be 32 bytes each");
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
    order.sort((a, b) => key[a]! - key[b]! || compareWith(leaves, a, leaves, b));
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

  /** A tree of leaf hashes given as 0x-hex. */
  static ofLeaves(leaves: readonly string[]): MerkleBatch {
    const bytes = new Uint8Array(leaves.length * 32);
    leaves.forEach((leaf, i) => bytes.set(bytes32(leaf, `leaf ${i}`), i * 32));
    return new MerkleBatch(bytes, leaves.length);
  }

  /**
   * A tree read back as it was written (`nodes`: every node, root first; `leaves`: the input leaves;
   * `position`: each input leaf's tree index), checked as StandardMerkleTree's `load` checks a dump:
   * each leaf where its position says, each inner node the hash of its children. Any leaf order is
   * taken (the library writes unsorted trees with `sortLeaves: false`, and the contract's proofs do
   * not depend on it), but, stricter than the library, every leaf must be the leaf of one input.
   */
  static load(nodes: Uint8Array, leaves: Uint8Array, position: readonly unknown[]): MerkleBatch {
    const count = position.length;
    if (count === 0) throw new MedChainError("a Merkle tree needs at least one leaf");
    if (leaves.length !== count * 32) throw new MedChainError("a Merkle tree's leaves must be 32 bytes each");
    const total = 2 * count - 1;
    if (nodes.length !== total * 32) {
      throw new MedChainError(`a tree of ${count} leaves has ${total} nodes, not ${nodes.length / 32}`);
    }
    const at = new Uint32Array(count);
    const taken = new Uint8Array(total);
    position.forEach((p, i) => {
      // A leaf's index is in the last `count` slots: an inner node or an index seen before is refused.
      if (typeof p !== "number" || !Number.isInteger(p) || p < count - 1 || p >= total || taken[p] === 1) {
        throw new MedChainError(`leaf ${i}: tree index ${String(p)} is not a leaf of its own`);
      }
      if (compareWith(nodes, p, leaves, i) !== 0) {
        throw new MedChainError(`leaf ${i}: Merkle tree does not contain the expected value at ${p}`);
      }
      taken[p] = 1;
      at[i] = p;
    });
    const scratch = new Uint8Array(64);
    const parent = new Uint8Array(96);
    for (let i = total - 1 - count; i >= 0; i--) {
      parent.set(nodes.subarray((2 * i + 1) * 32, (2 * i + 3) * 32), 0);
      hashPairInto(parent, 2, 0, 1, scratch);
      if (compareWith(nodes, i, parent, 2) !== 0) throw new MedChainError(`Merkle tree is invalid at node ${i}`);
    }
    // Not the constructor: that builds the sorted layout; this one keeps the one read.
    return Object.assign(Object.create(MerkleBatch.prototype) as MerkleBatch, { nodes, position: at, size: count });
  }

  get root(): string {
    return hex32(this.nodes.subarray(0, 32));
  }

  /** Where input leaf `index` sits in the tree array (StandardMerkleTree's `treeIndex`). */
  treeIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new MedChainError(`no leaf ${index} in a tree of ${this.size}`, { kind: "INTERNAL" });
    }
    return this.position[index]!;
  }

  /** The proof of input leaf `index`, read from the tree (siblings from the leaf up). */
  proof(index: number): string[] {
    const out: string[] = [];
    for (let i = this.treeIndex(index); i > 0; i = Math.floor((i - 1) / 2)) {
      const sibling = i % 2 === 1 ? i + 1 : i - 1;
      out.push(hex32(this.nodes.subarray(sibling * 32, sibling * 32 + 32)));
    }
    return out;
  }

  /** Every node as 0x-hex, root first (StandardMerkleTree's `tree` array). */
  treeNodes(): string[] {
    return Array.from({ length: this.nodes.length / 32 }, (_, i) => hex32(this.nodes.subarray(i * 32, i * 32 + 32)));
  }

  /** The library's `standard-v1` dump of this tree, whose leaves are those of `values` (in input order). */
  dump<T>(values: readonly T[], leafEncoding: string[]): StandardTreeDump<T> {
    if (values.length !== this.size) throw new MedChainError("a dump needs one value per leaf", { kind: "INTERNAL" });
    return {
      format: "standard-v1",
      leafEncoding,
      tree: this.treeNodes(),
      values: values.map((value, i) => ({ value, treeIndex: this.position[i]! })),
    };
  }
}

/** The root a proof leads to from `leaf` (OpenZeppelin's `MerkleProof.processProof`). */
export function processProof(leaf: string, proof: readonly string[]): string {
  const nodes = new Uint8Array(96);
  nodes.set(bytes32(leaf, "the leaf"), 0);
  const scratch = new Uint8Array(64);
  for (const [i, sibling] of proof.entries()) {
    nodes.set(bytes32(sibling, `proof ${i}`), 32);
    hashPairInto(nodes, 2, 0, 1, scratch);
    nodes.copyWithin(0, 64, 96);
  }
  return hexlify(nodes.subarray(0, 32));
}
