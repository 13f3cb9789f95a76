// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IClaims
 * @notice Types, errors and events of MedChain's billing and claims module: insurance plans
 * (ClaimsPlans), claims with auto-adjudication, review, appeal and settlement (ClaimsEngine).
 * Amounts are in the settlement token's smallest units. Denial reasons are X12 CARC codes.
 */
interface IClaims {
    // ---------------------------------------------------------------- enums

    /// @notice Where a claim stands.
    enum ClaimStatus {
        None, // no such claim
        PendingReview, // adjudicated; waits for the insurer (above the review threshold, or escrow short)
        Approved, // adjudicated and accepted; the plan's share is reserved in the insurer's escrow
        Paid, // the plan's share was credited to the provider (withdrawable)
        Rejected, // denied at submission by a rule check (reason = CARC)
        Denied, // denied by the insurer in review (reason = CARC)
        Appealed, // the provider appealed a denial; waits for the insurer's one decision
        AppealDenied, // the insurer upheld the denial: final
        Voided, // withdrawn by the provider before payment
        Replaced // withdrawn by the provider and replaced by a corrected claim
    }

    // ---------------------------------------------------------------- structs

    /// @notice A plan version's cost-sharing terms (packed for storage: two slots the engine reads per claim,
    /// a third with the review and appeal windows).
    struct PlanTerms {
        uint40 effectiveFrom; // these terms apply to services on or after this time (unix seconds)
        uint16 coinsuranceBps; // patient's share after deductible and copay, in basis points (<= 10,000)
        uint80 deductible; // per coverage period, paid by the patient before cost sharing
        uint96 reviewThreshold; // claims whose plan share exceeds this go to review
        uint88 copay; // fixed patient amount per service line (after the deductible)
        uint80 oopMax; // per coverage period cap on the patient's share
        uint88 annualLimit; // per coverage period cap on what the plan pays
        uint32 reviewWindow; // seconds the insurer has to decide a pending claim before the provider may escalate
        uint32 appealWindow; // seconds after a denial during which the provider may appeal
    }

    /// @notice One service code's rule in a plan version.
    struct CodeRule {
        bytes32 code; // opaque service code (e.g. keccak of "CPT|99213" or a local code)
        uint96 feePerUnit; // allowed amount per unit (fee schedule)
        uint32 unitCap; // most units per claim line (0: no cap)
        bool excluded; // the plan does not cover this code
        bool needsAuth; // the code needs a prior authorisation
    }

    /// @notice A code rule as stored (the code is the mapping key).
    struct StoredRule {
        uint96 feePerUnit; // allowed amount per unit
        uint32 unitCap; // most units per line (0: no cap)
        bool listed; // the code is in this version's schedule
        bool excluded; // not covered
        bool needsAuth; // needs prior authorisation
    }

    /// @notice A plan: its insurer and how many versions it has.
    struct Plan {
        bytes32 insurer; // the insurer member that publishes and pays it
        uint16 versions; // number of published versions (0: no such plan)
    }

    /// @notice A patient's coverage period in a plan (also the period of the yearly accumulators).
    struct Coverage {
        uint40 start; // first covered moment (unix seconds)
        uint40 end; // last covered moment (unix seconds)
    }

    /// @notice A prior authorisation: total units authorised for a code and the validity window.
    struct Authorisation {
        uint32 units; // total units authorised (used units are counted by the engine)
        uint40 validFrom; // first service date covered
        uint40 validUntil; // last service date covered
    }

    /// @notice What the engine needs of a plan for one claim, read in one call.
    struct Quote {
        bytes32 insurer; // the plan's insurer
        bool termsFound; // a version is in effect on the service date
        uint16 version; // that version
        PlanTerms terms; // its terms (without the review and appeal windows, which `termsOf` gives)
        Coverage coverage; // the patient's coverage: left empty by ClaimsPlans, filled in by the engine
        StoredRule[] rules; // the version's rule for each requested code, in order
    }

    /// @notice A claim line as submitted.
    struct Line {
        bytes32 code; // service code
        uint32 units; // units of service (> 0)
        uint96 charged; // provider's charge for the line
    }

    /// @notice A claim as submitted by a provider.
    struct ClaimInput {
        bytes32 patientRef; // pseudonymous patient reference (keyed hash; never PHI)
        uint32 planId; // the plan billed
        uint40 serviceDate; // when the service was given (unix seconds)
        bytes32 diagnosisCommitment; // salted commitment to the diagnosis codes
        bytes32 recordCommitment; // commitment of the anchored record documenting the service
        uint256 recordBatchId; // the record's batch (0: anchored on its own)
        bytes32[] recordProof; // Merkle proof of the record in its batch
        Line[] lines; // service lines
    }

    /**
     * @notice What a claim's later steps need besides its stored slot; its hash is stored. Rebuilt
     * off chain from the ClaimSubmitted and ClaimAdjudicated events (SDK: `claimDetails`).
     */
    struct ClaimDetails {
        bytes32 patientRef; // the patient reference
        uint40 serviceDate; // the service date
        uint40 coverageStart; // the coverage period the accumulators were charged to
        uint96 deductibleApplied; // deductible charged to the accumulators
        uint96 oopApplied; // patient share charged to the out-of-pocket accumulator
        Line[] lines; // the submitted lines
    }

