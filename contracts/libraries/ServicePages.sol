// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ServicePages
 * @notice The packed duplicate keys of one provider's services to one patient on one UTC day. A day
 * has pages (storage words) of three entries; an entry names the claim holding one service code:
 *   [0, 40)  claimId   (0: empty; entries fill pages in order, so the first empty one ends the day)
 *   [40, 85) tag       the low 45 bits of keccak256(dayKey, code)
 * Three services share one storage slot instead of one slot each, which is what keeps a three-line
 * claim under its gas target. The tag is salted by the day key, so two codes of a plan collide only
 * with probability 2^-45 per pair and day; a collision can only make a claim look like a duplicate
 * (CARC 18), never let a real duplicate through: the same code always has the same tag.
 */
library ServicePages {
    /// @notice Entries per page.
    uint256 internal constant PER_PAGE = 3;

    uint256 private constant CLAIM_BITS = 40;
    uint256 private constant ENTRY_BITS = 85;
    uint256 private constant CLAIM_MASK = (1 << 40) - 1;
    uint256 private constant TAG_MASK = (1 << 45) - 1;
    uint256 private constant ENTRY_MASK = (1 << 85) - 1;

    /// @notice The tag of a service code on a day.
    function tag(bytes32 dayKey, bytes32 code) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(dayKey, code))) & TAG_MASK;
    }

    /// @notice The claim id and tag of entry `index` of a page.
    function entryAt(uint256 page, uint256 index) internal pure returns (uint256 claimId, uint256 tag_) {
        uint256 entry = (page >> (index * ENTRY_BITS)) & ENTRY_MASK;
        return (entry & CLAIM_MASK, entry >> CLAIM_BITS);
    }

    /// @notice The page with entry `index` set to (`claimId`, `tag_`).
    function withEntry(uint256 page, uint256 index, uint256 claimId, uint256 tag_) internal pure returns (uint256) {
        uint256 shift = index * ENTRY_BITS;
        return
            (page & ~(ENTRY_MASK << shift)) | ((((tag_ & TAG_MASK) << CLAIM_BITS) | (claimId & CLAIM_MASK)) << shift);
    }
}
