// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";

import {IAccessLog} from "../interfaces/IAccessLog.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {BreakGlassLog} from "../libraries/BreakGlassLog.sol";
import {ConsentGrants} from "../libraries/ConsentGrants.sol";
import {RecordKeys} from "../libraries/RecordSlots.sol";
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
 * A record gateway audits grantees' signed requests (`accessByRequests`, many per transaction)
 * before it serves: the grantee's
 * EIP-712 signature authorises the audit entry, the custodian submits it, and the request's unordered
 * nonce (a bit per nonce, OpenZeppelin `BitMaps`) makes the chain refuse a replay. The break-glass
 * bookkeeping is the linked library `BreakGlassLog`; who may open and review entries is decided here.
 */
abstract contract AccessLog is IAccessLog, RecordAnchors, ConsentBook {
    using BitMaps for BitMaps.BitMap;
    using BreakGlassLog for BreakGlassLog.Log;

    /// @inheritdoc IAccessLog
    uint64 public constant REVIEW_PERIOD = 72 hours;
    /// @inheritdoc IAccessLog
    bytes32 public constant ACCESS_REQUEST_TYPEHASH = keccak256(
        "AccessRequest(address requester,bytes32 consentId,uint8 purpose,bytes32 requestHash,uint256 nonce,"
        "uint256 deadline)"
    );

    BreakGlassLog.Log private _breakGlass;
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
    function accessByRequests(SignedAccess[] calldata requests) external {
        bytes32 custodian = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        for (uint256 i = 0; i < requests.length; ++i) _auditRequest(custodian, requests[i]);
    }

    /// @inheritdoc IAccessLog
    function isRequestNonceUsed(address requester, uint256 nonce) external view returns (bool) {
        return _usedRequests[requester].get(nonce);
    }

    /// @inheritdoc IAccessLog
    function breakGlass(
        bytes32 issuer,
        bytes32 subject,
        bytes32 commitment,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        uint16 reasonCode
    ) external returns (uint256 breakGlassId) {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL);
        // The leaf from its preimage (as `access` does): an internal node of a batch is never a record.
        bytes32 leaf = MerkleLeaf.ofPair(subject, commitment);
        (, RecordStatus status, ) = _lookup(issuer, leaf, batchRoot, proof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(issuer, leaf, batchRoot);
        breakGlassId = _breakGlass.open(memberId, issuer, leaf, reasonCode);
        emit BreakGlassAccessed(breakGlassId, memberId, issuer, leaf, batchRoot, reasonCode);
    }

    /// @inheritdoc IAccessLog
    function markReviewed(uint256 breakGlassId) external {
        bytes32 reviewer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.REGULATOR);
        _breakGlass.review(breakGlassId, reviewer);
        emit BreakGlassReviewed(breakGlassId, reviewer);
    }

    /// @inheritdoc IAccessLog
    function breakGlassCount() external view returns (uint256) {
        return _breakGlass.count;
    }

    /// @inheritdoc IAccessLog
    function getBreakGlass(uint256 breakGlassId) external view returns (BreakGlass memory) {
        return _breakGlass.get(breakGlassId);
    }

    /// @inheritdoc IAccessLog
    function overdueReviews(
        uint256 fromId,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 nextId) {
        return _breakGlass.overdue(fromId, limit, REVIEW_PERIOD);
    }

    /**
     * @dev The audit of one signed request for the custodian `custodian` (the caller's member): the
     * signer is an active account of the consent's grantee, the consent holds for its purpose, the
     * signature and nonce are good; then each read is checked and logged as `access` logs it.
     */
    function _auditRequest(bytes32 custodian, SignedAccess calldata signed) private {
        AccessRequest calldata request = signed.request;
        ConsentTerms calldata terms = signed.terms;
        (bytes32 grantee, bool active) = consortium.activeMemberOf(request.requester, MemberKinds.ALL);
        if (!active) revert RecordsRequesterNotActive(request.requester, grantee);
        bytes32 consentId = _requireConsent(terms, grantee, request.purpose);
        if (terms.custodian != custodian) revert RecordsNotCustodian(consentId, custodian);
        _useRequest(consentId, request, signed.signature);
        RecordRead[] calldata reads = signed.reads;
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

    /// @dev The category `custodian` anchored `leaf` with (alone or in `batchRoot`); reverts if it did
    /// not, or if the custodian retracted it.
    function _anchoredCategory(
        bytes32 custodian,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata batchProof
    ) private view returns (uint8 category) {
        RecordStatus status;
        (, status, category) = _lookup(custodian, leaf, batchRoot, batchProof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(custodian, leaf, batchRoot);
        if (status == RecordStatus.Retracted) revert RecordsRetracted(custodian, leaf);
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
     * the request and the consent id (ERC-1271 wallets through `SignatureChecker`, linked in `ConsentGrants`).
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
        if (!ConsentGrants.isValidSignatureNow(request.requester, digest, signature)) {
            revert RecordsInvalidRequestSignature(request.requester);
        }
        used.set(request.nonce);
    }
}
