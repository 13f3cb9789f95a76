// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {BudgetState, PrivacyBudget} from "../../../contracts/genomics/libraries/PrivacyBudget.sol";
import {IGenomicQueries} from "../../../contracts/interfaces/IGenomicQueries.sol";
import {RuleSet} from "../../../contracts/genomics/libraries/RuleSet.sol";
import {ClinVarReview, TierCounts} from "../../../contracts/genomics/libraries/ClinVarReview.sol";
import {IVariantInterpretations} from "../../../contracts/interfaces/IVariantInterpretations.sol";

/// @dev Calls the library through an external function so reverts can be expected.
contract BudgetHarness {
    function reserve(uint256 word, uint256 cost, uint256 budget) external pure returns (uint256) {
        return BudgetState.unwrap(BudgetState.wrap(word).reserve(bytes32("d"), cost, budget));
    }

    function reserveShare(uint256 word, uint256 cost, uint256 cap) external pure returns (uint256) {
        return BudgetState.unwrap(BudgetState.wrap(word).reserveShare(bytes32("d"), bytes32("r"), cost, cap));
    }

    function requesterCap(uint48 budget, uint8 share) external pure returns (uint256) {
        return RuleSet.wrap(0).withBudget(budget, 0, 1, share).requesterCap();
    }
}

