// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {Gs1} from "../libraries/Gs1.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {Gs1Identifiers} from "./Gs1Identifiers.sol";
import {SupplyGraph} from "./SupplyGraph.sol";
import {ItemInfo, LotInfo, SupplySlots} from "./SupplySlots.sol";

/**
 * @title DrugProvenance
 * @notice Every pack's journey on chain, in gas independent of how many packs move together.
 *
 * The core: member checks, state changes and events. Who may act where is `SupplyGraph`'s; which
 * member owns which GS1 identifier is `Gs1Identifiers`' (prefix rules in `CompanyPrefixes`); packed
 * words are `SupplySlots`'.
 *
 * A lot is one Merkle root over its packs' ids; a container (case, pallet) one Merkle root over its
 * children's ids. Nothing is written per pack when a lot is commissioned, packed into cases from the
 * lot, shipped or received. A pack that is dispensed, destroyed or stolen and is presented for
 * dispensing again raises a clone alert event instead of reverting, so the alert stays on chain.
 */
contract DrugProvenance is Gs1Identifiers {
    using SupplyGraph for SupplyGraph.Graph;
    using SupplyGraph for SupplyGraph.Overlay;

    /// @dev Members that may dispense to patients.
    uint8 internal constant DISPENSERS = MemberKinds.PHARMACY | MemberKinds.HOSPITAL;
    /// @dev GS1 AI 10: at most 20 characters.
    uint256 internal constant MAX_LOT_LENGTH = 20;

    SupplyGraph.Graph private _graph;

    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_PROVENANCE) {}

    // ---------------------------------------------------------------- lots

    /// @inheritdoc IDrugProvenance
    function commissionLot(
        uint64 gtin,
        string calldata lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root
    ) external returns (bytes32 lotId) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER);
        _requireProductOwner(gtin, member);
        uint256 length = bytes(lot).length;
        if (length == 0 || length > MAX_LOT_LENGTH) revert ProvenanceInvalidLotNumber(lot);
        if (quantity == 0 || root == bytes32(0)) revert ProvenanceEmptyLot(quantity, root);
        if (expiresAt <= block.timestamp) revert ProvenanceInvalidExpiry(expiresAt, uint64(block.timestamp));
        lotId = _lotId(gtin, lot);
        SupplyGraph.LotRecord storage record = _graph.lots[lotId];
        if (record.root != bytes32(0)) revert ProvenanceLotExists(lotId);
        record.root = root;
        record.manufacturer = member;
        record.info = SupplySlots.newLot(gtin, expiresAt, quantity);
        emit LotCommissioned(
            lotId,
            gtin,
            member,
            lot,
            expiresAt,
            quantity,
            root,
            BizStep.Commissioning,
            Disposition.Active
        );
    }

    /// @inheritdoc IDrugProvenance
    function recall(bytes32 lotId) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER | MemberKinds.REGULATOR);
        SupplyGraph.LotRecord storage record = _graph.lots[lotId];
        if (record.root == bytes32(0)) revert ProvenanceUnknownLot(lotId);
        LotInfo info = record.info;
        if (member != manufacturerOf(info.gtin()) && !consortium.isActiveMemberId(member, MemberKinds.REGULATOR)) {
            revert ProvenanceRecallNotAllowed(lotId, member);
        }
        if (info.recalled()) revert ProvenanceLotAlreadyRecalled(lotId);
        record.info = info.withRecalled();
        emit LotRecalled(lotId, member, msg.sender, BizStep.Holding, Disposition.Recalled);
    }

    // ---------------------------------------------------------------- containers

    /// @inheritdoc IDrugProvenance
    function pack(
        uint64 sscc,
        uint8 prefixLength,
        bytes32 root,
        uint32 count,
        Link[] calldata links
    ) external returns (bytes32 containerId) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        containerId = _newContainer(sscc, prefixLength, root, count, bytes32(0), member);
        SupplyGraph.Overlay memory ov = SupplyGraph.newOverlay(links.length);
        uint256 placed = _graph.checkLinks(ov, links, containerId, member);
        if (placed != count) revert ProvenanceChildCountMismatch(containerId, count, placed);
        _graph.store(ov);
    }

    /// @inheritdoc IDrugProvenance
    function packFromLot(
        uint64 sscc,
        uint8 prefixLength,
        bytes32 lotId,
        bytes32 root,
        uint32 count
    ) external returns (bytes32 containerId) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        SupplyGraph.LotRecord storage lot = _graph.lots[lotId];
        if (lot.root == bytes32(0)) revert ProvenanceUnknownLot(lotId);
        if (lot.manufacturer != member) revert ProvenanceNotLotManufacturer(lotId, lot.manufacturer, member);
        LotInfo info = lot.info;
        if (!info.drawn()) lot.info = info.withDrawn();
        containerId = _newContainer(sscc, prefixLength, root, count, lotId, member);
    }

    /// @inheritdoc IDrugProvenance
    function link(Link[] calldata links) external {
        _requireNotPaused();
        _storeLinks(links);
    }

    /// @inheritdoc IDrugProvenance
    function unpack(bytes32 containerId, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        _storeLinks(links);
        (SupplyGraph.ItemRecord storage item, ) = _graph.requireLooseHeld(containerId, member);
        ItemInfo info = item.info;
        if (info.kind() != ItemKind.Container) revert ProvenanceUnknownContainer(containerId);
        item.holder = member;
        item.info = info.withState(ItemState.Opened);
        emit ContainerUnpacked(containerId, member, BizStep.Unpacking, Disposition.Active);
    }

    // ---------------------------------------------------------------- custody

    /// @inheritdoc IDrugProvenance
    function ship(bytes32 itemId, bytes32 to, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        if (to == member || !consortium.isActiveMemberId(to, SUPPLY_CHAIN)) revert ProvenanceInvalidRecipient(to);
        if (links.length != 0) _storeLinks(links);
        (SupplyGraph.ItemRecord storage item, bytes32 at) = _graph.requireLooseHeld(itemId, member);
        if (at != bytes32(0)) {
            // Leaves the opened container (or lot) it lay in: from now on it is held on its own.
            item.parent = bytes32(0);
            item.holder = member;
        }
        item.pendingTo = to;
        item.info = item.info.withState(ItemState.InTransit);
        emit ItemShipped(itemId, member, to, BizStep.Shipping, Disposition.InTransit);
    }

    /// @inheritdoc IDrugProvenance
    function receiveItem(bytes32 itemId) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        SupplyGraph.ItemRecord storage item = _graph.items[itemId];
        ItemInfo info = item.info;
        if (info.state() != ItemState.InTransit || item.pendingTo != member) {
            revert ProvenanceNoMatchingShipment(itemId, member);
        }
        bytes32 from = item.holder;
        item.holder = member;
        item.info = info.withState(ItemState.Held);
        emit ItemReceived(itemId, from, member, BizStep.Receiving, Disposition.Active);
    }

    /// @inheritdoc IDrugProvenance
    function destroy(bytes32 itemId, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        _storeLinks(links);
        (SupplyGraph.ItemRecord storage item, ) = _graph.requireLooseHeld(itemId, member);
        item.info = item.info.withState(ItemState.Destroyed);
        emit ItemDestroyed(itemId, member, BizStep.Destroying, Disposition.Destroyed);
    }

    /// @inheritdoc IDrugProvenance
    function reportStolen(bytes32 itemId, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        _storeLinks(links);
        SupplyGraph.ItemRecord storage item = _graph.items[itemId];
        if (item.info.state() == ItemState.InTransit) {
            // Lost on the road: the shipper (still the holder) reports it.
            if (item.holder != member) revert ProvenanceNotCustodian(itemId, item.holder, member);
        } else {
            (item, ) = _graph.requireLooseHeld(itemId, member);
        }
        item.info = item.info.withState(ItemState.Stolen);
        emit ItemReportedStolen(itemId, member, BizStep.Holding, Disposition.Stolen);
    }

    // ---------------------------------------------------------------- dispense

    /// @inheritdoc IDrugProvenance
    function dispense(PackClaim calldata claim, Link[] calldata links) external returns (bool dispensed) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, DISPENSERS);
        (bytes32 packId, bytes32 lotId) = _claimIds(claim);
        SupplyGraph.LotRecord storage lot = _graph.lots[lotId];
        if (lot.root == bytes32(0)) revert ProvenanceUnknownLot(lotId);
        if (!MerkleProof.verifyCalldata(claim.lotProof, lot.root, MerkleLeaf.ofBytes32(packId))) {
            revert ProvenanceInvalidProof(packId, lotId);
        }
        SupplyGraph.ItemRecord storage item = _graph.items[packId];
        ItemState own = item.info.state();
        if (_terminal(own)) {
            _cloneAlert(packId, lotId, member, own);
            return false;
        }
        (bytes32 custodian, ItemState state) = _graph.custody(_overlay(packId, lotId, links), packId);
        if (_terminal(state)) {
            _cloneAlert(packId, lotId, member, state);
            return false;
        }
        LotInfo info = lot.info;
        if (info.recalled()) revert ProvenanceLotRecalled(lotId);
        if (block.timestamp >= info.expiresAt()) revert ProvenanceLotExpired(lotId, info.expiresAt());
        if (state != ItemState.Held) revert ProvenanceInvalidState(packId, state);
        if (custodian != member) revert ProvenanceNotCustodian(packId, custodian, member);

        item.info = SupplySlots.newItem(ItemKind.Pack, ItemState.Dispensed, 0);
        emit PackDispensed(packId, lotId, member, msg.sender, BizStep.Dispensing, Disposition.Dispensed);
        return true;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDrugProvenance
    function verify(
        PackClaim calldata claim,
        Link[] calldata links
    ) external view returns (Verdict verdict, bytes32 custodian, bool inTransit) {
        (bytes32 packId, bytes32 lotId) = _claimIds(claim);
        SupplyGraph.LotRecord storage lot = _graph.lots[lotId];
        if (
            lot.root == bytes32(0) ||
            !MerkleProof.verifyCalldata(claim.lotProof, lot.root, MerkleLeaf.ofBytes32(packId))
        ) {
            return (Verdict.Unknown, bytes32(0), false);
        }
        ItemState state = _graph.items[packId].info.state();
        if (!_terminal(state)) {
            // A pack that left the supply chain for good has no custodian; its links are not needed.
            (custodian, state) = _graph.custody(_overlay(packId, lotId, links), packId);
        }
        LotInfo info = lot.info;
        inTransit = state == ItemState.InTransit;
        if (state == ItemState.Dispensed) verdict = Verdict.Dispensed;
        else if (state == ItemState.Destroyed) verdict = Verdict.Destroyed;
        else if (state == ItemState.Stolen) verdict = Verdict.Stolen;
        else if (info.recalled()) verdict = Verdict.Recalled;
        else if (block.timestamp >= info.expiresAt()) verdict = Verdict.Expired;
        else verdict = Verdict.Genuine;
    }

    /// @inheritdoc IDrugProvenance
    function custodyOf(
        bytes32 itemId,
        Link[] calldata links
    ) external view returns (bytes32 custodian, ItemState state) {
        SupplyGraph.Overlay memory ov = SupplyGraph.newOverlay(links.length);
        _graph.checkLinks(ov, links, bytes32(0), bytes32(0));
        return _graph.custody(ov, itemId);
    }

    /// @inheritdoc IDrugProvenance
    function itemOf(bytes32 id) external view returns (Item memory) {
        SupplyGraph.ItemRecord storage item = _graph.items[id];
        ItemInfo info = item.info;
        return Item(item.parent, item.holder, item.pendingTo, info.kind(), info.state(), info.count());
    }

    /// @inheritdoc IDrugProvenance
    function containerOf(bytes32 id) external view returns (Container memory) {
        SupplyGraph.ContainerRecord storage c = _graph.containers[id];
        return Container(c.root, c.lot);
    }

    /// @inheritdoc IDrugProvenance
    function lotOf(bytes32 lotId) external view returns (Lot memory) {
        SupplyGraph.LotRecord storage lot = _graph.lots[lotId];
        LotInfo info = lot.info;
        return
            Lot(
                lot.root,
                lot.manufacturer,
                info.gtin(),
                info.expiresAt(),
                info.quantity(),
                info.recalled(),
                info.drawn()
            );
    }

    /// @inheritdoc IDrugProvenance
    function packIdOf(uint64 gtin, string calldata serial, string calldata code) external pure returns (bytes32) {
        return _packId(gtin, serial, code);
    }

    /// @inheritdoc IDrugProvenance
    function lotIdOf(uint64 gtin, string calldata lot) external pure returns (bytes32) {
        return _lotId(gtin, lot);
    }

    /// @inheritdoc IDrugProvenance
    function containerIdOf(uint64 sscc) public pure returns (bytes32) {
        return bytes32(uint256(sscc));
    }

    /// @inheritdoc IDrugProvenance
    function leafOf(bytes32 id) external pure returns (bytes32) {
        return MerkleLeaf.ofBytes32(id);
    }

    // ---------------------------------------------------------------- internals

    /// @dev A new sealed container held by its packer, whose SSCC prefix the packer must hold.
    function _newContainer(
        uint64 sscc,
        uint8 prefixLength,
        bytes32 root,
        uint32 count,
        bytes32 fromLot,
        bytes32 member
    ) private returns (bytes32 containerId) {
        if (!Gs1.isValidSscc(sscc)) revert ProvenanceInvalidSscc(sscc);
        _requireSsccPrefix(sscc, prefixLength, member);
        if (root == bytes32(0) || count == 0) revert ProvenanceEmptyContainer(sscc);
        containerId = containerIdOf(sscc);
        SupplyGraph.ItemRecord storage item = _graph.items[containerId];
        if (item.info.kind() != ItemKind.None) revert ProvenanceContainerExists(sscc);
        item.holder = member;
        // Non-zero from the start so that every shipment rewrites a non-zero slot (cheaper).
        item.pendingTo = member;
        item.info = SupplySlots.newItem(ItemKind.Container, ItemState.Held, count);
        _graph.containers[containerId] = SupplyGraph.ContainerRecord({root: root, lot: fromLot});
        emit ContainerPacked(containerId, member, sscc, root, count, fromLot, BizStep.Packing, Disposition.Active);
    }

    function _storeLinks(Link[] calldata links) private {
        SupplyGraph.Overlay memory ov = SupplyGraph.newOverlay(links.length);
        _graph.checkLinks(ov, links, bytes32(0), bytes32(0));
        _graph.store(ov);
    }

    /// @dev The links of a dispense or verify: a pack never seen on chain is first placed (in memory) in its lot.
    function _overlay(
        bytes32 packId,
        bytes32 lotId,
        Link[] calldata links
    ) private view returns (SupplyGraph.Overlay memory ov) {
        ov = SupplyGraph.newOverlay(links.length + 1);
        if (_graph.items[packId].info.kind() == ItemKind.None) ov.place(packId, lotId);
        _graph.checkLinks(ov, links, bytes32(0), bytes32(0));
    }

    function _terminal(ItemState state) private pure returns (bool) {
        return state == ItemState.Dispensed || state == ItemState.Destroyed || state == ItemState.Stolen;
    }

    function _cloneAlert(bytes32 packId, bytes32 lotId, bytes32 member, ItemState state) private {
        Disposition prior =
            state == ItemState.Dispensed
                ? Disposition.Dispensed
                : (state == ItemState.Destroyed ? Disposition.Destroyed : Disposition.Stolen);
        emit PackCloneDetected(packId, lotId, member, msg.sender, uint64(block.timestamp), prior);
    }

    function _packId(uint64 gtin, string calldata serial, string calldata code) private pure returns (bytes32) {
        return keccak256(abi.encode(gtin, keccak256(bytes(serial)), keccak256(bytes(code))));
    }

    function _lotId(uint64 gtin, string calldata lot) private pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    function _claimIds(PackClaim calldata claim) private pure returns (bytes32 packId, bytes32 lotId) {
        packId = _packId(claim.gtin, claim.serial, claim.code);
        lotId = _lotId(claim.gtin, claim.lot);
    }
}
