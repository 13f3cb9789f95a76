// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGenomicQueries} from "../../interfaces/IGenomicQueries.sol";

/**
 * @notice A dataset's privacy-budget use in one word: consumed (64 bits, micro-epsilon made final by
 * a contribution) and reserved (64 bits, held by approved queries its lab has not contributed to).
 * The same word keeps one requester's use of one dataset (its share).
 */
type BudgetState is uint256;

using PrivacyBudget for BudgetState global;

/**
 * @title PrivacyBudget
 * @notice The budget rules, pure: a charge is reserved only if consumed + reserved + cost stays within
 * the budget; a reservation is later either consumed (the lab contributed) or released (it did not),
 * never both. Nothing here can take a dataset past its budget.
 */
library PrivacyBudget {
    uint256 internal constant CONSUMED_OFFSET = 0;
    uint256 internal constant RESERVED_OFFSET = 64;
    uint256 internal constant MASK_64 = 0xffffffffffffffff;

    function consumed(BudgetState s) internal pure returns (uint64) {
        return uint64((BudgetState.unwrap(s) >> CONSUMED_OFFSET) & MASK_64);
    }

    function reserved(BudgetState s) internal pure returns (uint64) {
        return uint64((BudgetState.unwrap(s) >> RESERVED_OFFSET) & MASK_64);
    }

    /// @notice Consumed plus reserved.
    function spent(BudgetState s) internal pure returns (uint256) {
        return uint256(s.consumed()) + s.reserved();
    }

    /// @notice What is left of `budget`; zero (never negative) when the alliance lowered it below `spent`.
    function remaining(BudgetState s, uint256 budget) internal pure returns (uint256) {
        uint256 used = s.spent();
        return budget > used ? budget - used : 0;
    }

    /**
     * @notice Reserves `cost`, reverting with `GenomicsBudgetExhausted` when it would exceed `budget`.
     * @param datasetKey named in the error
     */
    function reserve(
        BudgetState s,
        bytes32 datasetKey,
        uint256 cost,
        uint256 budget
    ) internal pure returns (BudgetState) {
        uint256 used = s.spent();
        if (used + cost > budget) revert IGenomicQueries.GenomicsBudgetExhausted(datasetKey, used, cost, budget);
        // used + cost <= budget < 2^48, so the reserved field cannot overflow its 64 bits.
        return _pack(s.consumed(), uint256(s.reserved()) + cost);
    }

    /**
     * @notice Reserves `cost` of one requester's share of a dataset, reverting with
     * `GenomicsRequesterShareExhausted` when the requester's consumed plus reserved would exceed `cap`.
     * @param datasetKey named in the error
     * @param requester named in the error
     */
    function reserveShare(
        BudgetState s,
        bytes32 datasetKey,
        bytes32 requester,
        uint256 cost,
        uint256 cap
    ) internal pure returns (BudgetState) {
        uint256 used = s.spent();
        if (used + cost > cap) {
            revert IGenomicQueries.GenomicsRequesterShareExhausted(datasetKey, requester, used, cost, cap);
        }
        return _pack(s.consumed(), uint256(s.reserved()) + cost);
    }

    /// @notice Makes `cost` of the reservation final (the caller checked it was reserved).
    function consume(BudgetState s, uint256 cost) internal pure returns (BudgetState) {
        return _pack(uint256(s.consumed()) + cost, uint256(s.reserved()) - cost);
    }

    /// @notice Returns `cost` of the reservation (the caller checked it was reserved).
    function release(BudgetState s, uint256 cost) internal pure returns (BudgetState) {
        return _pack(s.consumed(), uint256(s.reserved()) - cost);
    }

    function _pack(uint256 consumed_, uint256 reserved_) private pure returns (BudgetState) {
        return BudgetState.wrap((consumed_ << CONSUMED_OFFSET) | (reserved_ << RESERVED_OFFSET));
    }
}
