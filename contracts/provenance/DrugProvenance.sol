// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {IMulticall} from "../interfaces/IMulticall.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {Gs1} from "../libraries/Gs1.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {ProductRegistry} from "./ProductRegistry.sol";
import {SupplyGraph} from "./SupplyGraph.sol";
import {SupplyLinks} from "./SupplyLinks.sol";
import {ItemInfo, SupplySlots} from "./SupplySlots.sol";

/**
 * @title DrugProvenance
 * @notice Every pack's journey on chain, in gas independent of how many packs move together.
 *
 * The custody core: member checks, state changes and events. Who may act where is `SupplyGraph`'s;
 * packed words are `SupplySlots`'; the links a call presents are checked, recorded and walked in
 * the linked library `SupplyLinks`. What exists and who owns it (GS1 company prefixes, products,
 * lots) is the `ProductRegistry`'s, which this contract creates and asks.
 *
 * A container (case, pallet) is one Merkle root over its children's ids. Nothing is written per
 * pack when a lot is commissioned, packed into cases from the lot, shipped or received. A pack that
 * is dispensed, destroyed or stolen and is presented for dispensing again raises a clone alert event
 * instead of reverting, so the alert stays on chain.
 */
contract DrugProvenance is IDrugProvenance, ConsortiumGuarded, Multicall {
    using SupplyGraph for SupplyGraph.Graph;

    /// @dev Members that may hold goods: manufacturers, distributors, pharmacies and hospitals.
    uint8 internal constant SUPPLY_CHAIN =
        MemberKinds.MANUFACTURER | MemberKinds.DISTRIBUTOR | MemberKinds.PHARMACY | MemberKinds.HOSPITAL;
    /// @dev Members that may dispense to patients.
    uint8 internal constant DISPENSERS = MemberKinds.PHARMACY | MemberKinds.HOSPITAL;

    /// @inheritdoc IDrugProvenance
    IProductRegistry public immutable products;

    SupplyGraph.Graph private _graph;

    /// @param registry the consortium registry this module (and its product registry) trusts
    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_PROVENANCE) {
        products = new ProductRegistry(registry);
        _graph.products = products;
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
        uint256 placed = SupplyLinks.record(_graph, links, containerId, member);
        if (placed != count) revert ProvenanceChildCountMismatch(containerId, count, placed);
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
        products.drawFromLot(lotId, member);
        containerId = _newContainer(sscc, prefixLength, root, count, lotId, member);
    }

    /// @inheritdoc IDrugProvenance
    function link(Link[] calldata links) external {
        _requireNotPaused();
        SupplyLinks.record(_graph, links, bytes32(0), bytes32(0));
    }

    /// @inheritdoc IDrugProvenance
    function unpack(bytes32 containerId, Link[] calldata links) external {
        (bytes32 member, SupplyGraph.ItemRecord storage item, ) = _custodyStep(containerId, links);
        ItemInfo info = item.info;
        if (info.kind() != ItemKind.Container) revert ProvenanceUnknownContainer(containerId);
        item.holder = member;
        item.info = info.withState(ItemState.Opened);
        emit ContainerUnpacked(containerId, member, BizStep.Unpacking, Disposition.Active);
    }

    // ---------------------------------------------------------------- custody

    /// @inheritdoc IDrugProvenance
    function ship(bytes32 itemId, bytes32 to, Link[] calldata links) external {
        (bytes32 member, SupplyGraph.ItemRecord storage item, bytes32 at) = _custodyStep(itemId, links);
        if (to == member || !consortium.isActiveMemberId(to, SUPPLY_CHAIN)) revert ProvenanceInvalidRecipient(to);
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
        (bytes32 member, SupplyGraph.ItemRecord storage item, ) = _custodyStep(itemId, links);
        item.info = item.info.withState(ItemState.Destroyed);
        emit ItemDestroyed(itemId, member, BizStep.Destroying, Disposition.Destroyed);
    }

    /// @inheritdoc IDrugProvenance
    function reportStolen(bytes32 itemId, Link[] calldata links) external {
        SupplyGraph.ItemRecord storage item = _graph.items[itemId];
        bytes32 member;
        if (item.info.state() == ItemState.InTransit) {
            // Lost on the road: the receiver that waits for it, or a regulator, reports it. Not the
            // shipper: it let go of the goods, and its report could land just before their receipt.
            member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN | MemberKinds.REGULATOR);
            bytes32 receiver = item.pendingTo;
            if (member != receiver && !consortium.isActiveMemberId(member, MemberKinds.REGULATOR)) {
                revert ProvenanceNotReceiver(itemId, receiver, member);
            }
        } else {
            (member, item, ) = _custodyStep(itemId, links);
        }
        item.info = item.info.withState(ItemState.Stolen);
        emit ItemReportedStolen(itemId, member, BizStep.Holding, Disposition.Stolen);
    }

    // ---------------------------------------------------------------- dispense

    /// @inheritdoc IDrugProvenance
    function dispense(PackClaim calldata claim, Link[] calldata links) external returns (bool) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, DISPENSERS);
        return SupplyLinks.dispense(_graph, products, member, claim, links);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDrugProvenance
    function verify(PackClaim calldata claim, Link[] calldata links) external view returns (Verdict, bytes32, bool) {
        return SupplyLinks.verify(_graph, products, claim, links);
    }

    /// @inheritdoc IDrugProvenance
    function custodyOf(
        bytes32 itemId,
        Link[] calldata links
    ) external view returns (bytes32 custodian, ItemState state) {
        return SupplyLinks.custodyOf(_graph, itemId, links);
    }

    /// @inheritdoc IDrugProvenance
    function itemOf(bytes32 id) external view returns (Item memory) {
        SupplyGraph.ItemRecord storage item = _graph.items[id];
        SupplyGraph.ContainerRecord storage c = _graph.containers[id];
        ItemInfo info = item.info;
        return Item(item.parent, item.holder, item.pendingTo, info.kind(), info.state(), info.count(), c.root, c.lot);
    }

    /// @inheritdoc IDrugProvenance
    function packTagOf(uint64 gtin, string calldata serial, string calldata code) public pure returns (bytes32) {
        return SupplyGraph.packTagOf(gtin, serial, code);
    }

    /// @inheritdoc IDrugProvenance
    function packIdOf(bytes32 lotId, bytes32 tag) external pure returns (bytes32) {
        return SupplyGraph.packIdOf(lotId, tag);
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
        products.requireSsccHolder(sscc, prefixLength, member);
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

    /**
     * @dev The common start of a custody step on a loose item: the caller's member (a supply-chain
     * member, module not paused), `links` recorded, and the item lying loose in its custody, held.
     */
    function _custodyStep(
        bytes32 itemId,
        Link[] calldata links
    ) private returns (bytes32 member, SupplyGraph.ItemRecord storage item, bytes32 at) {
        member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        if (links.length != 0) SupplyLinks.record(_graph, links, bytes32(0), bytes32(0));
        (item, at) = _graph.requireLooseHeld(itemId, member);
    }

    // ---------------------------------------------------------------- batches

    /// @inheritdoc IMulticall
    function multicall(bytes[] calldata data) public override(IMulticall, Multicall) returns (bytes[] memory results) {
        return super.multicall(data);
    }
}
