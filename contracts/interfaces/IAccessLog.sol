// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsentBook} from "./IConsentBook.sol";
import {IRecordAnchors} from "./IRecordAnchors.sol";

/**
 * @title IAccessLog
 * @notice The audit log of record accesses: every access under a consent (an audit entry, like a FHIR
 * AuditEvent), and emergency "break-glass" accesses without consent that a regulator other than the
 * accessing member must review.
 */
interface IAccessLog is IRecordAnchors, IConsentBook {
    /// @notice An emergency access without consent, awaiting a regulator's review.
    struct BreakGlass {
        bytes32 memberId; // the hospital that accessed
        bytes32 issuer; // the member that anchored the record
        bytes32 leaf; // the record it accessed
        uint64 accessedAt; // when
        uint16 reasonCode; // why (an emergency reason code agreed by the consortium)
        bool reviewed; // set once a regulator reviewed it
        uint64 reviewedAt; // when it was reviewed (zero while unreviewed)
        bytes32 reviewer; // the regulator member that reviewed it (zero while unreviewed)
    }

    /// @notice One record a signed access request reads: what `access` takes for it.
    struct RecordRead {
        bytes32 commitment; // the record's salted commitment (leaf: `ofPair(subject(terms.patient), commitment)`)
        bytes32 batchRoot; // the custodian's batch that holds it, or zero for a record anchored alone
        bytes32[] batchProof; // the Merkle proof of the record's leaf under `batchRoot` (empty for one alone)
        bytes32 scopeBlind; // for a specific-records consent, the record's blinding value (zero otherwise)
        bytes32[] scopeProof; // for a specific-records consent, the proof of `ofPair(scopeBlind, leaf)` (else empty)
    }

    /**
     * @notice A grantee's request to read records under a consent, signed by one of its operating
     * accounts (EIP-712 `AccessRequest`, which adds the consent id), and submitted by the custodian
     * that serves the records (its record gateway).
     */
    struct AccessRequest {
        address requester; // the grantee's operating account that signed it (an EOA or an ERC-1271 wallet)
        Purpose purpose; // the purpose of use (must be the consent's)
        bytes32 requestHash; // what was asked (the gateway's hash of method, target and a secret salt): opaque here
        uint256 nonce; // any value the requester has not used yet (unordered: each is usable once)
        uint256 deadline; // the request is refused after this time
    }

    /// @notice One signed request as the custodian submits it: the consent, what was read, the request.
    struct SignedAccess {
        ConsentTerms terms; // the consent's terms (the chain stores only their hash)
        RecordRead[] reads; // the records read, with their batch and scope proofs (may be empty)
        AccessRequest request; // the signed fields (the signature covers them and the consent id)
        bytes signature; // the requester's EIP-712 signature of `AccessRequest` (or its ERC-1271 wallet's)
    }

    // ---------------------------------------------------------------- errors

    /// @dev The record was retracted by its issuer: it is no longer accessed under a consent.
    error RecordsRetracted(bytes32 issuer, bytes32 leaf);
    /// @dev The record is outside the consent's scope.
    error RecordsOutOfScope(bytes32 consentId, bytes32 leaf);
    /// @dev No break-glass access has this id.
    error RecordsUnknownBreakGlass(uint256 breakGlassId);
    /// @dev The break-glass access was reviewed already.
    error RecordsAlreadyReviewed(uint256 breakGlassId);
    /// @dev The reviewing member made the break-glass access itself.
    error RecordsSelfReview(uint256 breakGlassId, bytes32 memberId);
    /// @dev The caller's member is not the consent's custodian: only the custodian submits signed requests.
    error RecordsNotCustodian(bytes32 consentId, bytes32 memberId);
    /// @dev The request's signer is not an account of an active member (`memberId` zero: of no member, e.g. removed).
    error RecordsRequesterNotActive(address requester, bytes32 memberId);
    /// @dev The request's signature is not the requester's.
    error RecordsInvalidRequestSignature(address requester);
    /// @dev The requester used this nonce already (a replayed or duplicated request).
    error RecordsRequestUsed(address requester, uint256 nonce);

    // ---------------------------------------------------------------- events

    /// @dev A grantee accessed a record of the custodian under a consent (the audit entry).
    /// The consent id is deliberately not indexed (see the README's privacy section).
    event RecordAccessed(
        bytes32 consentId,
        bytes32 indexed grantee,
        bytes32 custodian,
        bytes32 leaf,
        bytes32 batchRoot,
        Purpose purpose
    );
    /// @dev A hospital accessed a record without consent in an emergency; unreviewed until a regulator reviews it.
    event BreakGlassAccessed(
        uint256 indexed breakGlassId,
        bytes32 indexed memberId,
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        uint16 reasonCode
    );
    /// @dev A regulator reviewed a break-glass access.
    event BreakGlassReviewed(uint256 indexed breakGlassId, bytes32 indexed reviewer);
    /// @dev A grantee's signed access request was audited: the next `records` `RecordAccessed` entries
    /// of the transaction are its reads. The consent id is deliberately not indexed.
    event AccessRequestAudited(
        address indexed requester,
        uint256 indexed nonce,
        bytes32 consentId,
        bytes32 requestHash,
        uint256 records
    );