/// @notice Properties of the privacy-budget arithmetic and of the ClinVar aggregation.
contract PrivacyBudgetFuzzTest is TestBase {
    BudgetHarness internal harness = new BudgetHarness();

    function _state(uint64 consumed, uint64 reserved) private pure returns (BudgetState) {
        return BudgetState.wrap(uint256(consumed) | (uint256(reserved) << 64));
    }

    /// A reservation succeeds exactly when it keeps consumed + reserved within the budget.
    function testFuzz_reserveNeverExceedsTheBudget(
        uint48 consumed,
        uint48 reserved,
        uint48 cost,
        uint48 budget
    ) public {
        BudgetState s = _state(consumed, reserved);
        uint256 spent = uint256(consumed) + reserved;
        if (spent + cost > budget) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IGenomicQueries.GenomicsBudgetExhausted.selector,
                    bytes32("d"),
                    spent,
                    uint256(cost),
                    uint256(budget)
                )
            );
            harness.reserve(BudgetState.unwrap(s), cost, budget);
        } else {
            BudgetState after_ = BudgetState.wrap(harness.reserve(BudgetState.unwrap(s), cost, budget));
            assertLe(after_.spent(), budget, "spent <= budget");
            assertEq(after_.consumed(), consumed, "reserve leaves consumed alone");
            assertEq(after_.reserved(), uint256(reserved) + cost, "reserved grows by the cost");
        }
    }

    /// A requester's reservation succeeds exactly when it keeps its consumed + reserved within its share.
    function testFuzz_reserveShareNeverExceedsTheCap(uint48 consumed, uint48 reserved, uint48 cost, uint48 cap) public {
        BudgetState s = _state(consumed, reserved);
        uint256 spent = uint256(consumed) + reserved;
        if (spent + cost > cap) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IGenomicQueries.GenomicsRequesterShareExhausted.selector,
                    bytes32("d"),
                    bytes32("r"),
                    spent,
                    uint256(cost),
                    uint256(cap)
                )
            );
            harness.reserveShare(BudgetState.unwrap(s), cost, cap);
        } else {
            BudgetState after_ = BudgetState.wrap(harness.reserveShare(BudgetState.unwrap(s), cost, cap));
            assertLe(after_.spent(), cap, "spent <= share");
            assertEq(after_.consumed(), consumed, "reserve leaves consumed alone");
            assertEq(after_.reserved(), uint256(reserved) + cost, "reserved grows by the cost");
        }
    }

    /// One requester's share is never more than half of a budget, so at least half stays open to others.
    function testFuzz_aShareLeavesAtLeastHalfToTheOthers(uint48 budget, uint8 share) public view {
        share = 1 + (share % 50); // the range setBudgetRule accepts
        uint256 cap = harness.requesterCap(budget, share);
        assertLe(2 * cap, budget, "one requester's cap <= half the budget");
        assertEq(cap, (uint256(budget) * share) / 100, "cap = share percent of the budget");
    }

    /// Consuming or releasing a reservation never changes more than it should, and never adds spend.
    function testFuzz_consumeAndReleaseConserve(uint48 consumed, uint48 reserved, uint48 cost) public pure {
        vm.assume(cost <= reserved);
        BudgetState s = _state(consumed, reserved);
        BudgetState c = s.consume(cost);
        assertEq(c.spent(), s.spent(), "consuming moves spend, it adds none");
        assertEq(c.consumed(), uint256(consumed) + cost, "consumed grows by the cost");
        BudgetState r = s.release(cost);
        assertEq(r.spent() + cost, s.spent(), "releasing returns exactly the cost");
        assertEq(r.consumed(), consumed, "releasing never touches what is final");
    }

    /// What remains is never negative, even when the alliance lowered the budget below what was spent.
    function testFuzz_remainingSaturatesAtZero(uint48 consumed, uint48 reserved, uint48 budget) public pure {
        BudgetState s = _state(consumed, reserved);
        uint256 spent = uint256(consumed) + reserved;
        assertEq(s.remaining(budget), budget > spent ? budget - spent : 0, "remaining = max(0, budget - spent)");
    }

    /// The aggregate is never a majority pick: with two groups present it is a conflict, at most 1 star.
    function testFuzz_disagreementIsAConflictNeverAMajority(uint8 p, uint8 b, uint8 vus) public pure {
        TierCounts c;
        for (uint256 i = 0; i < p % 6; ++i) c = c.added(IVariantInterpretations.Significance.Pathogenic, true);
        for (uint256 i = 0; i < b % 6; ++i) c = c.added(IVariantInterpretations.Significance.Benign, true);
        for (uint256 i = 0; i < vus % 6; ++i) {
            c = c.added(IVariantInterpretations.Significance.UncertainSignificance, true);
        }
        uint256 groups = (p % 6 > 0 ? 1 : 0) + (b % 6 > 0 ? 1 : 0) + (vus % 6 > 0 ? 1 : 0);
        (IVariantInterpretations.Aggregate agg, uint8 stars, bool conflict) = c.review(
            IVariantInterpretations.Significance.None
        );
        if (groups > 1) {
            assertTrue(conflict && agg == IVariantInterpretations.Aggregate.Conflicting, "disagreement shows");
            assertEq(stars, 1, "a conflict has one star");
        } else {
            assertTrue(!conflict, "agreement is no conflict");
        }
    }

    /// The alliance's expert panel decides the aggregate at three stars, whatever the other submissions.
    function testFuzz_expertPanelGivesItsTierAtThreeStars(uint8 tier, uint8 others) public pure {
        IVariantInterpretations.Significance expert = IVariantInterpretations.Significance(1 + (tier % 5));
        TierCounts c;
        for (uint256 i = 0; i < others % 4; ++i) {
            c = c.added(IVariantInterpretations.Significance(1 + ((others + i) % 5)), true);
        }
        (IVariantInterpretations.Aggregate agg, uint8 stars, ) = c.review(expert);
        IVariantInterpretations.Aggregate[5] memory single = [
            IVariantInterpretations.Aggregate.Benign,
            IVariantInterpretations.Aggregate.LikelyBenign,
            IVariantInterpretations.Aggregate.UncertainSignificance,
            IVariantInterpretations.Aggregate.LikelyPathogenic,
            IVariantInterpretations.Aggregate.Pathogenic
        ];
        assertEq(uint8(agg), uint8(single[tier % 5]), "the panel's tier is the aggregate");
        assertEq(stars, 3, "reviewed by expert panel");
    }
}
