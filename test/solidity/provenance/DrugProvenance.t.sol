// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDrugProvenance} from "../../../contracts/interfaces/IDrugProvenance.sol";
import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ProvenanceWorld} from "./ProvenanceWorld.sol";

/// @dev Drives the world at random: ships, receives, unpacks, dispenses, recalls, time passes.
contract ProvenanceHandler is ProvenanceWorld {
    /// @dev Successful dispenses per pack (a clone alert is not a dispense).
    uint256[2] public dispenses;
    /// @dev The custodian the case should have, moved only by a ship then the matching receive.
    bytes32 public expectedHolder;
    bytes32 public expectedPendingTo;
    bool public inTransit;

    constructor() {
        _setUpWorld();
        expectedHolder = members[0];
    }

    function world() external view returns (address, bytes32, bytes32[2] memory, bytes32, uint64) {
        return (address(provenance), lotId, packIds, caseId, expiresAt);
    }

    function claimOf(uint256 i) external view returns (IDrugProvenance.PackClaim memory) {
        return _claim(i);
    }

    function linksOf(uint256 i) external view returns (IDrugProvenance.Link[] memory) {
        return _caseLinks(i);
    }

    function ship(uint8 from, uint8 to) external {
        (from, to) = (from % 3, to % 3);
        vm.prank(accounts[from]);
        try provenance.ship(caseId, members[to], new IDrugProvenance.Link[](0)) {
            expectedPendingTo = members[to];
            inTransit = true;
        } catch {}
    }

    function receiveCase(uint8 by) external {
        by = by % 3;
        vm.prank(accounts[by]);
        try provenance.receiveItem(caseId) {
            // only the member named by the pending shipment may get here
            if (!inTransit || expectedPendingTo != members[by]) revert("receive without a matching shipment");
            expectedHolder = members[by];
            inTransit = false;
        } catch {}
    }

    function unpackCase(uint8 by) external {
        vm.prank(accounts[by % 3]);
        try provenance.unpack(caseId, new IDrugProvenance.Link[](0)) {} catch {}
    }

    function dispense(uint8 pack, uint8 by, bool withLink) external {
        uint256 i = pack % 2;
        vm.prank(accounts[by % 3]);
        try provenance.dispense(_claim(i), withLink ? _caseLinks(i) : new IDrugProvenance.Link[](0)) returns (
            bool dispensed
        ) {
            if (dispensed) dispenses[i] += 1;
        } catch {}
    }

    function recall() external {
        vm.prank(accounts[0]);
        try provenance.recall(lotId) {} catch {}
    }

    function warp(uint32 secondsAhead) external {
        vm.warp(block.timestamp + (secondsAhead % (200 days)));
    }
}

/// @dev Invariants: a pack is dispensed at most once; a recalled or expired pack never verifies
/// GENUINE; custody only moves by a matching ship and receive.
contract DrugProvenanceInvariantTest is TestBase {
    ProvenanceHandler internal handler;

    function setUp() public {
        handler = new ProvenanceHandler();
        targetContract(address(handler));
    }

    function invariant_packDispensedAtMostOnce() public view {
        assertLe(handler.dispenses(0), 1, "pack 0 dispensed more than once");
        assertLe(handler.dispenses(1), 1, "pack 1 dispensed more than once");
    }

    function invariant_recalledOrExpiredNeverGenuine() public view {
        (address p, bytes32 lotId, , , uint64 expiresAt) = handler.world();
        IDrugProvenance provenance = IDrugProvenance(p);
        bool recalled = _recalled(p, lotId);
        for (uint256 i = 0; i < 2; ++i) {
            (IDrugProvenance.Verdict verdict, , ) = provenance.verify(handler.claimOf(i), handler.linksOf(i));
            if (recalled || block.timestamp >= expiresAt) {
                assertTrue(verdict != IDrugProvenance.Verdict.Genuine, "recalled or expired pack verified GENUINE");
            }
        }
    }

    function invariant_custodyMovesOnlyByShipAndReceive() public view {
        (address p, , , bytes32 caseId, ) = handler.world();
        IDrugProvenance.Node memory node = _node(p, caseId);
        assertEq(node.holder, handler.expectedHolder(), "case holder differs from the last matching receive");
        assertTrue(
            (node.state == IDrugProvenance.NodeState.InTransit) == handler.inTransit(),
            "transit differs from the last ship"
        );
    }

    function _recalled(address p, bytes32 lotId) private view returns (bool) {
        return _node(p, lotId).recalled;
    }

    function _node(address p, bytes32 id) private view returns (IDrugProvenance.Node memory) {
        (bool ok, bytes memory data) = p.staticcall(abi.encodeWithSignature("nodeOf(bytes32)", id));
        assertTrue(ok, "nodeOf failed");
        return abi.decode(data, (IDrugProvenance.Node));
    }
}

