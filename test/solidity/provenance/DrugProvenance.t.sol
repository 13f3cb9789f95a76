// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDrugProvenance} from "../../../contracts/interfaces/IDrugProvenance.sol";
import {IProvenanceTypes} from "../../../contracts/interfaces/IProvenanceTypes.sol";
import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ProvenanceWorld} from "./ProvenanceWorld.sol";

/**
 * @dev Drives the world at random, honest and dishonest steps alike: ships, receives, unpacks,
 * repacks, destroys, reports stolen and dispenses, by any of the five members (the rival brand and
 * the regulator included), with the item's true links, stale links (through its lot or its old case)
 * or none; and the rival brand squatting the first brand's packs through lots of its own built over
 * their public tags or ids. It keeps its own model of where everything truly is (a pack packed into
 * a case is in it from then on, whether the chain was told or not) and counts every step the
 * contract accepted from a member that was not the item's true custodian.
 */
contract ProvenanceHandler is ProvenanceWorld {
    enum LinkChoice {
        None, // no links
        Lot, // the pack's lot link only (what a former holder through the lot presents)
        OldCase, // its lot link and its link into its original case (a stale case path once it moved)
        Honest // what the SDK would present for where it is now
    }

    /// @dev The true place of each item: zero (held on its own), a container, or its lot.
    mapping(bytes32 id => bytes32 place) public truePlace;
    /// @dev Who truly holds an item held on its own, or what lies in an opened container.
    mapping(bytes32 id => bytes32 member) public trueHolder;
    mapping(bytes32 id => bool opened) public trueOpened;
    mapping(bytes32 id => bool inTransit) public trueInTransit;
    mapping(bytes32 id => bytes32 member) public truePendingTo;
    /// @dev Dispensed, destroyed or stolen (the item left the supply chain).
    mapping(bytes32 id => bool gone) public trueGone;

    /// @dev Successful dispenses per pack (a clone alert is not a dispense).
    uint256[4] public dispenses;
    /// @dev Steps the contract accepted from a member that was not the item's true custodian.
    uint256 public violations;
    /// @dev Custody steps the contract accepted (so the invariants are not vacuous).
    uint256 public accepted;
    /// @dev Totes packed by the handler.
    bytes32[] public totes;
    /// @dev Lots the rival brand commissioned over the first brand's tags or ids.
    bytes32[] public rivalLots;
    /// @dev The item the rival's last squatting link placed: one of its own lot, never the victim.
    bytes32 public lastSquat;

    constructor() {
        _setUpWorld();
        for (uint256 i = 0; i < 4; ++i) truePlace[packIds[i]] = _caseOf(i);
        truePlace[loosePack] = looseLotId;
        truePlace[caseA] = pallet;
        truePlace[caseB] = pallet;
        trueHolder[pallet] = members[0];
    }

    function world() external view returns (address, bytes32, bytes32[4] memory, bytes32, uint64) {
        return (address(provenance), lotId, packIds, pallet, expiresAt);
    }

    /// @notice The lot each pack of the handler was commissioned in (zero: not one of its packs).
    function ownLotOf(bytes32 id) external view returns (bytes32) {
        if (id == loosePack) return looseLotId;
        for (uint256 i = 0; i < 4; ++i) if (packIds[i] == id) return lotId;
        return bytes32(0);
    }

    function rivalLotCount() external view returns (uint256) {
        return rivalLots.length;
    }

    function claimOf(uint256 i) external view returns (IDrugProvenance.PackClaim memory) {
        return _claim(i);
    }

    function linksOf(uint256 i) external view returns (IDrugProvenance.Link[] memory) {
        return _links(packIds[i], LinkChoice.Honest);
    }

    /// @notice The links the SDK would present for `id` where it is now.
    function honestLinks(bytes32 id) external view returns (IDrugProvenance.Link[] memory) {
        return _links(id, LinkChoice.Honest);
    }

    /// @notice Every item the handler moves: the four packs, the loose pack, the cases, the pallet, totes.
    function items() public view returns (bytes32[] memory list) {
        list = new bytes32[](8 + totes.length);
        for (uint256 i = 0; i < 4; ++i) list[i] = packIds[i];
        (list[4], list[5], list[6], list[7]) = (loosePack, caseA, caseB, pallet);
        for (uint256 i = 0; i < totes.length; ++i) list[8 + i] = totes[i];
    }

    /// @notice The member that truly holds `id` now (zero: in transit or gone somewhere, or nobody).
    function trueCustodian(bytes32 id) public view returns (bytes32) {
        bytes32 cur = id;
        for (uint256 depth = 0; depth < 16; ++depth) {
            if (trueGone[cur] || trueInTransit[cur]) return bytes32(0);
            bytes32 place = truePlace[cur];
            if (place == bytes32(0)) return trueHolder[cur];
            if (place == lotId || place == looseLotId) return members[0];
            if (trueOpened[place]) return trueHolder[place];
            cur = place;
        }
        return bytes32(0);
    }

    // ---------------------------------------------------------------- actions

    function ship(uint256 itemSeed, uint8 by, uint8 to, uint8 choice) external {
        bytes32 id = _pick(itemSeed);
        (uint256 from, uint256 dest) = (by % MEMBERS, to % MEMBERS);
        bytes32 custodian = trueCustodian(id);
        bool loose = _trulyLoose(id);
        IDrugProvenance.Link[] memory links = _links(id, LinkChoice(choice % 4));
        // (arguments are computed before the prank: an external call in them would consume it)
        vm.prank(accounts[from]);
        try provenance.ship(id, members[dest], links) {
            _check(custodian == members[from] && loose);
            truePlace[id] = bytes32(0);
            trueHolder[id] = members[from];
            trueInTransit[id] = true;
            truePendingTo[id] = members[dest];
        } catch {}
    }

    function receiveItem(uint256 itemSeed, uint8 by) external {
        bytes32 id = _pick(itemSeed);
        uint256 m = by % MEMBERS;
        bool expected = trueInTransit[id] && truePendingTo[id] == members[m] && !trueGone[id];
        vm.prank(accounts[m]);
        try provenance.receiveItem(id) {
            _check(expected);
            trueInTransit[id] = false;
            trueHolder[id] = members[m];
        } catch {}
    }

    function unpack(uint256 itemSeed, uint8 by) external {
        bytes32 id = _pick(itemSeed);
        uint256 m = by % MEMBERS;
        bytes32 custodian = trueCustodian(id);
        bool loose = _trulyLoose(id);
        vm.prank(accounts[m]);
        try provenance.unpack(id, new IDrugProvenance.Link[](0)) {
            _check(custodian == members[m] && loose && !trueOpened[id]);
            trueOpened[id] = true;
            trueHolder[id] = members[m];
        } catch {}
    }

    function destroy(uint256 itemSeed, uint8 by, uint8 choice, bool stolen) external {
        bytes32 id = _pick(itemSeed);
        uint256 m = by % MEMBERS;
        bytes32 custodian = trueCustodian(id);
        bool loose = _trulyLoose(id);
        // on the road, only the receiver waiting for it or a regulator reports it stolen (never its shipper)
        bool onTheRoad = trueInTransit[id] && !trueGone[id];
        bool mayReportOnTheRoad = onTheRoad && (truePendingTo[id] == members[m] || m == REGULATOR);
        IDrugProvenance.Link[] memory links = _links(id, LinkChoice(choice % 4));
        vm.prank(accounts[m]);
        if (stolen) {
            try provenance.reportStolen(id, links) {
                _check((custodian == members[m] && loose) || mayReportOnTheRoad);
                trueGone[id] = true;
            } catch {}
        } else {
            try provenance.destroy(id, links) {
                _check(custodian == members[m] && loose);
                trueGone[id] = true;
            } catch {}
        }
    }

    /// @dev Member `by` packs pack `packSeed` into a new tote of its own, by list.
    function repack(uint8 packSeed, uint8 by, uint8 choice) external {
        uint256 i = packSeed % 4;
        uint256 m = by % MEMBERS;
        bytes32 id = packIds[i];
        bytes32 custodian = trueCustodian(id);
        bool loose = _trulyLoose(id);
        uint64 sscc = _nextSscc(m);
        bytes32 tote = provenance.containerIdOf(sscc);
        IDrugProvenance.Link[] memory before = _links(id, LinkChoice(choice % 4));
        IDrugProvenance.Link[] memory links = new IDrugProvenance.Link[](before.length + 1);
        for (uint256 k = 0; k < before.length; ++k) links[k] = before[k];
        links[before.length] = _link(id, tote, new bytes32[](0));
        bytes32 root = provenance.leafOf(id);
        vm.prank(accounts[m]);
        try provenance.pack(sscc, PREFIX_LENGTH, root, 1, links) {
            _check(custodian == members[m] && loose);
            truePlace[id] = tote;
            trueHolder[tote] = members[m];
            totes.push(tote);
        } catch {}
    }

    function dispense(uint8 packSeed, uint8 by, uint8 choice) external {
        uint256 i = packSeed % 4;
        uint256 m = by % MEMBERS;
        bytes32 id = packIds[i];
        bytes32 custodian = trueCustodian(id);
        bool expired = block.timestamp >= expiresAt || products.lotOf(lotId).recalled;
        IDrugProvenance.Link[] memory links = _links(id, LinkChoice(choice % 4));
        // a dispense places a pack never seen on chain in its lot itself
        if (choice % 4 != 0 && links.length > 0 && links[0].parent == lotId) links = _drop(links);
        IDrugProvenance.PackClaim memory claim = _claim(i);
        vm.prank(accounts[m]);
        try provenance.dispense(claim, links) returns (bool dispensed) {
            if (dispensed) {
                dispenses[i] += 1;
                _check(custodian == members[m] && !expired);
                trueGone[id] = true;
            }
        } catch {}
    }

    /// @dev The manufacturer recalls the lot.
    function recall() external {
        vm.prank(accounts[0]);
        try products.recall(lotId, uint16(IProvenanceTypes.RecallReason.QualityDefect)) {} catch {}
    }

    /**
     * @dev The rival brand commissions a lot of its own product whose tree holds one of the first
     * brand's public leaves (pack `packSeed`'s tag from the published lot tree, or its id from the
     * events), records the link into that lot (anyone may link), then tries to destroy, report stolen
     * or ship the genuine pack with that link presented. Each step accepted from it while it does not
     * truly hold the pack is a violation.
     */
    function squat(uint8 packSeed, bool copyId, uint8 action, uint8 to) external {
        uint256 i = packSeed % 5;
        bytes32 victim = i < 4 ? packIds[i] : loosePack;
        bytes32 leaf = copyId ? victim : (i < 4 ? tags[i] : looseTag);
        string memory lot = string(abi.encodePacked("R", copyId ? "I" : "T", bytes1(uint8(0x30 + i))));
        bytes32 rivalLot = products.lotIdOf(rivalGtin, lot);
        if (products.lotOf(rivalLot).root == bytes32(0)) {
            bytes32 root = provenance.leafOf(leaf);
            vm.prank(accounts[RIVAL]);
            products.commissionLot(rivalGtin, lot, expiresAt, 1, root);
            rivalLots.push(rivalLot);
        }
        IDrugProvenance.Link[] memory links = new IDrugProvenance.Link[](1);
        links[0] = _link(leaf, rivalLot, new bytes32[](0));
        try provenance.link(links) {} catch {}
        lastSquat = provenance.packIdOf(rivalLot, leaf);
        bytes32 custodian = trueCustodian(victim);
        bool holds = custodian == members[RIVAL] && _trulyLoose(victim);
        uint256 step = action % 3;
        if (step == 2) {
            uint256 dest = to % MEMBERS;
            vm.prank(accounts[RIVAL]);
            try provenance.ship(victim, members[dest], links) {
                _check(holds);
                truePlace[victim] = bytes32(0);
                trueHolder[victim] = members[RIVAL];
                trueInTransit[victim] = true;
                truePendingTo[victim] = members[dest];
            } catch {}
            return;
        }
        bool onTheRoad = trueInTransit[victim] && !trueGone[victim] && truePendingTo[victim] == members[RIVAL];
        vm.prank(accounts[RIVAL]);
        if (step == 0) {
            try provenance.destroy(victim, links) {
                _check(holds);
                trueGone[victim] = true;
            } catch {}
        } else {
            try provenance.reportStolen(victim, links) {
                _check(holds || onTheRoad);
                trueGone[victim] = true;
            } catch {}
        }
    }

    /// @dev Anyone records the honest links of a pack (pins it in its case).
    function pin(uint8 packSeed) external {
        bytes32 id = packIds[packSeed % 4];
        try provenance.link(_links(id, LinkChoice.Honest)) {} catch {}
    }

    function warp(uint32 secondsAhead) external {
        vm.warp(block.timestamp + (secondsAhead % (200 days)));
    }

    // ---------------------------------------------------------------- internals

    function _check(bool ok) private {
        ++accepted;
        if (!ok) ++violations;
    }

    function _pick(uint256 seed) private view returns (bytes32) {
        bytes32[] memory list = items();
        return list[seed % list.length];
    }

    /// @dev Whether `id` lies loose in the truth: held on its own, in an opened container, or in its
    /// lot (never inside a sealed container), held and in the supply chain.
    function _trulyLoose(bytes32 id) private view returns (bool) {
        if (trueGone[id] || trueInTransit[id] || trueOpened[id]) return false;
        bytes32 place = truePlace[id];
        return place == bytes32(0) || place == lotId || place == looseLotId || trueOpened[place];
    }

    function _links(bytes32 id, LinkChoice choice) private view returns (IDrugProvenance.Link[] memory links) {
        if (choice == LinkChoice.None) return new IDrugProvenance.Link[](0);
        if (id == loosePack) {
            links = new IDrugProvenance.Link[](1);
            links[0] = _link(looseTag, looseLotId, new bytes32[](0));
            return
                provenance.itemOf(loosePack).kind == IDrugProvenance.ItemKind.None
                    ? links
                    : new IDrugProvenance.Link[](0);
        }
        uint256 i = type(uint256).max;
        for (uint256 k = 0; k < 4; ++k) if (packIds[k] == id) i = k;
        if (i == type(uint256).max) return new IDrugProvenance.Link[](0); // containers: always recorded
        if (choice == LinkChoice.Lot) {
            links = new IDrugProvenance.Link[](1);
            links[0] = _lotLink(i);
            return links;
        }
        if (choice == LinkChoice.OldCase) {
            links = new IDrugProvenance.Link[](2);
            (links[0], links[1]) = (_lotLink(i), _caseLink(i));
            return links;
        }
        IDrugProvenance.Item memory item = provenance.itemOf(id);
        if (item.kind == IDrugProvenance.ItemKind.None) {
            links = new IDrugProvenance.Link[](2);
            (links[0], links[1]) = (_lotLink(i), _caseLink(i));
        } else if (item.parent == lotId) {
            links = new IDrugProvenance.Link[](1);
            links[0] = _caseLink(i);
        }
    }

    function _drop(IDrugProvenance.Link[] memory links) private pure returns (IDrugProvenance.Link[] memory rest) {
        rest = new IDrugProvenance.Link[](links.length - 1);
        for (uint256 k = 1; k < links.length; ++k) rest[k - 1] = links[k];
    }
}

