// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IRecordAnchors} from "../interfaces/IRecordAnchors.sol";
import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {BatchSlot, BatchSlotLib, RecordKeys, RecordSlot, RecordSlotLib} from "../libraries/RecordSlots.sol";

/**
 * @title RecordAnchors
 * @notice Anchoring of record leaves, alone or as Merkle batches, and their amendment and retraction,
 * all keyed by the issuer's member id (see `IRecordAnchors`).
 *
 * One record, one status: the status of `issuer`'s record `leaf` lives at `RecordKeys.keyOf(issuer, leaf)`
 * whether the leaf was anchored alone or in a batch, and every lookup (alone, or through any batch of
 * that issuer) reads it. A leaf already holding an entry cannot be anchored alone again.
 *
 * Gas: a record anchored alone is one fresh slot and one event; a batch is one fresh slot however many
 * leaves it holds. No member index is stored: the issuer is part of the key.
 */
abstract contract RecordAnchors is IRecordAnchors, ConsortiumGuarded {
    /// @dev The member kinds that anchor, amend and retract records.
    uint8 internal constant ANCHOR_KINDS = MemberKinds.HOSPITAL | MemberKinds.LABORATORY;

    mapping(bytes32 recordKey => RecordSlot record) private _records;
    mapping(bytes32 batchKey => BatchSlot batch) private _batches;
    mapping(bytes32 recordKey => bytes32 newLeaf) private _supersededBy;
    mapping(bytes32 recordKey => bytes32 oldLeaf) private _amendedFrom;

    // ================================================================ writes

    /// @inheritdoc IRecordAnchors
    function anchor(bytes32 leaf, uint8 category) external {
        bytes32 issuer = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        if (leaf == bytes32(0)) revert RecordsZeroLeaf();
        bytes32 key = RecordKeys.keyOf(issuer, leaf);
        if (!_records[key].isEmpty()) revert RecordsAlreadyAnchored(issuer, leaf);
        _records[key] = RecordSlotLib.anchoredAlone(uint64(block.timestamp), category);
        emit RecordAnchored(leaf, issuer, category);
    }

    /// @inheritdoc IRecordAnchors
    function anchorBatch(bytes32 root, uint32 count, uint8 category) external {
        bytes32 issuer = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        if (root == bytes32(0)) revert RecordsZeroLeaf();
        if (count == 0) revert RecordsEmptyBatch();
        bytes32 key = RecordKeys.keyOf(issuer, root);
        if (!_batches[key].isEmpty()) revert RecordsBatchExists(issuer, root);
        _batches[key] = BatchSlotLib.pack(uint64(block.timestamp), category, count);
        emit RecordBatchAnchored(issuer, root, category, count);
    }

    /// @inheritdoc IRecordAnchors
    function amend(
        bytes32 oldLeaf,
        bytes32 oldBatchRoot,
        bytes32[] calldata proof,
        bytes32 newLeaf,
        uint8 category
    ) external {
        bytes32 issuer = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        if (newLeaf == bytes32(0)) revert RecordsZeroLeaf();
        bytes32 newKey = RecordKeys.keyOf(issuer, newLeaf);
        // The second test catches a batched record "amended" into itself (it has no entry of its own yet).
        if (!_records[newKey].isEmpty() || newLeaf == oldLeaf) revert RecordsAlreadyAnchored(issuer, newLeaf);
        bytes32 oldKey = _end(issuer, oldLeaf, oldBatchRoot, proof, RecordStatus.Superseded);
        _records[newKey] = RecordSlotLib.anchoredAlone(uint64(block.timestamp), category);
        _supersededBy[oldKey] = newLeaf;
        _amendedFrom[newKey] = oldLeaf;
        emit RecordAmended(issuer, oldLeaf, newLeaf, oldBatchRoot, category);
    }

    /// @inheritdoc IRecordAnchors
    function retract(bytes32 leaf, bytes32 batchRoot, bytes32[] calldata proof) external {
        bytes32 issuer = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        _end(issuer, leaf, batchRoot, proof, RecordStatus.Retracted);
        emit RecordRetracted(issuer, leaf, batchRoot);
    }

    // ================================================================ views

    /// @inheritdoc IRecordVerifier
    function recordStatus(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) external view returns (uint64 anchoredAt, RecordStatus status) {
        (anchoredAt, status, ) = _lookup(issuer, leaf, batchRoot, proof);
    }

    /// @inheritdoc IRecordAnchors
    function getRecord(bytes32 issuer, bytes32 leaf) external view returns (Record memory) {
        RecordSlot r = _records[RecordKeys.keyOf(issuer, leaf)];
        return
            Record({
                anchoredAt: r.anchoredAt(),
                category: r.category(),
                status: r.status(),
                batched: r.batched(),
                changedAt: r.changedAt()
            });
    }

    /// @inheritdoc IRecordAnchors
    function getBatch(bytes32 issuer, bytes32 root) external view returns (Batch memory) {
        BatchSlot b = _batches[RecordKeys.keyOf(issuer, root)];
        return Batch({anchoredAt: b.anchoredAt(), category: b.category(), count: b.count()});
    }

    /// @inheritdoc IRecordAnchors
    function supersededBy(bytes32 issuer, bytes32 leaf) external view returns (bytes32) {
        return _supersededBy[RecordKeys.keyOf(issuer, leaf)];
    }

    /// @inheritdoc IRecordAnchors
    function amendedFrom(bytes32 issuer, bytes32 leaf) external view returns (bytes32) {
        return _amendedFrom[RecordKeys.keyOf(issuer, leaf)];
    }

    // ================================================================ internals

    /**
     * @dev When `issuer` anchored `leaf` (alone when `batchRoot` is zero, else in that batch of the
     * issuer, proven by `proof`), its one status, and the category it was anchored with on that path.
     * Unknown (all zero) when the issuer did not anchor it on that path.
     */
    function _lookup(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) internal view returns (uint64 anchoredAt, RecordStatus status, uint8 category) {
        RecordSlot r = _records[RecordKeys.keyOf(issuer, leaf)];
        if (batchRoot == bytes32(0)) {
            if (r.batched()) return (0, RecordStatus.Unknown, 0);
            return (r.anchoredAt(), r.status(), r.category());
        }
        BatchSlot b = _batches[RecordKeys.keyOf(issuer, batchRoot)];
        if (b.isEmpty() || MerkleProof.processProofCalldata(proof, leaf) != batchRoot) {
            return (0, RecordStatus.Unknown, 0);
        }
        return (b.anchoredAt(), r.isEmpty() ? RecordStatus.Active : r.status(), b.category());
    }

    /// @dev Marks `issuer`'s active record superseded or retracted (its one status); returns its key.
    function _end(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        RecordStatus newStatus
    ) private returns (bytes32 key) {
        (, RecordStatus status, ) = _lookup(issuer, leaf, batchRoot, proof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(issuer, leaf, batchRoot);
        if (!RecordSlotLib.isEndable(status)) revert RecordsNotActive(issuer, leaf, status);
        key = RecordKeys.keyOf(issuer, leaf);
        RecordSlot r = _records[key];
        // A record anchored alone keeps its entry; a batched record without one gets a status entry.
        _records[key] = r.changed(newStatus, uint64(block.timestamp), r.isEmpty());
    }
}
