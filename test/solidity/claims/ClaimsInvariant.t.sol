// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimsEngine} from "../../../contracts/claims/ClaimsEngine.sol";
import {ClaimsPlans} from "../../../contracts/claims/ClaimsPlans.sol";
import {IClaims} from "../../../contracts/interfaces/IClaims.sol";
import {IClaimsEngine} from "../../../contracts/interfaces/IClaimsEngine.sol";
import {IClaimsPlans} from "../../../contracts/interfaces/IClaimsPlans.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IRecordVerifier} from "../../../contracts/interfaces/IRecordVerifier.sol";
import {MockRecordVerifier} from "../../../contracts/mocks/MockRecordVerifier.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {ClaimKeys} from "../../../contracts/libraries/ClaimKeys.sol";
import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ClaimsHandler, StubRegistry} from "./ClaimsWorld.sol";

/**
 * @notice Invariants of the claims module under random business (`ClaimsHandler`): totals are the
 * sum over decided claims, one accepted claim per service and per documentation leaf, and the money
 * is conserved and paid once.
 */
contract ClaimsInvariantTest is TestBase {
    ClaimsHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        StubRegistry registry = new StubRegistry();
        IConsortiumRegistry consortium = IConsortiumRegistry(address(registry));
        ClaimsPlans plans = new ClaimsPlans(consortium);
        MockRecordVerifier records = new MockRecordVerifier();
        ClaimsEngine engine = new ClaimsEngine(
            consortium,
            IClaimsPlans(address(plans)),
            IRecordVerifier(address(records)),
            new TestStablecoin()
        );
        plans.bindEngine(IClaimsEngine(address(engine)));
        handler = new ClaimsHandler(registry, engine, plans, records);
        targetContract(address(handler));
    }

    /// @dev The handler's actions succeed (so the invariants are checked against real business).
    function test_handlerDoesRealBusiness() public {
        for (uint256 i = 0; i < 16; ++i) handler.submit(uint256(keccak256(abi.encode(i))));
        handler.settle(0);
        handler.review(0, true);
        handler.review(1, false);
        handler.appeal(0);
        handler.decideAppeal(0, true);
        handler.withdraw(false);
        handler.revise(12345);
        handler.warp(2 days);
        handler.submit(777);
        assertEq(handler.claimCount(), 17, "seventeen claims submitted");
        assertTrue(handler.withdrawn() > 0, "the hospital withdrew a credit");
        uint256[10] memory byStatus;
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            ++byStatus[uint8(handler.engine().claimOf(handler.claimAt(i)).status)];
        }
        assertTrue(byStatus[uint8(IClaims.ClaimStatus.Paid)] > 0, "some claims were paid");
        assertTrue(byStatus[uint8(IClaims.ClaimStatus.Rejected)] > 0, "some claims were rejected");
        _allInvariants();
    }

    function _allInvariants() private view {
        invariant_totalsAreTheSumOverDecidedClaims();
        invariant_oneAcceptedClaimPerService();
        invariant_oneAcceptedClaimPerDocumentation();
        invariant_vaultHoldsExactlyEscrowPlusCredits();
        invariant_eachClaimPaidOnce();
        invariant_totalsWithinTheHighestMaxima();
        invariant_handlerDetailsMatchTheEngine();
        invariant_debtIsWhatIsOwedToProviders();
        invariant_noClaimSkipsTheReviewItsDayOrKeysRequire();
    }

    function invariant_handlerDetailsMatchTheEngine() public view {
        ClaimsEngine engine = handler.engine();
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            uint256 id = handler.claimAt(i);
            IClaims.ClaimDetails memory d = handler.detailsOf(id);
            bytes32 hash = keccak256(
                abi.encode(
                    d.patientRef,
                    d.coverageStart,
                    d.serviceDate,
                    d.deductibleApplied,
                    d.oopApplied,
                    d.previousDecision,
                    d.lines
                )
            );
            assertEq(hash, engine.claimOf(id).detailsHash, "the handler's details are the engine's");
        }
    }

    function invariant_totalsAreTheSumOverDecidedClaims() public view {
        ClaimsEngine engine = handler.engine();
        for (uint256 p = 0; p < 3; ++p) {
            bytes32 patient = handler.patients(p);
            (uint256 deductible, uint256 oop, uint256 benefit) = (0, 0, 0);
            bool lastIsCharged;
            IClaims.Totals memory t = engine.totalsOf(handler.planId(), patient, handler.coverageStart());
            for (uint256 i = 0; i < handler.claimCount(); ++i) {
                uint256 id = handler.claimAt(i);
                IClaims.Claim memory c = engine.claimOf(id);
                IClaims.ClaimDetails memory d = handler.detailsOf(id);
                bool charged = c.status == IClaims.ClaimStatus.Approved || c.status == IClaims.ClaimStatus.Paid;
                if (d.patientRef != patient || !charged) continue;
                deductible += d.deductibleApplied;
                oop += d.oopApplied;
                benefit += c.planPays;
                if (id == t.lastDecision) lastIsCharged = true;
            }
            assertEq(t.deductibleMet, deductible, "deductible met == sum over decided claims");
            assertEq(t.oopPaid, oop, "patient share == sum over decided claims");
            assertEq(t.benefitPaid, benefit, "plan payments == sum over decided claims");
            assertTrue(
                t.lastDecision == 0 ? benefit + oop == 0 || !lastIsCharged : lastIsCharged,
                "last decision is decided"
            );
        }
    }

    function invariant_oneAcceptedClaimPerService() public view {
        ClaimsEngine engine = handler.engine();
        uint256 n = handler.claimCount();
        for (uint256 i = 0; i < n; ++i) {
            uint256 a = handler.claimAt(i);
            if (!engine.claimOf(a).keysHeld) continue;
            IClaims.ClaimDetails memory da = handler.detailsOf(a);
            bytes32 dayA = ClaimKeys.serviceDay(da.patientRef, handler.providerOf(a), da.serviceDate);
            for (uint256 k = 0; k < da.lines.length; ++k) {
                // The engine names this claim as the holder of each of its services.
                assertEq(
                    engine.claimForService(da.patientRef, handler.providerOf(a), da.lines[k].code, da.serviceDate),
                    a,
                    "an accepted claim holds each of its services"
                );
            }
            for (uint256 j = i + 1; j < n; ++j) {
                uint256 b = handler.claimAt(j);
                if (!engine.claimOf(b).keysHeld) continue;
                IClaims.ClaimDetails memory db = handler.detailsOf(b);
                if (ClaimKeys.serviceDay(db.patientRef, handler.providerOf(b), db.serviceDate) != dayA) continue;
                for (uint256 x = 0; x < da.lines.length; ++x) {
                    for (uint256 y = 0; y < db.lines.length; ++y) {
                        assertTrue(da.lines[x].code != db.lines[y].code, "two accepted claims for one service");
                    }
                }
            }
        }
    }

    function invariant_oneAcceptedClaimPerDocumentation() public view {
        ClaimsEngine engine = handler.engine();
        uint256 n = handler.claimCount();
        for (uint256 i = 0; i < n; ++i) {
            uint256 a = handler.claimAt(i);
            if (!engine.claimOf(a).keysHeld) continue;
            assertEq(
                engine.claimForDocumentation(handler.providerOf(a), handler.leafOf(a)),
                a,
                "it holds its documentation"
            );
            for (uint256 j = i + 1; j < n; ++j) {
                uint256 b = handler.claimAt(j);
                if (!engine.claimOf(b).keysHeld) continue;
                assertTrue(
                    handler.providerOf(a) != handler.providerOf(b) || handler.leafOf(a) != handler.leafOf(b),
                    "one documentation leaf documents two accepted claims"
                );
            }
        }
    }

    function invariant_vaultHoldsExactlyEscrowPlusCredits() public view {
        IClaims.Escrow memory escrow = handler.vault().escrowOf(handler.INSURER_ID());
        uint256 owed =
            uint256(escrow.free) +
                escrow.reserved +
                handler.vault().creditOf(handler.HOSPITAL_ID()) +
                handler.vault().creditOf(handler.LAB_ID());
        assertEq(
            handler.token().balanceOf(address(handler.vault())),
            owed,
            "vault balance == free + reserved + credits"
        );
    }

    function invariant_eachClaimPaidOnce() public view {
        ClaimsEngine engine = handler.engine();
        uint256 paid;
        uint256 reserved;
        uint256 backed;
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            IClaims.Claim memory c = engine.claimOf(handler.claimAt(i));
            if (c.status == IClaims.ClaimStatus.Paid) paid += c.planPays;
            if (c.status == IClaims.ClaimStatus.Approved) reserved += c.planPays;
            if (c.backed) {
                assertEq(uint8(c.status), uint8(IClaims.ClaimStatus.PendingReview), "only a claim in review is backed");
                backed += c.planPays;
            }
        }
        // Claims decided at once may draw on the backing of claims in review, never beyond it.
        uint256 backing = handler.vault().backingOf(handler.INSURER_ID());
        assertLe(backing, backed, "backing <= provisional plan share of backed claims in review");
        reserved += backing;
        uint256 credits = handler.vault().creditOf(handler.HOSPITAL_ID()) + handler.vault().creditOf(handler.LAB_ID());
        uint256 owed =
            handler.vault().owedOf(handler.INSURER_ID(), handler.HOSPITAL_ID()) +
                handler.vault().owedOf(handler.INSURER_ID(), handler.LAB_ID());
        assertEq(
            credits + handler.withdrawn() + owed,
            paid,
            "credited + withdrawn + owed == plan share of paid claims, once each"
        );
        assertEq(
            handler.vault().escrowOf(handler.INSURER_ID()).reserved,
            reserved,
            "reserved == approved, unsettled claims + backing of claims in review"
        );
    }

    /// @dev What the insurer owes is exactly the sum owed to each provider.
    function invariant_debtIsWhatIsOwedToProviders() public view {
        assertEq(
            handler.vault().debtOf(handler.INSURER_ID()),
            handler.vault().owedOf(handler.INSURER_ID(), handler.HOSPITAL_ID()) +
                handler.vault().owedOf(handler.INSURER_ID(), handler.LAB_ID()),
            "debt == owed to the hospital + owed to the lab"
        );
    }

    /// @dev No claim is decided at submission when another claim of its day holds keys, or when a
    /// marked (denied) claim held one of its services or its documentation: those go to review.
    function invariant_noClaimSkipsTheReviewItsDayOrKeysRequire() public view {
        assertEq(handler.reviewsSkipped(), 0, "claims decided at once although review was due");
    }

    function invariant_totalsWithinTheHighestMaxima() public view {
        ClaimsEngine engine = handler.engine();
        for (uint256 p = 0; p < 3; ++p) {
            IClaims.Totals memory t = engine.totalsOf(handler.planId(), handler.patients(p), handler.coverageStart());
            assertLe(t.deductibleMet, handler.maxDeductible(), "deductible met <= the highest deductible");
            assertLe(t.oopPaid, handler.maxOop(), "patient share <= the highest OOP max");
            assertLe(t.benefitPaid, handler.maxLimit(), "plan payments <= the highest annual limit");
        }
    }
}
