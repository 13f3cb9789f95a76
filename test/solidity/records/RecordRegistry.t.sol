// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {RecordRegistry} from "../../../contracts/records/RecordRegistry.sol";
import {IRecordRegistry} from "../../../contracts/interfaces/IRecordRegistry.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";

/// @dev Shared setup: a one-governor consortium with two hospitals and a RecordRegistry.
abstract contract RecordsSetup {
    ConsortiumRegistry internal registry;
    RecordRegistry internal records;
    address internal constant HOSPITAL_A = address(0xA0);
    address internal constant HOSPITAL_B = address(0xB0);
    bytes32 internal constant ID_A = keccak256("fuzz hospital A");
    bytes32 internal constant ID_B = keccak256("fuzz hospital B");
    uint256 internal constant PATIENT_KEY = 0xA11CE;

    function _deploy() internal {
        address[] memory governors = new address[](1);
        governors[0] = address(this);
        registry = new ConsortiumRegistry(address(this), governors, 1, 7 days);
        _admit(ID_A, HOSPITAL_A);
        _admit(ID_B, HOSPITAL_B);
        records = new RecordRegistry(registry);
    }

    function _admit(bytes32 id, address account) private {
        uint256 proposalId = registry.certify(
            id,
            id,
            MemberKinds.HOSPITAL,
            account,
            uint64(block.timestamp + 3650 days)
        );
        registry.vote(proposalId);
        registry.execute(proposalId);
    }

    function _digest(bytes32 structHash) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MedChain RecordRegistry"),
                keccak256("1"),
                block.chainid,
                address(records)
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _signGrant(
        IRecordRegistry.ConsentTerms memory terms,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(records.CONSENT_TYPEHASH(), terms, deadline));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(PATIENT_KEY, _digest(structHash));
        return abi.encodePacked(r, s, v);
    }

    function _signRevoke(
        IRecordRegistry.ConsentTerms memory terms,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(records.REVOCATION_TYPEHASH(), keccak256(abi.encode(terms)), deadline)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(PATIENT_KEY, _digest(structHash));
        return abi.encodePacked(r, s, v);
    }
}

/**
 * @dev Drives the registry with random anchors, grants, revocations, accesses and time jumps, and keeps
 * a model of which accesses are justified. Counts any access that succeeded without a valid consent,
 * and any commitment anchored successfully twice.
 */
contract RecordsHandler is RecordsSetup {
    bytes32[] public anchored;
    mapping(bytes32 commitment => uint8 category) public categoryOf;
    mapping(bytes32 commitment => uint256 successes) public anchorSuccesses;
    IRecordRegistry.ConsentTerms[] internal _consents;
    mapping(bytes32 consentId => bool revoked) public revokedInModel;

    uint256 public doubleAnchors;
    uint256 public accesses;
    uint256 public unjustifiedAccesses;

    constructor() {
        _deploy();
    }

    function anchor(uint256 seed, uint8 category) external {
        bytes32 commitment =
            anchored.length > 0 && seed % 3 == 0
                ? anchored[seed % anchored.length]
                : keccak256(abi.encode("record", seed));
        category = category % 4;
        vm.prank(seed % 2 == 0 ? HOSPITAL_A : HOSPITAL_B);
        try records.anchor(commitment, category) {
            if (anchorSuccesses[commitment]++ > 0) doubleAnchors++;
            anchored.push(commitment);
            categoryOf[commitment] = category;
        } catch {}
    }

    function grant(uint8 purpose, uint8 categories, uint32 startIn, uint32 lasts, bool toB, uint256 nonce) external {
        IRecordRegistry.ConsentTerms memory terms = IRecordRegistry.ConsentTerms({
            patient: vm.addr(PATIENT_KEY),
            grantee: toB ? ID_B : ID_A,
            purpose: IRecordRegistry.Purpose(uint8(purpose % 5)),
            categories: uint256(categories % 16),
            recordsRoot: bytes32(0),
            validFrom: uint64(block.timestamp + (startIn % 3 days)),
            validUntil: uint64(block.timestamp + (startIn % 3 days) + (lasts % 10 days)),
            nonce: nonce % 4
        });
        uint256 deadline = block.timestamp + 1 hours;
        try records.grantConsent(terms, deadline, _signGrant(terms, deadline)) {
            _consents.push(terms);
        } catch {}
    }

    function revoke(uint256 index) external {
        if (_consents.length == 0) return;
        IRecordRegistry.ConsentTerms memory terms = _consents[index % _consents.length];
        uint256 deadline = block.timestamp + 1 hours;
        try records.revokeConsent(terms, deadline, _signRevoke(terms, deadline)) {
            revokedInModel[keccak256(abi.encode(terms))] = true;
        } catch {}
    }

    function access(uint256 consentIndex, uint256 recordSeed, uint8 purpose, bool asB, uint8 tweak) external {
        if (_consents.length == 0) return;
        IRecordRegistry.ConsentTerms memory terms = _consents[consentIndex % _consents.length];
        // Sometimes present terms that were never granted (a forged or altered consent).
        if (tweak % 5 == 1) terms.categories = type(uint256).max;
        if (tweak % 5 == 2) terms.validUntil += 30 days;
        if (tweak % 5 == 3) terms.purpose = IRecordRegistry.Purpose(uint8(purpose % 5));
        bytes32 commitment =
            anchored.length > 0 ? anchored[recordSeed % anchored.length] : keccak256(abi.encode("record", recordSeed));
        IRecordRegistry.Purpose requested = IRecordRegistry.Purpose(uint8(purpose % 5));
        vm.prank(asB ? HOSPITAL_B : HOSPITAL_A);
        try records.access(terms, commitment, 0, new bytes32[](0), new bytes32[](0), requested) {
            accesses++;
            if (!_justified(terms, commitment, requested, asB ? ID_B : ID_A)) unjustifiedAccesses++;
        } catch {}
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 2 days));
    }

    function _justified(
        IRecordRegistry.ConsentTerms memory terms,
        bytes32 commitment,
        IRecordRegistry.Purpose requested,
        bytes32 caller
    ) private view returns (bool) {
        bytes32 consentId = keccak256(abi.encode(terms));
        bool granted;
        for (uint256 i = 0; i < _consents.length; ++i) {
            if (keccak256(abi.encode(_consents[i])) == consentId) granted = true;
        }
        return
            granted &&
            !revokedInModel[consentId] &&
            terms.grantee == caller &&
            block.timestamp >= terms.validFrom &&
            block.timestamp < terms.validUntil &&
            requested == terms.purpose &&
            anchorSuccesses[commitment] > 0 &&
            (terms.categories >> categoryOf[commitment]) & 1 == 1;
    }
}

