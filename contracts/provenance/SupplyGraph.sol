// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IProvenanceTypes} from "../interfaces/IProvenanceTypes.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {ItemInfo, SupplySlots} from "./SupplySlots.sol";

/**
 * @title SupplyGraph
 * @notice Where every pack and container is, and who may act on it: the one owner of the custody rules.
 *
 * Places. An item (pack or container) is held on its own (by `holder`), or lies in an opened
 * container (held by whoever opened it), or is inside a sealed container (custody is then the outer
 * container's), or - a pack only - lies in its lot with the lot's manufacturer.
 *
 * A pack lies only in its own lot. A lot's tree holds its packs' tags, and the id of the pack a lot
 * link places is derived from that lot (`packIdOf(lotId, tag)`): a lot whose tree holds another
 * lot's tags (a rival brand copying a published lot tree) places items of its own with other ids,
 * never the other lot's packs. Every later place (a case packed from the lot, a container packed by
 * list) is reached from there, so no member can place, claim or act on a pack it never held.
 *
 * Every place is current. An item changes place only by a recorded step, with one exception made
 * safe by construction:
 * - shipping clears its place (it is then held on its own); unpacking opens a container in place;
 * - packing a container "by list" (`pack`) places every child in the same call, each from its
 *   current place in the packer's custody;
 * - packing a case "from a lot" (`packFromLot`) commits to packs of one lot by a Merkle root only,
 *   the packs' links being proven later, when needed. From the first such case the lot no longer
 *   vouches for any pack's place (it is "drawn"): lot-level custody ends for all its packs, and a
 *   pack still at its lot can only move into a case packed from that lot. A pack can be claimed by
 *   one such case only (the first proven link stands); a second claim is its manufacturer's double
 *   packing, refused and named.
 * So a former holder can never act through an outdated place: neither the manufacturer through the
 * lot once its packs left in cases, nor whoever opened a case after its packs moved on.
 */
