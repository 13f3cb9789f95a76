// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRecordVerifier} from "./IRecordVerifier.sol";

/**
 * @title IRecordAnchors
 * @notice Anchoring of record leaves (one at a time or as Merkle batches) and their amendment and
 * retraction by their issuer. Only leaves and roots go on chain; the records stay in the hospitals'
 * systems.
 *
 * A record leaf is `MerkleLeaf.ofPair(subject, commitment)`: the issuer binds the salted commitment
 * to its subject at anchoring (the patient's pseudonymous account at the issuer, left-padded, or a
 * claim's patient reference for a billing documentation leaf). The chain never sees subject or
 * commitment here, only the leaf or a batch root.
 *
 * Every entry is keyed by its issuer: `keccak256(abi.encode(issuerMemberId, leaf))` for a record
 * (anchored alone, or the status of a record inside a batch), `keccak256(abi.encode(issuerMemberId,
 * root))` for a batch. Another member anchoring the same leaf or root writes under its own key, so it
 * neither becomes the issuer nor blocks or changes the real issuer's record.
 */
interface IRecordAnchors is IRecordVerifier {
    /// @notice The entry of a record anchored alone, or the status of a record inside a batch.
    struct Record {
        uint64 anchoredAt; // when it was anchored alone, unix seconds (zero for the status of a batched record)
        uint8 category; // record-category code (see the SDK's categories); zero for a batched record's status
        RecordStatus status; // Active, Superseded or Retracted
        bool batched; // true when this entry is only the status of a record inside one of the issuer's batches
        uint64 changedAt; // when it was superseded or retracted (zero while active)
    }

    /// @notice A batch: a Merkle root over many record leaves of one issuer.
    struct Batch {
        uint64 anchoredAt; // when it was anchored, unix seconds (zero: no such batch)
        uint8 category; // record-category code shared by every record in the batch
        uint32 count; // number of leaves under the root
    }

    // ---------------------------------------------------------------- errors

    /// @dev The leaf (or batch root) is zero.
    error RecordsZeroLeaf();
    /// @dev The issuer has an entry for this leaf already (anchored alone, or its status was changed in a batch).
    error RecordsAlreadyAnchored(bytes32 issuer, bytes32 leaf);
    /// @dev The issuer anchored a batch with this root already.
    error RecordsBatchExists(bytes32 issuer, bytes32 root);
    /// @dev A batch must hold at least one leaf.
    error RecordsEmptyBatch();
    /// @dev The issuer did not anchor this leaf (alone, or in its batch `batchRoot` with the given proof).
    error RecordsNotAnchored(bytes32 issuer, bytes32 leaf, bytes32 batchRoot);
    /// @dev The record is superseded or retracted and cannot change again.
    error RecordsNotActive(bytes32 issuer, bytes32 leaf, RecordStatus status);

    // ---------------------------------------------------------------- events

    /// @dev `issuer` anchored one record leaf (the issuer is not indexed: that saves gas on the hottest write).
    event RecordAnchored(bytes32 indexed leaf, bytes32 issuer, uint8 category);
    /// @dev `issuer` anchored a batch: a Merkle root over `count` leaves, all of `category`.
    event RecordBatchAnchored(bytes32 indexed issuer, bytes32 root, uint8 category, uint32 count);
    /// @dev `issuer` superseded its record `oldLeaf` (alone, or in its batch `oldBatchRoot`) with `newLeaf`.
    event RecordAmended(
        bytes32 indexed issuer,
        bytes32 indexed oldLeaf,
        bytes32 indexed newLeaf,
        bytes32 oldBatchRoot,
        uint8 category
    );
    /// @dev `issuer` retracted its record `leaf` (alone, or in its batch `batchRoot`): entered in error.
    event RecordRetracted(bytes32 indexed issuer, bytes32 indexed leaf, bytes32 batchRoot);

    // ---------------------------------------------------------------- functions

    /**
     * @notice Anchors one record leaf for the caller's member (an active Hospital or Laboratory).
     * @param leaf `MerkleLeaf.ofPair(subject, commitment)`
     * @param category the record-category code
     */
    function anchor(bytes32 leaf, uint8 category) external;

    /**
     * @notice Anchors a batch for the caller's member: a Merkle root over `count` record leaves.
     * @param root the StandardMerkleTree root over `["bytes32", "bytes32"]` values (subject, commitment)
     * @param count how many leaves it holds (informational; at least one)
     * @param category the record-category code of every record in it
     */
    function anchorBatch(bytes32 root, uint32 count, uint8 category) external;

    /**
     * @notice Supersedes an active record of the caller's member with a new version anchored alone.
     * @param oldLeaf the record to supersede
     * @param oldBatchRoot the caller's batch that holds it, or zero for a record anchored alone
     * @param proof the Merkle proof of `oldLeaf` under `oldBatchRoot` (empty for a record anchored alone)
     * @param newLeaf the new version's leaf (the caller must have no entry for it yet)
     * @param category the new version's category
     */
    function amend(
        bytes32 oldLeaf,
        bytes32 oldBatchRoot,
        bytes32[] calldata proof,
        bytes32 newLeaf,
        uint8 category
    ) external;

    /**
     * @notice Retracts an active record of the caller's member (entered in error).
     * @param leaf the record
     * @param batchRoot the caller's batch that holds it, or zero for a record anchored alone
     * @param proof the Merkle proof of `leaf` under `batchRoot` (empty for a record anchored alone)
     */
    function retract(bytes32 leaf, bytes32 batchRoot, bytes32[] calldata proof) external;

    /// @notice The entry `issuer` holds for `leaf` (all zero if none).
    function getRecord(bytes32 issuer, bytes32 leaf) external view returns (Record memory);

    /// @notice The batch `issuer` anchored with `root` (all zero if none).
    function getBatch(bytes32 issuer, bytes32 root) external view returns (Batch memory);

    /// @notice The newer version that superseded `issuer`'s record `leaf` (zero if none).
    function supersededBy(bytes32 issuer, bytes32 leaf) external view returns (bytes32);

    /// @notice The older version that `issuer`'s record `leaf` amends (zero if none).
    function amendedFrom(bytes32 issuer, bytes32 leaf) external view returns (bytes32);
}
