// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {IProvenanceTypes} from "../interfaces/IProvenanceTypes.sol";

/**
 * @notice The packed word of a pack or container: what it is, where it stands and (containers) how
 * many children its packer declared. Layout, from the low bits: kind (8), state (8), count (32).
 */
type ItemInfo is uint256;

/**
 * @notice The packed word of a lot: its GTIN, expiry, quantity, two flags and its recall. Layout, from
 * the low bits: gtin (64), expiresAt (64), quantity (32), recalled (8), drawn (8), recallReason (16),
 * recalledAt (64): the whole word, so a recall costs no extra slot.
 */
type LotInfo is uint256;

using SupplySlots for ItemInfo global;
using SupplySlots for LotInfo global;

/**
 * @title SupplySlots
 * @notice Typed access to DrugProvenance's packed storage words (named offsets, no magic shifts).
 */
library SupplySlots {
    uint256 private constant KIND_OFFSET = 0;
    uint256 private constant STATE_OFFSET = 8;
    uint256 private constant COUNT_OFFSET = 16;

    uint256 private constant GTIN_OFFSET = 0;
    uint256 private constant EXPIRES_OFFSET = 64;
    uint256 private constant QUANTITY_OFFSET = 128;
    uint256 private constant RECALLED_OFFSET = 160;
    uint256 private constant DRAWN_OFFSET = 168;
    uint256 private constant RECALL_REASON_OFFSET = 176;
    uint256 private constant RECALLED_AT_OFFSET = 192;

    uint256 private constant MASK_8 = 0xff;
    uint256 private constant MASK_16 = 0xffff;
    uint256 private constant MASK_32 = 0xffffffff;
    uint256 private constant MASK_64 = 0xffffffffffffffff;

    // ---------------------------------------------------------------- ItemInfo

    /// @notice A new pack or container word.
    function newItem(
        IDrugProvenance.ItemKind kind_,
        IProvenanceTypes.ItemState state_,
        uint32 count_
    ) internal pure returns (ItemInfo) {
        return
            ItemInfo.wrap(
                (uint256(kind_) << KIND_OFFSET) | (uint256(state_) << STATE_OFFSET) | (uint256(count_) << COUNT_OFFSET)
            );
    }

    /// @notice What the item is (None: never seen on chain).
    function kind(ItemInfo info) internal pure returns (IDrugProvenance.ItemKind) {
        return IDrugProvenance.ItemKind((ItemInfo.unwrap(info) >> KIND_OFFSET) & MASK_8);
    }

    /// @notice Where the item stands.
    function state(ItemInfo info) internal pure returns (IProvenanceTypes.ItemState) {
        return IProvenanceTypes.ItemState((ItemInfo.unwrap(info) >> STATE_OFFSET) & MASK_8);
    }

    /// @notice A container's declared number of children.
    function count(ItemInfo info) internal pure returns (uint32) {
        return uint32((ItemInfo.unwrap(info) >> COUNT_OFFSET) & MASK_32);
    }

    /// @notice The same word with another state.
    function withState(ItemInfo info, IProvenanceTypes.ItemState state_) internal pure returns (ItemInfo) {
        uint256 cleared = ItemInfo.unwrap(info) & ~(MASK_8 << STATE_OFFSET);
        return ItemInfo.wrap(cleared | (uint256(state_) << STATE_OFFSET));
    }

    // ---------------------------------------------------------------- LotInfo

    /// @notice A new lot word (not recalled, not drawn).
    function newLot(uint64 gtin_, uint64 expiresAt_, uint32 quantity_) internal pure returns (LotInfo) {
        return
            LotInfo.wrap(
                (uint256(gtin_) << GTIN_OFFSET) |
                    (uint256(expiresAt_) << EXPIRES_OFFSET) |
                    (uint256(quantity_) << QUANTITY_OFFSET)
            );
    }

    /// @notice The lot's product (GTIN-14).
    function gtin(LotInfo info) internal pure returns (uint64) {
        return uint64((LotInfo.unwrap(info) >> GTIN_OFFSET) & MASK_64);
    }

    /// @notice Unix seconds from which the lot is expired.
    function expiresAt(LotInfo info) internal pure returns (uint64) {
        return uint64((LotInfo.unwrap(info) >> EXPIRES_OFFSET) & MASK_64);
    }

    /// @notice The number of packs commissioned.
    function quantity(LotInfo info) internal pure returns (uint32) {
        return uint32((LotInfo.unwrap(info) >> QUANTITY_OFFSET) & MASK_32);
    }

    /// @notice Whether the lot was recalled.
    function recalled(LotInfo info) internal pure returns (bool) {
        return (LotInfo.unwrap(info) >> RECALLED_OFFSET) & MASK_8 != 0;
    }

    /// @notice Whether a case was packed from the lot by reference (its packs' places are then only
    /// known through their cases, so the lot no longer vouches for any pack's place).
    function drawn(LotInfo info) internal pure returns (bool) {
        return (LotInfo.unwrap(info) >> DRAWN_OFFSET) & MASK_8 != 0;
    }

    /// @notice Why the lot was recalled (a `RecallReason` code; 0 unspecified or not recalled).
    function recallReason(LotInfo info) internal pure returns (uint16) {
        return uint16((LotInfo.unwrap(info) >> RECALL_REASON_OFFSET) & MASK_16);
    }

    /// @notice Unix seconds of the recall (0: not recalled).
    function recalledAt(LotInfo info) internal pure returns (uint64) {
        return uint64((LotInfo.unwrap(info) >> RECALLED_AT_OFFSET) & MASK_64);
    }

    /// @notice The same word, recalled at `at` for `reason`.
    function withRecalled(LotInfo info, uint16 reason, uint64 at) internal pure returns (LotInfo) {
        return
            LotInfo.wrap(
                LotInfo.unwrap(info) |
                    (uint256(1) << RECALLED_OFFSET) |
                    (uint256(reason) << RECALL_REASON_OFFSET) |
                    (uint256(at) << RECALLED_AT_OFFSET)
            );
    }

    /// @notice The same word, drawn.
    function withDrawn(LotInfo info) internal pure returns (LotInfo) {
        return LotInfo.wrap(LotInfo.unwrap(info) | (uint256(1) << DRAWN_OFFSET));
    }
}
