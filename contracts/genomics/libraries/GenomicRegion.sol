// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title GenomicRegion
 * @notice A GRCh38 region packed into a `uint256`: chromosome (8 bits: 1-22, 23 = X, 24 = Y, 25 = MT),
 * start (40 bits) and end (40 bits), 1-based inclusive. Zero means "no region" (a variant-list query).
 */
library GenomicRegion {
    uint256 internal constant CHROMOSOME_OFFSET = 0;
    uint256 internal constant START_OFFSET = 8;
    uint256 internal constant END_OFFSET = 48;
    uint256 internal constant MASK_8 = 0xff;
    uint256 internal constant MASK_40 = 0xffffffffff;
    uint256 internal constant USED_BITS = 88;
    uint8 internal constant MAX_CHROMOSOME = 25;

    function chromosome(uint256 region) internal pure returns (uint8) {
        return uint8((region >> CHROMOSOME_OFFSET) & MASK_8);
    }

    function start(uint256 region) internal pure returns (uint40) {
        return uint40((region >> START_OFFSET) & MASK_40);
    }

    function end(uint256 region) internal pure returns (uint40) {
        return uint40((region >> END_OFFSET) & MASK_40);
    }

    /// @notice Whether `region` is zero or a well-formed region (known chromosome, 1 <= start <= end).
    function isValid(uint256 region) internal pure returns (bool) {
        if (region == 0) return true;
        uint8 chrom = chromosome(region);
        uint40 s = start(region);
        return region >> USED_BITS == 0 && chrom >= 1 && chrom <= MAX_CHROMOSOME && s >= 1 && s <= end(region);
    }
}
