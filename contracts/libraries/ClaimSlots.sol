// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";

/**
 * @notice A claim's packed state, one storage slot (as Uniswap v4's `Slot0`), bit offsets from the
 * least significant bit:
 *   [0, 8)     status       ClaimStatus
 *   [8, 16)    flags        bit 0: KEYS_HELD (the claim holds its duplicate keys and documentation)
 *   [16, 48)   planId
 *   [48, 64)   planVersion
 *   [64, 96)   provider     the provider's number (MemberIndex)
 *   [96, 136)  statusAt     unix seconds
 *   [136, 152) reason       CARC
 *   [152, 248) planPays     token units
 */
type ClaimState is uint256;

/**
 * @notice A patient's totals in one plan and coverage period, one storage slot:
 *   [0, 72)    deductibleMet
 *   [72, 144)  oopPaid
 *   [144, 216) benefitPaid
 *   [216, 256) lastDecision  the claim decided last in the period (0: none)
 */
type PeriodTotals is uint256;

using ClaimStateLib for ClaimState global;
using PeriodTotalsLib for PeriodTotals global;

/// @title ClaimStateLib
/// @notice Reads and writes the fields of a `ClaimState` by name.
library ClaimStateLib {
    uint256 private constant STATUS_OFFSET = 0;
    uint256 private constant FLAGS_OFFSET = 8;
    uint256 private constant PLAN_ID_OFFSET = 16;
    uint256 private constant PLAN_VERSION_OFFSET = 48;
    uint256 private constant PROVIDER_OFFSET = 64;
    uint256 private constant STATUS_AT_OFFSET = 96;
    uint256 private constant REASON_OFFSET = 136;
    uint256 private constant PLAN_PAYS_OFFSET = 152;

    uint256 private constant MASK_8 = 0xff;
    uint256 private constant MASK_16 = 0xffff;
    uint256 private constant MASK_40 = 0xffffffffff;
    uint256 private constant MASK_96 = (1 << 96) - 1;

    /// @dev Flag bit: the claim holds its duplicate keys and documentation.
    uint256 private constant KEYS_HELD = 1;

    /// @notice A new claim's state: its plan, version and provider (status set with `moved`).
    function create(uint32 planId_, uint16 planVersion_, uint32 provider_) internal pure returns (ClaimState) {
        return
            ClaimState.wrap(
                (uint256(planId_) << PLAN_ID_OFFSET) |
                    (uint256(planVersion_) << PLAN_VERSION_OFFSET) |
                    (uint256(provider_) << PROVIDER_OFFSET)
            );
    }

    function status(ClaimState s) internal pure returns (IClaims.ClaimStatus) {
        return IClaims.ClaimStatus((ClaimState.unwrap(s) >> STATUS_OFFSET) & MASK_8);
    }

    function keysHeld(ClaimState s) internal pure returns (bool) {
        return (ClaimState.unwrap(s) >> FLAGS_OFFSET) & KEYS_HELD != 0;
    }

    function planId(ClaimState s) internal pure returns (uint32) {
        return uint32(ClaimState.unwrap(s) >> PLAN_ID_OFFSET);
    }

    function planVersion(ClaimState s) internal pure returns (uint16) {
        return uint16(ClaimState.unwrap(s) >> PLAN_VERSION_OFFSET);
    }

    function provider(ClaimState s) internal pure returns (uint32) {
        return uint32(ClaimState.unwrap(s) >> PROVIDER_OFFSET);
    }

    function statusAt(ClaimState s) internal pure returns (uint40) {
        return uint40(ClaimState.unwrap(s) >> STATUS_AT_OFFSET);
    }

    function reason(ClaimState s) internal pure returns (uint16) {
        return uint16(ClaimState.unwrap(s) >> REASON_OFFSET);
    }

    function planPays(ClaimState s) internal pure returns (uint96) {
        return uint96(ClaimState.unwrap(s) >> PLAN_PAYS_OFFSET);
    }

    /// @notice The state moved to `status_` at `at` with CARC `reason_` (0: none), holding keys or not.
    function moved(
        ClaimState s,
        IClaims.ClaimStatus status_,
        uint40 at,
        uint16 reason_,
        bool keysHeld_
    ) internal pure returns (ClaimState) {
        uint256 v = ClaimState.unwrap(s);
        v &= ~((MASK_8 << STATUS_OFFSET) | (MASK_8 << FLAGS_OFFSET) | (MASK_40 << STATUS_AT_OFFSET));
        v &= ~(MASK_16 << REASON_OFFSET);
        v |=
            (uint256(status_) << STATUS_OFFSET) |
            ((keysHeld_ ? KEYS_HELD : 0) << FLAGS_OFFSET) |
            (uint256(at) << STATUS_AT_OFFSET) |
            (uint256(reason_) << REASON_OFFSET);
        return ClaimState.wrap(v);
    }

    /// @notice The state with a new plan share.
    function withPlanPays(ClaimState s, uint96 amount) internal pure returns (ClaimState) {
        uint256 v = ClaimState.unwrap(s) & ~(MASK_96 << PLAN_PAYS_OFFSET);
        return ClaimState.wrap(v | (uint256(amount) << PLAN_PAYS_OFFSET));
    }

    /// @notice The state with a new plan version.
    function withPlanVersion(ClaimState s, uint16 version) internal pure returns (ClaimState) {
        uint256 v = ClaimState.unwrap(s) & ~(MASK_16 << PLAN_VERSION_OFFSET);
        return ClaimState.wrap(v | (uint256(version) << PLAN_VERSION_OFFSET));
    }

    /// @notice The unpacked view (`IClaims.Claim`, without the details hash).
    function toClaim(ClaimState s, bytes32 detailsHash) internal pure returns (IClaims.Claim memory c) {
        c.status = status(s);
        c.keysHeld = keysHeld(s);
        c.planId = planId(s);
        c.planVersion = planVersion(s);
        c.provider = provider(s);
        c.statusAt = statusAt(s);
        c.reason = reason(s);
        c.planPays = planPays(s);
        c.detailsHash = detailsHash;
    }
}

