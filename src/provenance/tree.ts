import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { MedChainError } from "../chain/errors.js";

/**
 * Merkle trees over child ids, as the contract checks them: OpenZeppelin StandardMerkleTree with one
 * `bytes32` value per leaf (double-hashed leaves, sorted pairs). A lot's tree holds its packs' tags;
 * a container's tree holds its children's ids (packs or containers).
 */
export type IdTree = StandardMerkleTree<[string]>;

export function buildIdTree(ids: string[]): IdTree {
  if (ids.length === 0) throw new MedChainError("a Merkle tree needs at least one id");
  if (new Set(ids.map((i) => i.toLowerCase())).size !== ids.length) {
    throw new MedChainError("the ids of a lot or container must be distinct");
  }
  return StandardMerkleTree.of(
    ids.map((id) => [id] as [string]),
    ["bytes32"],
  );
}

/** The proof of `id` in `tree`, or a one-line error naming what is missing. */
export function proofOf(tree: IdTree, id: string, what: string): string[] {
  for (const [i, [value]] of tree.entries()) {
    if (value.toLowerCase() === id.toLowerCase()) return tree.getProof(i);
  }
  throw new MedChainError(`${what}: ${id} is not one of its children`);
}

/** Loads a tree dumped with `tree.dump()`. */
export function loadIdTree(dump: unknown, what: string): IdTree {
  try {
    return StandardMerkleTree.load(dump as Parameters<typeof StandardMerkleTree.load<[string]>>[0]);
  } catch (err) {
    throw new MedChainError(`${what}: not a Merkle tree dump (${(err as Error).message})`);
  }
}
