// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IClaims
 * @notice The vocabulary of MedChain's billing and claims module, shared by its three contracts: the
 * plan book (`ClaimsPlans`: what a plan promises), the claims engine (`ClaimsEngine`: what claims
 * consumed and where each stands) and the settlement vault (`SettlementVault`: the money). Amounts
 * are in the settlement token's smallest units; denial reasons are X12 CARC codes.
 */
interface IClaims {
    // ---------------------------------------------------------------- enums

    /// @notice Where a claim stands. Transitions are listed in `ClaimStatuses` (allowed-status bitmaps).
    enum ClaimStatus {
        None, // no such claim
        PendingReview, // waits for the insurer (over the threshold, escrow short, a corrected denial); charges nothing
        Approved, // decided and accepted; its charges count; the plan share is reserved in the insurer's escrow
        Paid, // decided; the plan share was credited to the provider (final)
        Rejected, // failed a check (reason = CARC); holds nothing, so a corrected claim can follow
        Denied, // denied by the insurer in review (reason = CARC)
        Appealed, // the provider appealed a rejection or denial; waits for the insurer's one decision
        AppealDenied, // the appeal was upheld, or the overturned claim failed a check (final)
        Voided, // withdrawn by the provider
        Replaced // withdrawn by the provider and replaced by a corrected claim
    }

    // ---------------------------------------------------------------- plan book

    /**
     * @notice A plan version's terms: two storage slots, both read for every claim.
     * Amount maxima are 72-bit (4.7 x 10^21 token units) so that a patient's three running totals
     * and the id of the claim decided last fit one slot (see `PeriodTotals`).
     */
    struct PlanTerms {
        uint40 effectiveFrom; // these terms apply to services on or after this time (unix seconds)
        uint16 coinsuranceBps; // patient's share after deductible and copay, in basis points (<= 10,000)
        uint72 deductible; // per coverage period, paid by the patient before cost sharing
        uint72 oopMax; // per coverage period cap on the patient's share (>= deductible)
        uint32 reviewWindow; // seconds the insurer has to decide or settle before escalation (1 s to 365 d)
        uint72 annualLimit; // per coverage period cap on what the plan pays
        uint72 copay; // fixed patient amount per service line (after the deductible)
        uint80 reviewThreshold; // claims whose plan share exceeds this go to review
        uint32 appealWindow; // seconds after a rejection or denial the provider may appeal in (1 s to 365 d)
    }

    /// @notice One service code's rule in a plan version.
    struct CodeRule {
        bytes32 code; // opaque service code (SDK: keccak256("medchain.code.v1:" + system + "|" + code))
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

    /// @notice One coverage period of a patient in a plan (the plan year of the accumulators), one slot.
    struct Period {
        uint40 end; // last covered moment (0: no such period)
        uint40 previousStart; // the start of the patient's period before this one (0: none)
    }

    /// @notice A prior authorisation: total units authorised for a code and the service dates it covers.
    struct Authorisation {
        uint32 units; // total units authorised (used units are counted by the engine)
        uint40 validFrom; // first service date covered
        uint40 validUntil; // last service date covered
    }

    /// @notice What the plan says about one claim line's authorisation.
    struct LineQuote {
        bool needsAuth; // the code needs a prior authorisation
        uint32 authorised; // units the patient's authorisation grants (when needed and valid on the date)
    }

    /**
     * @notice The plan book's complete answer for one claim, in one call: the insurer and whether it is
     * active, the coverage check, the version in effect on the service date, each line's rule check
     * and authorisation, and what the plan pays given the patient's period totals. What claims
     * consumed (the totals, authorisation units used, duplicate keys) is the engine's, which passes
     * the totals in and decides whether the quote is charged.
     */
    struct Quote {
        bytes32 insurer; // the plan's insurer
        bool insurerActive; // it is an active Insurer now (a suspended or revoked insurer's plans do nothing)
        uint16 coverageReason; // CARC 31 (no such period), 26 (before it, or the plan), 27 (after it); 0: covered
        uint16 version; // the plan version in effect on the service date
        uint16 ruleReason; // CARC of the first line failing a plan rule (96, 204, 151, 197); 0: none
        uint256 ruleLine; // that line's index (meaningful when ruleReason != 0)
        uint80 reviewThreshold; // the version's review threshold
        LineQuote[] lines; // per line, in order (filled up to the first line failing a plan rule)
        LineResult[] results; // per line adjudication (empty unless every plan check passed)
        uint256 planPays; // the plan's share over all lines
        uint256 deductible; // deductible charged over all lines
        uint256 oop; // patient share (deductible + copay + coinsurance) over all lines
    }

    // ---------------------------------------------------------------- claims

