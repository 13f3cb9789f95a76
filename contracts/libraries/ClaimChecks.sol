// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";
import {Carc} from "./Carc.sol";

/**
 * @title ClaimChecks
 * @notice The plan-side checks of a claim, in one place: the shape of a claim (malformed claims
 * revert: nothing is stored) and, per line, the plan's rules (a failing rule rejects the claim with
 * its CARC, stored so it can be appealed or corrected).
 */
library ClaimChecks {
    /// @notice Most lines per claim (as X12 837P): one claim is one provider's services on one day.
    uint256 internal constant MAX_LINES = 50;

    /**
     * @notice Reverts on a malformed claim: zero patient, a future service date, no lines or more than
     * `MAX_LINES`, a line with zero units, or one code on two lines.
     */
    function validate(bytes32 patientRef, uint40 serviceDate, IClaims.Line[] calldata lines) internal view {
        if (patientRef == bytes32(0)) revert IClaims.ClaimsZeroPatientRef();
        if (serviceDate > block.timestamp)
            revert IClaims.ClaimsServiceDateInFuture(serviceDate, uint40(block.timestamp));
        if (lines.length == 0 || lines.length > MAX_LINES) revert IClaims.ClaimsLineCount(lines.length, MAX_LINES);
        for (uint256 i = 0; i < lines.length; ++i) {
            if (lines[i].units == 0) revert IClaims.ClaimsZeroUnits(i);
            for (uint256 j = 0; j < i; ++j) {
                if (lines[j].code == lines[i].code) revert IClaims.ClaimsRepeatedCode(lines[i].code);
            }
        }
    }

    /// @notice The coverage check: the named period exists (`end` != 0) and covers the service date.
    function coverage(uint40 start, uint40 end, uint40 serviceDate) internal pure returns (uint16) {
        if (end == 0) return Carc.NOT_INSURED;
        if (serviceDate < start) return Carc.BEFORE_COVERAGE;
        if (serviceDate > end) return Carc.AFTER_COVERAGE;
        return 0;
    }

    /// @notice One line's rule checks, in order: in the schedule, not excluded, within the unit cap.
    function rule(IClaims.StoredRule memory r, uint32 units) internal pure returns (uint16) {
        if (!r.listed) return Carc.NOT_IN_SCHEDULE;
        if (r.excluded) return Carc.EXCLUDED;
        if (r.unitCap != 0 && units > r.unitCap) return Carc.UNITS_OVER_CAP;
        return 0;
    }

    /// @notice The authorisation check: one is granted and valid on the service date.
    function authorisation(IClaims.Authorisation memory auth, uint40 serviceDate) internal pure returns (uint16) {
        if (auth.units == 0 || serviceDate < auth.validFrom || serviceDate > auth.validUntil) return Carc.NO_AUTH;
        return 0;
    }
}
