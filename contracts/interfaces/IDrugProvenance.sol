// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProductRegistry} from "./IProductRegistry.sol";
import {IMulticall} from "./IMulticall.sol";
import {IProvenanceTypes} from "./IProvenanceTypes.sol";

/**
 * @title IDrugProvenance
 * @notice Drug custody for a healthcare consortium: containers (SSCC-18) with one Merkle root over
 * their children, custody moved only by its current holder (a matching ship and receive), dispense
 * at the point of care with clone alerts, and scan-to-verify verdicts. Products, lots and GS1 company
 * prefixes are the `ProductRegistry`'s (created by `DrugProvenance`, see `products`). The whole
 * external API of `DrugProvenance`.
 *
 * Identifiers:
 * - a pack's tag, its leaf value in its lot's tree, is
 *   `packTag = keccak256(abi.encode(gtin, keccak256(bytes(serial)), keccak256(bytes(code))))` where
 *   `code` is the pack's hidden scratch-off code: serials cannot be enumerated from chain data and a
 *   copied outer label alone does not verify;
 * - a pack's on-chain id is `packId = keccak256(abi.encode(lotId, packTag))`: the chain derives it
 *   from the lot a tag is proven in, so a pack exists only inside its own lot (a lot of another
 *   product or brand whose tree holds the same tag names another item, never this pack);
 * - a lot is `lotId = keccak256(abi.encode(gtin, lotNumber))` (see `IProductRegistry`);
 * - a container is `bytes32(uint256(sscc))`.
 * Merkle leaves are `MerkleLeaf.ofBytes32(value)` (OpenZeppelin StandardMerkleTree, one `bytes32`):
 * a lot's tree holds its packs' tags, a container's tree its children's ids.
 *
 * Places (see `SupplyGraph`): an item is held on its own, lies in an opened container (with whoever
 * opened it) or in its lot (with its manufacturer, only until a case is packed from the lot), or is
 * inside a sealed container. Every custody step (ship, receive, unpack, pack, destroy, report stolen,
 * dispense) proves the item's current place in the caller's custody.
 */
interface IDrugProvenance is IProvenanceTypes, IMulticall {
    /// @notice What an item of the supply graph is.
    enum ItemKind {
        None, // never seen on chain (a pack is first seen when a link places it in its lot)
        Pack, // a saleable pack (GTIN + serial)
        Container // a case or pallet (SSCC)
    }

    /// @notice The answer of `verify`.
    enum Verdict {
        Unknown, // no such pack, or the wrong hidden code
        Genuine, // active and in the supply chain
        Dispensed, // already handed out: a scan now means a likely clone
        Recalled, // its lot was recalled
        Expired, // its lot is past its expiry
        Destroyed, // destroyed (itself or a container around it)
        Stolen // reported stolen (itself or a container around it)
    }

    /// @notice A pack or container (zero kind: unknown), as `itemOf` reports it.
    struct Item {
        bytes32 parent; // the container (or, for a pack, the lot) it lies in; zero when held on its own
        bytes32 holder; // the member holding it on its own (opened container: holding what lies in it)
        bytes32 pendingTo; // the member named by its last shipment (meaningful while in transit)
        ItemKind kind; // what it is
        ItemState state; // where it stands
        uint32 count; // containers: number of children declared at packing
        bytes32 root; // containers: Merkle root over their children's ids
        bytes32 lot; // containers packed from a lot by reference (`packFromLot`): that lot; else zero
    }

    /**
     * @notice A proof that `child` is one of the children committed to by `parent`'s Merkle root. Into
     * a container, `child` is the child's id; into a lot, it is the pack's tag (its leaf in the lot's
     * tree) and the link places the pack `packIdOf(parent, child)`.
     */
    struct Link {
        bytes32 child; // pack or container id (into a lot: the pack's tag)
        bytes32 parent; // container or lot id
        bytes32[] proof; // OpenZeppelin StandardMerkleTree proof of the leaf `child`
    }

    /// @notice What a patient or pharmacist reads from a pack: its identity, hidden code and lot proof.
    struct PackClaim {
        uint64 gtin; // GTIN-14 (AI 01)
        string serial; // serial number (AI 21)
        string lot; // lot number (AI 10)
        string code; // the hidden scratch-off code
        bytes32[] lotProof; // proof that the pack's id is a leaf of the lot's root
    }

    // ---------------------------------------------------------------- events