    /// @notice A claim line as submitted.
    struct Line {
        bytes32 code; // service code
        uint32 units; // units of service (> 0)
        uint96 charged; // provider's charge for the line
    }

    /**
     * @notice The anchored record that documents a claim: the provider's billing documentation leaf
     * `MerkleLeaf.ofPair(claim.patientRef, commitment)`, anchored alone or in one of its batches. The
     * commitment is to the same record as the one consents reach but under an independent salt, so a
     * claim is never joinable to the record's consent and access trail.
     */
    struct Documentation {
        bytes32 commitment; // the billing documentation commitment
        bytes32 batchRoot; // the provider's batch holding the leaf (zero: anchored alone)
        bytes32[] proof; // Merkle proof of the leaf under batchRoot (empty when anchored alone)
    }

    /// @notice A claim as submitted by a provider.
    struct ClaimInput {
        bytes32 patientRef; // pseudonymous patient reference, one per coverage (keyed hash; never PHI)
        uint32 planId; // the plan billed
        uint40 coverageStart; // the start of the patient's coverage period that covers the service date
        uint40 serviceDate; // when the service was given (unix seconds; duplicates are keyed by its UTC day)
        bytes32 diagnosisCommitment; // salted commitment to the diagnosis codes
        Documentation documentation; // the anchored record documenting the service
        Line[] lines; // service lines (1 to 50, each code once)
    }

    /**
     * @notice What a claim's later steps need besides its stored slot; its hash is stored. Rebuilt off
     * chain from the claim's ClaimSubmitted and last ClaimAdjudicated events (SDK: `claimDetails`).
     */
    struct ClaimDetails {
        bytes32 patientRef; // the patient reference
        uint40 coverageStart; // the coverage period named at submission
        uint40 serviceDate; // the service date
        uint72 deductibleApplied; // deductible charged to the period's totals (0 unless Approved or Paid)
        uint72 oopApplied; // patient share charged to the period's totals (0 unless Approved or Paid)
        uint40 previousDecision; // the claim decided before it in the period (0: none, or not decided)
        Line[] lines; // the submitted lines
    }

    /// @notice A claim as stored (one packed slot, `ClaimState`, plus the hash of its details).
    struct Claim {
        ClaimStatus status; // where it stands
        bool keysHeld; // it holds its duplicate keys and documentation (every status but Rejected, Voided, Replaced)
        uint32 planId; // the plan billed
        uint16 planVersion; // the plan version in effect on the service date
        uint32 provider; // the billing provider's number in the engine (see `providerAt`)
        uint40 statusAt; // when the status last changed
        uint16 reason; // CARC of a rejection or denial (0 otherwise)
        uint96 planPays; // the plan's share: as charged once decided, provisional while PendingReview
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

