// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IMulticall} from "../interfaces/IMulticall.sol";
import {Gs1} from "../libraries/Gs1.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {CompanyPrefix, CompanyPrefixes} from "./CompanyPrefixes.sol";
import {LotInfo, SupplySlots} from "./SupplySlots.sol";

/**
 * @title ProductRegistry
 * @notice GS1 identifiers belong to their owners (issue 8, point 15): the consortium assigns GS1
 * company prefixes to members by vote (a governed call, so one rogue key cannot take over a brand);
 * a product (GTIN) is registered only by the holder of its prefix and follows the prefix on a
 * transfer; its lots are commissioned and recalled by whoever holds the prefix now (recalls also
 * by a regulator); an SSCC is packed only by the holder of its prefix.
 *
 * Created by `DrugProvenance`, which asks it about prefixes and lots and alone marks lots drawn.
 */
contract ProductRegistry is IProductRegistry, ConsortiumGuarded, Multicall {
    using CompanyPrefixes for CompanyPrefixes.Book;

    /// @dev Members that may hold GS1 prefixes (and goods): manufacturers, distributors, pharmacies, hospitals.
    uint8 internal constant SUPPLY_CHAIN =
        MemberKinds.MANUFACTURER | MemberKinds.DISTRIBUTOR | MemberKinds.PHARMACY | MemberKinds.HOSPITAL;
    /// @dev Digits of a GTIN-14 and an SSCC-18.
    uint256 internal constant GTIN_DIGITS = 14;
    uint256 internal constant SSCC_DIGITS = 18;
    /// @dev GS1 AI 10: at most 20 characters.
    uint256 internal constant MAX_LOT_LENGTH = 20;

    /// @notice A commissioned lot.
    struct LotRecord {
        bytes32 root; // Merkle root over its packs' tags
        bytes32 manufacturer; // the member that commissioned it: custodian of its packs while undrawn
        LotInfo info; // gtin, expiry, quantity, recalled, drawn, recall reason and time
    }

    /// @inheritdoc IProductRegistry
    address public immutable custody;

    CompanyPrefixes.Book private _prefixes;
    /// @dev The company prefix each product was registered under: its owner is that prefix's holder.
    mapping(uint64 gtin => CompanyPrefix prefix) private _products;
    mapping(bytes32 lotId => LotRecord lot) private _lots;

    /// @param registry the consortium registry (its votes assign prefixes; its pause flag stops writes)
    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_PROVENANCE) {
        custody = msg.sender;
    }

    // ---------------------------------------------------------------- company prefixes (by vote)

    /// @inheritdoc IProductRegistry
    function assignCompanyPrefix(string calldata prefix, bytes32 memberId) external onlyConsortiumVote {
        _requirePrefixHolder(memberId);
        _prefixes.assign(CompanyPrefixes.parse(prefix), memberId);
        emit CompanyPrefixAssigned(prefix, memberId, _currentProposal());
    }

    /// @inheritdoc IProductRegistry
    function transferCompanyPrefix(string calldata prefix, bytes32 memberId) external onlyConsortiumVote {
        CompanyPrefix key = CompanyPrefixes.parse(prefix);
        bytes32 from = _prefixes.requireHolder(key);
        if (memberId == from) revert ProvenanceInvalidPrefixHolder(memberId);
        _requirePrefixHolder(memberId);
        _prefixes.holderOf[key] = memberId;
        emit CompanyPrefixTransferred(prefix, from, memberId, _currentProposal());
    }

    /// @inheritdoc IProductRegistry
    function revokeCompanyPrefix(string calldata prefix) external onlyConsortiumVote {
        bytes32 holder = _prefixes.revoke(CompanyPrefixes.parse(prefix));
        emit CompanyPrefixRevoked(prefix, holder, _currentProposal());
    }

    // ---------------------------------------------------------------- products and lots

    /// @inheritdoc IProductRegistry
    function registerProduct(uint64 gtin, uint8 prefixLength) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER);
        if (!Gs1.isValidGtin14(gtin)) revert ProvenanceInvalidGtin(gtin);
        CompanyPrefix registered = _products[gtin];
        if (CompanyPrefix.unwrap(registered) != 0) {
            revert ProvenanceProductAlreadyRegistered(gtin, _prefixes.holderOf[registered]);
        }
        _products[gtin] = _prefixes.requireHeldBy(gtin, GTIN_DIGITS, prefixLength, member);
        emit ProductRegistered(gtin, member, msg.sender);
    }

    /// @inheritdoc IProductRegistry
    function commissionLot(
        uint64 gtin,
        string calldata lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root
    ) external returns (bytes32 lotId) {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER);
        CompanyPrefix prefix = _products[gtin];
        if (CompanyPrefix.unwrap(prefix) == 0) revert ProvenanceUnknownProduct(gtin);
        if (_prefixes.holderOf[prefix] != member) revert ProvenanceNotProductOwner(gtin, member);
        uint256 length = bytes(lot).length;
        if (length == 0 || length > MAX_LOT_LENGTH) revert ProvenanceInvalidLotNumber(lot);
        if (quantity == 0 || root == bytes32(0)) revert ProvenanceEmptyLot(quantity, root);
        if (expiresAt <= block.timestamp) revert ProvenanceInvalidExpiry(expiresAt, uint64(block.timestamp));
        lotId = lotIdOf(gtin, lot);
        LotRecord storage record = _lots[lotId];
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

    /// @inheritdoc IProductRegistry
    function recall(bytes32 lotId, uint16 reason) external {
        bytes32 member = _requireMemberWhenNotPaused(msg.sender, MemberKinds.MANUFACTURER | MemberKinds.REGULATOR);
        LotRecord storage record = _lots[lotId];
        if (record.root == bytes32(0)) revert ProvenanceUnknownLot(lotId);
        LotInfo info = record.info;
        if (member != manufacturerOf(info.gtin()) && !consortium.isActiveMemberId(member, MemberKinds.REGULATOR)) {
            revert ProvenanceRecallNotAllowed(lotId, member);
        }
        if (info.recalled()) revert ProvenanceLotAlreadyRecalled(lotId);
        if (reason > uint16(type(RecallReason).max)) revert ProvenanceInvalidRecallReason(reason);
        record.info = info.withRecalled(reason, uint64(block.timestamp));
        emit LotRecalled(lotId, member, msg.sender, reason, BizStep.Holding, Disposition.Recalled);
    }

    /// @inheritdoc IProductRegistry
    function drawFromLot(bytes32 lotId, bytes32 memberId) external {
        if (msg.sender != custody) revert ProvenanceOnlyCustody(msg.sender);
        LotRecord storage record = _lots[lotId];
        if (record.root == bytes32(0)) revert ProvenanceUnknownLot(lotId);
        bytes32 manufacturer = record.manufacturer;
        if (manufacturer != memberId) revert ProvenanceNotLotManufacturer(lotId, manufacturer, memberId);
        LotInfo info = record.info;
        if (!info.drawn()) record.info = info.withDrawn();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IProductRegistry
    function lotOf(bytes32 lotId) external view returns (Lot memory) {
        LotRecord storage record = _lots[lotId];
        LotInfo info = record.info;
        return
            Lot(
                record.root,
                record.manufacturer,
                info.gtin(),
                info.expiresAt(),
                info.quantity(),
                info.recalled(),
                info.drawn(),
                info.recallReason(),
                info.recalledAt()
            );
    }

    /// @inheritdoc IProductRegistry
    function manufacturerOf(uint64 gtin) public view returns (bytes32) {
        CompanyPrefix prefix = _products[gtin];
        return CompanyPrefix.unwrap(prefix) == 0 ? bytes32(0) : _prefixes.holderOf[prefix];
    }

    /// @inheritdoc IProductRegistry
    function companyPrefixHolder(string calldata prefix) external view returns (bytes32) {
        return _prefixes.holderOf[CompanyPrefixes.parse(prefix)];
    }

    /// @inheritdoc IProductRegistry
    function companyPrefixOf(
        uint64 identifier,
        bool isSscc
    ) external view returns (uint8 prefixLength, bytes32 holder) {
        return _prefixes.find(identifier, isSscc ? SSCC_DIGITS : GTIN_DIGITS);
    }

    /// @inheritdoc IProductRegistry
    function requireSsccHolder(uint64 sscc, uint8 prefixLength, bytes32 memberId) external view {
        _prefixes.requireHeldBy(sscc, SSCC_DIGITS, prefixLength, memberId);
    }

    /// @inheritdoc IProductRegistry
    function lotIdOf(uint64 gtin, string calldata lot) public pure returns (bytes32) {
        return Gs1.lotIdOf(gtin, lot);
    }

    // ---------------------------------------------------------------- internals

    function _requirePrefixHolder(bytes32 memberId) private view {
        if (!consortium.isActiveMemberId(memberId, SUPPLY_CHAIN)) revert ProvenanceInvalidPrefixHolder(memberId);
    }

    // ---------------------------------------------------------------- batches

    /// @inheritdoc IMulticall
    function multicall(bytes[] calldata data) public override(IMulticall, Multicall) returns (bytes[] memory results) {
        return super.multicall(data);
    }
}
