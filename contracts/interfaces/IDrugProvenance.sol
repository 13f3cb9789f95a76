// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IDrugProvenance
 * @notice Drug provenance for a healthcare consortium: GS1 company prefixes bound to members by
 * consortium vote, products (GTIN-14) under their prefix holder, lots with one Merkle root over their
 * packs, containers (SSCC-18) with one Merkle root over their children, custody moved only by its
 * current holder (a matching ship and receive), dispense at the point of care with clone alerts,
 * recalls and scan-to-verify verdicts. The whole external API of `DrugProvenance`.
 *
 * Identifiers:
 * - a pack is `packId = keccak256(abi.encode(gtin, keccak256(bytes(serial)), keccak256(bytes(code))))`
 *   where `code` is the pack's hidden scratch-off code: serials cannot be enumerated from chain data
 *   and a copied outer label alone does not verify;
 * - a lot is `lotId = keccak256(abi.encode(gtin, lotNumber))`;
 * - a container is `bytes32(uint256(sscc))`.
 * Merkle leaves are `MerkleLeaf.ofBytes32(childId)` (OpenZeppelin StandardMerkleTree, one `bytes32`).
 *
 * Places (see `SupplyGraph`): an item is held on its own, lies in an opened container (with whoever
 * opened it) or in its lot (with its manufacturer, only until a case is packed from the lot), or is
 * inside a sealed container. Every custody step (ship, receive, unpack, pack, destroy, report stolen,
 * dispense) proves the item's current place in the caller's custody.
 */
interface IDrugProvenance {
    /// @notice What an item of the supply graph is.
    enum ItemKind {
        None, // never seen on chain (a pack is first seen when a link places it in its lot)
        Pack, // a saleable pack (GTIN + serial)
        Container // a case or pallet (SSCC)
    }

    /// @notice Where an item stands.
    enum ItemState {
        None, // unknown
        Held, // held by its custodian (a container is sealed)
        InTransit, // shipped, waiting for the named receiver
        Opened, // a container that was unpacked: what lay in it moves on separately
        Dispensed, // a pack handed to a patient
        Destroyed, // destroyed by its holder
        Stolen // reported stolen by its holder
    }

    /// @notice CBV 2.0 business steps carried by events (`urn:epcglobal:cbv:bizstep:<name>`).
    enum BizStep {
        Commissioning,
        Packing,
        Unpacking,
        Shipping,
        Receiving,
        Dispensing,
        Decommissioning,
        Destroying,
        Holding
    }

    /// @notice CBV 2.0 dispositions carried by events (`urn:epcglobal:cbv:disp:<name>`).
    enum Disposition {
        Active,
        InTransit,
        Recalled,
        Dispensed,
        Destroyed,
        Expired,
        Stolen
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

    /// @notice A pack or container, as `itemOf` reports it.
    struct Item {
        bytes32 parent; // the container (or, for a pack, the lot) it lies in; zero when held on its own
        bytes32 holder; // the member holding it on its own (opened container: holding what lies in it)
        bytes32 pendingTo; // the member named by its last shipment (meaningful while in transit)
        ItemKind kind; // what it is
        ItemState state; // where it stands
        uint32 count; // containers: number of children declared at packing
    }

    /// @notice A container's commitment, as `containerOf` reports it.
    struct Container {
        bytes32 root; // Merkle root over its children's ids (zero: no such container)
        bytes32 lot; // packed from this lot by reference (`packFromLot`); zero when packed by list
    }

    /// @notice A lot, as `lotOf` reports it.
    struct Lot {
        bytes32 root; // Merkle root over its packs' ids (zero: no such lot)
        bytes32 manufacturer; // the member that commissioned it (custodian of its packs while undrawn)
        uint64 gtin; // its product
        uint64 expiresAt; // unix seconds from which the lot is expired
        uint32 quantity; // packs commissioned
        bool recalled; // set once by a recall
        bool drawn; // a case was packed from it by reference: it no longer vouches for any pack's place
    }

