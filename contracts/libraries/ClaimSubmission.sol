// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";
import {ClaimState, ClaimStateLib, PeriodTotalsLib} from "./ClaimSlots.sol";
import {ClaimsLogic} from "./ClaimsLogic.sol";
import {MemberIndex} from "./MemberIndex.sol";

/**
 * @title ClaimSubmission
 * @notice Submission of a claim (new, or the second half of a replacement): the checks, the
 * adjudication against the period totals, and the decision (approved, paid, to review or rejected).
 * A linked library like `ClaimDecisions` and `ClaimSettlement`, run by the engine through
 * DELEGATECALL on its `ClaimsLogic.Layout`: it keeps the engine a small core (one DELEGATECALL,
 * about 4,000 gas, buys the room the engine needs under the 24 KB limit, coverage build included).
 */
library ClaimSubmission {
    using MemberIndex for MemberIndex.Index;

    /**
     * @notice Submits a claim for `provider`: checks it, adjudicates it against the period totals and
     * approves it, sends it to review or rejects it (see `IClaimsEngine.submit`).
     */
    function submit(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 provider,
        IClaims.ClaimInput calldata input,
        uint256 replaces,
        bool correctsDenial
    ) external returns (uint256 claimId) {
        claimId = ++s.claimCount;
        // Ids fit the 39 bits that period totals (and the 40 bits that service pages) name claims in.
        if (claimId > PeriodTotalsLib.MAX_CLAIM_ID) revert IClaims.ClaimsIdSpaceExhausted(claimId);
        ClaimsLogic.Subject memory sub = ClaimsLogic.Subject(
            claimId,
            provider,
            input.planId,
            input.patientRef,
            input.coverageStart,
            input.serviceDate,
            0
        );
        IClaims.Quote memory q = ClaimsLogic.quoteFor(s, ctx, sub, input.lines, false);
        emit IClaims.ClaimSubmitted(
            claimId,
            provider,
            input.planId,
            input.patientRef,
            input.coverageStart,
            input.serviceDate,
            input.diagnosisCommitment,
            replaces,
            input.lines
        );
        ClaimState state = ClaimStateLib.create(input.planId, q.version, s.providers.numberFor(provider));
        ClaimsLogic.Verdict memory v = ClaimsLogic.check(s, ctx, sub, input.lines, q, input.documentation, true);
        ClaimsLogic.StoredClaim storage sc = s.claims[claimId];
        if (v.reason != 0) {
            sc.state = state.moved(IClaims.ClaimStatus.Rejected, uint40(block.timestamp), v.reason, false);
            sc.detailsHash = ClaimsLogic.hashDetails(sub, 0, 0, 0, input.lines);
            emit IClaims.ClaimRejected(claimId, v.reason, v.line, v.earlier);
            return claimId;
        }
        ClaimsLogic.holdServices(s, claimId, v);
        ClaimsLogic.holdDocumentation(s, claimId, v.documentationKey);
        // "Must be reviewed" belongs to the keys: a correction of a denial, or a claim taking over keys
        // a marked claim held, is marked in turn, so no chain of voids and replacements sheds the mark.
        bool mustReview = correctsDenial || v.marked;
        if (mustReview) state = state.withReviewMark();
        // One claim per patient, provider and UTC day is decided at once; the day's further claims go
        // to review, so splitting a day's services cannot keep each part under the review threshold.
        _accept(s, ctx, sub, state, input.lines, q, mustReview || v.dayTaken);
    }

    /**
     * @dev A claim that passed the checks: above the review threshold, with escrow short, marked
     * (`mustReview`: see `submit`) or not the first of its day, it goes to review and charges nothing
     * (it is adjudicated again when decided); otherwise it is decided now: charged, and reserved
     * (Approved) or closed (Paid, 0).
     */
    function _accept(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        ClaimsLogic.Subject memory sub,
        ClaimState state,
        IClaims.Line[] calldata lines,
        IClaims.Quote memory q,
        bool forceReview
    ) private {
        IClaims.ClaimStatus status = IClaims.ClaimStatus.PendingReview;
        if (!forceReview && q.planPays <= q.reviewThreshold) {
            if (q.planPays == 0) status = IClaims.ClaimStatus.Paid;
            else if (ctx.vault.tryReserve(q.insurer, q.planPays)) status = IClaims.ClaimStatus.Approved;
        }
        uint256 previous;
        bool backed;
        if (status == IClaims.ClaimStatus.PendingReview) {
            (q.deductible, q.oop) = (0, 0);
            // The review's exposure is backed: its provisional plan share is reserved while escrow
            // covers it, so the insurer cannot withdraw what prompt pay will need. Claims decided at
            // once may draw on the backing (so a claim in review never delays another); an escalation
            // pays what its backing and free escrow hold and the rest is owed to the provider.
            backed = q.planPays != 0 && ctx.vault.tryBack(q.insurer, q.planPays);
            // It is decided against the authorisation grants it was quoted under now (see `quoteFor`).
            for (uint256 i = 0; i < lines.length; ++i) {
                if (q.lines[i].needsAuth) s.authGrants[sub.claimId][i] = q.lines[i].grant;
            }
        } else {
            previous = ClaimsLogic.charge(s, sub, lines, q);
        }
        ClaimsLogic.StoredClaim storage sc = s.claims[sub.claimId];
        state = state.moved(status, uint40(block.timestamp), 0, true).withPlanPays(uint96(q.planPays));
        sc.state = backed ? state.withBacking() : state;
        sc.detailsHash = ClaimsLogic.hashDetails(sub, q.deductible, q.oop, previous, lines);
        emit IClaims.ClaimAdjudicated(sub.claimId, status, q.version, q.planPays, previous, q.results);
    }
}
