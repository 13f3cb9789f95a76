// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {IAccessLog} from "../../../contracts/interfaces/IAccessLog.sol";
import {IConsentBook} from "../../../contracts/interfaces/IConsentBook.sol";
import {IRecordAnchors} from "../../../contracts/interfaces/IRecordAnchors.sol";
import {IRecordVerifier} from "../../../contracts/interfaces/IRecordVerifier.sol";
import {MerkleLeaf} from "../../../contracts/libraries/MerkleLeaf.sol";
import {BatchSlot, BatchSlotLib, RecordSlot, RecordSlotLib} from "../../../contracts/libraries/RecordSlots.sol";
import {RecordsWorld} from "./RecordsWorld.sol";
import {AccountProofs} from "../utils/AccountProofs.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";

/// @dev Fuzz tests of single records properties, each over any values.
contract RecordRegistryFuzzTest is TestBase, RecordsWorld {
    uint256 internal constant SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;

    function setUp() public {
        _deploy();
    }

    function _terms(address patient, bytes32 root) internal view returns (IConsentBook.ConsentTerms memory) {
        return
            IConsentBook.ConsentTerms({
                patient: patient,
                custodian: ID_A,
                grantee: ID_B,
                purpose: IConsentBook.Purpose.TREAT,
                categories: root == bytes32(0) ? 2 : 0,
                recordsRoot: root,
                validFrom: uint64(block.timestamp),
                validUntil: uint64(block.timestamp + 1 days),
                nonce: 1
            });
    }

    function _grant(uint256 key, IConsentBook.ConsentTerms memory terms) internal {
        uint256 deadline = block.timestamp + 1 hours;
        records.grantConsent(terms, deadline, _signGrant(key, terms, deadline));
    }

    /// @dev Another member's batch holding the victim's leaf never changes the victim's record.
    function testFuzz_anotherMembersBatchNeverChangesTheIssuersRecord(
        bytes32 leaf,
        bytes32 filler,
        bool amendInstead
    ) public {
        vm.assume(leaf != bytes32(0) && filler != leaf);
        vm.prank(HOSPITAL_A);
        records.anchor(leaf, 1);
        bytes32 root = _pairRoot(leaf, filler);
        vm.startPrank(HOSPITAL_B);
        records.anchorBatch(root, 2, 1);
        if (amendInstead) records.amend(leaf, root, _one(filler), keccak256(abi.encode(leaf)), 1);
        else records.retract(leaf, root, _one(filler));
        vm.stopPrank();
        (, IRecordVerifier.RecordStatus status) = records.recordStatus(ID_A, leaf, bytes32(0), new bytes32[](0));
        assertEq(uint256(status), uint256(IRecordVerifier.RecordStatus.Active), "the victim's record changed");
        vm.expectRevert(abi.encodeWithSelector(IRecordAnchors.RecordsNotAnchored.selector, ID_B, leaf, bytes32(0)));
        vm.prank(HOSPITAL_B);
        records.retract(leaf, bytes32(0), new bytes32[](0));
    }

    /// @dev A record anchored alone and in a batch of its issuer has one status, whichever path ended it.
    function testFuzz_oneRecordHasOneStatus(bytes32 leaf, bytes32 other, bool endAlone, bool amendInstead) public {
        vm.assume(leaf != bytes32(0) && other != leaf);
        bytes32 root = _pairRoot(leaf, other);
        vm.startPrank(HOSPITAL_A);
        records.anchorBatch(root, 2, 1);
        records.anchor(leaf, 1);
        bytes32[] memory path = endAlone ? new bytes32[](0) : _one(other);
        bytes32 via = endAlone ? bytes32(0) : root;
        if (amendInstead) records.amend(leaf, via, path, keccak256(abi.encode(leaf)), 1);
        else records.retract(leaf, via, path);
        vm.stopPrank();
        IRecordVerifier.RecordStatus expected =
            amendInstead ? IRecordVerifier.RecordStatus.Superseded : IRecordVerifier.RecordStatus.Retracted;
        (, IRecordVerifier.RecordStatus alone) = records.recordStatus(ID_A, leaf, bytes32(0), new bytes32[](0));
        (, IRecordVerifier.RecordStatus batched) = records.recordStatus(ID_A, leaf, root, _one(other));
        assertEq(uint256(alone), uint256(expected), "status alone");
        assertEq(uint256(batched), uint256(expected), "status through the batch");
    }

    /// @dev A consent signed by any account reaches no record the custodian bound to another patient.
    function testFuzz_aConsentOfAnotherAccountReachesNothing(uint256 key, bytes32 commitment) public {
        key = 1 + (key % (SECP256K1_N - 1));
        address patient = _patient(0);
        vm.assume(vm.addr(key) != patient);
        vm.prank(HOSPITAL_A);
        records.anchor(_leaf(patient, commitment), 1);
        IConsentBook.ConsentTerms memory terms = _terms(vm.addr(key), bytes32(0));
        _grant(key, terms);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordAnchors.RecordsNotAnchored.selector,
                ID_A,
                _leaf(vm.addr(key), commitment),
                bytes32(0)
            )
        );
        vm.prank(HOSPITAL_B);
        records.access(terms, commitment, bytes32(0), new bytes32[](0), bytes32(0), new bytes32[](0), terms.purpose);
    }

    /// @dev In a specific-records scope, only the record's own blinding value proves it in scope.
    function testFuzz_aScopeProofNeedsTheRecordsOwnBlind(bytes32 blind0, bytes32 blind1, bytes32 guess) public {
        vm.assume(guess != blind0);
        address patient = _patient(0);
        bytes32 c0 = keccak256("scoped record 0");
        bytes32 c1 = keccak256("scoped record 1");
        vm.startPrank(HOSPITAL_A);
        records.anchor(_leaf(patient, c0), 1);
        records.anchor(_leaf(patient, c1), 1);
        vm.stopPrank();
        bytes32 s0 = MerkleLeaf.ofPair(blind0, _leaf(patient, c0));
        bytes32 s1 = MerkleLeaf.ofPair(blind1, _leaf(patient, c1));
        vm.assume(s0 != s1);
        IConsentBook.ConsentTerms memory terms = _terms(patient, _pairRoot(s0, s1));
        _grant(_keys[0], terms);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessLog.RecordsOutOfScope.selector,
                keccak256(abi.encode(terms)),
                _leaf(patient, c0)
            )
        );
        vm.startPrank(HOSPITAL_B);
        records.access(terms, c0, bytes32(0), new bytes32[](0), guess, _one(s1), terms.purpose);
        records.access(terms, c0, bytes32(0), new bytes32[](0), blind0, _one(s1), terms.purpose);
        vm.stopPrank();
    }

    /// @dev Any terms that were never granted are refused as missing, whatever their fields.
    function testFuzz_accessWithoutGrantIsRefused(
        address patient,
        bytes32 custodian,
        uint8 purpose,
        uint256 categories,
        uint64 validFrom,
        uint64 validUntil,
        uint256 nonce
    ) public {
        IConsentBook.ConsentTerms memory terms = IConsentBook.ConsentTerms({
            patient: patient,
            custodian: custodian,
            grantee: ID_B,
            purpose: IConsentBook.Purpose(uint8(purpose % 5)),
            categories: categories,
            recordsRoot: bytes32(0),
            validFrom: validFrom,
            validUntil: validUntil,
            nonce: nonce
        });
        vm.expectRevert(
            abi.encodeWithSelector(IConsentBook.RecordsConsentMissing.selector, keccak256(abi.encode(terms)))
        );
        vm.prank(HOSPITAL_B);
        records.access(
            terms,
            keccak256("r"),
            bytes32(0),
            new bytes32[](0),
            bytes32(0),
            new bytes32[](0),
            terms.purpose
        );
    }

    /// @dev Break-glass names a record by its leaf's preimage: the best an attacker can do with an
    /// internal node of a batch (its two children as subject and commitment, with the shorter proof)
    /// is refused, while the record itself is reached.
    function testFuzz_breakGlassNeverTakesAnInternalNodeForARecord(bytes32[4] memory commitments) public {
        address patient = _patient(0);
        bytes32 subject = bytes32(uint256(uint160(patient)));
        bytes32[4] memory leaves;
        for (uint256 i = 0; i < 4; ++i) leaves[i] = _leaf(patient, commitments[i]);
        bytes32 left = _pairRoot(leaves[0], leaves[1]);
        bytes32 right = _pairRoot(leaves[2], leaves[3]);
        bytes32 root = _pairRoot(left, right);
        vm.prank(HOSPITAL_A);
        records.anchorBatch(root, 4, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordAnchors.RecordsNotAnchored.selector,
                ID_A,
                MerkleLeaf.ofPair(leaves[0], leaves[1]),
                root
            )
        );
        vm.prank(HOSPITAL_B);
        records.breakGlass(ID_A, leaves[0], leaves[1], root, _one(right), 1);
        bytes32[] memory proof = new bytes32[](2);
        proof[0] = leaves[1];
        proof[1] = right;
        vm.prank(HOSPITAL_B);
        assertEq(records.breakGlass(ID_A, subject, commitments[0], root, proof, 1), 1, "the record's break-glass id");
    }

    /// @dev A record its issuer retracted is never accessed under a consent, alone or in a batch.
    function testFuzz_aRetractedRecordIsNeverAccessed(bytes32 commitment, bytes32 other, bool batched) public {
        address patient = _patient(0);
        bytes32 leaf = _leaf(patient, commitment);
        vm.assume(other != leaf);
        bytes32 root = batched ? _pairRoot(leaf, other) : bytes32(0);
        bytes32[] memory path = batched ? _one(other) : new bytes32[](0);
        vm.startPrank(HOSPITAL_A);
        if (batched) records.anchorBatch(root, 2, 1);
        else records.anchor(leaf, 1);
        records.retract(leaf, root, path);
        vm.stopPrank();
        IConsentBook.ConsentTerms memory terms = _terms(patient, bytes32(0));
        _grant(_keys[0], terms);
        vm.expectRevert(abi.encodeWithSelector(IAccessLog.RecordsRetracted.selector, ID_A, leaf));
        vm.prank(HOSPITAL_B);
        records.access(terms, commitment, root, path, bytes32(0), new bytes32[](0), terms.purpose);
    }

    /// @dev A record's storage word reads back exactly what was packed, and a status change keeps the rest.
    function testFuzz_recordSlotRoundTrip(
        uint64 at,
        uint8 category,
        uint8 statusSeed,
        uint64 changedAt,
        bool inBatch
    ) public pure {
        RecordSlot s = RecordSlotLib.anchoredAlone(at, category);
        assertEq(s.anchoredAt(), at, "anchoredAt");
        assertEq(s.category(), category, "category");
        assertEq(uint256(s.status()), uint256(IRecordVerifier.RecordStatus.Active), "status");
        assertTrue(!s.batched() && s.changedAt() == 0, "fresh record");
        IRecordVerifier.RecordStatus status = IRecordVerifier.RecordStatus(statusSeed % 4);
        RecordSlot t = s.changed(status, changedAt, inBatch);
        assertEq(t.anchoredAt(), at, "anchoredAt kept");
        assertEq(t.category(), category, "category kept");
        assertEq(uint256(t.status()), uint256(status), "new status");
        assertTrue(t.batched() == inBatch, "batched");
        assertEq(t.changedAt(), changedAt, "changedAt");
        assertTrue(RecordSlotLib.isEndable(status) == (status == IRecordVerifier.RecordStatus.Active), "endable");
    }

    /// @dev A batch's storage word reads back exactly what was packed.
    function testFuzz_batchSlotRoundTrip(uint64 at, uint8 category, uint32 count) public pure {
        BatchSlot b = BatchSlotLib.pack(at, category, count);
        assertEq(b.anchoredAt(), at, "anchoredAt");
        assertEq(b.category(), category, "category");
        assertEq(b.count(), count, "count");
        assertTrue(b.isEmpty() == (at == 0 && category == 0 && count == 0), "empty");
    }

    /// @dev A signed request is audited once for any nonce and deadline; its replay is refused by the chain.
    function testFuzz_aSignedRequestIsAuditedOnce(uint256 nonce, uint32 lifetime, bytes32 requestHash) public {
        address patient = _patient(0);
        bytes32 commitment = keccak256("fuzzed request record");
        vm.prank(HOSPITAL_A);
        records.anchor(_leaf(patient, commitment), 1);
        IConsentBook.ConsentTerms memory terms = _terms(patient, bytes32(0));
        _grant(_keys[0], terms);
        uint256 key = 0x5EED;
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, key, ID_B);
        vm.prank(HOSPITAL_B);
        registry.addAccount(vm.addr(key), proof);
        IAccessLog.AccessRequest memory request = IAccessLog.AccessRequest({
            requester: vm.addr(key),
            purpose: IConsentBook.Purpose.TREAT,
            requestHash: requestHash,
            nonce: nonce,
            deadline: block.timestamp + lifetime
        });
        bytes memory signature = _signRequest(key, keccak256(abi.encode(terms)), request);
        IAccessLog.RecordRead[] memory reads = new IAccessLog.RecordRead[](1);
        reads[0] = IAccessLog.RecordRead(commitment, bytes32(0), new bytes32[](0), bytes32(0), new bytes32[](0));
        vm.startPrank(HOSPITAL_A);
        records.accessByRequests(_signed(terms, reads, request, signature));
        assertTrue(records.isRequestNonceUsed(request.requester, nonce), "the nonce is not used up");
        vm.expectRevert(abi.encodeWithSelector(IAccessLog.RecordsRequestUsed.selector, request.requester, nonce));
        records.accessByRequests(_signed(terms, reads, request, signature));
        vm.stopPrank();
    }

    /// @dev Changing any signed field of a request after signing makes the chain refuse the signature.
    function testFuzz_aChangedRequestFieldBreaksTheSignature(uint8 field, bytes32 value) public {
        IConsentBook.ConsentTerms memory terms = _terms(_patient(0), bytes32(0));
        _grant(_keys[0], terms);
        uint256 key = 0x5EED;
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, key, ID_B);
        vm.prank(HOSPITAL_B);
        registry.addAccount(vm.addr(key), proof);
        IAccessLog.AccessRequest memory request = IAccessLog.AccessRequest({
            requester: vm.addr(key),
            purpose: IConsentBook.Purpose.TREAT,
            requestHash: keccak256("asked"),
            nonce: 1,
            deadline: block.timestamp + 1 hours
        });
        bytes memory signature = _signRequest(key, keccak256(abi.encode(terms)), request);
        field %= 3;
        if (field == 0) {
            vm.assume(value != request.requestHash);
            request.requestHash = value;
        } else if (field == 1) {
            vm.assume(uint256(value) != request.nonce);
            request.nonce = uint256(value);
        } else {
            uint256 deadline = block.timestamp + (uint256(value) % 365 days);
            vm.assume(deadline != request.deadline);
            request.deadline = deadline;
        }
        vm.expectRevert(abi.encodeWithSelector(IAccessLog.RecordsInvalidRequestSignature.selector, request.requester));
        vm.prank(HOSPITAL_A);
        records.accessByRequests(_signed(terms, new IAccessLog.RecordRead[](0), request, signature));
    }
}
