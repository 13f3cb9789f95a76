// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVariantInterpretations} from "../../interfaces/IVariantInterpretations.sol";

/**
 * @notice Per-tier submission counts of one variant and condition, in one word: five 24-bit counters
 * for submissions with assertion criteria (offset 0, tiers Benign .. Pathogenic) and five for
 * submissions without (offset 120).
 */
type TierCounts is uint256;

using ClinVarReview for TierCounts global;

/**
 * @title ClinVarReview
 * @notice ClinVar's aggregation rules, pure: the aggregate is computed from submissions with assertion
 * criteria when there are any (else from all, at 0 stars); Pathogenic with Likely pathogenic shows as
 * "Pathogenic/Likely pathogenic" (likewise benign); any mix of the P/LP, VUS and B/LB groups is a
 * conflict, shown as such, never settled by majority. An expert panel's classification, when present,
 * is the aggregate at 3 stars (a conflict among the others is still reported).
 */
library ClinVarReview {
    uint256 internal constant COUNTER_BITS = 24;
    uint256 internal constant WITH_CRITERIA_OFFSET = 0;
    uint256 internal constant WITHOUT_CRITERIA_OFFSET = 120;
    uint256 internal constant MASK_24 = 0xffffff;

    /// @dev Bit offset of a tier's counter.
    function _offset(IVariantInterpretations.Significance s, bool criteria) private pure returns (uint256) {
        return (criteria ? WITH_CRITERIA_OFFSET : WITHOUT_CRITERIA_OFFSET) + (uint256(uint8(s)) - 1) * COUNTER_BITS;
    }

    /// @notice The count of submissions of tier `s` (1..5) with or without criteria.
    function count(TierCounts c, IVariantInterpretations.Significance s, bool criteria) internal pure returns (uint24) {
        return uint24((TierCounts.unwrap(c) >> _offset(s, criteria)) & MASK_24);
    }

    /// @notice One more submission of tier `s`.
    function added(
        TierCounts c,
        IVariantInterpretations.Significance s,
        bool criteria
    ) internal pure returns (TierCounts) {
        return TierCounts.wrap(TierCounts.unwrap(c) + (uint256(1) << _offset(s, criteria)));
    }

    /// @notice The counts of one criteria class as an array (Benign .. Pathogenic).
    function counts(TierCounts c, bool criteria) internal pure returns (uint24[5] memory out) {
        for (uint8 t = 1; t <= 5; ++t) out[t - 1] = c.count(IVariantInterpretations.Significance(t), criteria);
    }

    /**
     * @notice The aggregate classification, stars and conflict flag.
     * @param expert the expert panel's significance (None if it has no submission)
     */
    function review(
        TierCounts c,
        IVariantInterpretations.Significance expert
    ) internal pure returns (IVariantInterpretations.Aggregate aggregate, uint8 stars, bool conflict) {
        bool criteria = _total(c, true) > 0;
        uint256 submitters = _total(c, criteria);
        if (submitters == 0 && expert == IVariantInterpretations.Significance.None) {
            return (IVariantInterpretations.Aggregate.None, 0, false);
        }
        aggregate = _aggregateOf(c, criteria);
        conflict = aggregate == IVariantInterpretations.Aggregate.Conflicting;
        if (expert != IVariantInterpretations.Significance.None) return (_single(expert), 3, conflict);
        if (!criteria) stars = 0;
        else if (submitters == 1 || conflict) stars = 1;
        else stars = 2;
    }

    function _total(TierCounts c, bool criteria) private pure returns (uint256 total) {
        for (uint8 t = 1; t <= 5; ++t) total += c.count(IVariantInterpretations.Significance(t), criteria);
    }

    function _aggregateOf(TierCounts c, bool criteria) private pure returns (IVariantInterpretations.Aggregate) {
        bool b = c.count(IVariantInterpretations.Significance.Benign, criteria) > 0;
        bool lb = c.count(IVariantInterpretations.Significance.LikelyBenign, criteria) > 0;
        bool vus = c.count(IVariantInterpretations.Significance.UncertainSignificance, criteria) > 0;
        bool lp = c.count(IVariantInterpretations.Significance.LikelyPathogenic, criteria) > 0;
        bool p = c.count(IVariantInterpretations.Significance.Pathogenic, criteria) > 0;
        uint256 groups = (b || lb ? 1 : 0) + (vus ? 1 : 0) + (lp || p ? 1 : 0);
        if (groups == 0) return IVariantInterpretations.Aggregate.None;
        if (groups > 1) return IVariantInterpretations.Aggregate.Conflicting;
        if (vus) return IVariantInterpretations.Aggregate.UncertainSignificance;
        if (p && lp) return IVariantInterpretations.Aggregate.PathogenicOrLikelyPathogenic;
        if (p) return IVariantInterpretations.Aggregate.Pathogenic;
        if (lp) return IVariantInterpretations.Aggregate.LikelyPathogenic;
        if (b && lb) return IVariantInterpretations.Aggregate.BenignOrLikelyBenign;
        return b ? IVariantInterpretations.Aggregate.Benign : IVariantInterpretations.Aggregate.LikelyBenign;
    }

    function _single(IVariantInterpretations.Significance s) private pure returns (IVariantInterpretations.Aggregate) {
        if (s == IVariantInterpretations.Significance.Benign) return IVariantInterpretations.Aggregate.Benign;
        if (s == IVariantInterpretations.Significance.LikelyBenign)
            return IVariantInterpretations.Aggregate.LikelyBenign;
        if (s == IVariantInterpretations.Significance.UncertainSignificance) {
            return IVariantInterpretations.Aggregate.UncertainSignificance;
        }
        if (s == IVariantInterpretations.Significance.LikelyPathogenic) {
            return IVariantInterpretations.Aggregate.LikelyPathogenic;
        }
        return IVariantInterpretations.Aggregate.Pathogenic;
    }
}