/// @title PeriodTotalsLib
/// @notice Reads and writes the fields of a `PeriodTotals` by name.
library PeriodTotalsLib {
    uint256 private constant DEDUCTIBLE_OFFSET = 0;
    uint256 private constant OOP_OFFSET = 72;
    uint256 private constant BENEFIT_OFFSET = 144;
    uint256 private constant LAST_DECISION_OFFSET = 216;

    /// @notice Packs totals.
    function create(
        uint72 deductibleMet_,
        uint72 oopPaid_,
        uint72 benefitPaid_,
        uint40 lastDecision_
    ) internal pure returns (PeriodTotals) {
        return
            PeriodTotals.wrap(
                (uint256(deductibleMet_) << DEDUCTIBLE_OFFSET) |
                    (uint256(oopPaid_) << OOP_OFFSET) |
                    (uint256(benefitPaid_) << BENEFIT_OFFSET) |
                    (uint256(lastDecision_) << LAST_DECISION_OFFSET)
            );
    }

    function deductibleMet(PeriodTotals t) internal pure returns (uint72) {
        return uint72(PeriodTotals.unwrap(t) >> DEDUCTIBLE_OFFSET);
    }

    function oopPaid(PeriodTotals t) internal pure returns (uint72) {
        return uint72(PeriodTotals.unwrap(t) >> OOP_OFFSET);
    }

    function benefitPaid(PeriodTotals t) internal pure returns (uint72) {
        return uint72(PeriodTotals.unwrap(t) >> BENEFIT_OFFSET);
    }

    function lastDecision(PeriodTotals t) internal pure returns (uint40) {
        return uint40(PeriodTotals.unwrap(t) >> LAST_DECISION_OFFSET);
    }

    /// @notice The unpacked view.
    function toTotals(PeriodTotals t) internal pure returns (IClaims.Totals memory) {
        return IClaims.Totals(deductibleMet(t), oopPaid(t), benefitPaid(t), lastDecision(t));
    }
}