/// @dev Fuzz tests of check digits, hidden codes and clone alerts.
contract DrugProvenanceFuzzTest is TestBase, ProvenanceWorld {
    function setUp() public {
        _setUpWorld();
    }

    function testFuzz_wrongCodeNeverVerifies(string calldata code) public view {
        vm.assume(keccak256(bytes(code)) != keccak256("CODE0"));
        IDrugProvenance.PackClaim memory claim = _claim(0);
        claim.code = code;
        (IDrugProvenance.Verdict verdict, , ) = provenance.verify(claim, new IDrugProvenance.Link[](0));
        assertTrue(verdict == IDrugProvenance.Verdict.Unknown, "a wrong code verified");
    }

    function testFuzz_secondDispenseIsAClone(uint32 later) public {
        IDrugProvenance.PackClaim memory claim = _claim(0);
        IDrugProvenance.Link[] memory links = _caseLinks(0);
        vm.prank(accounts[0]);
        provenance.ship(caseId, members[2], new IDrugProvenance.Link[](0));
        vm.prank(accounts[2]);
        provenance.receiveItem(caseId);
        vm.prank(accounts[2]);
        assertTrue(provenance.dispense(claim, links), "first dispense refused");
        vm.warp(block.timestamp + (later % 300 days));
        vm.prank(accounts[2]);
        assertTrue(!provenance.dispense(claim, links), "second dispense not flagged");
        (IDrugProvenance.Verdict verdict, , ) = provenance.verify(claim, links);
        assertTrue(verdict == IDrugProvenance.Verdict.Dispensed, "dispensed pack not DISPENSED");
    }

    function testFuzz_receiveWithoutShipmentRefused(uint8 by) public {
        uint256 i = by % 3;
        vm.prank(accounts[i]);
        vm.expectRevert(
            abi.encodeWithSelector(IDrugProvenance.ProvenanceNoMatchingShipment.selector, caseId, members[i])
        );
        provenance.receiveItem(caseId);
    }

    function testFuzz_gtinCheckDigit(uint64 body) public {
        body = body % 1e13;
        uint64 check = uint64(_referenceCheckDigit(body));
        uint64 good = body * 10 + check;
        uint64 bad = body * 10 + ((check + 1) % 10);
        vm.startPrank(accounts[0]);
        if (good != 0 && good != GTIN) provenance.registerProduct(good);
        vm.expectRevert(abi.encodeWithSelector(IDrugProvenance.ProvenanceInvalidGtin.selector, bad));
        provenance.registerProduct(bad);
        vm.stopPrank();
    }

    /// @dev GS1 mod-10 written differently from the library: digits from the left, 13 positions.
    function _referenceCheckDigit(uint64 body) private pure returns (uint256) {
        uint256 sum;
        for (uint256 pos = 0; pos < 13; ++pos) {
            uint256 digit = (body / (10 ** (12 - pos))) % 10;
            sum += digit * (pos % 2 == 0 ? 3 : 1);
        }
        return (10 - (sum % 10)) % 10;
    }
}
