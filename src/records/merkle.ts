import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

/**
 * Merkle batches over record commitments. Leaves are StandardMerkleTree's `["bytes32"]` encoding,
 * `keccak256(keccak256(abi.encode(commitment)))`, which RecordRegistry verifies with OpenZeppelin's
 * MerkleProof. A batch's id on chain is its root read as a uint256.
 */
export interface Batch {
  root: string;
  /** Proof of each commitment, in input order. */
  proofs: string[][];
}

export function buildBatch(commitments: string[]): Batch {
  const tree = StandardMerkleTree.of(
    commitments.map((c) => [c]),
    ["bytes32"],
  );
  return { root: tree.root, proofs: commitments.map((_, i) => tree.getProof(i)) };
}

/** Whether `proof` shows `commitment` under `root` (offline). */
export function verifyInBatch(root: string, commitment: string, proof: string[]): boolean {
  return StandardMerkleTree.verify(root, ["bytes32"], [commitment], proof);
}

/** The batch id (uint256) of a root. */
export function batchIdOf(root: string): bigint {
  return BigInt(root);
}

/** The root (bytes32 hex) of a batch id. */
export function rootOf(batchId: bigint): string {
  return "0x" + batchId.toString(16).padStart(64, "0");
}