/// @dev Invariants: only the current holder moves custody; a pack is dispensed at most once; a
/// recalled or expired pack never verifies GENUINE; the chain's custodian is the true one.
contract DrugProvenanceInvariantTest is TestBase {
    ProvenanceHandler internal handler;

    function setUp() public {
        handler = new ProvenanceHandler();
        targetContract(address(handler));
    }

    /// Every custody step the contract accepted came from the item's true custodian (or, for a
    /// receive, the named receiver): no former holder acted through a stale place.
    function invariant_onlyTheCurrentHolderMovesCustody() public view {
        assertEq(handler.violations(), 0, "a member that did not hold the item moved it");
    }

    /// With the links the SDK presents, the chain names the true custodian of every item in the
    /// supply chain (not in transit, not gone).
    function invariant_custodyIsTheTrueHolder() public view {
        (address p, , , , ) = handler.world();
        IDrugProvenance provenance = IDrugProvenance(p);
        bytes32[] memory ids = handler.items();
        for (uint256 k = 0; k < ids.length; ++k) {
            bytes32 truth = handler.trueCustodian(ids[k]);
            if (truth == bytes32(0)) continue;
            (bytes32 custodian, IProvenanceTypes.ItemState state) = provenance.custodyOf(
                ids[k],
                handler.honestLinks(ids[k])
            );
            assertTrue(
                state == IProvenanceTypes.ItemState.Held || state == IProvenanceTypes.ItemState.Opened,
                "an item in the supply chain is not held on chain"
            );
            assertEq(custodian, truth, "the chain's custodian is not the true holder");
        }
    }

    /// No pack ever lies in a lot other than its own (the rival's lots over its tags or ids included):
    /// a pack's stored place is nothing, a container, or the lot it was commissioned in.
    function invariant_packsLieOnlyInTheirOwnLot() public view {
        (address p, , , , ) = handler.world();
        IDrugProvenance provenance = IDrugProvenance(p);
        bytes32[] memory ids = handler.items();
        for (uint256 k = 0; k < ids.length; ++k) {
            bytes32 own = handler.ownLotOf(ids[k]);
            if (own == bytes32(0)) continue;
            bytes32 parent = provenance.itemOf(ids[k]).parent;
            assertTrue(
                parent == bytes32(0) ||
                    parent == own ||
                    provenance.itemOf(parent).kind == IDrugProvenance.ItemKind.Container,
                "a pack lies in a lot it was not commissioned in"
            );
        }
    }

    function invariant_packDispensedAtMostOnce() public view {
        for (uint256 i = 0; i < 4; ++i) assertLe(handler.dispenses(i), 1, "a pack was dispensed more than once");
    }

    function invariant_recalledOrExpiredNeverGenuine() public view {
        (address p, bytes32 lotId, , , uint64 expiresAt) = handler.world();
        IDrugProvenance provenance = IDrugProvenance(p);
        bool recalled = provenance.products().lotOf(lotId).recalled;
        for (uint256 i = 0; i < 4; ++i) {
            (IDrugProvenance.Verdict verdict, , ) = provenance.verify(handler.claimOf(i), handler.linksOf(i));
            if (recalled || block.timestamp >= expiresAt) {
                assertTrue(verdict != IDrugProvenance.Verdict.Genuine, "recalled or expired pack verified GENUINE");
            }
        }
    }

    /// The handler's honest path moves custody (so the invariants above are not vacuous): the pallet
    /// goes to the pharmacy, which opens it and case A and dispenses pack 0; a stale attempt by the
    /// manufacturer through the lot is refused on the way.
    function test_handlerMovesCustodyAndRefusesStaleSteps() public {
        handler.ship(7, 0, 2, 0); // pallet: manufacturer -> pharmacy
        handler.receiveItem(7, 2);
        handler.ship(0, 0, 1, 1); // pack 0 through the lot by the manufacturer: refused
        handler.unpack(7, 2);
        handler.unpack(5, 2);
        handler.dispense(0, 2, 3);
        assertEq(handler.accepted(), 5, "the honest steps were not all accepted");
        assertEq(handler.dispenses(0), 1, "pack 0 was not dispensed");
        invariant_onlyTheCurrentHolderMovesCustody();
        invariant_custodyIsTheTrueHolder();
    }

    /// The rival's squatting path runs (its links place items of its own lots) and is refused every
    /// step on the genuine packs: through a copied tag, through a copied id, whatever it tries.
    function test_handlerRefusesTheRivalsSquat() public {
        handler.squat(0, false, 0, 0); // pack 0's tag, then destroy
        handler.squat(1, true, 1, 0); // pack 1's id, then report stolen
        handler.squat(4, false, 2, 1); // the loose pack's tag, then ship to the distributor
        assertEq(handler.rivalLotCount(), 3, "the rival's lots were not commissioned");
        (address p, , , , ) = handler.world();
        IDrugProvenance provenance = IDrugProvenance(p);
        assertEq(provenance.itemOf(handler.lastSquat()).parent, handler.rivalLots(2), "the squat link did not run");
        assertEq(handler.accepted(), 0, "a squatting step on a genuine pack was accepted");
        invariant_onlyTheCurrentHolderMovesCustody();
        invariant_packsLieOnlyInTheirOwnLot();
        invariant_custodyIsTheTrueHolder();
    }
}