    /// @notice A proof that `child` is one of the children committed to by `parent`'s Merkle root.
    struct Link {
        bytes32 child; // pack or container id
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

    // ---------------------------------------------------------------- errors

    /// @dev The GTIN is not a GTIN-14 with a correct check digit.
    error ProvenanceInvalidGtin(uint64 gtin);
    /// @dev The SSCC is not an SSCC-18 with a correct check digit.
    error ProvenanceInvalidSscc(uint64 sscc);
    /// @dev The product is registered already, under the prefix held by `manufacturer`.
    error ProvenanceProductAlreadyRegistered(uint64 gtin, bytes32 manufacturer);
    /// @dev No product with this GTIN is registered.
    error ProvenanceUnknownProduct(uint64 gtin);
    /// @dev Only the member holding the product's company prefix may commission it.
    error ProvenanceNotProductOwner(uint64 gtin, bytes32 memberId);
    /// @dev The company prefix is not 4 to 12 decimal digits.
    error ProvenanceInvalidCompanyPrefix(string prefix);
    /// @dev A company prefix length outside 4..12 was given for `identifier`.
    error ProvenanceInvalidPrefixLength(uint64 identifier, uint8 prefixLength);
    /// @dev The company prefix is assigned already, to `memberId`.
    error ProvenanceCompanyPrefixTaken(string prefix, bytes32 memberId);
    /// @dev The company prefix starts with the assigned prefix `assigned` (prefixes never overlap).
    error ProvenanceCompanyPrefixOverlaps(string prefix, string assigned);
    /// @dev `longerAssigned` assigned prefixes start with this prefix (prefixes never overlap).
    error ProvenanceCompanyPrefixCoversAssigned(string prefix, uint256 longerAssigned);
    /// @dev The company prefix is not assigned to anyone.
    error ProvenanceCompanyPrefixNotAssigned(string prefix);
    /// @dev A company prefix can only be held by an active manufacturer, distributor, pharmacy or
    /// hospital (and a transfer must go to another member).
    error ProvenanceInvalidPrefixHolder(bytes32 memberId);
    /// @dev The `prefixLength`-digit company prefix of the GTIN or SSCC `identifier` is held by
    /// `holder` (zero: nobody), not by the caller's member `memberId`.
    error ProvenanceNotPrefixHolder(uint64 identifier, uint8 prefixLength, bytes32 holder, bytes32 memberId);
    /// @dev The lot number is empty or longer than 20 characters (GS1 AI 10).
    error ProvenanceInvalidLotNumber(string lot);
    /// @dev The lot's quantity is zero or its root is zero.
    error ProvenanceEmptyLot(uint32 quantity, bytes32 root);
    /// @dev The expiry is not in the future.
    error ProvenanceInvalidExpiry(uint64 expiresAt, uint64 nowTimestamp);
    /// @dev A lot with this id was commissioned already.
    error ProvenanceLotExists(bytes32 lotId);
    /// @dev No lot with this id.
    error ProvenanceUnknownLot(bytes32 lotId);
    /// @dev Only the lot's manufacturer packs cases from it by reference.
    error ProvenanceNotLotManufacturer(bytes32 lotId, bytes32 manufacturer, bytes32 memberId);
    /// @dev The container's Merkle root or count is zero.
    error ProvenanceEmptyContainer(uint64 sscc);
    /// @dev A container with this SSCC exists already (SSCCs are never reused, not even after unpacking).
    error ProvenanceContainerExists(uint64 sscc);
    /// @dev A container packed by list must get each of its `count` children in the packing call:
    /// `placed` were placed.
    error ProvenanceChildCountMismatch(bytes32 containerId, uint32 count, uint256 placed);
    /// @dev No container or lot with this id.
    error ProvenanceUnknownContainer(bytes32 containerId);
    /// @dev No pack or container with this id is known on chain (a pack must be linked to its lot first).
    error ProvenanceUnknownItem(bytes32 itemId);
    /// @dev The proof does not show `child` inside `parent`.
    error ProvenanceInvalidProof(bytes32 child, bytes32 parent);
    /// @dev A link must join two different items.
    error ProvenanceInvalidLink(bytes32 child, bytes32 parent);
    /// @dev The pack is already placed (at `current`): only a pack never seen on chain is placed in its lot.
    error ProvenanceAlreadyPlaced(bytes32 child, bytes32 current);
    /// @dev `parent` was packed by list: all its children were placed when it was packed.
    error ProvenanceSealedWhenPacked(bytes32 child, bytes32 parent);
    /// @dev `parent` was packed from lot `lot`, but the pack no longer lies there (it moved, or is of
    /// another lot).
    error ProvenanceNotInLot(bytes32 child, bytes32 parent, bytes32 lot);
    /// @dev The pack's manufacturer claimed it in two cases packed from its lot: `recorded` was proven
    /// first and stands; `presented` also claims it.
    error ProvenanceDoublePacked(bytes32 packId, bytes32 recorded, bytes32 presented);
    /// @dev The item lies in lot `lotId`, from which cases were packed: the lot no longer vouches for
    /// where its packs are. Present the pack's link into its case.
    error ProvenanceLotDrawn(bytes32 itemId, bytes32 lotId);
    /// @dev The item is inside the sealed container `container`: move or unpack the container instead.
    error ProvenanceInsideSealedContainer(bytes32 itemId, bytes32 container);
    /// @dev The caller's member is not the item's custodian (zero: unknown from the links given).
    error ProvenanceNotCustodian(bytes32 itemId, bytes32 custodian, bytes32 memberId);
    /// @dev The item's state does not allow this action.
    error ProvenanceInvalidState(bytes32 itemId, ItemState state);
    /// @dev The receiving member is not an active manufacturer, distributor, pharmacy or hospital, or
    /// is the sender itself.
    error ProvenanceInvalidRecipient(bytes32 to);
    /// @dev No shipment of this item to the caller's member is pending.
    error ProvenanceNoMatchingShipment(bytes32 itemId, bytes32 memberId);
    /// @dev The lot was recalled.
    error ProvenanceLotRecalled(bytes32 lotId);
    /// @dev The lot is expired.
    error ProvenanceLotExpired(bytes32 lotId, uint64 expiresAt);
    /// @dev Only the holder of the lot's product prefix or a regulator may recall it.
    error ProvenanceRecallNotAllowed(bytes32 lotId, bytes32 memberId);
    /// @dev The lot was recalled already.
    error ProvenanceLotAlreadyRecalled(bytes32 lotId);

