// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IClaimsPlans} from "../interfaces/IClaimsPlans.sol";
import {Adjudication} from "../libraries/Adjudication.sol";
import {Carc} from "../libraries/Carc.sol";
import {ClaimChecks} from "../libraries/ClaimChecks.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title ClaimsPlans
 * @notice The plan book: what each plan promises. Versioned plans, patients' coverage periods and
 * prior authorisations, and `quote`, the plan's complete answer for one claim (coverage, version
 * and terms, each line's rule, fee and authorisation) in one call. It owns every promise; the claims
 * engine owns what claims consumed of them. A revision takes effect at its `effectiveFrom` and
 * applies to services on or after it; earlier services keep the version in effect on their date.
 */
contract ClaimsPlans is ConsortiumGuarded, IClaimsPlans {
    /// @dev Basis points in 100%.
    uint16 private constant BPS = 10_000;
    /// @dev The longest review or appeal window a plan may set.
    uint32 private constant MAX_WINDOW = 365 days;

    /// @notice Number of plans published; plan ids run from 1.
    uint32 public planCount;

    mapping(uint32 planId => Plan plan) private _plans;
    mapping(uint32 planId => mapping(uint16 version => PlanTerms terms)) private _terms;
    mapping(uint32 planId => mapping(uint16 version => mapping(bytes32 code => StoredRule rule))) private _rules;
    mapping(uint32 planId => mapping(bytes32 patientRef => mapping(uint40 start => Period period))) private _periods;
    mapping(uint32 planId => mapping(bytes32 patientRef => uint40 start)) private _latestPeriod;
    mapping(uint32 planId => mapping(bytes32 patientRef => mapping(bytes32 code => Authorisation auth))) private _auths;

    /// @param registry the consortium registry
    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_CLAIMS) {}

    // ---------------------------------------------------------------- insurer writes

    /// @inheritdoc IClaimsPlans
    function publishPlan(PlanTerms calldata terms, CodeRule[] calldata rules) external returns (uint32 planId) {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        _checkTerms(terms);
        planId = ++planCount;
        _plans[planId] = Plan({insurer: insurer, versions: 1});
        _storeVersion(planId, 0, insurer, terms, rules);
    }

    /// @inheritdoc IClaimsPlans
    function revisePlan(
        uint32 planId,
        PlanTerms calldata terms,
        CodeRule[] calldata rules
    ) external returns (uint16 version) {
        bytes32 insurer = _requirePlanInsurer(planId);
        _checkTerms(terms);
        Plan storage plan = _plans[planId];
        version = plan.versions;
        uint40 previous = _terms[planId][version - 1].effectiveFrom;
        uint40 earliest = previous >= block.timestamp ? previous + 1 : uint40(block.timestamp);
        if (terms.effectiveFrom < earliest) revert ClaimsInvalidEffectiveDate(terms.effectiveFrom, earliest);
        plan.versions = version + 1;
        _storeVersion(planId, version, insurer, terms, rules);
    }

    /// @inheritdoc IClaimsPlans
    function enrol(uint32 planId, bytes32 patientRef, uint40 start, uint40 end) external {
        _requirePlanInsurer(planId);
        if (patientRef == bytes32(0)) revert ClaimsZeroPatientRef();
        if (start == 0 || end < start) revert ClaimsInvalidPeriod(start, end);
        mapping(uint40 start => Period period) storage periods = _periods[planId][patientRef];
        uint40 latest = _latestPeriod[planId][patientRef];
        if (latest != 0 && start == latest) {
            // The latest period's end moves: later freely, earlier only to now or later, so no claim
            // already submitted for it (service dates are never in the future) loses its coverage.
            if (end < periods[start].end && end < block.timestamp) {
                revert ClaimsRetroactiveEnd(end, uint40(block.timestamp));
            }
            periods[start].end = end;
        } else {
            // A new period follows the latest one: periods never overlap, so no patient has two sets of
            // totals for one moment and re-enrolling never resets a running period.
            if (latest != 0) {
                uint40 latestEnd = periods[latest].end;
                if (start <= latestEnd) revert ClaimsOverlappingPeriod(start, latestEnd);
            }
            periods[start] = Period({end: end, previousStart: latest});
            _latestPeriod[planId][patientRef] = start;
        }
        emit PatientEnrolled(planId, patientRef, start, end);
    }

    /// @inheritdoc IClaimsPlans
    function authorise(
        uint32 planId,
        bytes32 patientRef,
        bytes32 code,
        uint32 units,
        uint40 validFrom,
        uint40 validUntil
    ) external {
        _requirePlanInsurer(planId);
        if (patientRef == bytes32(0)) revert ClaimsZeroPatientRef();
        if (code == bytes32(0)) revert ClaimsZeroCode();
        if (validUntil < validFrom) revert ClaimsInvalidPeriod(validFrom, validUntil);
        _auths[planId][patientRef][code] = Authorisation({units: units, validFrom: validFrom, validUntil: validUntil});
        emit PriorAuthorisationGranted(planId, code, patientRef, units, validFrom, validUntil);
    }

    // ---------------------------------------------------------------- the quote

    /// @inheritdoc IClaimsPlans
    function quote(
        uint32 planId,
        bytes32 patientRef,
        uint40 coverageStart,
        uint40 serviceDate,
        Line[] calldata lines,
        Totals calldata totals
    ) external view returns (Quote memory q) {
        ClaimChecks.validate(patientRef, serviceDate, lines);
        Plan storage plan = _plans[planId];
        uint16 versions = plan.versions;
        if (versions == 0) revert ClaimsUnknownPlan(planId);
        q.insurer = plan.insurer;
        q.insurerActive = consortium.isActiveMemberId(q.insurer, MemberKinds.INSURER);
        q.coverageReason = ClaimChecks.coverage(
            coverageStart,
            _periods[planId][patientRef][coverageStart].end,
            serviceDate
        );
        if (q.coverageReason != 0) return q;
        // Newest version first: the one in effect on the service date is usually the latest.
        uint16 v = versions;
        while (v > 0 && _terms[planId][v - 1].effectiveFrom > serviceDate) --v;
        if (v == 0) {
            q.coverageReason = Carc.BEFORE_COVERAGE;
            return q;
        }
        q.version = v - 1;
        PlanTerms memory terms = _terms[planId][q.version];
        q.reviewThreshold = terms.reviewThreshold;
        uint96[] memory fees = _lineRules(q, planId, patientRef, serviceDate, lines);
        if (q.ruleReason != 0) return q;
        _adjudicate(q, terms, lines, fees, totals);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IClaimsPlans
    function planOf(uint32 planId) external view returns (Plan memory) {
        return _plans[planId];
    }

    /// @inheritdoc IClaimsPlans
    function termsOf(uint32 planId, uint16 version) external view returns (PlanTerms memory) {
        return _terms[planId][version];
    }

    /// @inheritdoc IClaimsPlans
    function ruleOf(uint32 planId, uint16 version, bytes32 code) external view returns (StoredRule memory) {
        return _rules[planId][version][code];
    }

    /// @inheritdoc IClaimsPlans
    function periodOf(uint32 planId, bytes32 patientRef, uint40 start) external view returns (Period memory) {
        return _periods[planId][patientRef][start];
    }

    /// @inheritdoc IClaimsPlans
    function latestPeriodOf(uint32 planId, bytes32 patientRef) external view returns (uint40) {
        return _latestPeriod[planId][patientRef];
    }

    /// @inheritdoc IClaimsPlans
    function coverageOn(uint32 planId, bytes32 patientRef, uint40 date) external view returns (uint40) {
        mapping(uint40 start => Period period) storage periods = _periods[planId][patientRef];
        for (uint40 start = _latestPeriod[planId][patientRef]; start != 0; start = periods[start].previousStart) {
            if (date > periods[start].end) return 0;
            if (date >= start) return start;
        }
        return 0;
    }

    /// @inheritdoc IClaimsPlans
    function authorisationOf(
        uint32 planId,
        bytes32 patientRef,
        bytes32 code
    ) external view returns (Authorisation memory) {
        return _auths[planId][patientRef][code];
    }

    // ---------------------------------------------------------------- internals

    function _requirePlanInsurer(uint32 planId) private view returns (bytes32 insurer) {
        insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        Plan storage plan = _plans[planId];
        if (plan.versions == 0) revert ClaimsUnknownPlan(planId);
        if (plan.insurer != insurer) revert ClaimsNotPlanInsurer(planId, insurer);
    }

    function _checkTerms(PlanTerms calldata terms) private pure {
        if (terms.coinsuranceBps > BPS) revert ClaimsInvalidCoinsurance(terms.coinsuranceBps);
        if (terms.deductible > terms.oopMax) revert ClaimsDeductibleAboveOopMax(terms.deductible, terms.oopMax);
        if (
            terms.reviewWindow == 0 ||
            terms.appealWindow == 0 ||
            terms.reviewWindow > MAX_WINDOW ||
            terms.appealWindow > MAX_WINDOW
        ) {
            revert ClaimsInvalidWindows(terms.reviewWindow, terms.appealWindow);
        }
    }

    /// @dev Each line's plan checks (schedule, exclusion, unit cap, authorisation) into the quote,
    /// stopping at the first failing line; returns the lines' fees.
    function _lineRules(
        Quote memory q,
        uint32 planId,
        bytes32 patientRef,
        uint40 serviceDate,
        Line[] calldata lines
    ) private view returns (uint96[] memory fees) {
        fees = new uint96[](lines.length);
        q.lines = new LineQuote[](lines.length);
        mapping(bytes32 code => StoredRule rule) storage rules = _rules[planId][q.version];
        mapping(bytes32 code => Authorisation auth) storage auths = _auths[planId][patientRef];
        for (uint256 i = 0; i < lines.length; ++i) {
            StoredRule memory rule = rules[lines[i].code];
            uint16 reason = ClaimChecks.rule(rule, lines[i].units);
            if (reason == 0 && rule.needsAuth) {
                Authorisation memory auth = auths[lines[i].code];
                reason = ClaimChecks.authorisation(auth, serviceDate);
                q.lines[i] = LineQuote({needsAuth: true, authorised: auth.units});
            }
            if (reason != 0) {
                (q.ruleReason, q.ruleLine) = (reason, i);
                return fees;
            }
            fees[i] = rule.feePerUnit;
        }
    }

    /// @dev Adjudicates every line (the Adjudication library) from the patient's totals, into the quote.
    function _adjudicate(
        Quote memory q,
        PlanTerms memory t,
        Line[] calldata lines,
        uint96[] memory fees,
        Totals calldata totals
    ) private pure {
        Adjudication.Terms memory terms = Adjudication.Terms({
            deductible: t.deductible,
            copay: t.copay,
            coinsuranceBps: t.coinsuranceBps,
            oopMax: t.oopMax,
            annualLimit: t.annualLimit
        });
        Adjudication.Totals memory running = Adjudication.Totals(
            totals.deductibleMet,
            totals.oopPaid,
            totals.benefitPaid
        );
        q.results = new LineResult[](lines.length);
        for (uint256 i = 0; i < lines.length; ++i) {
            Adjudication.Result memory r = Adjudication.adjudicateLine(
                lines[i].charged,
                fees[i],
                lines[i].units,
                terms,
                running
            );
            // Each amount is at most the line's charge (a uint96).
            q.results[i] = LineResult(
                uint96(r.eligible),
                uint96(r.deductible),
                uint96(r.copay),
                uint96(r.coinsurance),
                uint96(r.benefit)
            );
        }
        q.planPays = running.benefitPaid - totals.benefitPaid;
        q.deductible = running.deductibleMet - totals.deductibleMet;
        q.oop = running.oopPaid - totals.oopPaid;
    }

    function _storeVersion(
        uint32 planId,
        uint16 version,
        bytes32 insurer,
        PlanTerms calldata terms,
        CodeRule[] calldata rules
    ) private {
        _terms[planId][version] = terms;
        mapping(bytes32 code => StoredRule rule) storage stored = _rules[planId][version];
        for (uint256 i = 0; i < rules.length; ++i) {
            CodeRule calldata r = rules[i];
            if (r.code == bytes32(0)) revert ClaimsZeroCode();
            stored[r.code] = StoredRule({
                feePerUnit: r.feePerUnit,
                unitCap: r.unitCap,
                listed: true,
                excluded: r.excluded,
                needsAuth: r.needsAuth
            });
            emit CodeRuleSet(planId, version, r.code, r.feePerUnit, r.unitCap, r.excluded, r.needsAuth);
        }
        emit PlanPublished(planId, insurer, version, terms, rules.length);
    }
}
