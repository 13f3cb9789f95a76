import { AbiCoder, keccak256 } from "ethers";

/**
 * The TypeScript twin of `contracts/libraries/MerkleLeaf.sol`: the leaves of `@openzeppelin/merkle-tree`'s
 * StandardMerkleTree, `keccak256(keccak256(abi.encode(values...)))`. Every tree the SDK builds with
 * that library has these leaves, and the contracts check them with OpenZeppelin's `MerkleProof`.
 */
const coder = AbiCoder.defaultAbiCoder();

/** The StandardMerkleTree leaf of one `bytes32` value (`MerkleLeaf.ofBytes32`). */
export function leafOfBytes32(value: string): string {
  return keccak256(keccak256(coder.encode(["bytes32"], [value])));
}

/** The StandardMerkleTree leaf of two `bytes32` values (`MerkleLeaf.ofPair`). */
export function leafOfPair(a: string, b: string): string {
  return keccak256(keccak256(coder.encode(["bytes32", "bytes32"], [a, b])));
}
