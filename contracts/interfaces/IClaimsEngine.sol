// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "./IClaims.sol";
import {IClaimsPlans} from "./IClaimsPlans.sol";
import {IRecordVerifier} from "./IRecordVerifier.sol";
import {ISettlementVault} from "./ISettlementVault.sol";

/**
 * @title IClaimsEngine
 * @notice The claims engine's whole external API. Providers (hospitals, laboratories) submit claims;
 * each is checked and adjudicated line by line in the same transaction and approved, sent to review
 * or rejected with an X12 CARC reason. Insurers review, decide appeals and settle approved claims in
 * batches through the settlement vault.
 *
 * Only decided claims (Approved, Paid) charge a patient's period totals; a claim in review is
 * adjudicated again, against the totals of that moment, when it is decided. A decided claim can be
 * reversed (voided or replaced) only while no later claim of the same period was decided against
 * totals that include it, so nothing reversible ever changes another claim's outcome.
 */
interface IClaimsEngine is IClaims {
    // ---------------------------------------------------------------- provider

    /**
     * @notice Submits a claim: checks it (coverage, duplicates, documentation, plan rules,
     * authorisation units), adjudicates every line and approves it, sends it to review or rejects it,
     * all in this transaction. Caller: an active Hospital or Laboratory.
     * @param claim the claim
     * @return claimId the new claim's id (also for a rejected claim)
     */
    function submit(ClaimInput calldata claim) external returns (uint256 claimId);

    /**
     * @notice Replaces a claim with a corrected one: the original is withdrawn (as `voidClaim` does)
     * and the correction submitted. A correction of a denied claim always goes to review, so a denial
     * is never bypassed by resubmitting. Caller: the original's provider.
     * @param originalId the claim to replace (PendingReview, Approved, Rejected, Denied or AppealDenied)
     * @param details the original's details
     * @param claim the corrected claim
     * @return claimId the correction's id
     */
    function replace(
        uint256 originalId,
        ClaimDetails calldata details,
        ClaimInput calldata claim
    ) external returns (uint256 claimId);

    /**
     * @notice Voids a claim in review, approved or rejected, releasing its duplicate keys and
     * documentation and, if approved, its reservation and its charges (only while no later claim of
     * the period was decided after it: `ClaimsDecidedAfter`). Caller: the claim's provider.
     * @param claimId the claim
     * @param details its details
     */
    function voidClaim(uint256 claimId, ClaimDetails calldata details) external;

    /**
     * @notice Prompt pay: once the plan's review window has passed, the provider escalates a claim the
     * insurer has not decided (it is decided as approve does) or an approved claim it has not settled
     * (it is settled alone). Refused while the insurer is not active. Caller: the claim's provider.
     * @param claimId the claim
     * @param details its details
     */
    function escalate(uint256 claimId, ClaimDetails calldata details) external;

    /**
     * @notice Appeals a rejection or denial within the plan's appeal window. Caller: the claim's provider.
     * @param claimId the claim
     */
    function appeal(uint256 claimId) external;

    // ---------------------------------------------------------------- insurer

    /**
     * @notice Approves a claim in review: it is adjudicated again against the patient's totals now,
     * its authorisation units are taken (if they no longer suffice it is rejected with CARC 197 or 198)
     * and its plan share is credited to the provider from free escrow. Caller: the plan's insurer.
     * @param claimId the claim
     * @param details its details
     */
    function approve(uint256 claimId, ClaimDetails calldata details) external;

    /**
     * @notice Denies a claim in review with a CARC reason. It charged nothing; it keeps its duplicate
     * keys and documentation (a correction must replace it, and then goes to review). Caller: the
     * plan's insurer.
     * @param claimId the claim
     * @param reason the CARC reason (non-zero)
     */
    function deny(uint256 claimId, uint16 reason) external;

    /**
     * @notice Decides an appeal, once. Upheld: the claim is finally denied with `reason`. Overturned:
     * the claim runs every submission check again (duplicates first, then documentation, plan rules
     * and authorisation units) under the coverage period and plan version of its service date; if it
     * passes it is adjudicated against the totals now and paid from free escrow, otherwise it is
     * finally denied with the failing check's CARC. Caller: the plan's insurer.
     * @param claimId the claim
     * @param overturn whether the appeal succeeds
     * @param reason the CARC reason when upheld (ignored when overturned)
     * @param details the claim's details
     * @param documentation the documenting record for the re-run checks (ignored when upheld)
     */
    function decideAppeal(
        uint256 claimId,
        bool overturn,
        uint16 reason,
        ClaimDetails calldata details,
        Documentation calldata documentation
    ) external;

    /**
     * @notice Settles approved claims in one transaction: each becomes Paid and its reserved plan share
     * is credited to its provider (credits are summed per provider across consecutive claims, so sort
     * the batch by provider). Caller: the insurer of every claim's plan.
     * @param claimIds the approved claims
     * @return total the amount credited
     */
    function settle(uint256[] calldata claimIds) external returns (uint256 total);

    // ---------------------------------------------------------------- views

    /// @notice The plan book.
    function plans() external view returns (IClaimsPlans);

    /// @notice The record registry that documents services.
    function records() external view returns (IRecordVerifier);

    /// @notice The settlement vault this engine deployed.
    function vault() external view returns (ISettlementVault);

    /// @notice Number of claims; ids run from 1.
    function claimCount() external view returns (uint256);

    /**
     * @notice A claim as stored.
     * @param claimId the claim
     * @return claim the claim (status None: no such claim)
     */
    function claimOf(uint256 claimId) external view returns (Claim memory claim);

    /**
     * @notice The member id behind a provider number (`Claim.provider`).
     * @param provider the provider number (from 1)
     * @return providerId the provider's member id (zero if unassigned)
     */
    function providerAt(uint32 provider) external view returns (bytes32 providerId);

    /**
     * @notice The claim that holds a service's duplicate key (patient, provider, code, UTC day), if any.
     * @param patientRef the patient reference
     * @param providerId the billing provider
     * @param code the service code
     * @param serviceDate any moment of the service day
     * @return claimId the holding claim, or 0
     */
    function claimForService(
        bytes32 patientRef,
        bytes32 providerId,
        bytes32 code,
        uint40 serviceDate
    ) external view returns (uint256 claimId);

    /**
     * @notice The claim a provider's documentation leaf currently documents, if any.
     * @param providerId the provider that anchored it
     * @param leaf the documentation leaf, `MerkleLeaf.ofPair(patientRef, commitment)`
     * @return claimId the holding claim, or 0
     */
    function claimForDocumentation(bytes32 providerId, bytes32 leaf) external view returns (uint256 claimId);

    /**
     * @notice A patient's totals in a plan's coverage period, charged by decided claims only.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param coverageStart the coverage period's start
     * @return totals the totals and the claim decided last
     */
    function totalsOf(
        uint32 planId,
        bytes32 patientRef,
        uint40 coverageStart
    ) external view returns (Totals memory totals);

    /**
     * @notice Units of a prior authorisation used by decided claims.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param code the service code
     * @return units used
     */
    function authUsedOf(uint32 planId, bytes32 patientRef, bytes32 code) external view returns (uint256 units);
}