    /// @notice A patient's running totals in one plan and coverage period (one packed slot, `PeriodTotals`).
    struct Totals {
        uint72 deductibleMet; // deductible charged by decided claims
        uint72 oopPaid; // patient share charged by decided claims: deductible + copay + coinsurance
        uint72 benefitPaid; // plan payments charged by decided claims
        uint40 lastDecision; // the claim decided last in the period (0: none); only it may be reversed
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
    error ClaimsDeductibleAboveOopMax(uint72 deductible, uint72 oopMax);
    /// @dev A review or appeal window outside 1 second to 365 days (zero would make prompt pay or appeals meaningless).
    error ClaimsInvalidWindows(uint32 reviewWindow, uint32 appealWindow);
    /// @dev A new version must take effect after the previous one and not in the past.
    error ClaimsInvalidEffectiveDate(uint40 effectiveFrom, uint40 earliest);
    /// @dev A code rule has a zero code.
    error ClaimsZeroCode();
    /// @dev The patient reference is zero.
    error ClaimsZeroPatientRef();
    /// @dev A period ends before it starts, or starts at zero.
    error ClaimsInvalidPeriod(uint40 start, uint40 end);
    /// @dev A new coverage period must start after the patient's latest one ends (`latestEnd`).
    error ClaimsOverlappingPeriod(uint40 start, uint40 latestEnd);
    /// @dev Coverage can be cut short only from now on, never retroactively.
    error ClaimsRetroactiveEnd(uint40 end, uint40 nowTimestamp);
    /// @dev A claim has no lines, or more than the maximum.
    error ClaimsLineCount(uint256 lines, uint256 maxLines);
    /// @dev A line has zero units.
    error ClaimsZeroUnits(uint256 line);
    /// @dev The same code appears on two lines of one claim (bill the units on one line).
    error ClaimsRepeatedCode(bytes32 code);
    /// @dev The service date is in the future.
    error ClaimsServiceDateInFuture(uint40 serviceDate, uint40 nowTimestamp);
    /// @dev No claim with this id.
    error ClaimsUnknownClaim(uint256 claimId);
    /// @dev The claim's status does not allow this step; `allowed`: the statuses that do (bit i: ClaimStatus i).
    error ClaimsUnexpectedStatus(uint256 claimId, ClaimStatus status, bytes32 allowed);
    /// @dev `memberId` is not the claim's billing provider.
    error ClaimsNotClaimProvider(uint256 claimId, bytes32 memberId);
    /// @dev `memberId` is not the insurer of the claim's plan.
    error ClaimsNotClaimInsurer(uint256 claimId, bytes32 memberId);
    /// @dev The plan's insurer is suspended, revoked or expired: its plans neither adjudicate nor pay.
    error ClaimsInsurerNotActive(uint32 planId, bytes32 insurer);
    /// @dev The insurer still has until `deadline` to decide or settle.
    error ClaimsReviewWindowOpen(uint256 claimId, uint40 deadline);
    /// @dev The appeal window closed at `appealBy`.
    error ClaimsAppealWindowClosed(uint256 claimId, uint40 appealBy);
    /// @dev The details given do not hash to the claim's stored details hash.
    error ClaimsDetailsMismatch(uint256 claimId);
    /// @dev A decided claim cannot be reversed: `dependent` was decided after it in the same period,
    /// against totals that include its charges (reverse `dependent` first, if it still can be).
    error ClaimsDecidedAfter(uint256 claimId, uint256 dependent);
    /// @dev The insurer's free escrow does not cover the amount.
    error ClaimsInsufficientEscrow(bytes32 insurer, uint256 available, uint256 needed);
    /// @dev A denial needs a CARC reason code.
    error ClaimsMissingReason();
    /// @dev Zero amount.
    error ClaimsZeroAmount();
    /// @dev The member has no credit to withdraw.
    error ClaimsNothingToWithdraw(bytes32 memberId);
    /// @dev A constructor address is zero.
    error ClaimsZeroAddress();
    /// @dev Only the claims engine that deployed the vault may move escrow.
    error ClaimsNotEngine(address caller);
    /// @dev Funds are recovered by vote only from a revoked member.
    error ClaimsMemberNotRevoked(bytes32 memberId);
    /// @dev Nothing to recover for this member.
    error ClaimsNothingToRecover(bytes32 memberId);

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
    /// @notice A patient (pseudonymous reference) was enrolled in a plan for a coverage period (or its end changed).
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
    /// @notice A provider submitted a claim (`replaces`: the corrected original, or 0). Nothing here (or in
    /// any claims event) names the documenting record: claims are not joinable to records.
    event ClaimSubmitted(
        uint256 indexed claimId,
        bytes32 indexed providerId,
        uint32 indexed planId,
        bytes32 patientRef,
        uint40 coverageStart,
        uint40 serviceDate,
        bytes32 diagnosisCommitment,
        uint256 replaces,
        Line[] lines
    );
    /**
     * @notice A claim was adjudicated line by line. `status` PendingReview: a provisional adjudication,
     * nothing charged (it is adjudicated again when decided). Approved or Paid: decided, charged to the
     * period's totals after `previousDecision` (the claim decided before it in the period, or 0).
     */
    event ClaimAdjudicated(
        uint256 indexed claimId,
        ClaimStatus status,
        uint16 planVersion,
        uint256 planPays,
        uint256 previousDecision,
        LineResult[] results
    );
    /// @notice A claim failed a check with CARC `reason` (at submission, at its decision, or when an
    /// overturned appeal re-ran the checks); line: 0-based, or max for the claim; `earlierClaim`: the
    /// claim holding the service or documentation, or 0.
    event ClaimRejected(uint256 indexed claimId, uint16 reason, uint256 line, uint256 earlierClaim);
    /// @notice A claim's plan share was credited to its provider.
    event ClaimPaid(uint256 indexed claimId, bytes32 indexed providerId, uint256 amount);
    /// @notice The insurer denied a claim in review with CARC `reason`.
    event ClaimDenied(uint256 indexed claimId, bytes32 indexed insurer, uint16 reason);
    /// @notice The insurer missed `deadline` (to decide, or to settle an approved claim); the provider escalated.
    event ClaimEscalated(uint256 indexed claimId, bytes32 indexed providerId, uint40 deadline);
    /// @notice The provider appealed a rejection or denial.
    event ClaimAppealed(uint256 indexed claimId, bytes32 indexed providerId);
    /// @notice The insurer decided an appeal (`overturned`: the claim passed the checks again and was paid).
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
    /// @notice Consortium vote `proposalId` recovered a revoked member's free escrow or credit to `to`.
    event FundsRecovered(bytes32 indexed memberId, address indexed to, uint256 amount, uint256 indexed proposalId);
}
