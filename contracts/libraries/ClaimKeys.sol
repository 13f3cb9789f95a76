// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ClaimKeys
 * @notice The one owner of the claims engine's storage keys. Each kind is domain-separated, so a key
 * of one kind never equals a key of another.
 */
library ClaimKeys {
    /// @dev Seconds in a day: duplicate keys are per UTC day (unix time has no leap seconds).
    uint40 internal constant DAY = 1 days;

    bytes32 private constant SERVICE = keccak256("medchain.claims.service.v2");
    bytes32 private constant DOCUMENTATION = keccak256("medchain.claims.documentation.v2");
    bytes32 private constant PERIOD = keccak256("medchain.claims.period.v2");
    bytes32 private constant AUTHORISATION = keccak256("medchain.claims.authorisation.v2");

    /**
     * @notice The key of one provider's services to one patient on one UTC day (see `ServicePages`):
     * the same code on the same day is one service, whatever second of the day a claim names.
     */
    function serviceDay(bytes32 patientRef, bytes32 provider, uint40 moment) internal pure returns (bytes32) {
        return keccak256(abi.encode(SERVICE, patientRef, provider, moment / DAY));
    }

    /// @notice The key of a provider's documentation leaf (a record documents one accepted claim at a time).
    function documentation(bytes32 provider, bytes32 leaf) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOCUMENTATION, provider, leaf));
    }

    /// @notice The key of a patient's totals in one plan and coverage period.
    function period(uint32 planId, bytes32 patientRef, uint40 coverageStart) internal pure returns (bytes32) {
        return keccak256(abi.encode(PERIOD, planId, patientRef, coverageStart));
    }

    /// @notice The key of the units decided claims used of a prior authorisation.
    function authorisation(uint32 planId, bytes32 patientRef, bytes32 code) internal pure returns (bytes32) {
        return keccak256(abi.encode(AUTHORISATION, planId, patientRef, code));
    }
}