    // ---------------------------------------------------------------- functions

    /// @notice EIP-712 type of a grantee's access request: `AccessRequest(address requester,bytes32 consentId,
    /// uint8 purpose,bytes32 requestHash,uint256 nonce,uint256 deadline)`.
    // solhint-disable-next-line func-name-mixedcase
    function ACCESS_REQUEST_TYPEHASH() external view returns (bytes32);

    /// @notice A break-glass access is overdue when unreviewed this long after it happened.
    // solhint-disable-next-line func-name-mixedcase
    function REVIEW_PERIOD() external view returns (uint64);

    /**
     * @notice Records an access by the caller's member to a record under a consent (the audit entry).
     * The record is the custodian's leaf `ofPair(subject(terms.patient), commitment)`: a consent
     * reaches only records its custodian bound to the consenting patient's account.
     * @param terms the consent's terms (the chain stores only their hash)
     * @param commitment the record's salted commitment
     * @param batchRoot the custodian's batch that holds the record, or zero for a record anchored alone
     * @param batchProof the Merkle proof of the record's leaf under `batchRoot`
     * @param scopeBlind for a specific-records consent, this record's blinding value (zero otherwise)
     * @param scopeProof for a specific-records consent, the proof of `ofPair(scopeBlind, leaf)` under
     * `terms.recordsRoot` (empty otherwise)
     * @param purpose the purpose of this access (must be the consent's)
     */
    function access(
        ConsentTerms calldata terms,
        bytes32 commitment,
        bytes32 batchRoot,
        bytes32[] calldata batchProof,
        bytes32 scopeBlind,
        bytes32[] calldata scopeProof,
        Purpose purpose
    ) external;

    /**
     * @notice Records the accesses of grantees' signed requests: the audit entries a record gateway
     * writes before it serves, many requests per transaction, all or none. The caller must be an
     * account of each consent's custodian; each signer an account of that consent's grantee, active now
     * (a removed key or a suspended member is refused). Each read is checked exactly as `access`
     * checks it; each request's nonce is then used up, so the chain itself refuses a replay. A request
     * may read nothing (a search that found nothing is audited too).
     * @param requests the signed requests, each with its consent's terms and its reads
     */
    function accessByRequests(SignedAccess[] calldata requests) external;

    /// @notice Whether `requester` has used the access-request nonce `nonce`.
    function isRequestNonceUsed(address requester, uint256 nonce) external view returns (bool);

    /**
     * @notice Emergency access without consent by an active Hospital, flagged for a regulator's review.
     * The record is named by its leaf's preimage, `MerkleLeaf.ofPair(subject, commitment)`, as
     * `access` names it: a bare leaf would let an internal node of a batch tree (a hash of 64 bytes,
     * proven with a shorter proof) pass for a record.
     * @param issuer the member that anchored the record
     * @param subject the leaf's subject (the patient's account at the issuer, padded)
     * @param commitment the record's commitment
     * @param batchRoot the issuer's batch that holds it, or zero for a record anchored alone
     * @param proof the Merkle proof of the leaf under `batchRoot`
     * @param reasonCode an emergency reason code agreed by the consortium
     * @return breakGlassId the access's id (1, 2, ...)
     */
    function breakGlass(
        bytes32 issuer,
        bytes32 subject,
        bytes32 commitment,
        bytes32 batchRoot,
        bytes32[] calldata proof,
        uint16 reasonCode
    ) external returns (uint256 breakGlassId);

    /**
     * @notice A regulator marks a break-glass access reviewed; never the member that made it.
     * @param breakGlassId the access's id
     */
    function markReviewed(uint256 breakGlassId) external;

    /// @notice Number of break-glass accesses so far (their ids are 1..count).
    function breakGlassCount() external view returns (uint256);

    /// @notice A break-glass access by id.
    function getBreakGlass(uint256 breakGlassId) external view returns (BreakGlass memory);

    /**
     * @notice Break-glass accesses still unreviewed `REVIEW_PERIOD` after they happened, scanning ids
     * `fromId` .. `fromId + limit - 1`. Page with `nextId` until it is zero.
     */
    function overdueReviews(uint256 fromId, uint256 limit) external view returns (uint256[] memory ids, uint256 nextId);
}
