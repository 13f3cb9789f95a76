// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {Gs1} from "../libraries/Gs1.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {CompanyPrefix, CompanyPrefixes} from "./CompanyPrefixes.sol";

/**
 * @title Gs1Identifiers
 * @notice GS1 identifiers belong to their owners: the consortium assigns GS1 company prefixes to
 * members by vote (a governed call, so one rogue key cannot take over a brand), a product (GTIN) is
 * registered only by the holder of its prefix and follows the prefix on a transfer, and an SSCC is
 * packed only by the holder of its prefix.
 */
abstract contract Gs1Identifiers is IDrugProvenance, ConsortiumGuarded {
    using CompanyPrefixes for CompanyPrefixes.Book;

    /// @dev Members that may hold goods (and GS1 prefixes): manufacturers, distributors, pharmacies, hospitals.
    uint8 internal constant SUPPLY_CHAIN =
        MemberKinds.MANUFACTURER | MemberKinds.DISTRIBUTOR | MemberKinds.PHARMACY | MemberKinds.HOSPITAL;
    /// @dev Digits of a GTIN-14 and an SSCC-18.
    uint256 internal constant GTIN_DIGITS = 14;
    uint256 internal constant SSCC_DIGITS = 18;

    CompanyPrefixes.Book private _prefixes;
    /// @dev The company prefix each product was registered under: its owner is that prefix's holder.
    mapping(uint64 gtin => CompanyPrefix prefix) private _products;

    // ---------------------------------------------------------------- company prefixes (by vote)

    /// @inheritdoc IDrugProvenance
    function assignCompanyPrefix(string calldata prefix, bytes32 memberId) external onlyConsortiumVote {
        _requirePrefixHolder(memberId);
        _prefixes.assign(CompanyPrefixes.parse(prefix), memberId);
        emit CompanyPrefixAssigned(prefix, memberId, _currentProposal());
    }

    /// @inheritdoc IDrugProvenance
    function transferCompanyPrefix(string calldata prefix, bytes32 memberId) external onlyConsortiumVote {
        CompanyPrefix key = CompanyPrefixes.parse(prefix);
        bytes32 from = _prefixes.requireHolder(key);
        if (memberId == from) revert ProvenanceInvalidPrefixHolder(memberId);
        _requirePrefixHolder(memberId);
        _prefixes.holderOf[key] = memberId;
        emit CompanyPrefixTransferred(prefix, from, memberId, _currentProposal());
    }

    /// @inheritdoc IDrugProvenance
    function revokeCompanyPrefix(string calldata prefix) external onlyConsortiumVote {
        bytes32 holder = _prefixes.revoke(CompanyPrefixes.parse(prefix));
        emit CompanyPrefixRevoked(prefix, holder, _currentProposal());
    }

    // ---------------------------------------------------------------- products

    /// @inheritdoc IDrugProvenance
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

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDrugProvenance
    function manufacturerOf(uint64 gtin) public view returns (bytes32) {
        CompanyPrefix prefix = _products[gtin];
        return CompanyPrefix.unwrap(prefix) == 0 ? bytes32(0) : _prefixes.holderOf[prefix];
    }

    /// @inheritdoc IDrugProvenance
    function companyPrefixHolder(string calldata prefix) external view returns (bytes32) {
        return _prefixes.holderOf[CompanyPrefixes.parse(prefix)];
    }

    /// @inheritdoc IDrugProvenance
    function companyPrefixOf(
        uint64 identifier,
        bool isSscc
    ) external view returns (uint8 prefixLength, bytes32 holder) {
        return _prefixes.find(identifier, isSscc ? SSCC_DIGITS : GTIN_DIGITS);
    }

    // ---------------------------------------------------------------- for the custody core

    /// @dev Requires `gtin` to be a registered product whose prefix `member` holds.
    function _requireProductOwner(uint64 gtin, bytes32 member) internal view {
        CompanyPrefix prefix = _products[gtin];
        if (CompanyPrefix.unwrap(prefix) == 0) revert ProvenanceUnknownProduct(gtin);
        if (_prefixes.holderOf[prefix] != member) revert ProvenanceNotProductOwner(gtin, member);
    }

    /// @dev Requires the `prefixLength`-digit company prefix of `sscc` to be held by `member`.
    function _requireSsccPrefix(uint64 sscc, uint8 prefixLength, bytes32 member) internal view {
        _prefixes.requireHeldBy(sscc, SSCC_DIGITS, prefixLength, member);
    }

    function _requirePrefixHolder(bytes32 memberId) private view {
        if (!consortium.isActiveMemberId(memberId, SUPPLY_CHAIN)) revert ProvenanceInvalidPrefixHolder(memberId);
    }
}
