// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsentBook} from "../interfaces/IConsentBook.sol";
import {ConsentGrants} from "../libraries/ConsentGrants.sol";

/**
 * @title ConsentBook
 * @notice Consent signatures: EIP-712 typed data (domain "MedChain RecordRegistry", version "2"),
 * nonces for guardian changes, guardians, ERC-1271 wallets. A consent is one slot keyed by the hash of
 * its terms: whoever accesses or revokes presents the terms. Grants and revocations are checked and
 * recorded in the linked library `ConsentGrants`, as is a guardian's nomination; who may submit them,
 * the pause and the nomination nonces are decided here.
 */
abstract contract ConsentBook is IConsentBook, ConsortiumGuarded, EIP712, Nonces {
    /// @inheritdoc IConsentBook
    bytes32 public constant CONSENT_TYPEHASH = ConsentGrants.CONSENT_TYPEHASH;
    /// @inheritdoc IConsentBook
    bytes32 public constant REVOCATION_TYPEHASH = ConsentGrants.REVOCATION_TYPEHASH;
    /// @inheritdoc IConsentBook
    bytes32 public constant GUARDIAN_TYPEHASH = ConsentGrants.GUARDIAN_TYPEHASH;

    ConsentGrants.Book private _book;

    constructor() EIP712("MedChain RecordRegistry", "2") {}

    /// @inheritdoc IConsentBook
    function setGuardian(
        address patient,
        address guardian,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        _useCheckedNonce(patient, nonce);
        ConsentGrants.nameGuardian(_book, _domainSeparatorV4(), patient, guardian, nonce, deadline, signature);
    }

    /// @inheritdoc IConsentBook
    function grantConsent(
        ConsentTerms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused returns (bytes32) {
        return ConsentGrants.grant(_book, consortium, _domainSeparatorV4(), terms, deadline, signature);
    }

    /**
     * @inheritdoc IConsentBook
     * @dev Allowed while the module is paused: revoking only ever narrows access. Revoking terms that
     * were never granted cancels them: a signed grant for them can then never be submitted.
     */
    function revokeConsent(ConsentTerms calldata terms, uint256 deadline, bytes calldata signature) external {
        ConsentGrants.revoke(_book, _domainSeparatorV4(), terms, deadline, signature);
    }

    /// @inheritdoc IConsentBook
    function guardianOf(address patient) external view returns (address) {
        return _book.guardians[patient];
    }

    /// @inheritdoc IConsentBook
    function consentIdOf(ConsentTerms calldata terms) external pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @inheritdoc IConsentBook
    function consentState(bytes32 consentId) external view returns (ConsentState memory) {
        return _book.consents[consentId];
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
        ConsentState memory state = _book.consents[consentId];
        if (state.status == ConsentStatus.None) revert RecordsConsentMissing(consentId);
        if (state.status == ConsentStatus.Revoked) revert RecordsConsentRevoked(consentId, state.revokedAt);
        if (terms.grantee != memberId) revert RecordsNotGrantee(consentId, memberId);
        if (block.timestamp < terms.validFrom) revert RecordsConsentNotYetValid(consentId, terms.validFrom);
        if (block.timestamp >= terms.validUntil) revert RecordsConsentExpired(consentId, terms.validUntil);
        if (purpose != terms.purpose) revert RecordsWrongPurpose(consentId, terms.purpose, purpose);
    }
}
