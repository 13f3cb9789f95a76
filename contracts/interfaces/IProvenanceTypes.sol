// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IProvenanceTypes
 * @notice What the two provenance contracts share: the CBV 2.0 vocabulary of their events, item
 * states, the lot record, and every error either can raise (so a refusal of `ProductRegistry`
 * that reaches a caller through `DrugProvenance` decodes with either contract's ABI).
 */
interface IProvenanceTypes {
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

    /// @notice A lot, as `lotOf` reports it.
    struct Lot {
        bytes32 root; // Merkle root over its packs' tags (zero: no such lot)
        bytes32 manufacturer; // the member that commissioned it (custodian of its packs while undrawn)
        uint64 gtin; // its product
        uint64 expiresAt; // unix seconds from which the lot is expired
        uint32 quantity; // packs commissioned
        bool recalled; // set once by a recall
        bool drawn; // a case was packed from it by reference: it no longer vouches for any pack's place
        uint16 recallReason; // a RecallReason code (0 when not recalled or unspecified)
        uint64 recalledAt; // unix seconds of the recall (0: not recalled)
    }

    /// @notice Why a lot was recalled (`recall`'s reason code; the SDK names them).
    enum RecallReason {
        Unspecified,
        QualityDefect,
        Contamination,
        Mislabelling,
        CounterfeitFound,
        RegulatoryAction,
        Other
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
    /// @dev The pack `child` is already placed (at `current`): only a pack never seen on chain is placed
    /// in its lot.
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
    /// @dev The item is in transit to `receiver`: only that member or a regulator reports it stolen.
    error ProvenanceNotReceiver(bytes32 itemId, bytes32 receiver, bytes32 memberId);
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
    /// @dev The recall reason is not a `RecallReason` code.
    error ProvenanceInvalidRecallReason(uint16 reason);
    /// @dev Only the `DrugProvenance` that created the product registry draws cases from its lots.
    error ProvenanceOnlyCustody(address caller);
}
