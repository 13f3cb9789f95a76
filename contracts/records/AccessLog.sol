// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";

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
 *
 * A record gateway audits a grantee's signed request (`accessByRequest`) before it serves: the grantee's
 * EIP-712 signature authorises the audit entry, the custodian submits it, and the request's unordered
 * nonce (a bit per nonce, OpenZeppelin `BitMaps`) makes the chain refuse a replay.
 */
abstract contract AccessLog is IAccessLog, RecordAnchors, ConsentBook {
    using BitMaps for BitMaps.BitMap;

    /// @inheritdoc IAccessLog
    uint64 public constant REVIEW_PERIOD = 72 hours;
    /// @inheritdoc IAccessLog
    bytes32 public constant ACCESS_REQUEST_TYPEHASH = keccak256(
        "AccessRequest(address requester,bytes32 consentId,uint8 purpose,bytes32 requestHash,uint256 nonce,"
        "uint256 deadline)"
    );

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
    /// @dev Unordered access-request nonces: 256 per storage word, so consecutive nonces share a slot.
    mapping(address requester => BitMaps.BitMap nonces) private _usedRequests;

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
        _logAccess(terms, consentId, commitment, batchRoot, batchProof, scopeBlind, scopeProof);
    }

    /// @inheritdoc IAccessLog
    function accessByRequest(
        ConsentTerms calldata terms,
        RecordRead[] calldata reads,
        AccessRequest calldata request,
        bytes calldata signature
    ) external {
        bytes32 custodian = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        (bytes32 grantee, bool active) = consortium.activeMemberOf(request.requester, MemberKinds.ALL);
        if (!active) revert RecordsRequesterNotActive(request.requester, grantee);
        bytes32 consentId = _requireConsent(terms, grantee, request.purpose);
        if (terms.custodian != custodian) revert RecordsNotCustodian(consentId, custodian);
        _useRequest(consentId, request, signature);
        emit AccessRequestAudited(request.requester, request.nonce, consentId, request.requestHash, reads.length);
        for (uint256 i = 0; i < reads.length; ++i) {
            RecordRead calldata read = reads[i];
            _logAccess(
                terms,
                consentId,
                read.commitment,
                read.batchRoot,
                read.batchProof,
                read.scopeBlind,
                read.scopeProof
            );
        }
    }

    /// @inheritdoc IAccessLog
    function isRequestNonceUsed(address requester, uint256 nonce) external view returns (bool) {
        return _usedRequests[requester].get(nonce);
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
     * @dev The audit entry of one read under a granted, current consent for its grantee and purpose
     * (`_requireConsent` passed): reverts unless the custodian anchored the patient's leaf
     * `ofPair(subject(terms.patient), commitment)` (alone or in `batchRoot`) and it is in the consent's
     * scope (its category is in the set, or `ofPair(scopeBlind, leaf)` is under the root). The one owner
     * of these checks for `access` and `accessByRequest`.
     */
    function _logAccess(
        ConsentTerms calldata terms,
        bytes32 consentId,
        bytes32 commitment,
        bytes32 batchRoot,
        bytes32[] calldata batchProof,
        bytes32 scopeBlind,
        bytes32[] calldata scopeProof
    ) private {
        bytes32 leaf = MerkleLeaf.ofPair(RecordKeys.subjectOf(terms.patient), commitment);
        {
            uint8 category = _anchoredCategory(terms.custodian, leaf, batchRoot, batchProof);
            if (!_inScope(terms, category, leaf, scopeBlind, scopeProof)) revert RecordsOutOfScope(consentId, leaf);
        }
        // `_requireConsent` made sure the accessing member is the grantee and the purpose the consent's.
        emit RecordAccessed(consentId, terms.grantee, terms.custodian, leaf, batchRoot, terms.purpose);
    }

    /// @dev The category `custodian` anchored `leaf` with (alone or in `batchRoot`); reverts if it did not.
    function _anchoredCategory(
        bytes32 custodian,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata batchProof
    ) private view returns (uint8 category) {
        RecordStatus status;
        (, status, category) = _lookup(custodian, leaf, batchRoot, batchProof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(custodian, leaf, batchRoot);
    }

    /// @dev Whether the record is in the consent's scope: its category is in the set, or
    /// `ofPair(scopeBlind, leaf)` is under the consent's records root.
    function _inScope(
        ConsentTerms calldata terms,
        uint8 category,
        bytes32 leaf,
        bytes32 scopeBlind,
        bytes32[] calldata scopeProof
    ) private pure returns (bool) {
        return
            terms.recordsRoot == bytes32(0)
                ? (terms.categories >> category) & 1 == 1
                : MerkleProof.verifyCalldata(scopeProof, terms.recordsRoot, MerkleLeaf.ofPair(scopeBlind, leaf));
    }

    /**
     * @dev Uses up the request's nonce after checking its deadline and the requester's signature over
     * the request and the consent id (ERC-1271 wallets through `SignatureChecker`).
     */
    function _useRequest(bytes32 consentId, AccessRequest calldata request, bytes calldata signature) private {
        if (block.timestamp > request.deadline) revert RecordsSignatureExpired(request.deadline, block.timestamp);
        BitMaps.BitMap storage used = _usedRequests[request.requester];
        if (used.get(request.nonce)) revert RecordsRequestUsed(request.requester, request.nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ACCESS_REQUEST_TYPEHASH,
                    request.requester,
                    consentId,
                    request.purpose,
                    request.requestHash,
                    request.nonce,
                    request.deadline
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNow(request.requester, digest, signature)) {
            revert RecordsInvalidRequestSignature(request.requester);
        }
        used.set(request.nonce);
    }

    function _entry(uint256 breakGlassId) private view returns (BreakGlassEntry storage entry) {
        if (breakGlassId == 0 || breakGlassId > _breakGlassCount) revert RecordsUnknownBreakGlass(breakGlassId);
        return _breakGlass[breakGlassId];
    }
}
