// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title MerkleLeaf
 * @notice The one owner of MedChain's Merkle-leaf encodings: the leaves of `@openzeppelin/merkle-tree`'s
 * StandardMerkleTree (`keccak256(bytes.concat(keccak256(abi.encode(values...))))`), so every tree the
 * SDK builds with that library (or with a faster, byte-compatible builder) verifies with
 * OpenZeppelin's `MerkleProof` here. Used by records (record leaves, blinded consent scopes),
 * provenance (pack and container trees) and claims (documenting records).
 */
library MerkleLeaf {
    /// @notice The StandardMerkleTree leaf of one `bytes32` value (tree encoding `["bytes32"]`).
    function ofBytes32(bytes32 value) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(value))));
    }

    /// @notice The StandardMerkleTree leaf of two `bytes32` values (tree encoding `["bytes32", "bytes32"]`).
    function ofPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(a, b))));
    }
}
