// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";

/**
 * @title ClaimStatuses
 * @notice The claim status machine: for each step, the bitmap of statuses it may start from (bit i
 * set: `ClaimStatus(i)` allowed), checked in one place as OpenZeppelin's Governor checks proposal
 * states (`_validateStateBitmap`).
 *
 *   submit / replace   -> PendingReview | Approved | Paid | Rejected
 *   approve, escalate  PendingReview -> Paid | Rejected      escalate  Approved -> Paid
 *   deny               PendingReview -> Denied               settle    Approved -> Paid
 *   appeal             Rejected | Denied -> Appealed
 *   decideAppeal       Appealed -> Paid | AppealDenied
 *   voidClaim          PendingReview | Approved | Rejected -> Voided
 *   replace            those, Denied | AppealDenied -> Replaced
 */
library ClaimStatuses {
    /// @notice Statuses a provider may void.
    bytes32 internal constant VOIDABLE = bytes32(
        (1 << uint8(IClaims.ClaimStatus.PendingReview)) |
            (1 << uint8(IClaims.ClaimStatus.Approved)) |
            (1 << uint8(IClaims.ClaimStatus.Rejected))
    );
    /// @notice Statuses a provider may replace with a correction.
    bytes32 internal constant REPLACEABLE =
        VOIDABLE | bytes32((1 << uint8(IClaims.ClaimStatus.Denied)) | (1 << uint8(IClaims.ClaimStatus.AppealDenied)));
    /// @notice Statuses the insurer decides in review (approve, deny).
    bytes32 internal constant IN_REVIEW = bytes32(1 << uint8(IClaims.ClaimStatus.PendingReview));
    /// @notice Statuses a provider may escalate after the review window.
    bytes32 internal constant ESCALATABLE = bytes32(
        (1 << uint8(IClaims.ClaimStatus.PendingReview)) | (1 << uint8(IClaims.ClaimStatus.Approved))
    );
    /// @notice Statuses settlement pays.
    bytes32 internal constant SETTLEABLE = bytes32(1 << uint8(IClaims.ClaimStatus.Approved));
    /// @notice Statuses a provider may appeal.
    bytes32 internal constant APPEALABLE = bytes32(
        (1 << uint8(IClaims.ClaimStatus.Rejected)) | (1 << uint8(IClaims.ClaimStatus.Denied))
    );
    /// @notice Statuses waiting for the appeal decision.
    bytes32 internal constant APPEALED = bytes32(1 << uint8(IClaims.ClaimStatus.Appealed));
    /// @notice Statuses whose charges count in the period totals (decided and accepted).
    bytes32 internal constant CHARGED = bytes32(
        (1 << uint8(IClaims.ClaimStatus.Approved)) | (1 << uint8(IClaims.ClaimStatus.Paid))
    );
    /// @notice Statuses a correction of which goes to review (an insurer's denial is never bypassed).
    bytes32 internal constant DENIED = bytes32(
        (1 << uint8(IClaims.ClaimStatus.Denied)) | (1 << uint8(IClaims.ClaimStatus.AppealDenied))
    );

    /// @notice The bitmap of one status.
    function bit(IClaims.ClaimStatus status) internal pure returns (bytes32) {
        return bytes32(1 << uint8(status));
    }

    /// @notice Whether `status` is in `allowed`.
    function isIn(IClaims.ClaimStatus status, bytes32 allowed) internal pure returns (bool) {
        return bit(status) & allowed != 0;
    }

    /// @notice Reverts unless the claim exists and its status is in `allowed`.
    function validate(uint256 claimId, IClaims.ClaimStatus status, bytes32 allowed) internal pure {
        if (status == IClaims.ClaimStatus.None) revert IClaims.ClaimsUnknownClaim(claimId);
        if (!isIn(status, allowed)) revert IClaims.ClaimsUnexpectedStatus(claimId, status, allowed);
    }
}
