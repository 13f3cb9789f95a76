// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IAccessLog} from "../interfaces/IAccessLog.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {RecordKeys, ReviewSlot, ReviewSlotLib} from "../libraries/RecordSlots.sol";
import {ConsentBook} from "./ConsentBook.sol";
import {RecordAnchors} from "./RecordAnchors.sol";

/**
 * @title AccessLog
 * @notice The audit log: accesses under a consent, checked against the consent (ConsentBook) and the
 * custodian's anchored records (RecordAnchors), and emergency break-glass accesses with their review.
 *
 * A consent reaches a record only if its custodian bound it to the consenting patient's account: the
 * access names the record's commitment and the leaf is recomputed as `ofPair(subject(terms.patient),
 * commitment)`, so an account the grantee made up reaches nothing. A specific-records scope is a Merkle
 * root over blinded scope leaves `ofPair(blind, leaf)`; an access reveals only its own `blind`.
 */
abstract contract AccessLog is IAccessLog, RecordAnchors, ConsentBook {
    /// @inheritdoc IAccessLog
    uint64 public constant REVIEW_PERIOD = 72 hours;

    /// @dev A break-glass access as stored (see `BreakGlass` for the view).
    struct BreakGlassEntry {
        bytes32 memberId; // the hospital that accessed
        bytes32 issuer; // the member that anchored the record
        bytes32 leaf; // the record it accessed
        ReviewSlot state; // when, why, and when it was reviewed
        bytes32 reviewer; // the regulator member that reviewed it (zero while unreviewed)
    }

    mapping(uint256 breakGlassId => BreakGlassEntry entry) private _breakGlass;
    uint256 private _breakGlassCount;

    /// @inheritdoc IAccessLog
    function access(
        ConsentTerms calldata terms,
        bytes32 commitment,
        bytes32 batchRoot,
        bytes32[] calldata batchProof,
        bytes32 scopeBlind,
        bytes32[] calldata scopeProof,
        Purpose purpose
    ) external {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, MemberKinds.ALL);
        bytes32 consentId = _requireConsent(terms, memberId, purpose);
        bytes32 leaf = MerkleLeaf.ofPair(RecordKeys.subjectOf(terms.patient), commitment);
        _requireInScope(terms, consentId, leaf, batchRoot, batchProof, scopeBlind, scopeProof);
        emit RecordAccessed(consentId, memberId, terms.custodian, leaf, batchRoot, purpose);
    }

    /// @inheritdoc IAccessLog
    function breakGlass(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        uint16 reasonCode
    ) external returns (uint256 breakGlassId) {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL);
        (, RecordStatus status, ) = _lookup(issuer, leaf, batchRoot, proof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(issuer, leaf, batchRoot);
        breakGlassId = ++_breakGlassCount;
        _breakGlass[breakGlassId] = BreakGlassEntry({
            memberId: memberId,
            issuer: issuer,
            leaf: leaf,
            state: ReviewSlotLib.opened(uint64(block.timestamp), reasonCode),
            reviewer: bytes32(0)
        });
        emit BreakGlassAccessed(breakGlassId, memberId, issuer, leaf, batchRoot, reasonCode);
    }

    /// @inheritdoc IAccessLog
    function markReviewed(uint256 breakGlassId) external {
        bytes32 reviewer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.REGULATOR);
        BreakGlassEntry storage entry = _entry(breakGlassId);
        if (entry.state.isReviewed()) revert RecordsAlreadyReviewed(breakGlassId);
        // Compared by member, not account: a member that is both Hospital and Regulator, or that
        // rotated its key since, still cannot review its own emergency access.
        if (entry.memberId == reviewer) revert RecordsSelfReview(breakGlassId, reviewer);
        entry.state = entry.state.reviewed(uint64(block.timestamp));
        entry.reviewer = reviewer;
        emit BreakGlassReviewed(breakGlassId, reviewer);
    }

    /// @inheritdoc IAccessLog
    function breakGlassCount() external view returns (uint256) {
        return _breakGlassCount;
    }

    /// @inheritdoc IAccessLog
    function getBreakGlass(uint256 breakGlassId) external view returns (BreakGlass memory) {
        BreakGlassEntry storage entry = _entry(breakGlassId);
        ReviewSlot state = entry.state;
        return
            BreakGlass({
                memberId: entry.memberId,
                issuer: entry.issuer,
                leaf: entry.leaf,
                accessedAt: state.accessedAt(),
                reasonCode: state.reasonCode(),
                reviewed: state.isReviewed(),
                reviewedAt: state.reviewedAt(),
                reviewer: entry.reviewer
            });
    }

    /// @inheritdoc IAccessLog
    function overdueReviews(
        uint256 fromId,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 nextId) {
        uint256 total = _breakGlassCount;
        if (fromId == 0) fromId = 1;
        // One past the last id scanned; written so that no `fromId` or `limit` overflows.
        uint256 end = fromId > total ? fromId : (limit > total + 1 - fromId ? total + 1 : fromId + limit);
        uint256[] memory found = new uint256[](end > fromId ? end - fromId : 0);
        uint256 n;
        for (uint256 id = fromId; id < end; ++id) {
            ReviewSlot state = _breakGlass[id].state;
            if (!state.isReviewed() && state.accessedAt() + REVIEW_PERIOD <= block.timestamp) found[n++] = id;
        }
        assembly ("memory-safe") {
            mstore(found, n) // shrink to the entries found
        }
        return (found, end <= total ? end : 0);
    }

    /**
     * @dev Reverts unless the custodian anchored `leaf` (alone or in `batchRoot`) and it is in the
     * consent's scope: its category is in the set, or `ofPair(scopeBlind, leaf)` is under the root.
     */
    function _requireInScope(
        ConsentTerms calldata terms,
        bytes32 consentId,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata batchProof,
        bytes32 scopeBlind,
        bytes32[] calldata scopeProof
    ) private view {
        (, RecordStatus status, uint8 category) = _lookup(terms.custodian, leaf, batchRoot, batchProof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(terms.custodian, leaf, batchRoot);
        bool inScope =
            terms.recordsRoot == bytes32(0)
                ? (terms.categories >> category) & 1 == 1
                : MerkleProof.verifyCalldata(scopeProof, terms.recordsRoot, MerkleLeaf.ofPair(scopeBlind, leaf));
        if (!inScope) revert RecordsOutOfScope(consentId, leaf);
    }

    function _entry(uint256 breakGlassId) private view returns (BreakGlassEntry storage entry) {
        if (breakGlassId == 0 || breakGlassId > _breakGlassCount) revert RecordsUnknownBreakGlass(breakGlassId);
        return _breakGlass[breakGlassId];
    }
}
