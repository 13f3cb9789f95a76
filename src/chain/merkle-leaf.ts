import { keccak_256 } from "@noble/hashes/sha3.js";
import { getBytes, hexlify } from "ethers";

/**
 * The TypeScript twin of `contracts/libraries/MerkleLeaf.sol`: the leaves of `@openzeppelin/merkle-tree`'s
 * StandardMerkleTree, `keccak256(keccak256(abi.encode(values...)))`. Every tree the SDK builds has
 * these leaves, and the contracts check them with OpenZeppelin's `MerkleProof`. `abi.encode` of
 * `bytes32` values is their concatenation, so the leaves are hashed straight from the bytes with
 * `@noble/hashes` (no ABI coder on the hot path of a large batch).
 */

/** The StandardMerkleTree leaf of one `bytes32` value (`MerkleLeaf.ofBytes32`). */
export function leafOfBytes32(value: string): string {
  return hexlify(leafBytesOfBytes32(getBytes(value)));
}

/** {@link leafOfBytes32} on a raw 32-byte value, for trees of many leaves. */
export function leafBytesOfBytes32(value: Uint8Array): Uint8Array {
  if (value.length !== 32) throw new Error("a bytes32 leaf needs a 32-byte value");
  return keccak_256(keccak_256(value));
}

/** The StandardMerkleTree leaf of two `bytes32` values (`MerkleLeaf.ofPair`). */
export function leafOfPair(a: string, b: string): string {
  return hexlify(leafBytesOfPair(getBytes(a), getBytes(b)));
}

/** {@link leafOfPair} on raw 32-byte values, for batches of many leaves. */
export function leafBytesOfPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== 32 || b.length !== 32) throw new Error("a pair leaf needs two 32-byte values");
  const both = new Uint8Array(64);
  both.set(a, 0);
  both.set(b, 32);
  return keccak_256(keccak_256(both));
}
