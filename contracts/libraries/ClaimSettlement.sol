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
     * @notice Withdraws a claim: a void (`replacedBy` 0), or the first half of a replacement by claim
     * `replacedBy`. A decided (Approved) claim gives back its charges and reservation, which only its
     * period's last decision may do (so nothing decided against its charges is left standing on a
     * reversed claim); its keys are freed.
     * @return was the status it had
     */
    function withdraw(
        ClaimsLogic.Layout storage s,
        ClaimsLogic.Context memory ctx,
        bytes32 provider,
        uint256 claimId,
        IClaims.ClaimDetails calldata details,
        uint256 replacedBy
    ) external returns (IClaims.ClaimStatus was) {
        ClaimsLogic.StoredClaim storage sc = ClaimsLogic.claimOfProvider(s, claimId, provider);
        ClaimState st = sc.state;
        was = st.status();
        ClaimStatuses.validate(claimId, was, replacedBy == 0 ? ClaimStatuses.VOIDABLE : ClaimStatuses.REPLACEABLE);
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
            // Units go back to the grant each line was charged to (0: the line needed none), even if a
            // newer grant replaced it since: a reversal never touches another grant's count.
            mapping(uint256 line => uint32 grant) storage grants = s.authGrants[claimId];
            for (uint256 i = 0; i < details.lines.length; ++i) {
                uint32 grant = grants[i];
                if (grant == 0) continue;
                IClaims.Line calldata line = details.lines[i];
                s.authUsed[ClaimKeys.authorisation(st.planId(), details.patientRef, line.code, grant)] -= line.units;
                delete grants[i];
            }
            ctx.vault.release(ctx.plans.planOf(st.planId()).insurer, st.planPays());
        } else if (st.backed()) {
            // A claim in review gives its backing reservation back.
            ctx.vault.releaseBacking(ctx.plans.planOf(st.planId()).insurer, st.planPays());
        }
        IClaims.ClaimStatus newStatus = replacedBy == 0 ? IClaims.ClaimStatus.Voided : IClaims.ClaimStatus.Replaced;
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
