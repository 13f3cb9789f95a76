// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRecordVerifier} from "./IRecordVerifier.sol";

/**
 * @title IRecordRegistry
 * @notice Patient-record anchoring, consent and access audit. Only salted commitments and Merkle
 * roots go on chain; the records stay in the hospitals' systems.
 *
 * Privacy: no patient identifier is ever stored or emitted. A patient appears only as the account
 * that signs a consent, and the SDK derives a different account for every (patient, grantee) pair
 * from a secret only the patient holds, so consents given to two hospitals cannot be linked to each
 * other or to any identity without that secret. Record commitments carry no patient identifier.
 */
interface IRecordRegistry is IRecordVerifier {
    /// @notice Purpose of use (HL7 v3 PurposeOfUse codes).
    enum Purpose {
        None, // not a purpose; refused everywhere
        TREAT, // treatment
        ETREAT, // emergency treatment
        HPAYMT, // healthcare payment
        HRESCH // healthcare research
    }

    /// @notice Lifecycle of a consent, keyed by its id.
    enum ConsentStatus {
        None, // never granted nor revoked
        Granted, // granted and not revoked (its period is checked at access)
        Revoked // revoked by the patient (or cancelled before it was ever granted)
    }

    /// @notice A record anchored on its own, or the status override of a record inside a batch.
    struct Record {
        uint32 anchorer; // records-local index of the anchoring member (see `memberAt`)
        uint64 anchoredAt; // when it (or its batch) was anchored, unix seconds
        uint8 category; // record-category code (see the SDK's categories)
        RecordStatus status; // Active, Superseded or Retracted
        bool batched; // true when this entry only overrides the status of a record inside a batch
        uint64 changedAt; // when it was superseded or retracted (zero while active)
    }

    /// @notice A batch: a Merkle root over many commitments. Its id is the root itself.
    struct Batch {
        uint32 anchorer; // records-local index of the anchoring member
        uint64 anchoredAt; // when it was anchored, unix seconds
        uint8 category; // record-category code shared by every record in the batch
        uint32 count; // number of commitments under the root
    }

    /**
     * @notice The terms of a consent, modelled on FHIR Consent. Its id is `keccak256(abi.encode(terms))`.
     * Exactly one scope is set: a category set (`categories`) or specific records (`recordsRoot`).
     */
    struct ConsentTerms {
        address patient; // the patient's account for this grantee (a pseudonym; EOA or ERC-1271 wallet)
        bytes32 grantee; // the member given access
        Purpose purpose; // the only purpose the access may be for
        uint256 categories; // bit `c` set: records of category `c` are in scope (0 when `recordsRoot` is set)
        bytes32 recordsRoot; // Merkle root over the commitments in scope (zero when `categories` is set)
        uint64 validFrom; // access allowed from this instant on
        uint64 validUntil; // access refused from this instant on
        uint256 nonce; // any value the patient picks so that two otherwise equal consents differ
    }

    /// @notice A consent's on-chain state.
    struct ConsentState {
        ConsentStatus status; // granted or revoked
        uint64 grantedAt; // when it was granted (zero if never)
        uint64 revokedAt; // when it was revoked (zero if not)
    }

    /// @notice An emergency access without consent, awaiting the regulator's review.
    struct BreakGlass {
        bytes32 memberId; // the hospital that accessed
        bytes32 commitment; // the record it accessed
        uint64 accessedAt; // when
        uint16 reasonCode; // why (an emergency reason code agreed by the consortium)
        bool reviewed; // set once a regulator reviewed it
        uint64 reviewedAt; // when it was reviewed (zero while unreviewed)
        bytes32 reviewer; // the regulator member that reviewed it (zero while unreviewed)
    }

    // ---------------------------------------------------------------- errors

    /// @dev The commitment (or batch root) is zero.
    error RecordsZeroCommitment();
    /// @dev The commitment was anchored (or had its status recorded) already.
    error RecordsAlreadyAnchored(bytes32 commitment);
    /// @dev A batch with this root exists already.
    error RecordsBatchExists(uint256 batchId);
    /// @dev A batch must hold at least one commitment.
    error RecordsEmptyBatch();
    /// @dev The commitment is not anchored (alone, or in `batchId` with the given proof).
    error RecordsNotAnchored(bytes32 commitment, uint256 batchId);
    /// @dev Only the member that anchored a record may amend or retract it.
    error RecordsNotIssuer(bytes32 commitment, bytes32 memberId);
    /// @dev The record is superseded or retracted and cannot change again.
    error RecordsNotActive(bytes32 commitment, RecordStatus status);
    /// @dev The signature's deadline has passed.
    error RecordsSignatureExpired(uint256 deadline, uint256 nowTimestamp);
    /// @dev The signature is not the patient's nor its guardian's.
    error RecordsInvalidSignature(address patient);
    /// @dev The consent terms are malformed (no purpose, no or two scopes, empty period, zero patient).
    error RecordsInvalidConsent(bytes32 consentId);
    /// @dev The consent's period is over already at grant time.
    error RecordsConsentEnded(bytes32 consentId, uint64 validUntil);
    /// @dev The grantee is not an active member.
    error RecordsUnknownGrantee(bytes32 grantee);
    /// @dev A consent with these terms was granted already (a replayed signature).
    error RecordsConsentExists(bytes32 consentId);
    /// @dev No consent with these terms was granted.
    error RecordsConsentMissing(bytes32 consentId);
    /// @dev The consent was revoked.
    error RecordsConsentRevoked(bytes32 consentId, uint64 revokedAt);
    /// @dev The consent's period has not started.
    error RecordsConsentNotYetValid(bytes32 consentId, uint64 validFrom);
    /// @dev The consent's period is over.
    error RecordsConsentExpired(bytes32 consentId, uint64 validUntil);
    /// @dev The caller's member is not the consent's grantee.
    error RecordsNotGrantee(bytes32 consentId, bytes32 memberId);
    /// @dev The consent was given for another purpose.
    error RecordsWrongPurpose(bytes32 consentId, Purpose granted, Purpose requested);
    /// @dev The record is outside the consent's scope.
    error RecordsOutOfScope(bytes32 consentId, bytes32 commitment);
    /// @dev The guardian is the patient itself.
    error RecordsInvalidGuardian(address patient, address guardian);
    /// @dev No break-glass access has this id.
    error RecordsUnknownBreakGlass(uint256 breakGlassId);
    /// @dev The break-glass access was reviewed already.
    error RecordsAlreadyReviewed(uint256 breakGlassId);

