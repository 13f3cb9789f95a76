// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProvenanceTypes} from "../interfaces/IProvenanceTypes.sol";

/**
 * @notice A GS1 Company Prefix as a map key: its digits read as a number (low 40 bits) and its length
 * in digits above them, so "0614141" and "614141" (or "06141410") are different keys. GS1 prefixes
 * are 4 to 12 digits long; 10^12 < 2^40.
 */
type CompanyPrefix is uint64;

using CompanyPrefixes for CompanyPrefix global;

/**
 * @title CompanyPrefixes
 * @notice GS1 Company Prefixes bound to members (issue 8, point 15): the one owner of the prefix rules.
 *
 * A GTIN-14 is an indicator digit, the company prefix, an item reference and a check digit; an SSCC-18
 * is an extension digit, the company prefix, a serial reference and a check digit. Prefixes are
 * variable length, so the caller names the length of its prefix and the contract checks that exactly
 * that prefix of the identifier is assigned to it: one storage read, no search.
 *
 * Assigned prefixes never overlap (no assigned prefix starts with another assigned one), as GS1
 * allocates them: otherwise the holders of "0614141" and "06141410" could both claim the GTINs that
 * start with the longer one. Each prefix counts the assigned prefixes that extend it, so an
 * assignment checks both directions with at most eight reads and writes.
 */
