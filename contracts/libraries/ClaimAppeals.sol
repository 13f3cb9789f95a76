// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";
import {ClaimState} from "./ClaimSlots.sol";
import {ClaimStatuses} from "./ClaimStatuses.sol";
import {ClaimDecisions} from "./ClaimDecisions.sol";
import {ClaimsLogic} from "./ClaimsLogic.sol";
import {MemberIndex} from "./MemberIndex.sol";

/**
 * @title ClaimAppeals
 * @notice Appeals of a rejection or denial: the provider's appeal within the plan's appeal window,
 * the insurer's one decision within its review window from the appeal, and, when the insurer lets
 * that window pass, the provider's escalation, which resolves the appeal by the stated rule: as
 * overturned (every check of a submission runs again; paid if they pass, otherwise finally denied
 * with the failing check's CARC), as prompt pay resolves a claim in review. A linked library on the
 * engine's `ClaimsLogic.Layout`, like `ClaimDecisions`.
 */
library ClaimAppeals {
    using MemberIndex for MemberIndex.Index;

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

    /// @notice Decides an appeal once, within the insurer's window (see `IClaimsEngine.decideAppeal`).
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
        ClaimsLogic.StoredClaim storage sc = ClaimDecisions.claimOfInsurer(s, ctx, claimId, insurer);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.APPEALED);
        ClaimsLogic.requireDecisionWindowOpen(ctx, st, claimId);
        if (overturn) {
            ClaimsLogic.requireDetails(sc, claimId, details);
            bytes32 provider = s.providers.idOf(st.provider());
            reason = _overturn(
                s,
                ctx,
                sc,
                ClaimsLogic.subjectOf(claimId, provider, st, details),
                details,
                documentation,
                false
            );
            if (reason == 0) return;
        } else if (reason == 0) {
            revert IClaims.ClaimsMissingReason();
        }
        _uphold(sc, st, claimId, reason);
    }

    /// @notice Resolves an appeal the insurer did not decide in time (see `IClaimsEngine.escalateAppeal`).
    function escalateAppeal(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 provider,
        uint256 claimId,
        IClaims.ClaimDetails calldata details,
        IClaims.Documentation calldata documentation
    ) external {
        ClaimsLogic.StoredClaim storage sc = ClaimsLogic.claimOfProvider(s, claimId, provider);
        ClaimState st = sc.state;
        ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.APPEALED);
        ClaimsLogic.requireDetails(sc, claimId, details);
        ClaimDecisions.requireActiveInsurer(ctx, st);
        uint40 deadline = ClaimsLogic.decisionDeadline(ctx, st);
        if (block.timestamp <= deadline) revert IClaims.ClaimsReviewWindowOpen(claimId, deadline);
        uint16 reason = _overturn(
            s,
            ctx,
            sc,
            ClaimsLogic.subjectOf(claimId, provider, st, details),
            details,
            documentation,
            true
        );
        if (reason != 0) _uphold(sc, st, claimId, reason);
        emit IClaims.ClaimEscalated(claimId, provider, deadline);
    }

    /// @dev An overturn: every check again (documentation included), paid if they pass. Returns the CARC (0: paid).
    function _overturn(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        ClaimsLogic.StoredClaim storage sc,
        ClaimsLogic.Subject memory sub,
        IClaims.ClaimDetails calldata details,
        IClaims.Documentation calldata documentation,
        bool owe
    ) private returns (uint16 reason) {
        reason = ClaimsLogic.decide(s, ctx, sc, sub, details.lines, documentation, true, owe);
        if (reason == 0) emit IClaims.AppealDecided(sub.claimId, true, 0);
    }

    /// @dev The appeal fails: the claim is finally denied with `reason`, keeping its keys as they were.
    function _uphold(ClaimsLogic.StoredClaim storage sc, ClaimState st, uint256 claimId, uint16 reason) private {
        sc.state = st.moved(IClaims.ClaimStatus.AppealDenied, uint40(block.timestamp), reason, st.keysHeld());
        emit IClaims.AppealDecided(claimId, false, reason);
    }
}
