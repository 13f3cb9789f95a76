// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title RecordRegistry
 * @notice Anchors salted commitments to patient records (one at a time or as Merkle batches), lets the
 * anchoring member amend or retract them, records patients' consents (EIP-712, ERC-1271 wallets and
 * guardians accepted) and every access made under them, and emergency "break-glass" accesses that a
 * regulator must review.
 *
 * Gas: everything about a single record lives in ONE storage slot (the member is a records-local
 * 32-bit index, written once per member), a batch is one slot keyed by its Merkle root (which is also
 * its id), and a consent is one slot keyed by the hash of its terms: access calls pass the terms.
 */
contract RecordRegistry is IRecordRegistry, ConsortiumGuarded, EIP712, Nonces {
    /// @notice EIP-712 type of a consent grant.
    bytes32 public constant CONSENT_TYPEHASH = keccak256(
        "Consent(address patient,bytes32 grantee,uint8 purpose,uint256 categories,bytes32 recordsRoot,"
        "uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type of a consent revocation.
    bytes32 public constant REVOCATION_TYPEHASH = keccak256("Revocation(bytes32 consentId,uint256 deadline)");
    /// @notice EIP-712 type of naming a guardian.
    bytes32 public constant GUARDIAN_TYPEHASH = keccak256(
        "Guardian(address patient,address guardian,uint256 nonce,uint256 deadline)"
    );
    /// @notice A break-glass access is overdue when unreviewed this long after it happened.
    uint64 public constant REVIEW_PERIOD = 72 hours;

    uint8 private constant ANCHOR_KINDS = MemberKinds.HOSPITAL | MemberKinds.LABORATORY;

    /// @dev A `Record` packed into one word (see `_packRecord`): one cold SSTORE per anchor, no read-modify-write.
    mapping(bytes32 commitment => uint256 packedRecord) private _records;
    /// @dev A `Batch` packed into one word (see `_packBatch`).
    mapping(bytes32 root => uint256 packedBatch) private _batches;
    mapping(bytes32 memberId => uint32 index) private _memberIndex;
    /// @dev A mapping, not an array: `recordStatus` (which claims call on every submission) reads one
    /// slot instead of the array's length and element.
    mapping(uint32 index => bytes32 memberId) private _memberIds;
    uint32 private _memberCount;
    mapping(bytes32 oldCommitment => bytes32 newCommitment) private _supersededBy;
    mapping(bytes32 newCommitment => bytes32 oldCommitment) private _amendedFrom;
    mapping(address patient => address guardian) private _guardians;
    mapping(bytes32 consentId => ConsentState state) private _consents;
    BreakGlass[] private _breakGlass;

    constructor(
        IConsortiumRegistry registry
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_RECORDS) EIP712("MedChain RecordRegistry", "1") {}

    // ================================================================ anchoring

    /// @inheritdoc IRecordRegistry
    function anchor(bytes32 commitment, uint8 category) external {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        if (commitment == bytes32(0)) revert RecordsZeroCommitment();
        if (_records[commitment] != 0) revert RecordsAlreadyAnchored(commitment);
        _records[commitment] = _packRecord(
            Record({
                anchorer: _indexOf(memberId),
                anchoredAt: uint64(block.timestamp),
                category: category,
                status: RecordStatus.Active,
                batched: false,
                changedAt: 0
            })
        );
        emit RecordAnchored(commitment, memberId, category);
    }

    /// @inheritdoc IRecordRegistry
    function anchorBatch(bytes32 root, uint32 count, uint8 category) external {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        if (root == bytes32(0)) revert RecordsZeroCommitment();
        if (count == 0) revert RecordsEmptyBatch();
        if (_batches[root] != 0) revert RecordsBatchExists(uint256(root));
        _batches[root] = _packBatch(
            Batch({anchorer: _indexOf(memberId), anchoredAt: uint64(block.timestamp), category: category, count: count})
        );
        emit RecordBatchAnchored(uint256(root), memberId, category, count);
    }

    /// @inheritdoc IRecordRegistry
    function amend(
        bytes32 oldCommitment,
        uint256 oldBatchId,
        bytes32[] calldata proof,
        bytes32 newCommitment,
        uint8 category
    ) external {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        if (newCommitment == bytes32(0)) revert RecordsZeroCommitment();
        // The second test catches a batched record "amended" into itself (it has no entry of its own yet).
        if (_records[newCommitment] != 0 || newCommitment == oldCommitment)
            revert RecordsAlreadyAnchored(newCommitment);
        uint32 index = _endRecord(oldCommitment, oldBatchId, proof, memberId, RecordStatus.Superseded);
        _records[newCommitment] = _packRecord(
            Record({
                anchorer: index,
                anchoredAt: uint64(block.timestamp),
                category: category,
                status: RecordStatus.Active,
                batched: false,
                changedAt: 0
            })
        );
        _supersededBy[oldCommitment] = newCommitment;
        _amendedFrom[newCommitment] = oldCommitment;
        emit RecordAmended(oldCommitment, newCommitment, oldBatchId, memberId, category);
    }

    /// @inheritdoc IRecordRegistry
    function retract(bytes32 commitment, uint256 batchId, bytes32[] calldata proof) external {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, ANCHOR_KINDS);
        _endRecord(commitment, batchId, proof, memberId, RecordStatus.Retracted);
        emit RecordRetracted(commitment, batchId, memberId);
    }

    // ================================================================ consent

    /// @inheritdoc IRecordRegistry
    function setGuardian(
        address patient,
        address guardian,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        if (guardian == patient) revert RecordsInvalidGuardian(patient, guardian);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(GUARDIAN_TYPEHASH, patient, guardian, nonce, deadline)));
        if (block.timestamp > deadline) revert RecordsSignatureExpired(deadline, block.timestamp);
        // Only the patient's own account may name its guardian (a guardian cannot replace itself).
        if (!SignatureChecker.isValidSignatureNow(patient, digest, signature)) revert RecordsInvalidSignature(patient);
        _useCheckedNonce(patient, nonce);
        _guardians[patient] = guardian;
        emit GuardianSet(patient, guardian);
    }

    /// @inheritdoc IRecordRegistry
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
        if (state.status == ConsentStatus.Granted) revert RecordsConsentExists(consentId);
        if (state.status == ConsentStatus.Revoked) revert RecordsConsentRevoked(consentId, state.revokedAt);
        if (!consortium.isActiveMemberId(terms.grantee, MemberKinds.ALL)) revert RecordsUnknownGrantee(terms.grantee);
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
     * @inheritdoc IRecordRegistry
     * @dev Allowed while the module is paused: revoking only ever narrows access. Revoking terms that
     * were never granted cancels them: a signed grant for them can then never be submitted.
     */
    function revokeConsent(ConsentTerms calldata terms, uint256 deadline, bytes calldata signature) external {
        bytes32 consentId = keccak256(abi.encode(terms));
        ConsentState storage state = _consents[consentId];
        if (state.status == ConsentStatus.Revoked) revert RecordsConsentRevoked(consentId, state.revokedAt);
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

    // ================================================================ access

    /// @inheritdoc IRecordRegistry
    function access(
        ConsentTerms calldata terms,
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata batchProof,
        bytes32[] calldata scopeProof,
        Purpose purpose
    ) external {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, MemberKinds.ALL);
        bytes32 consentId = _checkConsent(terms, memberId, purpose);
        (, , RecordStatus status, uint8 category) = _lookup(commitment, batchId, batchProof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(commitment, batchId);
        if (!_inScope(terms, commitment, category, scopeProof)) revert RecordsOutOfScope(consentId, commitment);
        emit RecordAccessed(consentId, memberId, commitment, batchId, purpose);
    }

    /// @inheritdoc IRecordRegistry
    function breakGlass(
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata proof,
        uint16 reasonCode
    ) external returns (uint256 breakGlassId) {
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL);
        (, , RecordStatus status, ) = _lookup(commitment, batchId, proof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(commitment, batchId);
        _breakGlass.push(
            BreakGlass({
                memberId: memberId,
                commitment: commitment,
                accessedAt: uint64(block.timestamp),
                reasonCode: reasonCode,
                reviewed: false,
                reviewedAt: 0,
                reviewer: bytes32(0)
            })
        );
        breakGlassId = _breakGlass.length;
        emit BreakGlassAccessed(breakGlassId, memberId, commitment, batchId, reasonCode);
    }

    /// @inheritdoc IRecordRegistry
    function markReviewed(uint256 breakGlassId) external {
        bytes32 reviewer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.REGULATOR);
        if (breakGlassId == 0 || breakGlassId > _breakGlass.length) revert RecordsUnknownBreakGlass(breakGlassId);
        BreakGlass storage entry = _breakGlass[breakGlassId - 1];
        if (entry.reviewed) revert RecordsAlreadyReviewed(breakGlassId);
        entry.reviewed = true;
        entry.reviewedAt = uint64(block.timestamp);
        entry.reviewer = reviewer;
        emit BreakGlassReviewed(breakGlassId, reviewer);
    }

    // ================================================================ views

    /**
     * @inheritdoc IRecordVerifier
     * @dev Interim adapter for the claims branch until the issuer-keyed registry lands: the leaf is
     * looked up as this registry's commitment, and counts only when `issuer` anchored it.
     */
    function recordStatus(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) external view returns (uint64 anchoredAt, RecordStatus status) {
        uint32 index;
        (index, anchoredAt, status, ) = _lookup(leaf, uint256(batchRoot), proof);
        if (index == 0 || _memberIds[index] != issuer) return (0, RecordStatus.Unknown);
    }

    /// @notice Who anchored a record commitment (alone: batch id 0; or in a batch with its proof), when, its status.
    function recordStatus(
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata proof
    ) external view returns (bytes32 memberId, uint64 anchoredAt, RecordStatus status) {
        uint32 index;
        (index, anchoredAt, status, ) = _lookup(commitment, batchId, proof);
        if (index != 0) memberId = _memberIds[index];
    }

    /// @notice The stored entry of a commitment (zero if none); for a batched record only its status override.
    function getRecord(bytes32 commitment) external view returns (Record memory) {
        return _unpackRecord(_records[commitment]);
    }

    /// @notice The batch whose id (its Merkle root as a number) is `batchId` (zero if none).
    function getBatch(uint256 batchId) external view returns (Batch memory) {
        return _unpackBatch(_batches[bytes32(batchId)]);
    }

    /// @notice The member id behind a records-local member index (1-based).
    function memberAt(uint32 index) external view returns (bytes32) {
        return _memberIds[index];
    }

    /// @notice The newer version that superseded `commitment` (zero if none).
    function supersededBy(bytes32 commitment) external view returns (bytes32) {
        return _supersededBy[commitment];
    }

    /// @notice The older version `commitment` amends (zero if none).
    function amendedFrom(bytes32 commitment) external view returns (bytes32) {
        return _amendedFrom[commitment];
    }

    /// @notice The guardian a patient's account named (zero if none).
    function guardianOf(address patient) external view returns (address) {
        return _guardians[patient];
    }

    /// @notice The id of a consent: the hash of its terms.
    function consentIdOf(ConsentTerms calldata terms) external pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @notice A consent's state.
    function consentState(bytes32 consentId) external view returns (ConsentState memory) {
        return _consents[consentId];
    }

    /// @notice Number of break-glass accesses so far (their ids are 1..count).
    function breakGlassCount() external view returns (uint256) {
        return _breakGlass.length;
    }

    /// @notice A break-glass access by id.
    function getBreakGlass(uint256 breakGlassId) external view returns (BreakGlass memory) {
        if (breakGlassId == 0 || breakGlassId > _breakGlass.length) revert RecordsUnknownBreakGlass(breakGlassId);
        return _breakGlass[breakGlassId - 1];
    }

    /**
     * @notice Break-glass accesses still unreviewed `REVIEW_PERIOD` after they happened, scanning ids
     * `fromId` .. `fromId + limit - 1`. Page with `nextId` until it is zero.
     */
    function overdueReviews(
        uint256 fromId,
        uint256 limit
    ) external view returns (uint256[] memory ids, uint256 nextId) {
        uint256 total = _breakGlass.length;
        if (fromId == 0) fromId = 1;
        uint256 end = fromId + limit > total + 1 ? total + 1 : fromId + limit;
        uint256[] memory found = new uint256[](end > fromId ? end - fromId : 0);
        uint256 n;
        for (uint256 id = fromId; id < end; ++id) {
            BreakGlass storage entry = _breakGlass[id - 1];
            if (!entry.reviewed && entry.accessedAt + REVIEW_PERIOD <= block.timestamp) found[n++] = id;
        }
        assembly ("memory-safe") {
            mstore(found, n) // shrink to the entries found
        }
        return (found, end <= total ? end : 0);
    }

    // ================================================================ internals

    /// @dev The Merkle leaf of a commitment, as `@openzeppelin/merkle-tree`'s StandardMerkleTree of ["bytes32"].
    function _leaf(bytes32 commitment) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(commitment))));
    }

    /// @dev Bits 0-31 anchorer, 32-95 anchoredAt, 96-103 category, 104-111 status, 112 batched, 120-183 changedAt.
    function _packRecord(Record memory r) private pure returns (uint256) {
        return
            uint256(r.anchorer) |
            (uint256(r.anchoredAt) << 32) |
            (uint256(r.category) << 96) |
            (uint256(r.status) << 104) |
            (r.batched ? uint256(1) << 112 : 0) |
            (uint256(r.changedAt) << 120);
    }

    function _unpackRecord(uint256 p) private pure returns (Record memory r) {
        r.anchorer = uint32(p);
        r.anchoredAt = uint64(p >> 32);
        r.category = uint8(p >> 96);
        r.status = RecordStatus(uint8(p >> 104));
        r.batched = (p >> 112) & 1 == 1;
        r.changedAt = uint64(p >> 120);
    }

    /// @dev Bits 0-31 anchorer, 32-95 anchoredAt, 96-103 category, 104-135 count.
    function _packBatch(Batch memory b) private pure returns (uint256) {
        return
            uint256(b.anchorer) |
            (uint256(b.anchoredAt) << 32) |
            (uint256(b.category) << 96) |
            (uint256(b.count) << 104);
    }

    function _unpackBatch(uint256 p) private pure returns (Batch memory b) {
        b.anchorer = uint32(p);
        b.anchoredAt = uint64(p >> 32);
        b.category = uint8(p >> 96);
        b.count = uint32(p >> 104);
    }

    /// @dev The records-local index of a member, assigned on its first anchor.
    function _indexOf(bytes32 memberId) private returns (uint32 index) {
        index = _memberIndex[memberId];
        if (index == 0) {
            index = ++_memberCount;
            _memberIds[index] = memberId;
            _memberIndex[memberId] = index;
        }
    }

    /// @dev Anchorer index, time, status and category of a record alone (batchId 0) or in a batch.
    function _lookup(
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata proof
    ) private view returns (uint32 anchorer, uint64 anchoredAt, RecordStatus status, uint8 category) {
        Record memory r = _unpackRecord(_records[commitment]);
        if (batchId == 0) {
            if (r.batched) return (0, 0, RecordStatus.Unknown, 0);
            return (r.anchorer, r.anchoredAt, r.status, r.category);
        }
        Batch memory b = _unpackBatch(_batches[bytes32(batchId)]);
        if (b.anchoredAt == 0 || MerkleProof.processProofCalldata(proof, _leaf(commitment)) != bytes32(batchId)) {
            return (0, 0, RecordStatus.Unknown, 0);
        }
        return (b.anchorer, b.anchoredAt, r.batched ? r.status : RecordStatus.Active, b.category);
    }

    /// @dev Marks a record the member anchored superseded or retracted; returns the member's index.
    function _endRecord(
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata proof,
        bytes32 memberId,
        RecordStatus newStatus
    ) private returns (uint32 index) {
        (uint32 anchorer, uint64 anchoredAt, RecordStatus status, uint8 category) = _lookup(commitment, batchId, proof);
        if (status == RecordStatus.Unknown) revert RecordsNotAnchored(commitment, batchId);
        index = _memberIndex[memberId];
        if (index != anchorer) revert RecordsNotIssuer(commitment, memberId);
        if (status != RecordStatus.Active) revert RecordsNotActive(commitment, status);
        Record memory r = _unpackRecord(_records[commitment]);
        // A commitment anchored alone and also inside a batch keeps one entry: the one anchored alone.
        if (batchId != 0 && r.anchoredAt != 0 && !r.batched) revert RecordsAlreadyAnchored(commitment);
        _records[commitment] = _packRecord(
            Record({
                anchorer: anchorer,
                anchoredAt: anchoredAt,
                category: category,
                status: newStatus,
                batched: batchId != 0,
                changedAt: uint64(block.timestamp)
            })
        );
    }

    /// @dev The consent's id, reverting unless it is granted, unrevoked, current, for `memberId` and `purpose`.
    function _checkConsent(
        ConsentTerms calldata terms,
        bytes32 memberId,
        Purpose purpose
    ) private view returns (bytes32 consentId) {
        consentId = keccak256(abi.encode(terms));
        ConsentState memory state = _consents[consentId];
        if (state.status == ConsentStatus.None) revert RecordsConsentMissing(consentId);
        if (state.status == ConsentStatus.Revoked) revert RecordsConsentRevoked(consentId, state.revokedAt);
        if (terms.grantee != memberId) revert RecordsNotGrantee(consentId, memberId);
        if (block.timestamp < terms.validFrom) revert RecordsConsentNotYetValid(consentId, terms.validFrom);
        if (block.timestamp >= terms.validUntil) revert RecordsConsentExpired(consentId, terms.validUntil);
        if (purpose != terms.purpose) revert RecordsWrongPurpose(consentId, terms.purpose, purpose);
    }

    /// @dev Whether the record is in the consent's scope: its category is in the set, or it is under the root.
    function _inScope(
        ConsentTerms calldata terms,
        bytes32 commitment,
        uint8 category,
        bytes32[] calldata scopeProof
    ) private pure returns (bool) {
        if (terms.recordsRoot == bytes32(0)) return (terms.categories >> category) & 1 == 1;
        return MerkleProof.verifyCalldata(scopeProof, terms.recordsRoot, _leaf(commitment));
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
            terms.purpose,
            terms.categories,
            terms.recordsRoot,
            terms.validFrom,
            terms.validUntil,
            signer
        );
    }
}