library SupplyGraph {
    /// @notice A pack or a container.
    struct ItemRecord {
        bytes32 parent; // the container (or, for a pack, the lot) it lies in; zero when held on its own
        bytes32 holder; // the member holding it on its own (opened container: holding what lies in it)
        bytes32 pendingTo; // the member named by its last shipment (meaningful while in transit)
        ItemInfo info; // kind, state and (containers) declared child count
    }

    /// @notice What only containers have.
    struct ContainerRecord {
        bytes32 root; // Merkle root over its children's ids
        bytes32 lot; // packed from this lot by reference (`packFromLot`); zero when packed by list
    }

    /// @notice The whole supply graph. Lots are the product registry's (`IProductRegistry.lotOf`).
    struct Graph {
        IProductRegistry products; // where lots are looked up (set once, at construction)
        mapping(bytes32 id => ItemRecord item) items;
        mapping(bytes32 id => ContainerRecord container) containers;
    }

    /// @notice Links presented with a call, checked in memory (in order) before anything is written.
    struct Overlay {
        bytes32[] child; // children placed by the presented links, in order
        bytes32[] parent; // where each was placed
        uint256 n; // number of entries in use
    }

    /// @dev Container ids are SSCCs (below 10^18); lot and pack ids are hashes (above 2^64 but for a
    /// negligible chance), so only an id at or above 2^64 needs the product registry's lookup.
    uint256 private constant CONTAINER_ID_LIMIT = 1 << 64;

    /// @notice The lot `id` (zero root: `id` is no lot). Containers are told apart without a call.
    function lotOf(Graph storage g, bytes32 id) internal view returns (IProvenanceTypes.Lot memory lot) {
        if (uint256(id) >= CONTAINER_ID_LIMIT) lot = g.products.lotOf(id);
    }

    /// @notice The id of the pack with tag `tag` (its leaf in the lot's tree) in lot `lotId`: a pack's
    /// identity includes its lot, so only its own lot can place it.
    function packIdOf(bytes32 lotId, bytes32 tag) internal pure returns (bytes32) {
        return keccak256(abi.encode(lotId, tag));
    }

    /// @notice A pack's tag, its leaf in its lot's tree: GTIN, serial and the hidden code, hashed.
    function packTagOf(uint64 gtin, string calldata serial, string calldata code) internal pure returns (bytes32) {
        return keccak256(abi.encode(gtin, keccak256(bytes(serial)), keccak256(bytes(code))));
    }

    /// @notice Whether a pack in `state` has left the supply chain for good (dispensed, destroyed, stolen).
    function isTerminal(IProvenanceTypes.ItemState state) internal pure returns (bool) {
        return
            state == IProvenanceTypes.ItemState.Dispensed ||
            state == IProvenanceTypes.ItemState.Destroyed ||
            state == IProvenanceTypes.ItemState.Stolen;
    }

    // ---------------------------------------------------------------- overlays

    /// @notice An overlay with room for `size` links.
    function newOverlay(uint256 size) internal pure returns (Overlay memory ov) {
        ov.child = new bytes32[](size);
        ov.parent = new bytes32[](size);
    }

    /// @notice Where `id` lies after the overlay's links: its last placement there, else in storage.
    function placeOf(Graph storage g, Overlay memory ov, bytes32 id) internal view returns (bytes32) {
        for (uint256 i = ov.n; i > 0; --i) {
            if (ov.child[i - 1] == id) return ov.parent[i - 1];
        }
        return g.items[id].parent;
    }

    /// @notice Adds a placement to the overlay.
    function place(Overlay memory ov, bytes32 child, bytes32 parent) internal pure {
        ov.child[ov.n] = child;
        ov.parent[ov.n] = parent;
        ov.n += 1;
    }

    // ---------------------------------------------------------------- links

    /**
     * @notice Checks `links` in order (each against storage and the links before it) and adds the
     * new placements to `ov`. `packing` is the container being packed by list in this call (zero
     * outside `pack`): links into it must take children from their current place in `packer`'s
     * custody. Returns how many children were newly placed into `packing`.
     */
    function checkLinks(
        Graph storage g,
        Overlay memory ov,
        IDrugProvenance.Link[] calldata links,
        bytes32 packing,
        bytes32 packer
    ) internal view returns (uint256 intoPacking) {
        for (uint256 i = 0; i < links.length; ++i) {
            IDrugProvenance.Link calldata one = links[i];
            bytes32 placed = _checkLink(g, ov, one, packing, packer);
            if (placed != bytes32(0)) {
                place(ov, placed, one.parent);
                if (one.parent == packing) ++intoPacking;
            }
        }
    }

    /// @notice Writes the overlay's placements; a pack placed for the first time becomes known.
    function store(Graph storage g, Overlay memory ov) internal {
        for (uint256 i = 0; i < ov.n; ++i) {
            ItemRecord storage c = g.items[ov.child[i]];
            if (c.info.kind() == IDrugProvenance.ItemKind.None) {
                c.info = SupplySlots.newItem(IDrugProvenance.ItemKind.Pack, IProvenanceTypes.ItemState.Held, 0);
            }
            c.parent = ov.parent[i];
            emit IDrugProvenance.ItemLinked(ov.child[i], ov.parent[i]);
        }
    }

    /**
     * @dev The item one link places somewhere new (zero: it lies there already). Accepted:
     * - tag -> its lot: the tag shown to be in the lot's root places the pack `packIdOf(lot, tag)`,
     *   if that pack was never seen on chain;
     * - child -> the container being packed by list: the child from its current place in the packer's
     *   custody, held (not in transit, destroyed, ...);
     * - pack -> a case packed from lot L: the pack still lies in L, held, and is in the case's root.
     * Nothing else: a container packed by list received all its children when it was packed.
     */
    function _checkLink(
        Graph storage g,
        Overlay memory ov,
        IDrugProvenance.Link calldata one,
        bytes32 packing,
        bytes32 packer
    ) private view returns (bytes32) {
        bytes32 child = one.child;
        bytes32 parent = one.parent;
        if (child == parent) revert IProvenanceTypes.ProvenanceInvalidLink(child, parent);
        bytes32 lotRoot = lotOf(g, parent).root;
        if (lotRoot != bytes32(0)) {
            _requireProof(one.proof, lotRoot, child, parent);
            bytes32 pack = packIdOf(parent, child);
            bytes32 at = placeOf(g, ov, pack);
            if (at == parent) return bytes32(0);
            if (g.items[pack].info.kind() != IDrugProvenance.ItemKind.None || at != bytes32(0)) {
                revert IProvenanceTypes.ProvenanceAlreadyPlaced(pack, at);
            }
            return pack;
        }
        bytes32 current = placeOf(g, ov, child);
        if (current == parent) return bytes32(0);
        bytes32 root = g.containers[parent].root;
        if (root == bytes32(0)) revert IProvenanceTypes.ProvenanceUnknownContainer(parent);
        _requireProof(one.proof, root, child, parent);
        if (parent == packing) {
            (bytes32 keeper, IProvenanceTypes.ItemState state) = keeperOf(g, child, current);
            if (state != IProvenanceTypes.ItemState.Held) revert IProvenanceTypes.ProvenanceInvalidState(child, state);
            if (keeper != packer) revert IProvenanceTypes.ProvenanceNotCustodian(child, keeper, packer);
            return child;
        }
        bytes32 lot = g.containers[parent].lot;
        if (lot == bytes32(0)) revert IProvenanceTypes.ProvenanceSealedWhenPacked(child, parent);
        if (current != lot) {
            if (current != bytes32(0) && g.containers[current].lot == lot) {
                revert IProvenanceTypes.ProvenanceDoublePacked(child, current, parent);
            }
            revert IProvenanceTypes.ProvenanceNotInLot(child, parent, lot);
        }
        IProvenanceTypes.ItemState own = g.items[child].info.state();
        if (own != IProvenanceTypes.ItemState.None && own != IProvenanceTypes.ItemState.Held) {
            revert IProvenanceTypes.ProvenanceInvalidState(child, own);
        }
        return child;
    }

    function _requireProof(bytes32[] calldata proof, bytes32 root, bytes32 child, bytes32 parent) private pure {
        if (!MerkleProof.verifyCalldata(proof, root, MerkleLeaf.ofBytes32(child))) {
            revert IProvenanceTypes.ProvenanceInvalidProof(child, parent);
        }
    }

    // ---------------------------------------------------------------- custody

    /**
     * @notice Who may act on `id` lying loose at `place` (zero: held on its own), and its state:
     * its holder, the holder of the opened container it lies in, or its lot's manufacturer while the
     * lot is undrawn. Reverts if it is inside a sealed container, in a drawn lot, or unknown.
     */
    function keeperOf(
        Graph storage g,
        bytes32 id,
        bytes32 at
    ) internal view returns (bytes32 keeper, IProvenanceTypes.ItemState state) {
        ItemRecord storage item = g.items[id];
        ItemInfo info = item.info;
        bool known = info.kind() != IDrugProvenance.ItemKind.None;
        if (at == bytes32(0)) {
            if (!known) revert IProvenanceTypes.ProvenanceUnknownItem(id);
            return (item.holder, info.state());
        }
        // a pack placed by a link presented in this call is not stored yet: it is held where it lies
        state = known ? info.state() : IProvenanceTypes.ItemState.Held;
        IProvenanceTypes.Lot memory lot = lotOf(g, at);
        if (lot.root != bytes32(0)) {
            if (lot.drawn) revert IProvenanceTypes.ProvenanceLotDrawn(id, at);
            return (lot.manufacturer, state);
        }
        ItemRecord storage outer = g.items[at];
        if (outer.info.state() != IProvenanceTypes.ItemState.Opened) {
            revert IProvenanceTypes.ProvenanceInsideSealedContainer(id, at);
        }
        return (outer.holder, state);
    }

    /**
     * @notice Requires `id` (a stored pack or container) to lie loose in `member`'s custody and be
     * held (not in transit, opened, destroyed, ...). Returns its record and where it lies.
     */
    function requireLooseHeld(
        Graph storage g,
        bytes32 id,
        bytes32 member
    ) internal view returns (ItemRecord storage item, bytes32 at) {
        item = g.items[id];
        if (item.info.kind() == IDrugProvenance.ItemKind.None) revert IProvenanceTypes.ProvenanceUnknownItem(id);
        at = item.parent;
        (bytes32 keeper, IProvenanceTypes.ItemState state) = keeperOf(g, id, at);
        if (keeper != member) revert IProvenanceTypes.ProvenanceNotCustodian(id, keeper, member);
        if (state != IProvenanceTypes.ItemState.Held) revert IProvenanceTypes.ProvenanceInvalidState(id, state);
    }

    /**
     * @notice Walks up from `id` through sealed containers to the place where it lies loose; its
     * keeper there is the custodian (zero if unknown, e.g. a pack in a drawn lot whose case link was
     * not presented). `state` is the first state other than Held met on the way: the item's own, or a
     * sealed container's around it (in transit, destroyed, stolen).
     */
    function custody(
        Graph storage g,
        Overlay memory ov,
        bytes32 id
    ) internal view returns (bytes32 custodian, IProvenanceTypes.ItemState state) {
        state = IProvenanceTypes.ItemState.Held;
        bytes32 cur = id;
        while (true) {
            ItemRecord storage item = g.items[cur];
            IProvenanceTypes.ItemState s = item.info.state();
            bool other = s != IProvenanceTypes.ItemState.Held && s != IProvenanceTypes.ItemState.None;
            if (other && state == IProvenanceTypes.ItemState.Held) state = s;
            bytes32 parent = placeOf(g, ov, cur);
            if (parent == bytes32(0)) return (item.holder, state);
            IProvenanceTypes.Lot memory lot = lotOf(g, parent);
            if (lot.root != bytes32(0)) return (lot.drawn ? bytes32(0) : lot.manufacturer, state);
            ItemRecord storage outer = g.items[parent];
            if (outer.info.state() == IProvenanceTypes.ItemState.Opened) return (outer.holder, state);
            cur = parent;
        }
    }
}
