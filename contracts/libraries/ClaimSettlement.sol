// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";
import {ClaimKeys} from "./ClaimKeys.sol";
import {ClaimState, PeriodTotals, PeriodTotalsLib} from "./ClaimSlots.sol";
import {ClaimStatuses} from "./ClaimStatuses.sol";
import {ClaimsLogic} from "./ClaimsLogic.sol";
import {MemberIndex} from "./MemberIndex.sol";

/**
 * @title ClaimSettlement
 * @notice What happens to a claim's charges and money after its decision: settlement of approved
 * claims, and the provider's voids and replacements (a decided claim gives its charges and its
 * reservation back, only while nothing was decided after it). A linked library like
 * `ClaimDecisions`, on the engine's `ClaimsLogic.Layout`; the engine authenticates the caller.
 */
library ClaimSettlement {
    using MemberIndex for MemberIndex.Index;

    /**
     * @notice Withdraws a claim (void, or the first half of a replacement). A decided (Approved) claim
     * gives back its charges and reservation, which only its period's last decision may do (so
     * nothing decided against its charges is left standing on a reversed claim); its keys are freed.
     * @return was the status it had
     */
    function withdraw(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 provider,
        uint256 claimId,
        IClaims.ClaimDetails calldata details,
        bytes32 allowed,
        IClaims.ClaimStatus newStatus,
        uint256 replacedBy
    ) external returns (IClaims.ClaimStatus was) {
        ClaimsLogic.StoredClaim storage sc = ClaimsLogic.claimOfProvider(s, claimId, provider);
        ClaimState st = sc.state;
        was = st.status();
        ClaimStatuses.validate(claimId, was, allowed);
        ClaimsLogic.requireDetails(sc, claimId, details);
        if (was == IClaims.ClaimStatus.Approved) {
            bytes32 key = ClaimKeys.period(st.planId(), details.patientRef, details.coverageStart);
            PeriodTotals t = s.totals[key];
            if (t.lastDecision() != claimId) revert IClaims.ClaimsDecidedAfter(claimId, t.lastDecision());
            s.totals[key] = PeriodTotalsLib.create(
                t.deductibleMet() - details.deductibleApplied,
                t.oopPaid() - details.oopApplied,
                t.benefitPaid() - uint72(st.planPays()),
                details.previousDecision
            );
            for (uint256 i = 0; i < details.lines.length; ++i) {
                IClaims.Line calldata line = details.lines[i];
                if (ctx.plans.ruleOf(st.planId(), st.planVersion(), line.code).needsAuth) {
                    s.authUsed[ClaimKeys.authorisation(st.planId(), details.patientRef, line.code)] -= line.units;
                }
            }
            ctx.vault.release(ctx.plans.planOf(st.planId()).insurer, st.planPays());
        }
        sc.state = st.moved(newStatus, uint40(block.timestamp), st.reason(), false);
        emit IClaims.ClaimVoided(claimId, replacedBy);
    }

    /// @notice Settles approved claims (see `IClaimsEngine.settle`).
    function settle(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 insurer,
        uint256[] calldata claimIds
    ) external returns (uint256 total) {
        uint32 knownPlan;
        uint32 runProvider;
        bytes32 runProviderId;
        uint256 runTotal;
        for (uint256 i = 0; i < claimIds.length; ++i) {
            uint256 claimId = claimIds[i];
            ClaimsLogic.StoredClaim storage sc = s.claims[claimId];
            ClaimState st = sc.state;
            ClaimStatuses.validate(claimId, st.status(), ClaimStatuses.SETTLEABLE);
            if (st.planId() != knownPlan) {
                if (ctx.plans.planOf(st.planId()).insurer != insurer) {
                    revert IClaims.ClaimsNotClaimInsurer(claimId, insurer);
                }
                knownPlan = st.planId();
            }
            sc.state = st.moved(IClaims.ClaimStatus.Paid, uint40(block.timestamp), 0, true);
            if (st.provider() != runProvider) {
                if (runTotal != 0) ctx.vault.payFromReserved(insurer, runProviderId, runTotal);
                total += runTotal;
                runProvider = st.provider();
                runProviderId = s.providers.idOf(runProvider);
                runTotal = 0;
            }
            runTotal += st.planPays();
            emit IClaims.ClaimPaid(claimId, runProviderId, st.planPays());
        }
        if (runTotal != 0) ctx.vault.payFromReserved(insurer, runProviderId, runTotal);
        total += runTotal;
        emit IClaims.ClaimsSettled(insurer, claimIds.length, total);
    }
}