/// @dev Fuzz tests of check digits, hidden codes, clone alerts and lot-level custody.
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
        provenance.ship(pallet, members[2], new IDrugProvenance.Link[](0));
        vm.prank(accounts[2]);
        provenance.receiveItem(pallet);
        vm.prank(accounts[2]);
        assertTrue(provenance.dispense(claim, links), "first dispense refused");
        vm.warp(block.timestamp + (later % 300 days));
        vm.prank(accounts[2]);
        assertTrue(!provenance.dispense(claim, links), "second dispense not flagged");
        (IDrugProvenance.Verdict verdict, , ) = provenance.verify(claim, links);
        assertTrue(verdict == IDrugProvenance.Verdict.Dispensed, "dispensed pack not DISPENSED");
    }

    /// Once its lot was drawn into cases, no pack's custody can be claimed through the lot, by anyone.
    function testFuzz_noLotLevelCustodyOnceDrawn(uint8 pack, uint8 by) public {
        uint256 i = pack % 4;
        IDrugProvenance.Link[] memory links = new IDrugProvenance.Link[](1);
        links[0] = _lotLink(i);
        vm.prank(accounts[by % 3]);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceTypes.ProvenanceLotDrawn.selector, packIds[i], lotId));
        provenance.destroy(packIds[i], links);
    }

    /// A lot of another brand whose tree holds this brand's public tag (or id) never places, reaches
    /// or moves the genuine pack: the link places an item of the rival's own lot, under another id,
    /// and the genuine pack stays GENUINE in its true holder's custody.
    function testFuzz_aRivalLotNeverPlacesAnotherBrandsPack(uint8 pack, bool copyId, bytes4 lotSeed) public {
        uint256 i = pack % 4;
        bytes32 leaf = copyId ? packIds[i] : tags[i];
        string memory lot = string(abi.encodePacked("R", lotSeed));
        bytes32 root = provenance.leafOf(leaf);
        vm.prank(accounts[RIVAL]);
        bytes32 rivalLot = products.commissionLot(rivalGtin, lot, expiresAt, 1, root);
        IDrugProvenance.Link[] memory links = new IDrugProvenance.Link[](1);
        links[0] = _link(leaf, rivalLot, new bytes32[](0));
        provenance.link(links);
        bytes32 squatted = provenance.packIdOf(rivalLot, leaf);
        assertTrue(squatted != packIds[i], "the rival's lot placed the genuine pack's id");
        assertEq(provenance.itemOf(squatted).parent, rivalLot, "the rival's own item is not in its lot");
        assertTrue(
            provenance.itemOf(packIds[i]).kind == IDrugProvenance.ItemKind.None,
            "the genuine pack was placed by the rival's link"
        );
        vm.prank(accounts[RIVAL]);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceTypes.ProvenanceUnknownItem.selector, packIds[i]));
        provenance.destroy(packIds[i], links);
        (IDrugProvenance.Verdict verdict, bytes32 custodian, ) = provenance.verify(_claim(i), _caseLinks(i));
        assertTrue(verdict == IDrugProvenance.Verdict.Genuine, "the genuine pack no longer verifies GENUINE");
        assertEq(custodian, members[MFR], "the genuine pack's custodian changed");
    }

    /// On the road only the receiver waiting for a shipment or a regulator reports it stolen; its
    /// shipper and everyone else are refused, naming the receiver.
    function testFuzz_onlyTheReceiverOrARegulatorReportsAShipmentStolen(uint8 to, uint8 by) public {
        uint256 dest = 1 + (to % 3); // the distributor, the pharmacy or the rival
        uint256 m = by % MEMBERS;
        vm.prank(accounts[MFR]);
        provenance.ship(pallet, members[dest], new IDrugProvenance.Link[](0));
        if (m == dest || m == REGULATOR) {
            vm.prank(accounts[m]);
            provenance.reportStolen(pallet, new IDrugProvenance.Link[](0));
            assertTrue(provenance.itemOf(pallet).state == IProvenanceTypes.ItemState.Stolen, "not reported stolen");
        } else {
            vm.prank(accounts[m]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProvenanceTypes.ProvenanceNotReceiver.selector,
                    pallet,
                    members[dest],
                    members[m]
                )
            );
            provenance.reportStolen(pallet, new IDrugProvenance.Link[](0));
        }
    }

    function testFuzz_receiveWithoutShipmentRefused(uint8 by) public {
        uint256 i = by % 3;
        vm.prank(accounts[i]);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceTypes.ProvenanceNoMatchingShipment.selector, pallet, members[i])
        );
        provenance.receiveItem(pallet);
    }

    function testFuzz_gtinCheckDigit(uint64 item) public {
        // a GTIN under the manufacturer's prefix 9506000: indicator 0, prefix, 5-digit item reference
        uint64 body = 9506000 * 1e5 + (item % 1e5);
        uint64 check = uint64(_referenceCheckDigit(body));
        uint64 good = body * 10 + check;
        uint64 bad = body * 10 + ((check + 1) % 10);
        vm.startPrank(accounts[0]);
        if (good != GTIN) products.registerProduct(good, PREFIX_LENGTH);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceTypes.ProvenanceInvalidGtin.selector, bad));
        products.registerProduct(bad, PREFIX_LENGTH);
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