    /// @notice A claim as stored: two slots (state, details hash).
    struct Claim {
        ClaimStatus status; // where it stands
        bool keysHeld; // its duplicate-check keys are registered
        uint32 planId; // the plan billed
        uint16 planVersion; // the plan version that adjudicated it
        uint32 provider; // the billing provider's number in the engine (see `providerAt`)
        uint40 statusAt; // when the status last changed
        uint16 reason; // CARC of a rejection or denial (0 otherwise)
        uint96 planPays; // the plan's share (benefit) as adjudicated
        bytes32 detailsHash; // keccak256 of the ClaimDetails fields abi-encoded as a tuple
    }

    /**
     * @notice One line's adjudication in FHIR adjudication categories. `submitted` is the line's
     * `charged`, and what the plan does not pay of `eligible` beyond the patient's share is over the
     * annual limit (CARC 119): both are derived, not emitted, to keep submission cheap.
     */
    struct LineResult {
        uint96 eligible; // allowed: min(charged, fee x units)
        uint96 deductible; // patient: deductible
        uint96 copay; // patient: copay
        uint96 coinsurance; // patient: coinsurance
        uint96 benefit; // plan pays
    }

    /**
     * @notice A patient's running totals in one plan and coverage period (packed in one slot). Enrolment
     * opens it (`opened`), so the period's first claim updates a warm, non-zero slot.
     */
    struct Accumulator {
        bool opened; // set at enrolment
        uint80 deductibleMet; // deductible paid (<= plan deductible)
        uint80 oopPaid; // patient share: deductible + copay + coinsurance (<= OOP max)
        uint88 benefitPaid; // plan payments (<= annual limit)
    }

    /// @notice An insurer's escrow in the settlement vault.
    struct Escrow {
        uint128 free; // available to approve claims or withdraw
        uint128 reserved; // held for approved, not yet settled claims
    }

    // ---------------------------------------------------------------- errors

    /// @dev No plan with this id.
    error ClaimsUnknownPlan(uint32 planId);
    /// @dev `memberId` is not the insurer of `planId`.
    error ClaimsNotPlanInsurer(uint32 planId, bytes32 memberId);
    /// @dev Coinsurance above 100%.
    error ClaimsInvalidCoinsurance(uint16 coinsuranceBps);
    /// @dev The deductible exceeds the out-of-pocket maximum.
    error ClaimsDeductibleAboveOopMax(uint80 deductible, uint80 oopMax);
    /// @dev A new version must take effect after the previous one and not in the past.
    error ClaimsInvalidEffectiveDate(uint40 effectiveFrom, uint40 earliest);
    /// @dev A code rule has a zero code.
    error ClaimsZeroCode();
    /// @dev The patient reference is zero.
    error ClaimsZeroPatientRef();
    /// @dev A period ends before it starts.
    error ClaimsInvalidPeriod(uint40 start, uint40 end);
    /// @dev A claim has no lines.
    error ClaimsNoLines();
    /// @dev A line has zero units.
    error ClaimsZeroUnits(uint256 line);
    /// @dev The same code appears on two lines of one claim (bill the units on one line).
    error ClaimsRepeatedCode(bytes32 code);
    /// @dev The service date is in the future.
    error ClaimsServiceDateInFuture(uint40 serviceDate, uint40 nowTimestamp);
    /// @dev No claim with this id.
    error ClaimsUnknownClaim(uint256 claimId);
    /// @dev The claim is not in a status that allows this step.
    error ClaimsWrongStatus(uint256 claimId, ClaimStatus status);
    /// @dev `memberId` is not the claim's billing provider.
    error ClaimsNotClaimProvider(uint256 claimId, bytes32 memberId);
    /// @dev `memberId` is not the insurer of the claim's plan.
    error ClaimsNotClaimInsurer(uint256 claimId, bytes32 memberId);
    /// @dev The insurer still has until `reviewBy` to decide.
    error ClaimsReviewWindowOpen(uint256 claimId, uint40 reviewBy);
    /// @dev The appeal window closed at `appealBy`.
    error ClaimsAppealWindowClosed(uint256 claimId, uint40 appealBy);
    /// @dev The details given do not hash to the claim's stored details hash.
    error ClaimsDetailsMismatch(uint256 claimId);
    /// @dev The insurer's free escrow does not cover the claim.
    error ClaimsInsufficientEscrow(bytes32 insurer, uint256 available, uint256 needed);
    /// @dev A denial needs a CARC reason code.
    error ClaimsMissingReason();
    /// @dev Zero amount.
    error ClaimsZeroAmount();
    /// @dev The member has no credit to withdraw.
    error ClaimsNothingToWithdraw(bytes32 memberId);
    /// @dev A constructor address is zero.
    error ClaimsZeroAddress();

    // ---------------------------------------------------------------- events

