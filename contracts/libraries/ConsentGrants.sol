// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IConsentBook} from "../interfaces/IConsentBook.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {MemberKinds} from "./MemberKinds.sol";

/**
 * @title ConsentGrants
 * @notice The consent book's signed writes: a patient's (or its guardian's) EIP-712 grant and
 * revocation of consent terms, and a patient's nomination of its guardian, checked and recorded on
 * the RecordRegistry's `Book`. A linked library
 * (public functions, run by DELEGATECALL) like `BreakGlassLog`: who may submit, the pause and the
 * guardian's own nomination stay in `ConsentBook`, and the registry stays well under the 24 KB code
 * limit in the coverage build too (about 3,000 gas more per grant or revocation).
 */
library ConsentGrants {
    /// @notice EIP-712 type of a grant (the terms and the signature's deadline).
    bytes32 internal constant CONSENT_TYPEHASH = keccak256(
        "Consent(address patient,bytes32 custodian,bytes32 grantee,uint8 purpose,uint256 categories,"
        "bytes32 recordsRoot,uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type of a revocation.
    bytes32 internal constant REVOCATION_TYPEHASH = keccak256("Revocation(bytes32 consentId,uint256 deadline)");
    /// @notice EIP-712 type of a guardian's nomination.
    bytes32 internal constant GUARDIAN_TYPEHASH = keccak256(
        "Guardian(address patient,address guardian,uint256 nonce,uint256 deadline)"
    );

    /// @dev Governor-style allowed-state bitmaps: from which statuses a consent may be granted / revoked.
    uint256 private constant GRANTABLE = uint256(1) << uint8(IConsentBook.ConsentStatus.None);
    uint256 private constant REVOCABLE =
        (uint256(1) << uint8(IConsentBook.ConsentStatus.None)) |
            (uint256(1) << uint8(IConsentBook.ConsentStatus.Granted));
    uint8 private constant CUSTODIAN_KINDS = MemberKinds.HOSPITAL | MemberKinds.LABORATORY;

    /// @notice Guardians and consents, keyed by the hash of their terms.
    struct Book {
        mapping(address patient => address guardian) guardians;
        mapping(bytes32 consentId => IConsentBook.ConsentState state) consents;
    }

    /**
     * @notice Records a grant of `terms` signed by the patient or its guardian (see
     * `IConsentBook.grantConsent`); `domainSeparator` is the registry's EIP-712 domain.
     * @return consentId the hash of the terms
     */
    function grant(
        Book storage book,
        IConsortiumRegistry consortium,
        bytes32 domainSeparator,
        IConsentBook.ConsentTerms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) public returns (bytes32 consentId) {
        consentId = keccak256(abi.encode(terms));
        if (
            terms.patient == address(0) ||
            terms.purpose == IConsentBook.Purpose.None ||
            (terms.categories == 0) == (terms.recordsRoot == bytes32(0)) ||
            terms.validUntil <= terms.validFrom
        ) revert IConsentBook.RecordsInvalidConsent(consentId);
        if (terms.validUntil <= block.timestamp) revert IConsentBook.RecordsConsentEnded(consentId, terms.validUntil);
        IConsentBook.ConsentState storage state = book.consents[consentId];
        _requireStatus(consentId, state, GRANTABLE);
        if (!consortium.isActiveMemberId(terms.grantee, MemberKinds.ALL)) {
            revert IConsentBook.RecordsUnknownGrantee(terms.grantee);
        }
        if (!consortium.isActiveMemberId(terms.custodian, CUSTODIAN_KINDS)) {
            revert IConsentBook.RecordsUnknownCustodian(terms.custodian);
        }
        address signer = _signer(
            book,
            domainSeparator,
            terms.patient,
            keccak256(abi.encode(CONSENT_TYPEHASH, terms, deadline)),
            deadline,
            signature
        );
        state.status = IConsentBook.ConsentStatus.Granted;
        state.grantedAt = uint64(block.timestamp);
        _emitGranted(consentId, terms, signer);
    }

    /// @notice Records a revocation of `terms` signed by the patient or its guardian (`IConsentBook.revokeConsent`).
    function revoke(
        Book storage book,
        bytes32 domainSeparator,
        IConsentBook.ConsentTerms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) public {
        bytes32 consentId = keccak256(abi.encode(terms));
        IConsentBook.ConsentState storage state = book.consents[consentId];
        _requireStatus(consentId, state, REVOCABLE);
        address signer = _signer(
            book,
            domainSeparator,
            terms.patient,
            keccak256(abi.encode(REVOCATION_TYPEHASH, consentId, deadline)),
            deadline,
            signature
        );
        state.status = IConsentBook.ConsentStatus.Revoked;
        state.revokedAt = uint64(block.timestamp);
        emit IConsentBook.ConsentRevoked(consentId, terms.patient, signer);
    }

    /**
     * @notice Names `guardian` for `patient`, signed by the patient's own account (a guardian cannot
     * replace itself); the caller has used up `nonce` (see `IConsentBook.setGuardian`).
     */
    function nameGuardian(
        Book storage book,
        bytes32 domainSeparator,
        address patient,
        address guardian,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) public {
        if (guardian == patient) revert IConsentBook.RecordsInvalidGuardian(patient, guardian);
        if (block.timestamp > deadline) revert IConsentBook.RecordsSignatureExpired(deadline, block.timestamp);
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator,
            keccak256(abi.encode(GUARDIAN_TYPEHASH, patient, guardian, nonce, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(patient, digest, signature)) {
            revert IConsentBook.RecordsInvalidSignature(patient);
        }
        book.guardians[patient] = guardian;
        emit IConsentBook.GuardianSet(patient, guardian);
    }

    /**
     * @notice Whether `signer` (an account, or an ERC-1271 wallet) signed `digest` (OpenZeppelin
     * `SignatureChecker`): also the access log's check of a grantee's signed request, linked from here
     * so that the registry holds no copy of it.
     */
    function isValidSignatureNow(address signer, bytes32 digest, bytes calldata signature) public view returns (bool) {
        return SignatureChecker.isValidSignatureNow(signer, digest, signature);
    }

    /// @dev Reverts unless the consent's status is in `allowed` (a bitmap over `ConsentStatus`).
    function _requireStatus(bytes32 consentId, IConsentBook.ConsentState storage state, uint256 allowed) private view {
        IConsentBook.ConsentStatus status = state.status;
        if ((allowed >> uint8(status)) & 1 == 1) return;
        if (status == IConsentBook.ConsentStatus.Revoked)
            revert IConsentBook.RecordsConsentRevoked(consentId, state.revokedAt);
        revert IConsentBook.RecordsConsentExists(consentId);
    }

    /// @dev The patient's account or its guardian signed `structHash`; returns which one.
    function _signer(
        Book storage book,
        bytes32 domainSeparator,
        address patient,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) private view returns (address) {
        if (block.timestamp > deadline) revert IConsentBook.RecordsSignatureExpired(deadline, block.timestamp);
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
        if (SignatureChecker.isValidSignatureNow(patient, digest, signature)) return patient;
        address guardian = book.guardians[patient];
        if (guardian != address(0) && SignatureChecker.isValidSignatureNow(guardian, digest, signature)) {
            return guardian;
        }
        revert IConsentBook.RecordsInvalidSignature(patient);
    }

    function _emitGranted(bytes32 consentId, IConsentBook.ConsentTerms calldata terms, address signer) private {
        emit IConsentBook.ConsentGranted(
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
