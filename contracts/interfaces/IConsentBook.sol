// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

/**
 * @title IConsentBook
 * @notice Patients' consents (EIP-712, signed by the patient's account, its guardian, or an ERC-1271
 * wallet; submitted by anyone) and their revocation. The chain keeps only a consent's id (the hash of
 * its terms) and its state.
 *
 * A consent names its patient as the patient's pseudonymous account at the custodian (the member that
 * anchored the records: the SDK derives one unlinkable account per hospital from one secret in the
 * patient's app), and reaches only records that custodian bound to that account at anchoring.
 */
interface IConsentBook is IERC5267 {
    /// @notice Purpose of use (HL7 v3 PurposeOfUse codes).
    enum Purpose {
        None, // not a purpose; refused everywhere
        TREAT, // treatment
        ETREAT, // emergency treatment
        HPAYMT, // healthcare payment
        HRESCH // healthcare research
    }

    /// @notice Lifecycle of a consent, keyed by its id: None -> Granted -> Revoked, or None -> Revoked.
    enum ConsentStatus {
        None, // never granted nor revoked
        Granted, // granted and not revoked (its period is checked at access)
        Revoked // revoked by the patient (or cancelled before it was ever granted)
    }

    /**
     * @notice The terms of a consent, modelled on FHIR Consent. Its id is `keccak256(abi.encode(terms))`.
     * Exactly one scope is set: a category set (`categories`) or specific records (`recordsRoot`).
     */
    struct ConsentTerms {
        address patient; // the patient's account at the custodian (a pseudonym; EOA or ERC-1271 wallet)
        bytes32 custodian; // the member holding the records (their issuer); only its records are reached
        bytes32 grantee; // the member given access
        Purpose purpose; // the only purpose the access may be for
        uint256 categories; // bit `c` set: the patient's records of category `c` are in scope (0 with a root)
        bytes32 recordsRoot; // Merkle root over blinded scope leaves `ofPair(blind, leaf)` (zero with categories)
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

    // ---------------------------------------------------------------- errors

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
    /// @dev The custodian is not an active Hospital or Laboratory.
    error RecordsUnknownCustodian(bytes32 custodian);
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
    /// @dev The guardian is the patient itself.
    error RecordsInvalidGuardian(address patient, address guardian);

    // ---------------------------------------------------------------- events

    /// @dev A patient's account named (or, with zero, removed) the guardian that may sign for it.
    event GuardianSet(address indexed patient, address guardian);
    /// @dev A consent was granted; `signer` is the patient's account or its guardian.
    event ConsentGranted(
        bytes32 indexed consentId,
        address indexed patient,
        bytes32 indexed grantee,
        bytes32 custodian,
        Purpose purpose,
        uint256 categories,
        bytes32 recordsRoot,
        uint64 validFrom,
        uint64 validUntil,
        address signer
    );
    /// @dev A consent was revoked (or cancelled before it was granted).
    event ConsentRevoked(bytes32 indexed consentId, address indexed patient, address signer);

    // ---------------------------------------------------------------- functions

    /// @notice EIP-712 type of a consent grant.
    // solhint-disable-next-line func-name-mixedcase
    function CONSENT_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type of a consent revocation.
    // solhint-disable-next-line func-name-mixedcase
    function REVOCATION_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 type of naming a guardian.
    // solhint-disable-next-line func-name-mixedcase
    function GUARDIAN_TYPEHASH() external view returns (bytes32);

    /**
     * @notice Names (or with zero removes) the guardian that may sign consents for `patient`. Anyone may
     * submit; only the patient's own account signs (a guardian cannot replace itself).
     * @param patient the patient's account
     * @param guardian the guardian's account (zero: none)
     * @param nonce the patient account's next nonce (`IRecordRegistry.nonces`)
     * @param deadline the signature is refused after this time
     * @param signature the patient account's EIP-712 signature (or ERC-1271 wallet's)
     */
    function setGuardian(
        address patient,
        address guardian,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /**
     * @notice Grants a consent signed by the patient's account or its guardian. Anyone may submit.
     * @param terms the consent's terms
     * @param deadline the signature is refused after this time
     * @param signature the EIP-712 signature of `Consent(terms..., deadline)`
     * @return consentId the hash of the terms
     */
    function grantConsent(
        ConsentTerms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32 consentId);

    /**
     * @notice Revokes a consent (or cancels terms never granted), signed by the patient's account or its
     * guardian. Anyone may submit; allowed while the module is paused (it only narrows access).
     * @param terms the consent's terms
     * @param deadline the signature is refused after this time
     * @param signature the EIP-712 signature of `Revocation(consentId, deadline)`
     */
    function revokeConsent(ConsentTerms calldata terms, uint256 deadline, bytes calldata signature) external;

    /// @notice The guardian a patient's account named (zero if none).
    function guardianOf(address patient) external view returns (address);

    /// @notice The id of a consent: the hash of its terms.
    function consentIdOf(ConsentTerms calldata terms) external pure returns (bytes32);

    /// @notice A consent's state.
    function consentState(bytes32 consentId) external view returns (ConsentState memory);
}
