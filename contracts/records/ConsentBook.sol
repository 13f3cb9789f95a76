// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsentBook} from "../interfaces/IConsentBook.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title ConsentBook
 * @notice Consent signatures: EIP-712 typed data (domain "MedChain RecordRegistry", version "2"),
 * nonces for guardian changes, guardians, ERC-1271 wallets. A consent is one slot keyed by the hash of
 * its terms: whoever accesses or revokes presents the terms.
 */
abstract contract ConsentBook is IConsentBook, ConsortiumGuarded, EIP712, Nonces {
    /// @inheritdoc IConsentBook
    bytes32 public constant CONSENT_TYPEHASH = keccak256(
        "Consent(address patient,bytes32 custodian,bytes32 grantee,uint8 purpose,uint256 categories,"
        "bytes32 recordsRoot,uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)"
    );
    /// @inheritdoc IConsentBook
    bytes32 public constant REVOCATION_TYPEHASH = keccak256("Revocation(bytes32 consentId,uint256 deadline)");
    /// @inheritdoc IConsentBook
    bytes32 public constant GUARDIAN_TYPEHASH = keccak256(
        "Guardian(address patient,address guardian,uint256 nonce,uint256 deadline)"
    );

    /// @dev Governor-style allowed-state bitmaps: from which statuses a consent may be granted / revoked.
    uint256 private constant GRANTABLE = uint256(1) << uint8(ConsentStatus.None);
    uint256 private constant REVOCABLE =
        (uint256(1) << uint8(ConsentStatus.None)) | (uint256(1) << uint8(ConsentStatus.Granted));
    uint8 private constant CUSTODIAN_KINDS = MemberKinds.HOSPITAL | MemberKinds.LABORATORY;

    mapping(address patient => address guardian) private _guardians;
    mapping(bytes32 consentId => ConsentState state) private _consents;

    constructor() EIP712("MedChain RecordRegistry", "2") {}

    /// @inheritdoc IConsentBook
    function setGuardian(
        address patient,
        address guardian,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        if (guardian == patient) revert RecordsInvalidGuardian(patient, guardian);
        if (block.timestamp > deadline) revert RecordsSignatureExpired(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(GUARDIAN_TYPEHASH, patient, guardian, nonce, deadline)));
        // Only the patient's own account may name its guardian (a guardian cannot replace itself).
        if (!SignatureChecker.isValidSignatureNow(patient, digest, signature)) revert RecordsInvalidSignature(patient);
        _useCheckedNonce(patient, nonce);
        _guardians[patient] = guardian;
        emit GuardianSet(patient, guardian);
    }

    /// @inheritdoc IConsentBook
    function grantConsent(
        ConsentTerms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused returns (bytes32 consentId) {
        consentId = keccak256(abi.encode(terms));
        if (
            terms.patient == address(0) ||
            terms.purpose == Purpose.None ||
            (terms.categories == 0) == (terms.recordsRoot == bytes32(0)) ||
            terms.validUntil <= terms.validFrom
        ) revert RecordsInvalidConsent(consentId);
        if (terms.validUntil <= block.timestamp) revert RecordsConsentEnded(consentId, terms.validUntil);
        ConsentState storage state = _consents[consentId];
        _requireConsentStatus(consentId, state, GRANTABLE);
        if (!consortium.isActiveMemberId(terms.grantee, MemberKinds.ALL)) revert RecordsUnknownGrantee(terms.grantee);
        if (!consortium.isActiveMemberId(terms.custodian, CUSTODIAN_KINDS)) {
            revert RecordsUnknownCustodian(terms.custodian);
        }
        address signer = _checkSignature(
            terms.patient,
            keccak256(abi.encode(CONSENT_TYPEHASH, terms, deadline)),
            deadline,
            signature
        );
        state.status = ConsentStatus.Granted;
        state.grantedAt = uint64(block.timestamp);
        _emitGranted(consentId, terms, signer);
    }

    /**
     * @inheritdoc IConsentBook
     * @dev Allowed while the module is paused: revoking only ever narrows access. Revoking terms that
     * were never granted cancels them: a signed grant for them can then never be submitted.
     */
    function revokeConsent(ConsentTerms calldata terms, uint256 deadline, bytes calldata signature) external {
        bytes32 consentId = keccak256(abi.encode(terms));
        ConsentState storage state = _consents[consentId];
        _requireConsentStatus(consentId, state, REVOCABLE);
        address signer = _checkSignature(
            terms.patient,
            keccak256(abi.encode(REVOCATION_TYPEHASH, consentId, deadline)),
            deadline,
            signature
        );
        state.status = ConsentStatus.Revoked;
        state.revokedAt = uint64(block.timestamp);
        emit ConsentRevoked(consentId, terms.patient, signer);
    }

    /// @inheritdoc IConsentBook
    function guardianOf(address patient) external view returns (address) {
        return _guardians[patient];
    }

    /// @inheritdoc IConsentBook
    function consentIdOf(ConsentTerms calldata terms) external pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @inheritdoc IConsentBook
    function consentState(bytes32 consentId) external view returns (ConsentState memory) {
        return _consents[consentId];
    }

    /**
     * @dev The consent's id, reverting unless it is granted, unrevoked, current, for `memberId` and
     * `purpose`. Which records it reaches is the access log's question (custodian, patient, scope).
     */
    function _requireConsent(
        ConsentTerms calldata terms,
        bytes32 memberId,
        Purpose purpose
    ) internal view returns (bytes32 consentId) {
        consentId = keccak256(abi.encode(terms));
        ConsentState memory state = _consents[consentId];
        if (state.status == ConsentStatus.None) revert RecordsConsentMissing(consentId);
        if (state.status == ConsentStatus.Revoked) revert RecordsConsentRevoked(consentId, state.revokedAt);
        if (terms.grantee != memberId) revert RecordsNotGrantee(consentId, memberId);
        if (block.timestamp < terms.validFrom) revert RecordsConsentNotYetValid(consentId, terms.validFrom);
        if (block.timestamp >= terms.validUntil) revert RecordsConsentExpired(consentId, terms.validUntil);
        if (purpose != terms.purpose) revert RecordsWrongPurpose(consentId, terms.purpose, purpose);
    }

    /// @dev Reverts unless the consent's status is in `allowed` (a bitmap over `ConsentStatus`).
    function _requireConsentStatus(bytes32 consentId, ConsentState storage state, uint256 allowed) private view {
        ConsentStatus status = state.status;
        if ((allowed >> uint8(status)) & 1 == 1) return;
        if (status == ConsentStatus.Revoked) revert RecordsConsentRevoked(consentId, state.revokedAt);
        revert RecordsConsentExists(consentId);
    }

    /// @dev The patient's account or its guardian signed `structHash`; returns which one.
    function _checkSignature(
        address patient,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) private view returns (address) {
        if (block.timestamp > deadline) revert RecordsSignatureExpired(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (SignatureChecker.isValidSignatureNow(patient, digest, signature)) return patient;
        address guardian = _guardians[patient];
        if (guardian != address(0) && SignatureChecker.isValidSignatureNow(guardian, digest, signature)) {
            return guardian;
        }
        revert RecordsInvalidSignature(patient);
    }

    function _emitGranted(bytes32 consentId, ConsentTerms calldata terms, address signer) private {
        emit ConsentGranted(
            consentId,
            terms.patient,
            terms.grantee,
            terms.custodian,
            terms.purpose,
            terms.categories,
            terms.recordsRoot,
            terms.validFrom,
            terms.validUntil,
            signer
        );
    }
}
