import { isHexString } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { leafBytesOfBytes32 } from "../chain/merkle-leaf.js";
import { MerkleBatch, type StandardTreeDump } from "../chain/merkle-tree.js";

/** What a lot or container file holds of its tree: `@openzeppelin/merkle-tree`'s `standard-v1` dump. */
export type IdTreeDump = StandardTreeDump<[string]>;

const ENCODING = ["bytes32"];

/**
 * A Merkle tree over child ids, as the contract checks them: OpenZeppelin StandardMerkleTree with one
 * `bytes32` value per leaf (double-hashed leaves, sorted pairs). A lot's tree holds its packs' tags;
 * a container's tree holds its children's ids (packs or containers).
 *
 * Built on the SDK's {@link MerkleBatch} rather than the library's `StandardMerkleTree` (which
 * re-hashes the tree on every `getProof` and `load`: a quarter of an EPCIS import's client time went
 * there), with the library's API for what MedChain uses (`root`, `entries`, `getProof`, `dump`) and
 * its dump format, so files written by either load in the other.
 */
export class IdTree {
  private readonly indexOf = new Map<string, number>();

  private constructor(
    private readonly ids: readonly string[],
    private readonly batch: MerkleBatch,
  ) {
    ids.forEach((id, i) => this.indexOf.set(id.toLowerCase(), i));
  }

  /** The tree of `ids` (distinct 32-byte hex values, at least one). */
  static of(ids: readonly string[]): IdTree {
    if (ids.length === 0) throw new MedChainError("a Merkle tree needs at least one id");
    const leaves = new Uint8Array(ids.length * 32);
    ids.forEach((id, i) => {
      if (!isHexString(id, 32)) throw new MedChainError(`id ${i} (${String(id)}): expected 32 bytes of hex`);
      leaves.set(leafBytesOfBytes32(Buffer.from(id.slice(2), "hex")), i * 32);
    });
    const tree = new IdTree([...ids], new MerkleBatch(leaves, ids.length));
    if (tree.indexOf.size !== ids.length) throw new MedChainError("the ids of a lot or container must be distinct");
    return tree;
  }

  get root(): string {
    return this.batch.root;
  }

  get length(): number {
    return this.ids.length;
  }

  /** `[index, [id]]` in input order, as the library's `entries()`. */
  *entries(): IterableIterator<[number, [string]]> {
    for (const [i, id] of this.ids.entries()) yield [i, [id]];
  }

  /** The proof of the id at `leaf` (an input index, or `[id]`), read from the tree. */
  getProof(leaf: number | readonly [string]): string[] {
    const index = typeof leaf === "number" ? leaf : this.indexOf.get(String(leaf[0]).toLowerCase());
    if (index === undefined) throw new MedChainError(`${String((leaf as readonly [string])[0])} is not in the tree`);
    return this.batch.proof(index);
  }

  /** The library's `standard-v1` dump. */
  dump(): IdTreeDump {
    return this.batch.dump(
      this.ids.map((id) => [id] as [string]),
      [...ENCODING],
    );
  }

  /**
   * A tree from a dump, checked as the library's `load` checks it (every value's leaf where the dump
   * says, every node the hash of its children) and kept as written: a dump the library writes with
   * `sortLeaves: false` loads too, with the proofs of its own layout (those its root was built from).
   * Stricter than the library: ids are distinct, each leaf is one value's, and every node is 32 bytes
   * of hex (a string, nothing that only prints as one).
   */
  static load(dump: unknown): IdTree {
    const d = dump as Partial<IdTreeDump> | null;
    if (d === null || typeof d !== "object") throw new Error("not an object");
    if (d.format !== "standard-v1") throw new Error(`Unknown format '${String(d.format)}'`);
    const encoding: unknown = d.leafEncoding;
    if (!Array.isArray(encoding) || encoding.length !== 1 || encoding[0] !== ENCODING[0]) {
      throw new Error(`leaf encoding ${JSON.stringify(encoding)}, expected ["bytes32"]`);
    }
    if (!Array.isArray(d.values) || !Array.isArray(d.tree)) throw new Error("expected values and tree arrays");
    const values: unknown[] = d.values;
    const nodes: unknown[] = d.tree;
    if (values.length === 0) throw new Error("a Merkle tree needs at least one id");
    if (nodes.length !== 2 * values.length - 1) {
      throw new Error(`${values.length} values need a tree of ${2 * values.length - 1} nodes, not ${nodes.length}`);
    }
    const ids = values.map((v, i) => {
      const value = (v as { value?: unknown } | null)?.value;
      if (!Array.isArray(value) || value.length !== 1 || typeof value[0] !== "string" || !isHexString(value[0], 32)) {
        throw new Error(`value ${i}: expected [bytes32]`);
      }
      return value[0];
    });
    if (new Set(ids.map((id) => id.toLowerCase())).size !== ids.length) {
      throw new Error("the ids of a lot or container must be distinct");
    }
    // Hex read with the platform's decoder (ethers' getBytes walks the string in JavaScript).
    const leaves = new Uint8Array(ids.length * 32);
    ids.forEach((id, i) => leaves.set(leafBytesOfBytes32(Buffer.from(id.slice(2), "hex")), i * 32));
    const bytes = new Uint8Array(nodes.length * 32);
    nodes.forEach((node, i) => {
      if (typeof node !== "string" || !isHexString(node, 32)) {
        throw new Error(`tree node ${i}: expected 32 bytes of hex`);
      }
      bytes.set(Buffer.from(node.slice(2), "hex"), i * 32);
    });
    let batch: MerkleBatch;
    try {
      batch = MerkleBatch.load(
        bytes,
        leaves,
        values.map((v) => (v as { treeIndex?: unknown }).treeIndex),
      );
    } catch (err) {
      throw new Error((err as Error).message);
    }
    return new IdTree(ids, batch);
  }
}

export function buildIdTree(ids: string[]): IdTree {
  return IdTree.of(ids);
}

/** The proof of `id` in `tree`, or a one-line error naming what is missing. */
export function proofOf(tree: IdTree, id: string, what: string): string[] {
  try {
    return tree.getProof([id]);
  } catch {
    throw new MedChainError(`${what}: ${id} is not one of its children`);
  }
}

/** Loads a tree dumped with `tree.dump()` (by MedChain or by `@openzeppelin/merkle-tree`). */
export function loadIdTree(dump: unknown, what: string): IdTree {
  try {
    return IdTree.load(dump);
  } catch (err) {
    throw new MedChainError(`${what}: not a Merkle tree dump (${(err as Error).message})`);
  }
}
