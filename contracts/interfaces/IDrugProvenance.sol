// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IDrugProvenance
 * @notice Drug provenance for a healthcare consortium: GS1 products (GTIN-14), lots with one Merkle
 * root over their packs, containers (SSCC-18) with one Merkle root over their children, custody moved
 * only by a matching ship and receive, dispense at the point of care with clone alerts, recalls and
 * scan-to-verify verdicts.
 *
 * Identifiers:
 * - a pack is `packId = keccak256(abi.encode(gtin, keccak256(bytes(serial)), keccak256(bytes(code))))`
 *   where `code` is the pack's hidden scratch-off code: serials cannot be enumerated from chain data
 *   and a copied outer label alone does not verify;
 * - a lot is `lotId = keccak256(abi.encode(gtin, lotNumber))`;
 * - a container is `bytes32(uint256(sscc))`.
 * Merkle leaves are OpenZeppelin StandardMerkleTree leaves of one `bytes32` (the child's id).
 */
interface IDrugProvenance {
    /// @notice What a node of the supply graph is.
    enum NodeKind {
        None, // no such node (or a pack never touched on chain since its lot was commissioned)
        Pack, // a saleable pack (GTIN + serial)
        Container, // a case or pallet (SSCC)
        Lot // a commissioned lot: the packs' first "container", held by its manufacturer
    }

    /// @notice Where a node stands.
    enum NodeState {
        None, // unknown
        Held, // held by its custodian (a container is sealed)
        InTransit, // shipped, waiting for the named receiver
        Opened, // a container that was unpacked: its children move on separately
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

    /// @notice A node of the supply graph: a pack, a container or a lot.
    struct Node {
        bytes32 parent; // container (or lot) it was last proven to be in; zero when loose
        bytes32 holder; // member holding it when loose (opened container: its contents' holder; lot: its maker)
        bytes32 pendingTo; // member named by the last shipment (meaningful while InTransit)
        bytes32 root; // containers and lots: Merkle root over the children's ids; packs: their lot id
        bytes32 packer; // containers: member that packed it
        uint40 movedSeq; // sequence number of the node's last change of place
        uint40 packedSeq; // containers: sequence number of packing
        uint40 openedSeq; // containers: sequence number of unpacking
        uint64 expiresAt; // lots: unix seconds from which the lot is expired
        uint32 count; // containers: number of children; lots: number of packs
        NodeKind kind; // what the node is
        NodeState state; // where it stands
        bool recalled; // lots: set once by a recall
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
    /// @dev The product is registered already, by `manufacturer`.
    error ProvenanceProductAlreadyRegistered(uint64 gtin, bytes32 manufacturer);
    /// @dev Only the manufacturer that registered the product may commission it.
    error ProvenanceNotProductOwner(uint64 gtin, bytes32 memberId);
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
    /// @dev The container's Merkle root or count is zero.
    error ProvenanceEmptyContainer(uint64 sscc);
    /// @dev A container with this SSCC exists already (SSCCs are never reused).
    error ProvenanceContainerExists(uint64 sscc);
    /// @dev No container or lot with this id.
    error ProvenanceUnknownContainer(bytes32 containerId);
    /// @dev No pack or container with this id is known on chain (a pack must be linked to its lot first).
    error ProvenanceUnknownItem(bytes32 itemId);
    /// @dev The proof does not show `child` inside `parent`.
    error ProvenanceInvalidProof(bytes32 child, bytes32 parent);
    /// @dev The item is inside the sealed container `container`: move or unpack the container instead.
    error ProvenanceInsideSealedContainer(bytes32 itemId, bytes32 container);
    /// @dev The link is stale: `parent` was packed before `child` last moved, or by someone else than
    /// the child's custodian `custodian` at the time.
    error ProvenanceStaleLink(bytes32 child, bytes32 parent, bytes32 custodian);
    /// @dev The caller's member is not the item's custodian.
    error ProvenanceNotCustodian(bytes32 itemId, bytes32 custodian, bytes32 memberId);
    /// @dev The item's state does not allow this action.
    error ProvenanceInvalidState(bytes32 itemId, NodeState state);
    /// @dev The receiving member is not an active manufacturer, distributor, pharmacy or hospital, or
    /// is the sender itself.
    error ProvenanceInvalidRecipient(bytes32 to);
    /// @dev No shipment of this item to the caller's member is pending.
    error ProvenanceNoMatchingShipment(bytes32 itemId, bytes32 memberId);
    /// @dev The lot was recalled.
    error ProvenanceLotRecalled(bytes32 lotId);
    /// @dev The lot is expired.
    error ProvenanceLotExpired(bytes32 lotId, uint64 expiresAt);
    /// @dev Only the lot's manufacturer or a regulator may recall it.
    error ProvenanceRecallNotAllowed(bytes32 lotId, bytes32 memberId);
    /// @dev The lot was recalled already.
    error ProvenanceLotAlreadyRecalled(bytes32 lotId);

    // ---------------------------------------------------------------- events

    /// @dev A manufacturer registered a product it makes.
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
    /// @dev A member packed a container: one Merkle root over its children.
    event ContainerPacked(
        bytes32 indexed containerId,
        bytes32 indexed memberId,
        uint64 sscc,
        bytes32 root,
        uint32 count,
        BizStep bizStep,
        Disposition disposition
    );
    /// @dev A proof placed `child` inside `parent` (recorded lazily, when first needed).
    event ItemLinked(bytes32 indexed child, bytes32 indexed parent);
    /// @dev A member unpacked a container: its children move on separately.
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
    /// @dev A lot was recalled by its manufacturer or a regulator.
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

    // ---------------------------------------------------------------- writes

    /// @notice Registers a GTIN-14 as made by the caller's manufacturer.
    function registerProduct(uint64 gtin) external;

    /// @notice Commissions a lot of a registered product: one root over its packs' ids.
    function commissionLot(
        uint64 gtin,
        string calldata lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root
    ) external returns (bytes32 lotId);

    /// @notice Packs a new sealed container (SSCC) whose root commits to its children's ids, then records
    /// `links` (typically: where its child containers now are, ending with their links into it).
    function pack(
        uint64 sscc,
        bytes32 root,
        uint32 count,
        Link[] calldata links
    ) external returns (bytes32 containerId);

    /// @notice Records proven containment links (anyone may; each link is checked against custody).
    function link(Link[] calldata links) external;

    /// @notice Opens a container held by the caller: its children move on separately.
    function unpack(bytes32 containerId, Link[] calldata links) external;

    /// @notice Ships a sealed container or a loose pack held by the caller to member `to`.
    function ship(bytes32 itemId, bytes32 to, Link[] calldata links) external;

    /// @notice Receives an item shipped to the caller's member.
    function receiveItem(bytes32 itemId) external;

    /// @notice Dispenses a pack held by the caller; a second dispense is recorded as a clone alert.
    function dispense(PackClaim calldata claim, Link[] calldata links) external returns (bool dispensed);

    /// @notice Recalls a lot (its manufacturer or a regulator).
    function recall(bytes32 lotId) external;

    /// @notice Destroys an item held by the caller.
    function destroy(bytes32 itemId, Link[] calldata links) external;

    /// @notice Reports an item held (or shipped) by the caller stolen.
    function reportStolen(bytes32 itemId, Link[] calldata links) external;

    // ---------------------------------------------------------------- views

    /// @notice A pack's verdict and current custodian from its identity, hidden code and proofs.
    function verify(
        PackClaim calldata claim,
        Link[] calldata links
    ) external view returns (Verdict verdict, bytes32 custodian, bool inTransit);
}