    // ---------------------------------------------------------------- events

    /// @dev A member anchored one record commitment.
    event RecordAnchored(bytes32 indexed commitment, bytes32 memberId, uint8 category);
    /// @dev A member anchored a batch: a Merkle root over `count` commitments, all of `category`.
    event RecordBatchAnchored(uint256 batchId, bytes32 memberId, uint8 category, uint32 count);
    /// @dev A member superseded record `oldCommitment` (alone or in `oldBatchId`) with a new version.
    event RecordAmended(
        bytes32 indexed oldCommitment,
        bytes32 indexed newCommitment,
        uint256 oldBatchId,
        bytes32 memberId,
        uint8 category
    );
    /// @dev A member retracted a record it anchored (entered in error).
    event RecordRetracted(bytes32 indexed commitment, uint256 batchId, bytes32 memberId);
    /// @dev A patient's account named (or, with zero, removed) the guardian that may sign for it.
    event GuardianSet(address indexed patient, address guardian);
    /// @dev A consent was granted; `signer` is the patient's account or its guardian.
    event ConsentGranted(
        bytes32 indexed consentId,
        address indexed patient,
        bytes32 indexed grantee,
        Purpose purpose,
        uint256 categories,
        bytes32 recordsRoot,
        uint64 validFrom,
        uint64 validUntil,
        address signer
    );
    /// @dev A consent was revoked (or cancelled before it was granted).
    event ConsentRevoked(bytes32 indexed consentId, address indexed patient, address signer);
    /// @dev A grantee accessed a record under a consent (an audit entry, like a FHIR AuditEvent).
    /// The consent id is deliberately not indexed (see the README's privacy section).
    event RecordAccessed(
        bytes32 consentId,
        bytes32 indexed grantee,
        bytes32 commitment,
        uint256 batchId,
        Purpose purpose
    );
    /// @dev A hospital accessed a record without consent in an emergency; unreviewed until a regulator reviews it.
    event BreakGlassAccessed(
        uint256 indexed breakGlassId,
        bytes32 indexed memberId,
        bytes32 commitment,
        uint256 batchId,
        uint16 reasonCode
    );
    /// @dev A regulator reviewed a break-glass access.
    event BreakGlassReviewed(uint256 indexed breakGlassId, bytes32 indexed reviewer);

    // ---------------------------------------------------------------- functions

    /// @notice Anchors one record commitment of `category` for the caller's member (Hospital or Laboratory).
    function anchor(bytes32 commitment, uint8 category) external;

    /// @notice Anchors a batch: Merkle `root` over `count` commitments of `category`. Its id is `uint256(root)`.
    function anchorBatch(bytes32 root, uint32 count, uint8 category) external;

    /// @notice Supersedes an active record the caller's member anchored with a new version.
    function amend(
        bytes32 oldCommitment,
        uint256 oldBatchId,
        bytes32[] calldata proof,
        bytes32 newCommitment,
        uint8 category
    ) external;

    /// @notice Retracts an active record the caller's member anchored (entered in error).
    function retract(bytes32 commitment, uint256 batchId, bytes32[] calldata proof) external;

    /// @notice Names (or with zero removes) the guardian that may sign consents for `patient`.
    function setGuardian(
        address patient,
        address guardian,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Grants a consent signed by the patient's account or its guardian. Anyone may submit.
    function grantConsent(
        ConsentTerms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32 consentId);

    /// @notice Revokes a consent, signed by the patient's account or its guardian. Anyone may submit.
    function revokeConsent(ConsentTerms calldata terms, uint256 deadline, bytes calldata signature) external;

    /// @notice Records an access by the caller's member to a record under a consent (the audit entry).
    function access(
        ConsentTerms calldata terms,
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata batchProof,
        bytes32[] calldata scopeProof,
        Purpose purpose
    ) external;

    /// @notice Emergency access without consent by an active Hospital, flagged for the regulator's review.
    function breakGlass(
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata proof,
        uint16 reasonCode
    ) external returns (uint256 breakGlassId);

    /// @notice A regulator marks a break-glass access reviewed.
    function markReviewed(uint256 breakGlassId) external;
}