    /// @notice An insurer published version `version` of plan `planId` with `codeCount` code rules.
    event PlanPublished(
        uint32 indexed planId,
        bytes32 indexed insurer,
        uint16 version,
        PlanTerms terms,
        uint256 codeCount
    );
    /// @notice A code rule of a plan version was set.
    event CodeRuleSet(
        uint32 indexed planId,
        uint16 indexed version,
        bytes32 indexed code,
        uint96 feePerUnit,
        uint32 unitCap,
        bool excluded,
        bool needsAuth
    );
    /// @notice A patient (pseudonymous reference) was enrolled in a plan for a coverage period.
    event PatientEnrolled(uint32 indexed planId, bytes32 patientRef, uint40 start, uint40 end);
    /// @notice A prior authorisation was granted (total units for the code and validity).
    event PriorAuthorisationGranted(
        uint32 indexed planId,
        bytes32 indexed code,
        bytes32 patientRef,
        uint32 units,
        uint40 validFrom,
        uint40 validUntil
    );
    /// @notice A provider submitted a claim (`replaces`: the corrected original, or 0).
    event ClaimSubmitted(
        uint256 indexed claimId,
        bytes32 indexed providerId,
        uint32 indexed planId,
        bytes32 patientRef,
        uint40 serviceDate,
        bytes32 diagnosisCommitment,
        bytes32 recordCommitment,
        uint256 replaces,
        Line[] lines
    );
    /// @notice A claim was adjudicated line by line; `status` is PendingReview, Approved or Paid.
    event ClaimAdjudicated(
        uint256 indexed claimId,
        ClaimStatus status,
        uint16 planVersion,
        uint40 coverageStart,
        uint256 planPays,
        LineResult[] results
    );
    /// @notice A claim was rejected at submission with CARC `reason` (line: 0-based, or max for the claim;
    /// `earlierClaim`: the claim it duplicates, or 0).
    event ClaimRejected(uint256 indexed claimId, uint16 reason, uint256 line, uint256 earlierClaim);
    /// @notice A claim's plan share was credited to its provider.
    event ClaimPaid(uint256 indexed claimId, bytes32 indexed providerId, uint256 amount);
    /// @notice The insurer denied a claim in review with CARC `reason`.
    event ClaimDenied(uint256 indexed claimId, bytes32 indexed insurer, uint16 reason);
    /// @notice The insurer missed the review deadline; the provider escalated and the claim was paid as adjudicated.
    event ClaimEscalated(uint256 indexed claimId, bytes32 indexed providerId, uint40 reviewBy);
    /// @notice The provider appealed a denial.
    event ClaimAppealed(uint256 indexed claimId, bytes32 indexed providerId);
    /// @notice The insurer decided an appeal (`overturned`: the claim was re-adjudicated and paid).
    event AppealDecided(uint256 indexed claimId, bool overturned, uint16 reason);
    /// @notice The provider voided a claim (`replacedBy`: the correction, or 0).
    event ClaimVoided(uint256 indexed claimId, uint256 replacedBy);
    /// @notice An insurer settled approved claims in one transaction.
    event ClaimsSettled(bytes32 indexed insurer, uint256 count, uint256 total);
    /// @notice An insurer funded its escrow.
    event EscrowFunded(bytes32 indexed insurer, address indexed from, uint256 amount);
    /// @notice An insurer withdrew free escrow.
    event EscrowWithdrawn(bytes32 indexed insurer, address indexed to, uint256 amount);
    /// @notice A provider withdrew its credit.
    event CreditWithdrawn(bytes32 indexed providerId, address indexed to, uint256 amount);
}

/**
 * @title IClaimsPlans
 * @notice The plan book the claims engine reads: plans, versions, prior authorisations.
 */
interface IClaimsPlans is IClaims {
    /**
     * @notice What the engine needs of a plan for one claim, in one call.
     * @param planId the plan
     * @param serviceDate the service date, selecting the plan version in effect
     * @param codes the claim's line codes
     * @return quote the insurer, version, terms and each code's rule
     */
    function quote(
        uint32 planId,
        uint40 serviceDate,
        bytes32[] calldata codes
    ) external view returns (Quote memory quote);

    /**
     * @notice A prior authorisation.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param code the service code
     * @return auth total units authorised and validity (zero if none)
     */
    function authorisationOf(
        uint32 planId,
        bytes32 patientRef,
        bytes32 code
    ) external view returns (Authorisation memory auth);

    /**
     * @notice A plan's insurer and number of versions.
     * @param planId the plan
     * @return plan the plan (versions == 0: no such plan)
     */
    function planOf(uint32 planId) external view returns (Plan memory plan);

    /**
     * @notice A code's rule in a plan version.
     * @param planId the plan
     * @param version the version
     * @param code the service code
     * @return rule the rule (listed == false: not in the schedule)
     */
    function ruleOf(uint32 planId, uint16 version, bytes32 code) external view returns (StoredRule memory rule);

    /**
     * @notice A version's terms.
     * @param planId the plan
     * @param version the version
     * @return terms its terms
     */
    function termsOf(uint32 planId, uint16 version) external view returns (PlanTerms memory terms);
}