library CompanyPrefixes {
    /// @dev The shortest and longest GS1 Company Prefix, in digits.
    uint256 internal constant MIN_LENGTH = 4;
    uint256 internal constant MAX_LENGTH = 12;
    /// @dev Where the length sits in a `CompanyPrefix` (the digits are the bits below).
    uint256 private constant LENGTH_OFFSET = 40;
    uint256 private constant DIGITS_MASK = (uint256(1) << LENGTH_OFFSET) - 1;

    /// @notice The prefixes assigned to members.
    struct Book {
        mapping(CompanyPrefix prefix => bytes32 memberId) holderOf; // zero: not assigned
        mapping(CompanyPrefix prefix => uint256 count) longerAssigned; // assigned prefixes extending it
    }

    // ---------------------------------------------------------------- the type

    /// @notice The prefix of `digitCount` digits with numeric value `value`.
    function pack(uint256 value, uint256 digitCount) internal pure returns (CompanyPrefix) {
        return CompanyPrefix.wrap(uint64((digitCount << LENGTH_OFFSET) | value));
    }

    /// @notice The number of digits of `prefix`.
    function length(CompanyPrefix prefix) internal pure returns (uint256) {
        return CompanyPrefix.unwrap(prefix) >> LENGTH_OFFSET;
    }

    /// @notice The digits of `prefix` read as a number.
    function digits(CompanyPrefix prefix) internal pure returns (uint256) {
        return CompanyPrefix.unwrap(prefix) & DIGITS_MASK;
    }

    /// @notice The first `shorter` digits of `prefix`.
    function truncate(CompanyPrefix prefix, uint256 shorter) internal pure returns (CompanyPrefix) {
        return pack(prefix.digits() / 10 ** (prefix.length() - shorter), shorter);
    }

    /**
     * @notice The company prefix of `prefixLength` digits in `identifier`, a GS1 key of
     * `identifierDigits` digits (14 for a GTIN, 18 for an SSCC) whose first digit is its indicator or
     * extension digit and whose last is its check digit.
     */
    function ofIdentifier(
        uint64 identifier,
        uint256 identifierDigits,
        uint8 prefixLength
    ) internal pure returns (CompanyPrefix) {
        if (prefixLength < MIN_LENGTH || prefixLength > MAX_LENGTH) {
            revert IProvenanceTypes.ProvenanceInvalidPrefixLength(identifier, prefixLength);
        }
        uint256 below = identifierDigits - 1 - prefixLength;
        return pack((uint256(identifier) / 10 ** below) % 10 ** prefixLength, prefixLength);
    }

    /// @notice Parses "0614141" (4 to 12 decimal digits) into a prefix.
    function parse(string calldata text) internal pure returns (CompanyPrefix) {
        bytes calldata b = bytes(text);
        if (b.length < MIN_LENGTH || b.length > MAX_LENGTH)
            revert IProvenanceTypes.ProvenanceInvalidCompanyPrefix(text);
        uint256 value;
        for (uint256 i = 0; i < b.length; ++i) {
            uint8 c = uint8(b[i]);
            if (c < 0x30 || c > 0x39) revert IProvenanceTypes.ProvenanceInvalidCompanyPrefix(text);
            value = value * 10 + (c - 0x30);
        }
        return pack(value, b.length);
    }

    /// @notice The prefix's digits as text, leading zeros included.
    function toText(CompanyPrefix prefix) internal pure returns (string memory) {
        uint256 n = prefix.length();
        uint256 value = prefix.digits();
        bytes memory out = new bytes(n);
        for (uint256 i = n; i > 0; --i) {
            out[i - 1] = bytes1(uint8(0x30 + (value % 10)));
            value /= 10;
        }
        return string(out);
    }

    // ---------------------------------------------------------------- the book

    /// @notice Assigns an unassigned prefix that neither extends nor is extended by an assigned one.
    function assign(Book storage book, CompanyPrefix prefix, bytes32 memberId) internal {
        bytes32 holder = book.holderOf[prefix];
        if (holder != bytes32(0)) revert IProvenanceTypes.ProvenanceCompanyPrefixTaken(prefix.toText(), holder);
        uint256 longer = book.longerAssigned[prefix];
        if (longer != 0) revert IProvenanceTypes.ProvenanceCompanyPrefixCoversAssigned(prefix.toText(), longer);
        for (uint256 k = MIN_LENGTH; k < prefix.length(); ++k) {
            CompanyPrefix shorter = prefix.truncate(k);
            if (book.holderOf[shorter] != bytes32(0)) {
                revert IProvenanceTypes.ProvenanceCompanyPrefixOverlaps(prefix.toText(), shorter.toText());
            }
            book.longerAssigned[shorter] += 1;
        }
        book.holderOf[prefix] = memberId;
    }

    /// @notice Removes an assigned prefix; returns its holder.
    function revoke(Book storage book, CompanyPrefix prefix) internal returns (bytes32 holder) {
        holder = requireHolder(book, prefix);
        delete book.holderOf[prefix];
        for (uint256 k = MIN_LENGTH; k < prefix.length(); ++k) book.longerAssigned[prefix.truncate(k)] -= 1;
    }

    /// @notice The holder of an assigned prefix (reverts if it is not assigned).
    function requireHolder(Book storage book, CompanyPrefix prefix) internal view returns (bytes32 holder) {
        holder = book.holderOf[prefix];
        if (holder == bytes32(0)) revert IProvenanceTypes.ProvenanceCompanyPrefixNotAssigned(prefix.toText());
    }

    /**
     * @notice Requires the `prefixLength`-digit company prefix of `identifier` to be assigned to
     * `memberId`, and returns it.
     */
    function requireHeldBy(
        Book storage book,
        uint64 identifier,
        uint256 identifierDigits,
        uint8 prefixLength,
        bytes32 memberId
    ) internal view returns (CompanyPrefix prefix) {
        prefix = ofIdentifier(identifier, identifierDigits, prefixLength);
        bytes32 holder = book.holderOf[prefix];
        if (holder != memberId) {
            revert IProvenanceTypes.ProvenanceNotPrefixHolder(identifier, prefixLength, holder, memberId);
        }
    }

    /// @notice The assigned company prefix of `identifier` and its holder (zero length and holder if none).
    function find(
        Book storage book,
        uint64 identifier,
        uint256 identifierDigits
    ) internal view returns (uint8 prefixLength, bytes32 holder) {
        for (uint256 k = MIN_LENGTH; k <= MAX_LENGTH; ++k) {
            holder = book.holderOf[ofIdentifier(identifier, identifierDigits, uint8(k))];
            if (holder != bytes32(0)) return (uint8(k), holder);
        }
        return (0, bytes32(0));
    }
}
