// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IClaimsPlans} from "../interfaces/IClaims.sol";
import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {Adjudication} from "../libraries/Adjudication.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {SettlementVault} from "./SettlementVault.sol";

/**
 * @title ClaimsEngine
 * @notice Providers (hospitals, laboratories) submit claims; each is checked and adjudicated line by
 * line in the same transaction, then approved (plan share reserved in the insurer's escrow), sent
 * to review, or rejected with an X12 CARC reason. Insurers review, decide appeals and settle approved
 * claims in batches; providers pull their credit. Rejected claims are stored with their reason (a
 * complete trail) but never block a corrected resubmission; accepted claims block duplicates until
 * voided or replaced explicitly.
 *
 * Storage: a claim is two slots (state, details hash); providers are numbered on their first claim
 * so the state slot can name them. What later steps need beyond that (patient reference, service
 * date, lines, accumulator contributions) is passed back as `ClaimDetails` and checked against the
 * hash; the SDK rebuilds it from the claim's events. This keeps a three-line submission with
 * adjudication within 250,000 gas.
 */
contract ClaimsEngine is SettlementVault {
    /// @notice CARC 31: patient cannot be identified as our insured (not enrolled).
    uint16 public constant CARC_NOT_INSURED = 31;
    /// @notice CARC 26: expenses incurred prior to coverage.
    uint16 public constant CARC_BEFORE_COVERAGE = 26;
    /// @notice CARC 27: expenses incurred after coverage terminated.
    uint16 public constant CARC_AFTER_COVERAGE = 27;
    /// @notice CARC 18: exact duplicate claim/service.
    uint16 public constant CARC_DUPLICATE = 18;
    /// @notice CARC 252: documentation required (the record is not anchored by the provider, or retracted).
    uint16 public constant CARC_NO_DOCUMENTATION = 252;
    /// @notice CARC 96: non-covered charge (code not in the fee schedule).
    uint16 public constant CARC_NOT_IN_SCHEDULE = 96;
    /// @notice CARC 204: service not covered under the patient's current benefit plan (excluded).
    uint16 public constant CARC_EXCLUDED = 204;
    /// @notice CARC 151: the information submitted does not support this many services (unit cap).
    uint16 public constant CARC_UNITS_OVER_CAP = 151;
    /// @notice CARC 197: precertification/authorisation absent.
    uint16 public constant CARC_NO_AUTH = 197;
    /// @notice CARC 198: precertification/authorisation exceeded.
    uint16 public constant CARC_AUTH_EXCEEDED = 198;

    /// @dev `line` value of a claim-level rejection.
    uint256 private constant WHOLE_CLAIM = type(uint256).max;

    /// @notice The plan book.
    IClaimsPlans public immutable plans;
    /// @notice The record registry that documents services.
    IRecordVerifier public immutable records;
    /// @notice Number of claims; ids run from 1.
    uint256 public claimCount;

    mapping(uint256 claimId => Claim claim) private _claims;
    mapping(bytes32 serviceKey => uint256 claimId) private _serviceClaims;
    mapping(bytes32 periodKey => Accumulator totals) private _accumulators;
    mapping(bytes32 authKey => uint256 used) private _authUsed;
    mapping(uint32 planId => mapping(bytes32 patientRef => Coverage coverage)) private _coverage;
    mapping(bytes32 providerId => uint32 provider) private _providerNumbers;
    bytes32[] private _providerIds;

    /// @dev A passing check's effects, applied only if every check passes.
    struct Check {
        uint16 reason; // CARC, 0 when the claim passes
        uint256 line; // failing line or WHOLE_CLAIM
        uint256 earlierClaim; // the duplicated claim
        bytes32[] authKeys; // prior authorisations to charge (zero: none)
        uint256[] authUsedAfter; // their used units after this claim
    }

    /// @dev An adjudication's outcome.
    struct Outcome {
        uint256 planPays;
        uint256 deductible;
        uint256 oop;
        LineResult[] results;
    }

    /**
     * @param registry the consortium registry
     * @param planBook the ClaimsPlans contract
     * @param recordVerifier the record registry
     * @param settlementToken the ERC-20 claims are paid in
     */
    constructor(
        IConsortiumRegistry registry,
        IClaimsPlans planBook,
        IRecordVerifier recordVerifier,
        IERC20 settlementToken
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_CLAIMS) SettlementVault(settlementToken) {
        if (address(planBook) == address(0) || address(recordVerifier) == address(0)) revert ClaimsZeroAddress();
        plans = planBook;
        records = recordVerifier;
    }

    // ---------------------------------------------------------------- insurer: enrolment

    /**
     * @notice Enrols a patient in a plan for a coverage period (replacing any earlier period) and opens
     * the patient's accumulators for it: the period is the plan year of the deductible, the
     * out-of-pocket maximum and the annual limit. Caller: the plan's insurer.
     * @param planId the plan
     * @param patientRef the patient's pseudonymous reference
     * @param start first covered moment
     * @param end last covered moment
     */
    function enrol(uint32 planId, bytes32 patientRef, uint40 start, uint40 end) external {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        Plan memory plan = plans.planOf(planId);
        if (plan.versions == 0) revert ClaimsUnknownPlan(planId);
        if (plan.insurer != insurer) revert ClaimsNotPlanInsurer(planId, insurer);
        if (patientRef == bytes32(0)) revert ClaimsZeroPatientRef();
        if (end < start) revert ClaimsInvalidPeriod(start, end);
        _coverage[planId][patientRef] = Coverage({start: start, end: end});
        _accumulators[_periodKey(planId, patientRef, start)].opened = true;
        emit PatientEnrolled(planId, patientRef, start, end);
    }

    // ---------------------------------------------------------------- provider

    /**
     * @notice Submits a claim: checks it, adjudicates every line and approves it, sends it to review
     * or rejects it with a CARC reason, all in this transaction. Caller: an active Hospital or Laboratory.
     * @param claim the claim
     * @return claimId the new claim's id (also for a rejected claim)
     */
    function submit(ClaimInput calldata claim) external returns (uint256 claimId) {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        return _submit(provider, claim, 0);
    }

    /**
     * @notice Replaces a claim with a corrected one: the original is withdrawn (its duplicate keys,
     * reservation and accumulator charges released) and the correction submitted. Caller: the provider.
     * @param originalId the claim to replace (not Paid, not under appeal)
     * @param details the original's details
     * @param claim the corrected claim
     * @return claimId the correction's id
     */
    function replace(
        uint256 originalId,
        ClaimDetails calldata details,
        ClaimInput calldata claim
    ) external returns (uint256 claimId) {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        _withdrawClaim(originalId, provider, details, ClaimStatus.Replaced, claimCount + 1);
        return _submit(provider, claim, originalId);
    }

    /**
     * @notice Voids a claim that has not been paid (and is not under appeal), releasing its duplicate
     * keys, reservation and accumulator charges. Caller: the claim's provider.
     * @param claimId the claim
     * @param details its details
     */
    function voidClaim(uint256 claimId, ClaimDetails calldata details) external {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        _withdrawClaim(claimId, provider, details, ClaimStatus.Voided, 0);
    }

    /**
     * @notice Prompt pay: when the insurer has not decided a pending claim within the plan's review
     * window, the provider escalates and the claim is paid as adjudicated (escrow permitting).
     * Caller: the claim's provider.
     * @param claimId the claim
     */
    function escalate(uint256 claimId) external {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        Claim storage c = _claimOfProvider(claimId, provider);
        _requireStatus(claimId, c.status, ClaimStatus.PendingReview);
        uint40 reviewBy = c.statusAt + plans.termsOf(c.planId, c.planVersion).reviewWindow;
        if (block.timestamp <= reviewBy) revert ClaimsReviewWindowOpen(claimId, reviewBy);
        _pay(claimId, c, plans.planOf(c.planId).insurer);
        emit ClaimEscalated(claimId, provider, reviewBy);
    }

    /**
     * @notice Appeals a rejection or denial within the plan's appeal window. Caller: the claim's provider.
     * @param claimId the claim
     */
    function appeal(uint256 claimId) external {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        Claim storage c = _claimOfProvider(claimId, provider);
        if (c.status != ClaimStatus.Rejected && c.status != ClaimStatus.Denied) {
            revert ClaimsWrongStatus(claimId, c.status);
        }
        uint40 appealBy = c.statusAt + plans.termsOf(c.planId, c.planVersion).appealWindow;
        if (block.timestamp > appealBy) revert ClaimsAppealWindowClosed(claimId, appealBy);
        c.status = ClaimStatus.Appealed;
        c.statusAt = uint40(block.timestamp);
        emit ClaimAppealed(claimId, provider);
    }

    // ---------------------------------------------------------------- insurer

    /**
     * @notice Approves a pending claim and credits its plan share to the provider from free escrow.
     * Caller: the insurer of the claim's plan.
     * @param claimId the claim
     */
    function approve(uint256 claimId) external {
        (Claim storage c, bytes32 insurer) = _claimOfInsurer(claimId);
        _requireStatus(claimId, c.status, ClaimStatus.PendingReview);
        _pay(claimId, c, insurer);
    }

    /**
     * @notice Denies a pending claim with a CARC reason; its accumulator charges are released (its
     * duplicate keys stay: a correction must replace it explicitly). Caller: the plan's insurer.
     * @param claimId the claim
     * @param reason the CARC reason (non-zero)
     * @param details the claim's details
     */
    function deny(uint256 claimId, uint16 reason, ClaimDetails calldata details) external {
        (Claim storage c, bytes32 insurer) = _claimOfInsurer(claimId);
        _requireStatus(claimId, c.status, ClaimStatus.PendingReview);
        if (reason == 0) revert ClaimsMissingReason();
        _requireDetails(claimId, c, details);
        _unchargeTotals(c, details);
        c.status = ClaimStatus.Denied;
        c.reason = reason;
        c.statusAt = uint40(block.timestamp);
        emit ClaimDenied(claimId, insurer, reason);
    }

    /**
     * @notice Decides an appeal, once. Upheld: the denial is final with `reason`. Overturned: the claim
     * is re-adjudicated under the plan version in effect on its service date, against the patient's
     * current totals, and its plan share is paid from free escrow. Caller: the plan's insurer.
     * @param claimId the claim
     * @param overturn whether the appeal succeeds
     * @param reason the CARC reason when upheld (ignored when overturned)
     * @param details the claim's details
     */
    function decideAppeal(uint256 claimId, bool overturn, uint16 reason, ClaimDetails calldata details) external {
        (Claim storage c, bytes32 insurer) = _claimOfInsurer(claimId);
        _requireStatus(claimId, c.status, ClaimStatus.Appealed);
        if (!overturn) {
            if (reason == 0) revert ClaimsMissingReason();
            c.status = ClaimStatus.AppealDenied;
            c.reason = reason;
            c.statusAt = uint40(block.timestamp);
            emit AppealDecided(claimId, false, reason);
            return;
        }
        _requireDetails(claimId, c, details);
        Quote memory q = plans.quote(c.planId, details.serviceDate, _codes(details.lines));
        q.coverage = _coverage[c.planId][details.patientRef];
        bytes32 provider = _providerIds[c.provider - 1];
        Outcome memory o = _adjudicate(
            claimId,
            c.planId,
            provider,
            details.patientRef,
            details.serviceDate,
            details.lines,
            q
        );
        c.reason = 0;
        c.planVersion = q.version;
        c.planPays = uint96(o.planPays);
        c.keysHeld = true;
        c.detailsHash = _hashDetails(
            details.patientRef,
            details.serviceDate,
            q.coverage.start,
            o.deductible,
            o.oop,
            details.lines
        );
        emit AppealDecided(claimId, true, 0);
        emit ClaimAdjudicated(claimId, ClaimStatus.Paid, c.planVersion, q.coverage.start, o.planPays, o.results);
        _pay(claimId, c, insurer);
    }

    /**
     * @notice Settles approved claims in one transaction: each becomes Paid and its reserved plan share
     * is credited to its provider (credits are summed per provider across consecutive claims, so sort
     * the batch by provider). Caller: the insurer of every claim's plan.
     * @param claimIds the approved claims
     * @return total the amount credited
     */
    function settle(uint256[] calldata claimIds) external returns (uint256 total) {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        uint32 knownPlan;
        bytes32 runProvider;
        uint256 runTotal;
        for (uint256 i = 0; i < claimIds.length; ++i) {
            uint256 claimId = claimIds[i];
            Claim storage c = _claims[claimId];
            _requireStatus(claimId, c.status, ClaimStatus.Approved);
            if (c.planId != knownPlan) {
                if (plans.planOf(c.planId).insurer != insurer) revert ClaimsNotClaimInsurer(claimId, insurer);
                knownPlan = c.planId;
            }
            c.status = ClaimStatus.Paid;
            c.statusAt = uint40(block.timestamp);
            bytes32 provider = _providerIds[c.provider - 1];
            if (provider != runProvider) {
                if (runTotal != 0) _credits[runProvider] += runTotal;
                total += runTotal;
                runProvider = provider;
                runTotal = 0;
            }
            runTotal += c.planPays;
            emit ClaimPaid(claimId, provider, c.planPays);
        }
        if (runTotal != 0) _credits[runProvider] += runTotal;
        total += runTotal;
        _escrows[insurer].reserved -= uint128(total);
        emit ClaimsSettled(insurer, claimIds.length, total);
    }

    // ---------------------------------------------------------------- views

    /**
     * @notice A claim as stored.
     * @param claimId the claim
     * @return the claim (status None: no such claim)
     */
    function claimOf(uint256 claimId) external view returns (Claim memory) {
        return _claims[claimId];
    }

    /**
     * @notice The member id behind a provider number (`Claim.provider`).
     * @param provider the provider number (from 1)
     * @return the provider's member id
     */
    function providerAt(uint32 provider) external view returns (bytes32) {
        return _providerIds[provider - 1];
    }

    /**
     * @notice The accepted claim (if any) that holds a service's duplicate key.
     * @param patientRef the patient reference
     * @param providerId the billing provider
     * @param code the service code
     * @param serviceDate the service date
     * @return claimId the claim, or 0
     */
    function claimForService(
        bytes32 patientRef,
        bytes32 providerId,
        bytes32 code,
        uint40 serviceDate
    ) external view returns (uint256) {
        return _serviceClaims[_serviceKey(patientRef, providerId, code, serviceDate)];
    }

    /**
     * @notice A patient's coverage period in a plan.
     * @param planId the plan
     * @param patientRef the patient reference
     * @return the coverage (zero: not enrolled)
     */
    function coverageOf(uint32 planId, bytes32 patientRef) external view returns (Coverage memory) {
        return _coverage[planId][patientRef];
    }

    /**
     * @notice A patient's running totals in a plan's coverage period.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param coverageStart the coverage period's start
     * @return the accumulator
     */
    function totalsOf(
        uint32 planId,
        bytes32 patientRef,
        uint40 coverageStart
    ) external view returns (Accumulator memory) {
        return _accumulators[_periodKey(planId, patientRef, coverageStart)];
    }

    /**
     * @notice Units of a prior authorisation used by accepted claims.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param code the service code
     * @return units used
     */
    function authUsedOf(uint32 planId, bytes32 patientRef, bytes32 code) external view returns (uint256) {
        return _authUsed[_authKey(planId, patientRef, code)];
    }

    // ---------------------------------------------------------------- internals: submission

    function _submit(bytes32 provider, ClaimInput calldata input, uint256 replaces) private returns (uint256 claimId) {
        _checkInput(input);
        claimId = ++claimCount;
        Quote memory q = plans.quote(input.planId, input.serviceDate, _codes(input.lines));
        q.coverage = _coverage[input.planId][input.patientRef];
        Check memory chk = _check(provider, input, q);
        // The claim's state slot is written once, at the end of each branch.
        Claim memory c = Claim({
            status: ClaimStatus.Rejected,
            keysHeld: false,
            planId: input.planId,
            planVersion: q.version,
            provider: _providerNumber(provider),
            statusAt: uint40(block.timestamp),
            reason: chk.reason,
            planPays: 0,
            detailsHash: bytes32(0)
        });
        if (chk.reason != 0) {
            c.detailsHash = _hashDetails(input.patientRef, input.serviceDate, 0, 0, 0, input.lines);
            _claims[claimId] = c;
            _emitSubmitted(claimId, provider, input, replaces);
            emit ClaimRejected(claimId, chk.reason, chk.line, chk.earlierClaim);
            return claimId;
        }
        for (uint256 i = 0; i < chk.authKeys.length; ++i) {
            if (chk.authKeys[i] != bytes32(0)) _authUsed[chk.authKeys[i]] = chk.authUsedAfter[i];
        }
        Outcome memory o = _adjudicate(
            claimId,
            input.planId,
            provider,
            input.patientRef,
            input.serviceDate,
            input.lines,
            q
        );
        c.planPays = uint96(o.planPays);
        c.keysHeld = true;
        c.detailsHash = _hashDetails(
            input.patientRef,
            input.serviceDate,
            q.coverage.start,
            o.deductible,
            o.oop,
            input.lines
        );
        if (o.planPays > q.terms.reviewThreshold) c.status = ClaimStatus.PendingReview;
        else if (o.planPays == 0) c.status = ClaimStatus.Paid;
        else if (_tryReserve(q.insurer, o.planPays)) c.status = ClaimStatus.Approved;
        else c.status = ClaimStatus.PendingReview;
        _claims[claimId] = c;
        _emitSubmitted(claimId, provider, input, replaces);
        emit ClaimAdjudicated(claimId, c.status, q.version, q.coverage.start, o.planPays, o.results);
    }

    function _emitSubmitted(uint256 claimId, bytes32 provider, ClaimInput calldata input, uint256 replaces) private {
        emit ClaimSubmitted(
            claimId,
            provider,
            input.planId,
            input.patientRef,
            input.serviceDate,
            input.diagnosisCommitment,
            input.recordCommitment,
            replaces,
            input.lines
        );
    }

    function _checkInput(ClaimInput calldata input) private view {
        if (input.patientRef == bytes32(0)) revert ClaimsZeroPatientRef();
        if (input.serviceDate > block.timestamp) {
            revert ClaimsServiceDateInFuture(input.serviceDate, uint40(block.timestamp));
        }
        Line[] calldata lines = input.lines;
        if (lines.length == 0) revert ClaimsNoLines();
        for (uint256 i = 0; i < lines.length; ++i) {
            if (lines[i].units == 0) revert ClaimsZeroUnits(i);
            for (uint256 j = 0; j < i; ++j) {
                if (lines[j].code == lines[i].code) revert ClaimsRepeatedCode(lines[i].code);
            }
        }
    }

    /// @dev The payer's checks, in order: coverage, duplicate, documentation, then each line's rules.
    function _check(
        bytes32 provider,
        ClaimInput calldata input,
        Quote memory q
    ) private view returns (Check memory chk) {
        chk.line = WHOLE_CLAIM;
        if (q.coverage.end == 0) {
            chk.reason = CARC_NOT_INSURED;
        } else if (!q.termsFound || input.serviceDate < q.coverage.start) {
            chk.reason = CARC_BEFORE_COVERAGE;
        } else if (input.serviceDate > q.coverage.end) {
            chk.reason = CARC_AFTER_COVERAGE;
        }
        if (chk.reason != 0) return chk;
        Line[] calldata lines = input.lines;
        for (uint256 i = 0; i < lines.length; ++i) {
            uint256 earlier = _serviceClaims[_serviceKey(input.patientRef, provider, lines[i].code, input.serviceDate)];
            if (earlier != 0) {
                (chk.reason, chk.line, chk.earlierClaim) = (CARC_DUPLICATE, i, earlier);
                return chk;
            }
        }
        // TEMP (records branch): the documenting record is the provider's billing leaf for this patient.
        (, IRecordVerifier.RecordStatus status) = records.recordStatus(
            provider,
            MerkleLeaf.ofPair(input.patientRef, input.recordCommitment),
            bytes32(input.recordBatchId),
            input.recordProof
        );
        if (status != IRecordVerifier.RecordStatus.Active && status != IRecordVerifier.RecordStatus.Superseded) {
            chk.reason = CARC_NO_DOCUMENTATION;
            return chk;
        }
        chk.authKeys = new bytes32[](lines.length);
        chk.authUsedAfter = new uint256[](lines.length);
        for (uint256 i = 0; i < lines.length; ++i) {
            chk.reason = _checkLine(input, q, i, chk);
            if (chk.reason != 0) {
                chk.line = i;
                return chk;
            }
        }
    }

    function _checkLine(
        ClaimInput calldata input,
        Quote memory q,
        uint256 i,
        Check memory chk
    ) private view returns (uint16) {
        StoredRule memory rule = q.rules[i];
        Line calldata line = input.lines[i];
        if (!rule.listed) return CARC_NOT_IN_SCHEDULE;
        if (rule.excluded) return CARC_EXCLUDED;
        if (rule.unitCap != 0 && line.units > rule.unitCap) return CARC_UNITS_OVER_CAP;
        if (rule.needsAuth) {
            Authorisation memory auth = plans.authorisationOf(input.planId, input.patientRef, line.code);
            if (auth.units == 0 || input.serviceDate < auth.validFrom || input.serviceDate > auth.validUntil) {
                return CARC_NO_AUTH;
            }
            bytes32 key = _authKey(input.planId, input.patientRef, line.code);
            uint256 used = _authUsed[key] + line.units;
            if (used > auth.units) return CARC_AUTH_EXCEEDED;
            chk.authKeys[i] = key;
            chk.authUsedAfter[i] = used;
        }
        return 0;
    }

    // ---------------------------------------------------------------- internals: adjudication

    /// @dev Adjudicates every line, charges the patient's totals and registers the duplicate keys.
    function _adjudicate(
        uint256 claimId,
        uint32 planId,
        bytes32 provider,
        bytes32 patientRef,
        uint40 serviceDate,
        Line[] calldata lines,
        Quote memory q
    ) private returns (Outcome memory o) {
        Adjudication.Terms memory terms = Adjudication.Terms({
            deductible: q.terms.deductible,
            copay: q.terms.copay,
            coinsuranceBps: q.terms.coinsuranceBps,
            oopMax: q.terms.oopMax,
            annualLimit: q.terms.annualLimit
        });
        Accumulator storage acc = _accumulators[_periodKey(planId, patientRef, q.coverage.start)];
        Adjudication.Totals memory totals = Adjudication.Totals({
            deductibleMet: acc.deductibleMet,
            oopPaid: acc.oopPaid,
            benefitPaid: acc.benefitPaid
        });
        Adjudication.Totals memory before = Adjudication.Totals(
            totals.deductibleMet,
            totals.oopPaid,
            totals.benefitPaid
        );
        o.results = new LineResult[](lines.length);
        for (uint256 i = 0; i < lines.length; ++i) {
            Line calldata line = lines[i];
            Adjudication.Result memory r = Adjudication.adjudicateLine(
                line.charged,
                q.rules[i].feePerUnit,
                line.units,
                terms,
                totals
            );
            o.results[i] = LineResult(
                uint96(r.eligible),
                uint96(r.deductible),
                uint96(r.copay),
                uint96(r.coinsurance),
                uint96(r.benefit)
            );
        }
        _registerKeys(claimId, provider, patientRef, serviceDate, lines);
        // Totals stay within the plan's maxima (Adjudication caps them), which fit the packed widths.
        acc.deductibleMet = uint80(totals.deductibleMet);
        acc.oopPaid = uint80(totals.oopPaid);
        acc.benefitPaid = uint88(totals.benefitPaid);
        o.planPays = totals.benefitPaid - before.benefitPaid;
        o.deductible = totals.deductibleMet - before.deductibleMet;
        o.oop = totals.oopPaid - before.oopPaid;
    }

    /// @dev Registers the claim's duplicate keys (keys another accepted claim holds are left to it).
    function _registerKeys(
        uint256 claimId,
        bytes32 provider,
        bytes32 patientRef,
        uint40 serviceDate,
        Line[] calldata lines
    ) private {
        for (uint256 i = 0; i < lines.length; ++i) {
            bytes32 key = _serviceKey(patientRef, provider, lines[i].code, serviceDate);
            if (_serviceClaims[key] == 0) _serviceClaims[key] = claimId;
        }
    }

    // ---------------------------------------------------------------- internals: claim steps

    function _pay(uint256 claimId, Claim storage c, bytes32 insurer) private {
        uint256 amount = c.planPays;
        bytes32 provider = _providerIds[c.provider - 1];
        _payFromFree(insurer, provider, amount);
        c.status = ClaimStatus.Paid;
        c.statusAt = uint40(block.timestamp);
        emit ClaimPaid(claimId, provider, amount);
    }

    function _withdrawClaim(
        uint256 claimId,
        bytes32 provider,
        ClaimDetails calldata details,
        ClaimStatus newStatus,
        uint256 replacedBy
    ) private {
        Claim storage c = _claimOfProvider(claimId, provider);
        ClaimStatus status = c.status;
        if (status == ClaimStatus.Paid || status == ClaimStatus.Appealed || status >= ClaimStatus.Voided) {
            revert ClaimsWrongStatus(claimId, status);
        }
        _requireDetails(claimId, c, details);
        if (status == ClaimStatus.Approved || status == ClaimStatus.PendingReview) {
            _unchargeTotals(c, details);
            if (status == ClaimStatus.Approved) _release(plans.planOf(c.planId).insurer, c.planPays);
        }
        if (c.keysHeld) {
            for (uint256 i = 0; i < details.lines.length; ++i) {
                bytes32 key = _serviceKey(details.patientRef, provider, details.lines[i].code, details.serviceDate);
                if (_serviceClaims[key] == claimId) delete _serviceClaims[key];
            }
            c.keysHeld = false;
        }
        c.status = newStatus;
        c.statusAt = uint40(block.timestamp);
        emit ClaimVoided(claimId, replacedBy);
    }

    /// @dev Takes back what an accepted claim charged: the patient's totals and prior-authorisation units.
    function _unchargeTotals(Claim storage c, ClaimDetails calldata details) private {
        Accumulator storage acc = _accumulators[_periodKey(c.planId, details.patientRef, details.coverageStart)];
        acc.deductibleMet -= uint80(details.deductibleApplied);
        acc.oopPaid -= uint80(details.oopApplied);
        acc.benefitPaid -= uint88(c.planPays);
        for (uint256 i = 0; i < details.lines.length; ++i) {
            Line calldata line = details.lines[i];
            if (plans.ruleOf(c.planId, c.planVersion, line.code).needsAuth) {
                _authUsed[_authKey(c.planId, details.patientRef, line.code)] -= line.units;
            }
        }
    }

    function _claimOfProvider(uint256 claimId, bytes32 provider) private view returns (Claim storage c) {
        c = _claims[claimId];
        if (c.status == ClaimStatus.None) revert ClaimsUnknownClaim(claimId);
        if (c.provider != _providerNumbers[provider]) revert ClaimsNotClaimProvider(claimId, provider);
    }

    /// @dev The provider's number, assigned on its first claim (numbers run from 1).
    function _providerNumber(bytes32 provider) private returns (uint32 number) {
        number = _providerNumbers[provider];
        if (number == 0) {
            _providerIds.push(provider);
            number = uint32(_providerIds.length);
            _providerNumbers[provider] = number;
        }
    }

    function _claimOfInsurer(uint256 claimId) private view returns (Claim storage c, bytes32 insurer) {
        insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        c = _claims[claimId];
        if (c.status == ClaimStatus.None) revert ClaimsUnknownClaim(claimId);
        if (plans.planOf(c.planId).insurer != insurer) revert ClaimsNotClaimInsurer(claimId, insurer);
    }

    function _requireStatus(uint256 claimId, ClaimStatus actual, ClaimStatus expected) private pure {
        if (actual != expected) {
            if (actual == ClaimStatus.None) revert ClaimsUnknownClaim(claimId);
            revert ClaimsWrongStatus(claimId, actual);
        }
    }

    function _requireDetails(uint256 claimId, Claim storage c, ClaimDetails calldata details) private view {
        bytes32 hash = _hashDetails(
            details.patientRef,
            details.serviceDate,
            details.coverageStart,
            details.deductibleApplied,
            details.oopApplied,
            details.lines
        );
        if (hash != c.detailsHash) revert ClaimsDetailsMismatch(claimId);
    }

    // ---------------------------------------------------------------- internals: keys

    /// @dev The details hash: the fields of `ClaimDetails` encoded as a tuple, straight from calldata.
    function _hashDetails(
        bytes32 patientRef,
        uint40 serviceDate,
        uint40 coverageStart,
        uint256 deductibleApplied,
        uint256 oopApplied,
        Line[] calldata lines
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(patientRef, serviceDate, coverageStart, deductibleApplied, oopApplied, lines));
    }

    function _codes(Line[] calldata lines) private pure returns (bytes32[] memory codes) {
        codes = new bytes32[](lines.length);
        for (uint256 i = 0; i < lines.length; ++i) {
            codes[i] = lines[i].code;
        }
    }

    function _serviceKey(
        bytes32 patientRef,
        bytes32 provider,
        bytes32 code,
        uint40 serviceDate
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(patientRef, provider, code, serviceDate));
    }

    function _periodKey(uint32 planId, bytes32 patientRef, uint40 coverageStart) private pure returns (bytes32) {
        return keccak256(abi.encode(planId, patientRef, coverageStart));
    }

    function _authKey(uint32 planId, bytes32 patientRef, bytes32 code) private pure returns (bytes32) {
        return keccak256(abi.encode(planId, patientRef, code));
    }
}
