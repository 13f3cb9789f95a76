// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title Adjudication
 * @notice Pure cost-sharing math for one claim line, in the order payers apply it:
 *   eligible    = min(charged, feePerUnit x units)
 *   deductible  = min(eligible, deductible not yet met)
 *   copay       = min(plan copay, what remains)
 *   coinsurance = what remains x coinsuranceBps / 10,000 (rounded down: the patient never pays a
 *                 fraction of a unit more than the rate)
 *   the patient's share (deductible + copay + coinsurance) is capped by what remains of the
 *   out-of-pocket maximum, reducing coinsurance first, then copay, then deductible;
 *   benefit     = eligible - patient share, capped by what remains of the annual limit; the excess
 *                 is `overLimit` (patient responsibility, CARC 119, not counted toward the OOP max).
 * "What remains" of a maximum saturates at zero: a plan revision may lower a maximum below what a
 * patient has already met in the period, and then nothing more is charged to it (never an
 * arithmetic panic that would block billing). The running totals (`Totals`) are updated in place so
 * lines of one claim see each other.
 */
library Adjudication {
    uint256 internal constant BPS = 10_000;

    /// @notice A plan's cost-sharing terms, widened for arithmetic.
    struct Terms {
        uint256 deductible; // per period
        uint256 copay; // per line
        uint256 coinsuranceBps; // basis points (<= 10,000)
        uint256 oopMax; // per period cap on the patient's share
        uint256 annualLimit; // per period cap on the plan's payments
    }

    /// @notice A patient's running totals in the coverage period.
    struct Totals {
        uint256 deductibleMet; // deductible paid so far
        uint256 oopPaid; // patient share so far (deductible + copay + coinsurance)
        uint256 benefitPaid; // plan payments so far
    }

    /// @notice One line's outcome (FHIR adjudication categories).
    struct Result {
        uint256 eligible;
        uint256 deductible;
        uint256 copay;
        uint256 coinsurance;
        uint256 benefit;
        uint256 overLimit;
    }

    /**
     * @notice Adjudicates one line and adds it to `totals`. Never reverts for any totals: each
     * maximum's remainder saturates at zero. Each total grows by at most what remains below its
     * maximum, so totals that start within the maxima stay within them.
     */
    function adjudicateLine(
        uint256 charged,
        uint256 feePerUnit,
        uint256 units,
        Terms memory terms,
        Totals memory totals
    ) internal pure returns (Result memory r) {
        uint256 scheduled = feePerUnit * units;
        r.eligible = charged < scheduled ? charged : scheduled;

        uint256 rest = r.eligible;
        r.deductible = _min(rest, _remaining(terms.deductible, totals.deductibleMet));
        rest -= r.deductible;
        r.copay = _min(rest, terms.copay);
        rest -= r.copay;
        r.coinsurance = (rest * terms.coinsuranceBps) / BPS;

        uint256 oopLeft = _remaining(terms.oopMax, totals.oopPaid);
        uint256 patient = r.deductible + r.copay + r.coinsurance;
        if (patient > oopLeft) {
            uint256 excess = patient - oopLeft;
            uint256 cut = _min(excess, r.coinsurance);
            r.coinsurance -= cut;
            excess -= cut;
            cut = _min(excess, r.copay);
            r.copay -= cut;
            excess -= cut;
            r.deductible -= excess;
            patient = oopLeft;
        }

        uint256 planShare = r.eligible - patient;
        uint256 limitLeft = _remaining(terms.annualLimit, totals.benefitPaid);
        if (planShare > limitLeft) {
            r.overLimit = planShare - limitLeft;
            planShare = limitLeft;
        }
        r.benefit = planShare;

        totals.deductibleMet += r.deductible;
        totals.oopPaid += patient;
        totals.benefitPaid += planShare;
    }

    /// @dev What remains below `max` after `used`, saturating at zero.
    function _remaining(uint256 max, uint256 used) private pure returns (uint256) {
        return used >= max ? 0 : max - used;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
