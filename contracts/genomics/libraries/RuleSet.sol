// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAllianceRules} from "../../interfaces/IAllianceRules.sol";

/**
 * @notice The alliance's numeric rules packed into one storage word: budget (48 bits), costPerQuery
 * (48), costPerCell (48), minCellCount (32), minLabs (8), answerWindow (32), version (32),
 * requesterShare (8, percent of the budget one requester may spend on a dataset). A query's approval
 * reads them with one SLOAD.
 */
type RuleSet is uint256;

using RuleSetLibrary for RuleSet global;

/// @title RuleSetLibrary
/// @notice Named-offset accessors and updaters of `RuleSet`.
library RuleSetLibrary {
    uint256 internal constant BUDGET_OFFSET = 0;
    uint256 internal constant COST_PER_QUERY_OFFSET = 48;
    uint256 internal constant COST_PER_CELL_OFFSET = 96;
    uint256 internal constant MIN_CELL_COUNT_OFFSET = 144;
    uint256 internal constant MIN_LABS_OFFSET = 176;
    uint256 internal constant ANSWER_WINDOW_OFFSET = 184;
    uint256 internal constant VERSION_OFFSET = 216;
    uint256 internal constant REQUESTER_SHARE_OFFSET = 248;

    uint256 internal constant MASK_8 = 0xff;
    uint256 internal constant MASK_32 = 0xffffffff;
    uint256 internal constant MASK_48 = 0xffffffffffff;

    function budget(RuleSet r) internal pure returns (uint48) {
        return uint48(_get(r, BUDGET_OFFSET, MASK_48));
    }

    function costPerQuery(RuleSet r) internal pure returns (uint48) {
        return uint48(_get(r, COST_PER_QUERY_OFFSET, MASK_48));
    }

    function costPerCell(RuleSet r) internal pure returns (uint48) {
        return uint48(_get(r, COST_PER_CELL_OFFSET, MASK_48));
    }

    function minCellCount(RuleSet r) internal pure returns (uint32) {
        return uint32(_get(r, MIN_CELL_COUNT_OFFSET, MASK_32));
    }

    function minLabs(RuleSet r) internal pure returns (uint8) {
        return uint8(_get(r, MIN_LABS_OFFSET, MASK_8));
    }

    function answerWindow(RuleSet r) internal pure returns (uint32) {
        return uint32(_get(r, ANSWER_WINDOW_OFFSET, MASK_32));
    }

    function version(RuleSet r) internal pure returns (uint32) {
        return uint32(_get(r, VERSION_OFFSET, MASK_32));
    }

    /// @notice Percent of a dataset's budget one requester may spend on it (consumed plus reserved).
    function requesterShare(RuleSet r) internal pure returns (uint8) {
        return uint8(_get(r, REQUESTER_SHARE_OFFSET, MASK_8));
    }

    /// @notice What one requester may spend on one dataset: `requesterShare` percent of the budget.
    function requesterCap(RuleSet r) internal pure returns (uint256) {
        return (uint256(r.budget()) * r.requesterShare()) / 100;
    }

    /// @notice Whether every rule a query needs has been voted (budget, release rules, window).
    function complete(RuleSet r) internal pure returns (bool) {
        return r.budget() != 0 && r.minLabs() != 0 && r.answerWindow() != 0;
    }

    /// @notice What a query of `cells` cells charges each dataset.
    function costOf(RuleSet r, uint256 cells) internal pure returns (uint256) {
        return uint256(r.costPerQuery()) + uint256(r.costPerCell()) * cells;
    }

    function withBudget(
        RuleSet r,
        uint48 budget_,
        uint48 perQuery,
        uint48 perCell,
        uint8 share
    ) internal pure returns (RuleSet) {
        r = _set(r, BUDGET_OFFSET, MASK_48, budget_);
        r = _set(r, COST_PER_QUERY_OFFSET, MASK_48, perQuery);
        r = _set(r, COST_PER_CELL_OFFSET, MASK_48, perCell);
        return _set(r, REQUESTER_SHARE_OFFSET, MASK_8, share);
    }

    function withRelease(RuleSet r, uint32 minCellCount_, uint8 minLabs_) internal pure returns (RuleSet) {
        r = _set(r, MIN_CELL_COUNT_OFFSET, MASK_32, minCellCount_);
        return _set(r, MIN_LABS_OFFSET, MASK_8, minLabs_);
    }

    function withAnswerWindow(RuleSet r, uint32 window) internal pure returns (RuleSet) {
        return _set(r, ANSWER_WINDOW_OFFSET, MASK_32, window);
    }

    /// @notice The same rules with the version incremented.
    function bumped(RuleSet r) internal pure returns (RuleSet) {
        return _set(r, VERSION_OFFSET, MASK_32, uint256(r.version()) + 1);
    }

    /// @notice The rules as the interface's struct.
    function unpack(RuleSet r) internal pure returns (IAllianceRules.Rules memory) {
        return
            IAllianceRules.Rules({
                budget: r.budget(),
                costPerQuery: r.costPerQuery(),
                costPerCell: r.costPerCell(),
                requesterShare: r.requesterShare(),
                minCellCount: r.minCellCount(),
                minLabs: r.minLabs(),
                answerWindow: r.answerWindow(),
                version: r.version()
            });
    }

    function _get(RuleSet r, uint256 offset, uint256 mask) private pure returns (uint256) {
        return (RuleSet.unwrap(r) >> offset) & mask;
    }

    function _set(RuleSet r, uint256 offset, uint256 mask, uint256 value) private pure returns (RuleSet) {
        return RuleSet.wrap((RuleSet.unwrap(r) & ~(mask << offset)) | ((value & mask) << offset));
    }
}
