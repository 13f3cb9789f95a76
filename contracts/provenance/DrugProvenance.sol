// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {Gs1} from "../libraries/Gs1.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title DrugProvenance
 * @notice Every pack's journey on chain, in gas independent of how many packs move together.
 *
 * A lot is one Merkle root over its packs' ids; a container (case, pallet) is one Merkle root over
 * its children's ids (packs or containers). Nothing is written per pack when a lot is commissioned,
 * packed, shipped or received. Containment is recorded lazily: a `Link` (a Merkle proof that a child
 * is in a parent's root) is accepted when the child was loose in the custody of the parent's packer
 * and has not moved since the parent was packed. Custody of an item is custody of its outermost
 * sealed container, found by walking the recorded (or presented) links upward; an opened container
 * or a lot leaves its children with the member that holds it.
 *
 * A pack that is dispensed, destroyed or stolen and is presented for dispensing again raises a clone
 * alert event instead of reverting, so the alert stays on chain.
 */
contract DrugProvenance is IDrugProvenance, ConsortiumGuarded {
    /// @dev Members that may hold goods: manufacturers, distributors, pharmacies and hospitals.
    uint8 internal constant SUPPLY_CHAIN =
        MemberKinds.MANUFACTURER | MemberKinds.DISTRIBUTOR | MemberKinds.PHARMACY | MemberKinds.HOSPITAL;
    /// @dev Members that may dispense to patients.
    uint8 internal constant DISPENSERS = MemberKinds.PHARMACY | MemberKinds.HOSPITAL;
    /// @dev GS1 AI 10: at most 20 characters.
    uint256 internal constant MAX_LOT_LENGTH = 20;

    /// @dev Links presented with a call, checked in memory before anything is written.
    struct Overlay {
        bytes32[] child; // children placed by the presented links, in order
        bytes32[] parent; // where each was placed
        uint256 n; // number of entries in use
    }

    mapping(uint64 gtin => bytes32 manufacturer) private _products;
    mapping(bytes32 id => Node node) private _nodes;
    /// @dev Orders changes of place, so a stale containment proof can be told from a fresh one.
    uint40 private _seq;

    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_PROVENANCE) {}

    // ---------------------------------------------------------------- products and lots

    /// @inheritdoc IDrugProvenance
    function registerProduct(uint64 gtin) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER);
        if (!Gs1.isValidGtin14(gtin)) revert ProvenanceInvalidGtin(gtin);
        bytes32 owner = _products[gtin];
        if (owner != bytes32(0)) revert ProvenanceProductAlreadyRegistered(gtin, owner);
        _products[gtin] = member;
        emit ProductRegistered(gtin, member, msg.sender);
    }

    /// @inheritdoc IDrugProvenance
    function commissionLot(
        uint64 gtin,
        string calldata lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root
    ) external returns (bytes32 lotId) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER);
        if (_products[gtin] != member) revert ProvenanceNotProductOwner(gtin, member);
        uint256 length = bytes(lot).length;
        if (length == 0 || length > MAX_LOT_LENGTH) revert ProvenanceInvalidLotNumber(lot);
        if (quantity == 0 || root == bytes32(0)) revert ProvenanceEmptyLot(quantity, root);
        if (expiresAt <= block.timestamp) revert ProvenanceInvalidExpiry(expiresAt, uint64(block.timestamp));
        lotId = lotIdOf(gtin, lot);
        Node storage node = _nodes[lotId];
        if (node.kind != NodeKind.None) revert ProvenanceLotExists(lotId);

        // The packs lie loose in their lot, with its manufacturer: no sequence number is needed (a
        // container can only claim them from the manufacturer, who packs them after commissioning).
        node.holder = member;
        node.root = root;
        node.expiresAt = expiresAt;
        node.count = quantity;
        node.kind = NodeKind.Lot;
        node.state = NodeState.Opened;
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
        Node storage node = _nodes[lotId];
        if (node.kind != NodeKind.Lot) revert ProvenanceUnknownLot(lotId);
        if (node.holder != member && !consortium.isActiveMemberId(member, MemberKinds.REGULATOR)) {
            revert ProvenanceRecallNotAllowed(lotId, member);
        }
        if (node.recalled) revert ProvenanceLotAlreadyRecalled(lotId);
        node.recalled = true;
        emit LotRecalled(lotId, member, msg.sender, BizStep.Holding, Disposition.Recalled);
    }

    // ---------------------------------------------------------------- containers

    /// @inheritdoc IDrugProvenance
    function pack(
        uint64 sscc,
        bytes32 root,
        uint32 count,
        Link[] calldata links
    ) external returns (bytes32 containerId) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        if (!Gs1.isValidSscc(sscc)) revert ProvenanceInvalidSscc(sscc);
        if (root == bytes32(0) || count == 0) revert ProvenanceEmptyContainer(sscc);
        containerId = containerIdOf(sscc);
        Node storage node = _nodes[containerId];
        if (node.kind != NodeKind.None) revert ProvenanceContainerExists(sscc);

        uint40 seq = ++_seq;
        node.holder = member;
        node.packer = member;
        // Non-zero from the start so that every shipment rewrites a non-zero slot (cheaper).
        node.pendingTo = member;
        node.root = root;
        node.movedSeq = seq;
        node.packedSeq = seq;
        node.count = count;
        node.kind = NodeKind.Container;
        node.state = NodeState.Held;
        emit ContainerPacked(containerId, member, sscc, root, count, BizStep.Packing, Disposition.Active);
        if (links.length != 0) _storeLinks(links);
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
        Node storage node = _requireLooseHeld(containerId, member);
        if (node.kind != NodeKind.Container) revert ProvenanceUnknownContainer(containerId);
        node.holder = member;
        node.openedSeq = ++_seq;
        node.state = NodeState.Opened;
        emit ContainerUnpacked(containerId, member, BizStep.Unpacking, Disposition.Active);
    }

    // ---------------------------------------------------------------- custody

    /// @inheritdoc IDrugProvenance
    function ship(bytes32 itemId, bytes32 to, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        if (to == member || !consortium.isActiveMemberId(to, SUPPLY_CHAIN)) revert ProvenanceInvalidRecipient(to);
        if (links.length != 0) _storeLinks(links);
        Node storage node = _requireLooseHeld(itemId, member);
        if (node.parent != bytes32(0)) {
            // Leaves the opened container (or lot) it was in: from now on it is held on its own.
            node.parent = bytes32(0);
            node.holder = member;
        }
        node.pendingTo = to;
        node.state = NodeState.InTransit;
        emit ItemShipped(itemId, member, to, BizStep.Shipping, Disposition.InTransit);
    }

    /// @inheritdoc IDrugProvenance
    function receiveItem(bytes32 itemId) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        Node storage node = _nodes[itemId];
        if (node.state != NodeState.InTransit || node.pendingTo != member) {
            revert ProvenanceNoMatchingShipment(itemId, member);
        }
        bytes32 from = node.holder;
        node.holder = member;
        node.movedSeq = ++_seq;
        node.state = NodeState.Held;
        emit ItemReceived(itemId, from, member, BizStep.Receiving, Disposition.Active);
    }

    /// @inheritdoc IDrugProvenance
    function destroy(bytes32 itemId, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        _storeLinks(links);
        Node storage node = _requireLooseHeld(itemId, member);
        node.state = NodeState.Destroyed;
        emit ItemDestroyed(itemId, member, BizStep.Destroying, Disposition.Destroyed);
    }

    /// @inheritdoc IDrugProvenance
    function reportStolen(bytes32 itemId, Link[] calldata links) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, SUPPLY_CHAIN);
        _storeLinks(links);
        Node storage node = _nodes[itemId];
        if (node.state == NodeState.InTransit) {
            // Lost on the road: the shipper (still the holder) reports it.
            if (node.holder != member) revert ProvenanceNotCustodian(itemId, node.holder, member);
        } else {
            node = _requireLooseHeld(itemId, member);
        }
        node.state = NodeState.Stolen;
        emit ItemReportedStolen(itemId, member, BizStep.Holding, Disposition.Stolen);
    }

    // ---------------------------------------------------------------- dispense

    /// @inheritdoc IDrugProvenance
    function dispense(PackClaim calldata claim, Link[] calldata links) external returns (bool dispensed) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, DISPENSERS);
        (bytes32 packId, bytes32 lotId) = _claimIds(claim);
        Node storage lotNode = _nodes[lotId];
        if (lotNode.kind != NodeKind.Lot) revert ProvenanceUnknownLot(lotId);
        if (!MerkleProof.verifyCalldata(claim.lotProof, lotNode.root, leafOf(packId))) {
            revert ProvenanceInvalidProof(packId, lotId);
        }
        Node storage node = _nodes[packId];
        NodeState own = node.state;
        if (own == NodeState.Dispensed || own == NodeState.Destroyed || own == NodeState.Stolen) {
            _cloneAlert(packId, lotId, member, own);
            return false;
        }
        (bytes32 custodian, NodeState state) = _custody(_overlay(packId, lotId, links), packId);
        if (state == NodeState.Destroyed || state == NodeState.Stolen) {
            _cloneAlert(packId, lotId, member, state);
            return false;
        }
        if (lotNode.recalled) revert ProvenanceLotRecalled(lotId);
        if (block.timestamp >= lotNode.expiresAt) revert ProvenanceLotExpired(lotId, lotNode.expiresAt);
        if (state != NodeState.Held) revert ProvenanceInvalidState(packId, state);
        if (custodian != member) revert ProvenanceNotCustodian(packId, custodian, member);

        if (node.kind == NodeKind.None) node.kind = NodeKind.Pack;
        node.state = NodeState.Dispensed;
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
        Node storage lotNode = _nodes[lotId];
        if (lotNode.kind != NodeKind.Lot || !MerkleProof.verifyCalldata(claim.lotProof, lotNode.root, leafOf(packId))) {
            return (Verdict.Unknown, bytes32(0), false);
        }
        NodeState state = _nodes[packId].state;
        if (state != NodeState.Dispensed && state != NodeState.Destroyed && state != NodeState.Stolen) {
            // A pack that left the supply chain for good has no custodian; its links are not needed.
            (custodian, state) = _custody(_overlay(packId, lotId, links), packId);
        }
        inTransit = state == NodeState.InTransit;
        if (state == NodeState.Dispensed) verdict = Verdict.Dispensed;
        else if (state == NodeState.Destroyed) verdict = Verdict.Destroyed;
        else if (state == NodeState.Stolen) verdict = Verdict.Stolen;
        else if (lotNode.recalled) verdict = Verdict.Recalled;
        else if (block.timestamp >= lotNode.expiresAt) verdict = Verdict.Expired;
        else verdict = Verdict.Genuine;
    }

    /**
     * @notice The custodian of an item (pack or container) after applying `links` in memory, and the
     * first state other than Held met on the way up (InTransit, Opened, Dispensed, Destroyed, Stolen).
     */
    function custodyOf(
        bytes32 itemId,
        Link[] calldata links
    ) external view returns (bytes32 custodian, NodeState state) {
        Overlay memory ov = _emptyOverlay(links.length);
        _checkLinks(ov, links);
        return _custody(ov, itemId);
    }

    /// @notice The manufacturer that registered `gtin` (zero if none).
    function manufacturerOf(uint64 gtin) external view returns (bytes32) {
        return _products[gtin];
    }

    /// @notice A node of the supply graph (pack, container or lot).
    function nodeOf(bytes32 id) external view returns (Node memory) {
        return _nodes[id];
    }

    /// @notice The on-chain id of a pack: binds GTIN, serial and the commitment to its hidden code.
    function packIdOf(uint64 gtin, string calldata serial, string calldata code) external pure returns (bytes32) {
        return _packId(gtin, serial, code);
    }

    /// @notice The id of lot `lot` of product `gtin`.
    function lotIdOf(uint64 gtin, string calldata lot) public pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @notice The id of the container with SSCC `sscc`.
    function containerIdOf(uint64 sscc) public pure returns (bytes32) {
        return bytes32(uint256(sscc));
    }

    /// @notice The Merkle leaf of a child id (OpenZeppelin StandardMerkleTree, one `bytes32` value).
    function leafOf(bytes32 id) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(id))));
    }

    // ---------------------------------------------------------------- internals

    function _packId(uint64 gtin, string calldata serial, string calldata code) private pure returns (bytes32) {
        return keccak256(abi.encode(gtin, keccak256(bytes(serial)), keccak256(bytes(code))));
    }

    function _claimIds(PackClaim calldata claim) private pure returns (bytes32 packId, bytes32 lotId) {
        packId = _packId(claim.gtin, claim.serial, claim.code);
        lotId = lotIdOf(claim.gtin, claim.lot);
    }

    function _cloneAlert(bytes32 packId, bytes32 lotId, bytes32 member, NodeState state) private {
        Disposition prior =
            state == NodeState.Dispensed
                ? Disposition.Dispensed
                : (state == NodeState.Destroyed ? Disposition.Destroyed : Disposition.Stolen);
        emit PackCloneDetected(packId, lotId, member, msg.sender, uint64(block.timestamp), prior);
    }

    /// @dev A loose item (not inside a sealed container) held by `member` and in state Held.
    function _requireLooseHeld(bytes32 itemId, bytes32 member) private view returns (Node storage node) {
        node = _nodes[itemId];
        NodeKind kind = node.kind;
        if (kind != NodeKind.Pack && kind != NodeKind.Container) revert ProvenanceUnknownItem(itemId);
        bytes32 parent = node.parent;
        bytes32 keeper = node.holder;
        if (parent != bytes32(0)) {
            Node storage p = _nodes[parent];
            if (p.kind == NodeKind.Container && p.state != NodeState.Opened) {
                revert ProvenanceInsideSealedContainer(itemId, parent);
            }
            keeper = p.holder;
        }
        if (keeper != member) revert ProvenanceNotCustodian(itemId, keeper, member);
        if (node.state != NodeState.Held) revert ProvenanceInvalidState(itemId, node.state);
    }

    function _emptyOverlay(uint256 size) private pure returns (Overlay memory ov) {
        ov.child = new bytes32[](size);
        ov.parent = new bytes32[](size);
    }

    /// @dev The links of a dispense or verify: the pack is first placed (in memory) in its lot.
    function _overlay(bytes32 packId, bytes32 lotId, Link[] calldata links) private view returns (Overlay memory ov) {
        ov = _emptyOverlay(links.length + 1);
        if (_nodes[packId].kind == NodeKind.None) {
            ov.child[0] = packId;
            ov.parent[0] = lotId;
            ov.n = 1;
        }
        _checkLinks(ov, links);
    }

    /// @dev Checks `links` in order against storage and the links before them, adding each to `ov`.
    function _checkLinks(Overlay memory ov, Link[] calldata links) private view {
        for (uint256 i = 0; i < links.length; ++i) {
            Link calldata one = links[i];
            _checkLink(ov, one.child, one.parent, one.proof);
            ov.child[ov.n] = one.child;
            ov.parent[ov.n] = one.parent;
            ov.n += 1;
        }
    }

    /**
     * @dev One link is accepted when the proof shows `child` in `parent`'s root and either
     * - `parent` is a lot and `child` is a pack not yet known on chain (its first placement), or
     * - `child` is loose (in no sealed container), not in transit, has not moved since `parent` was
     *   packed, and was then in the custody of the member that packed `parent`.
     * Packing sequence numbers grow strictly upward along accepted links, so links never form a cycle.
     */
    function _checkLink(Overlay memory ov, bytes32 child, bytes32 parent, bytes32[] calldata proof) private view {
        Node storage p = _nodes[parent];
        NodeKind parentKind = p.kind;
        if (parentKind != NodeKind.Container && parentKind != NodeKind.Lot) revert ProvenanceUnknownContainer(parent);
        if (!MerkleProof.verifyCalldata(proof, p.root, leafOf(child))) revert ProvenanceInvalidProof(child, parent);
        bytes32 current = _parentOf(ov, child);
        if (current == parent) return;
        Node storage c = _nodes[child];
        bool known = c.kind != NodeKind.None || current != bytes32(0);
        if (parentKind == NodeKind.Lot) {
            if (known) revert ProvenanceStaleLink(child, parent, bytes32(0));
            return;
        }
        if (!known) revert ProvenanceUnknownItem(child);
        if (c.state == NodeState.InTransit) revert ProvenanceInvalidState(child, NodeState.InTransit);
        uint40 since = c.movedSeq;
        bytes32 keeper;
        if (current == bytes32(0)) {
            keeper = c.holder;
        } else {
            Node storage cur = _nodes[current];
            if (cur.kind == NodeKind.Container && cur.state != NodeState.Opened) {
                revert ProvenanceInsideSealedContainer(child, current);
            }
            if (cur.openedSeq > since) since = cur.openedSeq;
            keeper = cur.holder;
        }
        if (p.packedSeq <= since || p.packer != keeper) revert ProvenanceStaleLink(child, parent, keeper);
    }

    /// @dev Checks `links` and records them; a pack placed in its lot for the first time becomes known.
    function _storeLinks(Link[] calldata links) private {
        Overlay memory ov = _emptyOverlay(links.length);
        _checkLinks(ov, links);
        for (uint256 i = 0; i < ov.n; ++i) {
            Node storage c = _nodes[ov.child[i]];
            if (c.parent == ov.parent[i]) continue;
            if (c.kind == NodeKind.None) {
                c.kind = NodeKind.Pack;
                c.state = NodeState.Held;
                c.root = ov.parent[i];
            }
            c.parent = ov.parent[i];
            emit ItemLinked(ov.child[i], ov.parent[i]);
        }
    }

    function _parentOf(Overlay memory ov, bytes32 id) private view returns (bytes32) {
        for (uint256 i = ov.n; i > 0; --i) {
            if (ov.child[i - 1] == id) return ov.parent[i - 1];
        }
        return _nodes[id].parent;
    }

    /**
     * @dev Walks up from `id` through sealed containers to the first loose node: its holder (or the
     * holder of the opened container or lot it lies in) is the custodian. `state` is the first state
     * other than Held (or None) met on the way: the item's own, or a sealed container's around it.
     */
    function _custody(Overlay memory ov, bytes32 id) private view returns (bytes32 custodian, NodeState state) {
        state = NodeState.Held;
        bytes32 cur = id;
        while (true) {
            Node storage n = _nodes[cur];
            NodeState s = n.state;
            if (state == NodeState.Held && s != NodeState.Held && s != NodeState.None) state = s;
            bytes32 parent = _parentOf(ov, cur);
            if (parent == bytes32(0)) return (n.holder, state);
            Node storage p = _nodes[parent];
            if (p.kind == NodeKind.Lot || p.state == NodeState.Opened) return (p.holder, state);
            cur = parent;
        }
    }
}
