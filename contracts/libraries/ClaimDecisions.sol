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
 * @notice The decisions on a claim after its submission: the insurer's review (approve, deny),
 * prompt-pay escalation, appeals and their one decision. A linked library (external functions, run
 * by the engine through DELEGATECALL on the engine's own `ClaimsLogic.Layout`), so the engine's
 * bytecode stays under the 24 KB limit, coverage build included; the engine authenticates the
 * caller and passes its member id in. Voids, replacements and settlement are `ClaimSettlement`'s.
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
        bytes32 insurer = ctx.plans.planOf(st.planId()).insurer;
        if (!ctx.consortium.isActiveMemberId(insurer, MemberKinds.INSURER)) {
            revert IClaims.ClaimsInsurerNotActive(st.planId(), insurer);
        }
        uint40 deadline = st.statusAt() + ctx.plans.termsOf(st.planId(), st.planVersion()).reviewWindow;
        if (block.timestamp <= deadline) revert IClaims.ClaimsReviewWindowOpen(claimId, deadline);
        if (st.status() == IClaims.ClaimStatus.Approved) {
            sc.state = st.moved(IClaims.ClaimStatus.Paid, uint40(block.timestamp), 0, true);
            ctx.vault.payFromReserved(insurer, provider, st.planPays());
            emit IClaims.ClaimPaid(claimId, provider, st.planPays());
        } else {
            _decideReview(s, ctx, sc, _subject(claimId, provider, st, details), details.lines);
        }
        emit IClaims.ClaimEscalated(claimId, provider, deadline);
    }

    /// @notice Appeals a rejection or denial (see `IClaimsEngine.appeal`).
    function appeal(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 provider,
        uint256 claimId
    ) external {
        ClaimsLogic.StoredClaim storage sc = ClaimsLogic.claimOfProvider(s, claimId, provider);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.APPEALABLE);
        uint40 appealBy = st.statusAt() + ctx.plans.termsOf(st.planId(), st.planVersion()).appealWindow;
        if (block.timestamp > appealBy) revert IClaims.ClaimsAppealWindowClosed(claimId, appealBy);
        sc.state = st.moved(IClaims.ClaimStatus.Appealed, uint40(block.timestamp), st.reason(), st.keysHeld());
        emit IClaims.ClaimAppealed(claimId, provider);
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
        ClaimsLogic.StoredClaim storage sc = _claimOfInsurer(s, ctx, claimId, insurer);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.IN_REVIEW);
        ClaimsLogic.requireDetails(sc, claimId, details);
        _decideReview(s, ctx, sc, _subject(claimId, s.providers.idOf(st.provider()), st, details), details.lines);
    }

    /// @notice Denies a claim in review (see `IClaimsEngine.deny`).
    function deny(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 insurer,
        uint256 claimId,
        uint16 reason
    ) external {
        ClaimsLogic.StoredClaim storage sc = _claimOfInsurer(s, ctx, claimId, insurer);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.IN_REVIEW);
        if (reason == 0) revert IClaims.ClaimsMissingReason();
        sc.state = st.moved(IClaims.ClaimStatus.Denied, uint40(block.timestamp), reason, true);
        emit IClaims.ClaimDenied(claimId, insurer, reason);
    }

    /// @notice Decides an appeal once (see `IClaimsEngine.decideAppeal`).
    function decideAppeal(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 insurer,
        uint256 claimId,
        bool overturn,
        uint16 reason,
        IClaims.ClaimDetails calldata details,
        IClaims.Documentation calldata documentation
    ) external {
        ClaimsLogic.StoredClaim storage sc = _claimOfInsurer(s, ctx, claimId, insurer);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.APPEALED);
        if (overturn) {
            ClaimsLogic.requireDetails(sc, claimId, details);
            ClaimsLogic.Subject memory sub = _subject(claimId, s.providers.idOf(st.provider()), st, details);
            reason = _decide(s, ctx, sc, sub, details.lines, documentation, true);
            if (reason == 0) {
                emit IClaims.AppealDecided(claimId, true, 0);
                return;
            }
        } else if (reason == 0) {
            revert IClaims.ClaimsMissingReason();
        }
        sc.state = st.moved(IClaims.ClaimStatus.AppealDenied, uint40(block.timestamp), reason, st.keysHeld());
        emit IClaims.AppealDecided(claimId, false, reason);
    }

    // ---------------------------------------------------------------- internals

    /// @dev A claim in review decided (approve or escalation): paid, or rejected by the re-run checks.
    function _decideReview(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        ClaimsLogic.StoredClaim storage sc,
        ClaimsLogic.Subject memory sub,
        IClaims.Line[] calldata lines
    ) private {
        ClaimState st = sc.state;
        IClaims.Documentation memory held; // its documentation is held since submission
        uint16 reason = _decide(s, ctx, sc, sub, lines, held, false);
        if (reason != 0) sc.state = st.moved(IClaims.ClaimStatus.Rejected, uint40(block.timestamp), reason, false);
    }

    /**
     * @dev Decides a claim: runs the checks again (documentation too, for an overturned appeal) and, if
     * they pass, charges the quote against the totals now and pays the plan share from free escrow.
     * Returns the failing check's CARC (0: paid).
     */
    function _decide(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        ClaimsLogic.StoredClaim storage sc,
        ClaimsLogic.Subject memory sub,
        IClaims.Line[] calldata lines,
        IClaims.Documentation memory documentation,
        bool checkDocumentation
    ) private returns (uint16) {
        IClaims.Quote memory q = ClaimsLogic.quoteFor(s, ctx, sub, lines);
        ClaimsLogic.Verdict memory v = ClaimsLogic.check(s, ctx, sub, lines, q, documentation, checkDocumentation);
        if (v.reason != 0) {
            emit IClaims.ClaimRejected(sub.claimId, v.reason, v.line, v.earlier);
            return v.reason;
        }
        // A rejection overturned takes its keys now; a claim in review or denied holds them since submission.
        if (!sc.state.keysHeld()) ClaimsLogic.holdServices(s, sub, lines);
        if (v.documentationKey != bytes32(0)) ClaimsLogic.holdDocumentation(s, sub.claimId, v.documentationKey);
        _chargeAndPay(s, ctx, sc, sub, lines, q);
        return 0;
    }

    /// @dev Charges a decided claim's quote and pays its plan share from free escrow: it is Paid.
    function _chargeAndPay(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        ClaimsLogic.StoredClaim storage sc,
        ClaimsLogic.Subject memory sub,
        IClaims.Line[] calldata lines,
        IClaims.Quote memory q
    ) private {
        uint256 previous = ClaimsLogic.charge(s, sub, lines, q);
        sc.state = sc.state.withPlanVersion(q.version).withPlanPays(uint96(q.planPays)).moved(
            IClaims.ClaimStatus.Paid,
            uint40(block.timestamp),
            0,
            true
        );
        sc.detailsHash = ClaimsLogic.hashDetails(sub, q.deductible, q.oop, previous, lines);
        emit IClaims.ClaimAdjudicated(
            sub.claimId,
            IClaims.ClaimStatus.Paid,
            q.version,
            q.planPays,
            previous,
            q.results
        );
        ctx.vault.payFromFree(q.insurer, sub.provider, q.planPays);
        emit IClaims.ClaimPaid(sub.claimId, sub.provider, q.planPays);
    }

    function _claimOfInsurer(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        uint256 claimId,
        bytes32 insurer
    ) private view returns (ClaimsLogic.StoredClaim storage sc) {
        sc = s.claims[claimId];
        if (sc.state.status() == IClaims.ClaimStatus.None) revert IClaims.ClaimsUnknownClaim(claimId);
        if (ctx.plans.planOf(sc.state.planId()).insurer != insurer)
            revert IClaims.ClaimsNotClaimInsurer(claimId, insurer);
    }

    function _subject(
        uint256 claimId,
        bytes32 provider,
        ClaimState st,
        IClaims.ClaimDetails calldata details
    ) private pure returns (ClaimsLogic.Subject memory) {
        return
            ClaimsLogic.Subject(
                claimId,
                provider,
                st.planId(),
                details.patientRef,
                details.coverageStart,
                details.serviceDate,
                0
            );
    }
}
