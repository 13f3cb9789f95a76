// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title Carc
 * @notice The X12 Claim Adjustment Reason Codes the claims module rejects with, in one place (the plan
 * book answers the plan's checks, the engine the checks of what claims consumed).
 */
library Carc {
    /// @notice Patient cannot be identified as our insured (no such coverage period).
    uint16 internal constant NOT_INSURED = 31;
    /// @notice Expenses incurred prior to coverage (or before the plan's first version).
    uint16 internal constant BEFORE_COVERAGE = 26;
    /// @notice Expenses incurred after coverage terminated.
    uint16 internal constant AFTER_COVERAGE = 27;
    /// @notice Exact duplicate claim/service (the service, or its documentation, is held by another claim).
    uint16 internal constant DUPLICATE = 18;
    /// @notice Documentation required: the provider anchored no active documentation leaf for this patient.
    uint16 internal constant NO_DOCUMENTATION = 252;
    /// @notice Non-covered charge: the code is not in the plan's fee schedule.
    uint16 internal constant NOT_IN_SCHEDULE = 96;
    /// @notice Service not covered under the patient's current benefit plan (excluded).
    uint16 internal constant EXCLUDED = 204;
    /// @notice The information submitted does not support this many services (unit cap).
    uint16 internal constant UNITS_OVER_CAP = 151;
    /// @notice Precertification/authorisation absent (or not valid on the service date).
    uint16 internal constant NO_AUTH = 197;
    /// @notice Precertification/authorisation exceeded.
    uint16 internal constant AUTH_EXCEEDED = 198;
}
