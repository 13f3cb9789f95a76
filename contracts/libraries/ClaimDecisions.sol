// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";
import {ClaimState} from "./ClaimSlots.sol";
import {ClaimStatuses} from "./ClaimStatuses.sol";
import {ClaimsLogic} from "./ClaimsLogic.sol";
import {MemberIndex} from "./MemberIndex.sol";
import {MemberKinds} from "./MemberKinds.sol";

/**
 * @title ClaimDecisions
 * @notice The decisions on a claim in review: the insurer's (approve, deny), within its review
 * window, and the provider's prompt-pay escalation after it. A linked library (external functions,
 * run by the engine through DELEGATECALL on the engine's own `ClaimsLogic.Layout`); the engine
 * authenticates the caller and passes its member id in. Appeals are `ClaimAppeals`'; voids,
 * replacements and settlement `ClaimSettlement`'s.
 */
library ClaimDecisions {
    using MemberIndex for MemberIndex.Index;

    // ---------------------------------------------------------------- provider steps

    /// @notice Prompt pay (see `IClaimsEngine.escalate`).
    function escalate(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 provider,
        uint256 claimId,
        IClaims.ClaimDetails calldata details
    ) external {
        ClaimsLogic.StoredClaim storage sc = ClaimsLogic.claimOfProvider(s, claimId, provider);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.ESCALATABLE);
        ClaimsLogic.requireDetails(sc, claimId, details);
        bytes32 insurer = requireActiveInsurer(ctx, st);
        uint40 deadline = ClaimsLogic.decisionDeadline(ctx, st);
        if (block.timestamp <= deadline) revert IClaims.ClaimsReviewWindowOpen(claimId, deadline);
        if (st.status() == IClaims.ClaimStatus.Approved) {
            sc.state = st.moved(IClaims.ClaimStatus.Paid, uint40(block.timestamp), 0, true);
            ctx.vault.payFromReserved(insurer, provider, st.planPays());
            emit IClaims.ClaimPaid(claimId, provider, st.planPays());
        } else {
            // The insurer's silence cannot make prompt pay empty: what free escrow lacks is owed.
            _decideReview(s, ctx, sc, ClaimsLogic.subjectOf(claimId, provider, st, details), insurer, details, true);
        }
        emit IClaims.ClaimEscalated(claimId, provider, deadline);
    }

    // ---------------------------------------------------------------- insurer steps

    /// @notice Approves a claim in review (see `IClaimsEngine.approve`).
    function approve(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 insurer,
        uint256 claimId,
        IClaims.ClaimDetails calldata details
    ) external {
        ClaimsLogic.StoredClaim storage sc = claimOfInsurer(s, ctx, claimId, insurer);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.IN_REVIEW);
        ClaimsLogic.requireDecisionWindowOpen(ctx, st, claimId);
        ClaimsLogic.requireDetails(sc, claimId, details);
        ClaimsLogic.Subject memory sub = ClaimsLogic.subjectOf(claimId, s.providers.idOf(st.provider()), st, details);
        _decideReview(s, ctx, sc, sub, insurer, details, false);
    }

    /// @notice Denies a claim in review (see `IClaimsEngine.deny`).
    function deny(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 insurer,
        uint256 claimId,
        uint16 reason
    ) external {
        ClaimsLogic.StoredClaim storage sc = claimOfInsurer(s, ctx, claimId, insurer);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.IN_REVIEW);
        ClaimsLogic.requireDecisionWindowOpen(ctx, st, claimId);
        if (reason == 0) revert IClaims.ClaimsMissingReason();
        ClaimsLogic.releaseBacking(ctx, st, insurer);
        // The denial marks the claim, and so its service keys and documentation: any later claim
        // taking them over (a correction, a resubmission after a void) goes to review.
        sc.state = st.moved(IClaims.ClaimStatus.Denied, uint40(block.timestamp), reason, true).withReviewMark();
        emit IClaims.ClaimDenied(claimId, insurer, reason);
    }

    // ---------------------------------------------------------------- shared with ClaimAppeals

    /// @notice The claim, reverting unless it exists and `insurer` is its plan's insurer.
    function claimOfInsurer(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        uint256 claimId,
        bytes32 insurer
    ) internal view returns (ClaimsLogic.StoredClaim storage sc) {
        sc = s.claims[claimId];
        if (sc.state.status() == IClaims.ClaimStatus.None) revert IClaims.ClaimsUnknownClaim(claimId);
        if (ctx.plans.planOf(sc.state.planId()).insurer != insurer) {
            revert IClaims.ClaimsNotClaimInsurer(claimId, insurer);
        }
    }

    /// @notice The claim's plan's insurer, reverting unless it is active (its plans neither adjudicate nor pay).
    function requireActiveInsurer(
        ClaimsLogic.Context memory ctx,
        ClaimState st
    ) internal view returns (bytes32 insurer) {
        insurer = ctx.plans.planOf(st.planId()).insurer;
        if (!ctx.consortium.isActiveMemberId(insurer, MemberKinds.INSURER)) {
            revert IClaims.ClaimsInsurerNotActive(st.planId(), insurer);
        }
    }

    // ---------------------------------------------------------------- internals

    /// @dev A claim in review decided (approve or escalation): its backing released, then paid, or
    /// rejected by the re-run checks.
    function _decideReview(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        ClaimsLogic.StoredClaim storage sc,
        ClaimsLogic.Subject memory sub,
        bytes32 insurer,
        IClaims.ClaimDetails calldata details,
        bool owe
    ) private {
        ClaimState st = sc.state;
        ClaimsLogic.releaseBacking(ctx, st, insurer);
        IClaims.Documentation memory held; // its documentation is held since submission
        uint16 reason = ClaimsLogic.decide(s, ctx, sc, sub, details.lines, held, false, owe);
        if (reason != 0) sc.state = st.moved(IClaims.ClaimStatus.Rejected, uint40(block.timestamp), reason, false);
    }
}