    // ---------------------------------------------------------------- events

    /// @dev The consortium assigned a GS1 company prefix to a member by vote.
    event CompanyPrefixAssigned(string prefix, bytes32 indexed memberId, uint256 indexed proposalId);
    /// @dev The consortium moved a company prefix (and the products under it) to another member by vote.
    event CompanyPrefixTransferred(string prefix, bytes32 indexed from, bytes32 indexed to, uint256 indexed proposalId);
    /// @dev The consortium took a company prefix away from its holder by vote.
    event CompanyPrefixRevoked(string prefix, bytes32 indexed memberId, uint256 indexed proposalId);
    /// @dev The holder of a company prefix registered a product (GTIN) under it.
    event ProductRegistered(uint64 indexed gtin, bytes32 indexed manufacturer, address account);
    /// @dev A manufacturer commissioned a lot: one Merkle root over its packs.
    event LotCommissioned(
        bytes32 indexed lotId,
        uint64 indexed gtin,
        bytes32 indexed manufacturer,
        string lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root,
        BizStep bizStep,
        Disposition disposition
    );
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
    /// @dev A lot was recalled by its brand owner or a regulator.
    event LotRecalled(
        bytes32 indexed lotId,
        bytes32 indexed memberId,
        address account,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev The holder destroyed an item.
    event ItemDestroyed(bytes32 indexed itemId, bytes32 indexed memberId, BizStep bizStep, Disposition disposition);
    /// @dev The holder reported an item stolen.
    event ItemReportedStolen(
        bytes32 indexed itemId,
        bytes32 indexed memberId,
        BizStep bizStep,
        Disposition disposition
    );

    // ---------------------------------------------------------------- governed (consortium vote)

    /**
     * @notice Assigns a GS1 company prefix (4 to 12 digits, e.g. "0614141") to a member. Only by an
     * executed consortium vote (`ConsortiumRegistry.proposeCall`). Refused if it overlaps an assigned
     * prefix in either direction.
     */
    function assignCompanyPrefix(string calldata prefix, bytes32 memberId) external;

    /// @notice Moves an assigned company prefix, and every product registered under it, to another
    /// member. Only by an executed consortium vote.
    function transferCompanyPrefix(string calldata prefix, bytes32 memberId) external;

    /// @notice Takes a company prefix away: its products can no longer be commissioned, nor its SSCCs
    /// packed, until it is assigned again. Only by an executed consortium vote.
    function revokeCompanyPrefix(string calldata prefix) external;

    // ---------------------------------------------------------------- writes

    /**
     * @notice Registers a GTIN-14 as a product of the caller's member, which must hold the GTIN's
     * company prefix of `prefixLength` digits (the digits after the indicator digit).
     */
    function registerProduct(uint64 gtin, uint8 prefixLength) external;

    /// @notice Commissions a lot of a product whose prefix the caller holds: one root over its packs' ids.
    function commissionLot(
        uint64 gtin,
        string calldata lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root
    ) external returns (bytes32 lotId);

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
    /// e.g. a receiver pinning the packs of a case it received).
    function link(Link[] calldata links) external;

    /// @notice Opens a sealed container in the caller's custody: what lay in it moves on separately.
    function unpack(bytes32 containerId, Link[] calldata links) external;

    /// @notice Ships an item (a sealed container or a pack) in the caller's custody to member `to`.
    function ship(bytes32 itemId, bytes32 to, Link[] calldata links) external;

    /// @notice Receives an item shipped to the caller's member.
    function receiveItem(bytes32 itemId) external;

    /// @notice Dispenses a pack in the caller's custody; a second dispense is recorded as a clone alert.
    function dispense(PackClaim calldata claim, Link[] calldata links) external returns (bool dispensed);

    /// @notice Recalls a lot (the holder of its product's prefix, or a regulator).
    function recall(bytes32 lotId) external;

    /// @notice Destroys an item in the caller's custody.
    function destroy(bytes32 itemId, Link[] calldata links) external;

    /// @notice Reports an item in the caller's custody (or shipped by it and in transit) stolen.
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

    /// @notice A pack or container as stored.
    function itemOf(bytes32 id) external view returns (Item memory);

    /// @notice A container's root and the lot it was packed from (zero root: no such container).
    function containerOf(bytes32 id) external view returns (Container memory);

    /// @notice A lot (zero root: no such lot).
    function lotOf(bytes32 lotId) external view returns (Lot memory);

    /// @notice The current holder of the registered product's company prefix (zero if none).
    function manufacturerOf(uint64 gtin) external view returns (bytes32);

    /// @notice The member holding company prefix `prefix` (zero if none).
    function companyPrefixHolder(string calldata prefix) external view returns (bytes32);

    /// @notice The assigned company prefix of a GTIN-14 (`isSscc` false) or SSCC-18, and its holder
    /// (zero length and holder if none): what to pass as `prefixLength`.
    function companyPrefixOf(uint64 identifier, bool isSscc) external view returns (uint8 prefixLength, bytes32 holder);

    /// @notice The on-chain id of a pack: binds GTIN, serial and the commitment to its hidden code.
    function packIdOf(uint64 gtin, string calldata serial, string calldata code) external pure returns (bytes32);

    /// @notice The id of lot `lot` of product `gtin`.
    function lotIdOf(uint64 gtin, string calldata lot) external pure returns (bytes32);

    /// @notice The id of the container with SSCC `sscc`.
    function containerIdOf(uint64 sscc) external pure returns (bytes32);

    /// @notice The Merkle leaf of a child id (`MerkleLeaf.ofBytes32`).
    function leafOf(bytes32 id) external pure returns (bytes32);
}
