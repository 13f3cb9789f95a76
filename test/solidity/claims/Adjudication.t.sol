// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Adjudication} from "../../../contracts/libraries/Adjudication.sol";
import {TestBase} from "../utils/TestBase.sol";

/// @notice Fuzzes the per-line cost-sharing math: money is conserved and totals never pass the plan's maxima.
contract AdjudicationTest is TestBase {
    function _bound(uint256 x, uint256 lo, uint256 hi) private pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    function testFuzz_lineConservesMoneyAndRespectsMaxima(
        uint256 charged,
        uint256 fee,
        uint256 units,
        uint256 deductible,
        uint256 copay,
        uint256 bps,
        uint256 oopMax,
        uint256 limit,
        uint256 metSeed,
        uint256 oopSeed,
        uint256 paidSeed
    ) public pure {
        Adjudication.Terms memory t;
        t.oopMax = _bound(oopMax, 0, 1e15);
        t.deductible = _bound(deductible, 0, t.oopMax);
        t.copay = _bound(copay, 0, 1e12);
        t.coinsuranceBps = _bound(bps, 0, 10_000);
        t.annualLimit = _bound(limit, 0, 1e16);
        Adjudication.Totals memory totals;
        totals.deductibleMet = _bound(metSeed, 0, t.deductible);
        totals.oopPaid = _bound(oopSeed, totals.deductibleMet, t.oopMax);
        totals.benefitPaid = _bound(paidSeed, 0, t.annualLimit);
        Adjudication.Totals memory before = Adjudication.Totals(
            totals.deductibleMet,
            totals.oopPaid,
            totals.benefitPaid
        );

        uint256 c = _bound(charged, 0, 1e14);
        uint256 f = _bound(fee, 0, 1e12);
        uint256 u = _bound(units, 1, 1000);
        Adjudication.Result memory r = Adjudication.adjudicateLine(c, f, u, t, totals);

        assertEq(r.eligible, c < f * u ? c : f * u, "eligible is min(charged, fee x units)");
        uint256 patient = r.deductible + r.copay + r.coinsurance;
        assertEq(r.eligible, patient + r.benefit + r.overLimit, "every eligible unit is accounted for");
        assertLe(r.copay, t.copay, "copay at most the plan's copay");
        assertLe(totals.deductibleMet, t.deductible, "deductible met within the deductible");
        assertLe(totals.oopPaid, t.oopMax, "patient share within the OOP max");
        assertLe(totals.benefitPaid, t.annualLimit, "plan payments within the annual limit");
        assertEq(totals.oopPaid - before.oopPaid, patient, "OOP accumulator grows by the patient share");
        assertEq(totals.benefitPaid - before.benefitPaid, r.benefit, "benefit accumulator grows by the benefit");
        if (totals.benefitPaid < t.annualLimit) assertEq(r.overLimit, 0, "nothing over the limit while some is left");
    }

    /// @dev A revision may lower a maximum below what a patient met: adjudication saturates, never reverts.
    function testFuzz_lineSaturatesMaximaLoweredBelowTheTotals(
        uint256 charged,
        uint256 fee,
        uint256 units,
        uint256 seed,
        uint256 metSeed,
        uint256 oopSeed,
        uint256 paidSeed
    ) public pure {
        Adjudication.Terms memory t;
        t.oopMax = _bound(seed, 0, 1e15);
        t.deductible = _bound(seed >> 64, 0, t.oopMax);
        t.copay = _bound(seed >> 128, 0, 1e12);
        t.coinsuranceBps = _bound(seed >> 192, 0, 10_000);
        t.annualLimit = _bound(seed >> 100, 0, 1e16);
        // Totals met under earlier, higher maxima: possibly above every maximum now.
        Adjudication.Totals memory totals;
        totals.deductibleMet = _bound(metSeed, 0, 2e15);
        totals.oopPaid = _bound(oopSeed, totals.deductibleMet, 4e15);
        totals.benefitPaid = _bound(paidSeed, 0, 2e16);
        Adjudication.Totals memory before = Adjudication.Totals(
            totals.deductibleMet,
            totals.oopPaid,
            totals.benefitPaid
        );

        Adjudication.Result memory r = Adjudication.adjudicateLine(
            _bound(charged, 0, 1e14),
            _bound(fee, 0, 1e12),
            _bound(units, 1, 1000),
            t,
            totals
        );
        uint256 patient = r.deductible + r.copay + r.coinsurance;
        assertEq(r.eligible, patient + r.benefit + r.overLimit, "every eligible unit is accounted for");
        if (before.deductibleMet >= t.deductible) assertEq(r.deductible, 0, "no deductible once it is met");
        if (before.oopPaid >= t.oopMax) assertEq(patient, 0, "no patient share once the maximum is met");
        if (before.benefitPaid >= t.annualLimit) assertEq(r.benefit, 0, "no benefit once the limit is met");
        assertLe(
            totals.deductibleMet,
            before.deductibleMet > t.deductible ? before.deductibleMet : t.deductible,
            "deductible"
        );
        assertLe(totals.oopPaid, before.oopPaid > t.oopMax ? before.oopPaid : t.oopMax, "patient share");
        assertLe(
            totals.benefitPaid,
            before.benefitPaid > t.annualLimit ? before.benefitPaid : t.annualLimit,
            "benefit"
        );
    }
}