    /// @dev A member packed a container: one Merkle root over its children; `fromLot` is the lot it
    /// was packed from by reference (zero: packed by list, its children linked in the same call).
    event ContainerPacked(
        bytes32 indexed containerId,
        bytes32 indexed memberId,
        uint64 sscc,
        bytes32 root,
        uint32 count,
        bytes32 fromLot,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev A proof placed `child` inside `parent`.
    event ItemLinked(bytes32 indexed child, bytes32 indexed parent);
    /// @dev A member unpacked a container: what lay in it moves on separately.
    event ContainerUnpacked(
        bytes32 indexed containerId,
        bytes32 indexed memberId,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev A member shipped an item (a sealed container or a pack) to a named member.
    event ItemShipped(
        bytes32 indexed itemId,
        bytes32 indexed from,
        bytes32 indexed to,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev The named member received a shipped item.
    event ItemReceived(
        bytes32 indexed itemId,
        bytes32 indexed from,
        bytes32 indexed to,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev A pharmacy or hospital dispensed a pack to a patient.
    event PackDispensed(
        bytes32 indexed packId,
        bytes32 indexed lotId,
        bytes32 indexed memberId,
        address account,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev A pack that was already dispensed, destroyed or stolen was presented for dispensing again:
    /// a likely clone. Who (`account` of `memberId`), where (the member), when (`time`), which pack.
    event PackCloneDetected(
        bytes32 indexed packId,
        bytes32 indexed lotId,
        bytes32 indexed memberId,
        address account,
        uint64 time,
        Disposition priorDisposition
    );
    /// @dev The holder destroyed an item.
    event ItemDestroyed(bytes32 indexed itemId, bytes32 indexed memberId, BizStep bizStep, Disposition disposition);
    /// @dev The holder (for an item in transit: its named receiver, or a regulator) reported an item stolen.
    event ItemReportedStolen(
        bytes32 indexed itemId,
        bytes32 indexed memberId,
        BizStep bizStep,
        Disposition disposition
    );

    // ---------------------------------------------------------------- writes

    /**
     * @notice Packs a new sealed container "by list": `links` must place each of its `count` children
     * into it (and may first place packs in their lot or cases), every child taken from its current
     * place in the caller's custody. The SSCC's company prefix of `prefixLength` digits must be the
     * caller's. Used for pallets and for repacking.
     */
    function pack(
        uint64 sscc,
        uint8 prefixLength,
        bytes32 root,
        uint32 count,
        Link[] calldata links
    ) external returns (bytes32 containerId);

    /**
     * @notice Packs a new sealed case of packs of one lot "by reference", at the packaging line: only
     * its root is stored, each pack's link is proven when needed. Only the lot's manufacturer. From
     * then on the lot no longer vouches for any pack's place (lot-level custody ends).
     */
    function packFromLot(
        uint64 sscc,
        uint8 prefixLength,
        bytes32 lotId,
        bytes32 root,
        uint32 count
    ) external returns (bytes32 containerId);

    /// @notice Records proven links of packs into their lot and into cases packed from it (anyone may:
    /// e.g. a receiver pinning the packs of a case it received). A lot link places only the pack whose
    /// id the chain derives from that lot and the proven tag.
    function link(Link[] calldata links) external;

    /// @notice Opens a sealed container in the caller's custody: what lay in it moves on separately.
    function unpack(bytes32 containerId, Link[] calldata links) external;

    /// @notice Ships an item (a sealed container or a pack) in the caller's custody to member `to`.
    function ship(bytes32 itemId, bytes32 to, Link[] calldata links) external;

    /// @notice Receives an item shipped to the caller's member.
    function receiveItem(bytes32 itemId) external;

    /// @notice Dispenses a pack in the caller's custody; a second dispense is recorded as a clone alert.
    function dispense(PackClaim calldata claim, Link[] calldata links) external returns (bool dispensed);

    /// @notice Destroys an item in the caller's custody.
    function destroy(bytes32 itemId, Link[] calldata links) external;

    /**
     * @notice Reports an item in the caller's custody stolen. An item in transit is in no one's hands:
     * only the member it was shipped to (waiting for it) or a regulator reports it stolen, never its
     * shipper, whose report could otherwise race the receipt of goods that arrived.
     */
    function reportStolen(bytes32 itemId, Link[] calldata links) external;

    // ---------------------------------------------------------------- views

    /// @notice A pack's verdict and current custodian from its identity, hidden code and proofs.
    function verify(
        PackClaim calldata claim,
        Link[] calldata links
    ) external view returns (Verdict verdict, bytes32 custodian, bool inTransit);

    /**
     * @notice The custodian of an item (pack or container) after applying `links` in memory (zero if
     * unknown), and the first state other than Held met on the way up.
     */
    function custodyOf(
        bytes32 itemId,
        Link[] calldata links
    ) external view returns (bytes32 custodian, ItemState state);

    /// @notice The product registry this module created: prefixes, products and lots.
    function products() external view returns (IProductRegistry);

    /// @notice A pack or container as stored (with its root and lot when it is a container).
    function itemOf(bytes32 id) external view returns (Item memory);

    /// @notice A pack's tag (its leaf in its lot's tree): binds GTIN, serial and its hidden code.
    function packTagOf(uint64 gtin, string calldata serial, string calldata code) external pure returns (bytes32);

    /// @notice The on-chain id of the pack with tag `tag` in lot `lotId`.
    function packIdOf(bytes32 lotId, bytes32 tag) external pure returns (bytes32);

    /// @notice The id of the container with SSCC `sscc`.
    function containerIdOf(uint64 sscc) external pure returns (bytes32);

    /// @notice The Merkle leaf of a child id (`MerkleLeaf.ofBytes32`).
    function leafOf(bytes32 id) external pure returns (bytes32);
}