/// @dev Invariants over random sequences of the handler's actions.
contract RecordRegistryInvariantTest is TestBase {
    RecordsHandler internal handler;

    function setUp() public {
        handler = new RecordsHandler();
        targetContract(address(handler));
    }

    /// @dev Access never succeeds without a granted, unrevoked, current consent for that member, purpose and record.
    function invariant_accessNeedsValidConsent() public view {
        assertEq(handler.unjustifiedAccesses(), 0, "access without a valid consent");
    }

    /// @dev No commitment is ever anchored twice.
    function invariant_nothingAnchoredTwice() public view {
        assertEq(handler.doubleAnchors(), 0, "commitment anchored twice");
    }

    /// @dev The model is not vacuous: a legitimate sequence does reach a successful, justified access.
    function test_handlerReachesAJustifiedAccess() public {
        handler.anchor(1, 1); // hospital B anchors category 1
        handler.grant(1, 2, 0, 1 days, true, 0); // TREAT, categories {1}, now .. +1 day, to B
        handler.access(0, 0, 1, true, 0);
        assertEq(handler.accesses(), 1, "justified access refused");
        assertEq(handler.unjustifiedAccesses(), 0, "model disagrees");
        handler.access(0, 0, 2, true, 0); // wrong purpose
        handler.access(0, 0, 1, false, 0); // wrong grantee
        assertEq(handler.accesses(), 1, "unjustified access allowed");
    }
}

/// @dev Fuzz tests of single properties.
contract RecordRegistryFuzzTest is TestBase, RecordsSetup {
    function setUp() public {
        _deploy();
    }

    /// @dev Any terms that were never granted are refused as missing, whatever their fields.
    function testFuzz_accessWithoutGrantIsRefused(
        address patient,
        uint8 purpose,
        uint256 categories,
        uint64 validFrom,
        uint64 validUntil,
        uint256 nonce
    ) public {
        vm.prank(HOSPITAL_A);
        records.anchor(keccak256("r"), 1);
        IRecordRegistry.ConsentTerms memory terms = IRecordRegistry.ConsentTerms({
            patient: patient,
            grantee: ID_B,
            purpose: IRecordRegistry.Purpose(uint8(purpose % 5)),
            categories: categories,
            recordsRoot: bytes32(0),
            validFrom: validFrom,
            validUntil: validUntil,
            nonce: nonce
        });
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordsConsentMissing.selector, keccak256(abi.encode(terms)))
        );
        vm.prank(HOSPITAL_B);
        records.access(terms, keccak256("r"), 0, new bytes32[](0), new bytes32[](0), terms.purpose);
    }

    /// @dev Whatever the commitment and category, a second anchor of it is refused.
    function testFuzz_anchorTwiceIsRefused(bytes32 commitment, uint8 category, bool sameHospital) public {
        vm.assume(commitment != bytes32(0));
        vm.prank(HOSPITAL_A);
        records.anchor(commitment, category);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordsAlreadyAnchored.selector, commitment));
        vm.prank(sameHospital ? HOSPITAL_A : HOSPITAL_B);
        records.anchor(commitment, category);
        (bytes32 memberId, , ) = records.recordStatus(commitment, 0, new bytes32[](0));
        assertEq(memberId, ID_A, "anchorer changed");
    }
}
