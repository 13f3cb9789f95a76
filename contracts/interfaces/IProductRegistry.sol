// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMulticall} from "./IMulticall.sol";
import {IProvenanceTypes} from "./IProvenanceTypes.sol";

/**
 * @title IProductRegistry
 * @notice What exists in a consortium's drug supply and who owns it: GS1 company prefixes bound to
 * members by consortium vote, products (GTIN-14) registered under them, and lots (one Merkle root
 * over their packs' tags) commissioned by the product's owner. `DrugProvenance` creates it and asks
 * it about prefixes and lots; where the packs are is `DrugProvenance`'s. The whole external API of
 * `ProductRegistry`.
 *
 * A lot is `lotId = keccak256(abi.encode(gtin, lotNumber))`. A product belongs to whoever holds its
 * company prefix now: a transfer of the prefix moves the brand's products (and the right to recall
 * its lots), a revocation stops their commissioning.
 */
interface IProductRegistry is IProvenanceTypes, IMulticall {
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
    /// @dev A lot was recalled by its brand owner or a regulator, for `reason` (a `RecallReason` code).
    event LotRecalled(
        bytes32 indexed lotId,
        bytes32 indexed memberId,
        address account,
        uint16 reason,
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

    /// @notice Commissions a lot of a product whose prefix the caller holds: one root over its packs'
    /// tags (see `IDrugProvenance`).
    function commissionLot(
        uint64 gtin,
        string calldata lot,
        uint64 expiresAt,
        uint32 quantity,
        bytes32 root
    ) external returns (bytes32 lotId);

    /// @notice Recalls a lot (the holder of its product's prefix, or a regulator), for `reason` (a
    /// `RecallReason` code); the reason and the time are kept in the lot (`lotOf`).
    function recall(bytes32 lotId, uint16 reason) external;

    /**
     * @notice Marks lot `lotId` drawn (a case was packed from it by reference) for its manufacturer
     * `memberId`, refusing anyone else. Only the `DrugProvenance` that created this registry.
     */
    function drawFromLot(bytes32 lotId, bytes32 memberId) external;

    // ---------------------------------------------------------------- views

    /// @notice The `DrugProvenance` that created this registry (the only one that draws from lots).
    function custody() external view returns (address);

    /// @notice A lot (zero root: no such lot).
    function lotOf(bytes32 lotId) external view returns (Lot memory);

    /// @notice The current holder of the registered product's company prefix (zero if none).
    function manufacturerOf(uint64 gtin) external view returns (bytes32);

    /// @notice The member holding company prefix `prefix` (zero if none).
    function companyPrefixHolder(string calldata prefix) external view returns (bytes32);

    /// @notice The assigned company prefix of a GTIN-14 (`isSscc` false) or SSCC-18, and its holder
    /// (zero length and holder if none): what to pass as `prefixLength`.
    function companyPrefixOf(uint64 identifier, bool isSscc) external view returns (uint8 prefixLength, bytes32 holder);

    /// @notice Reverts unless the `prefixLength`-digit company prefix of SSCC `sscc` is held by `memberId`.
    function requireSsccHolder(uint64 sscc, uint8 prefixLength, bytes32 memberId) external view;

    /// @notice The id of lot `lot` of product `gtin`.
    function lotIdOf(uint64 gtin, string calldata lot) external pure returns (bytes32);
}
