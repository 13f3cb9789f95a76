// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title Gs1
 * @notice GS1 check digits on chain: GTIN-14 and SSCC-18 held as unsigned integers (their decimal
 * digits, leading zeros implied). GS1 General Specifications 7.9: weights 3 and 1 alternate from the
 * digit next to the check digit, and the check digit brings the sum to a multiple of ten.
 */
library Gs1 {
    uint256 private constant GTIN14_LIMIT = 1e14;
    uint256 private constant SSCC18_LIMIT = 1e18;

    /// @notice The check digit of `body`, the identifier's digits without its check digit.
    function checkDigit(uint256 body) internal pure returns (uint256) {
        uint256 sum;
        uint256 weight = 3;
        while (body != 0) {
            sum += (body % 10) * weight;
            body /= 10;
            weight = 4 - weight; // 3, 1, 3, 1, ...
        }
        return (10 - (sum % 10)) % 10;
    }

    /// @notice Whether `gtin` is a non-zero GTIN-14 whose last digit is its check digit.
    function isValidGtin14(uint64 gtin) internal pure returns (bool) {
        return gtin != 0 && gtin < GTIN14_LIMIT && gtin % 10 == checkDigit(gtin / 10);
    }

    /// @notice Whether `sscc` is a non-zero SSCC-18 whose last digit is its check digit.
    function isValidSscc(uint64 sscc) internal pure returns (bool) {
        return sscc != 0 && sscc < SSCC18_LIMIT && sscc % 10 == checkDigit(sscc / 10);
    }

    /// @notice The on-chain id of lot `lot` of product `gtin`: `keccak256(abi.encode(gtin, lot))`.
    function lotIdOf(uint64 gtin, string calldata lot) internal pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }
}
