// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IClaimsEngine} from "../interfaces/IClaimsEngine.sol";
import {IClaimsPlans} from "../interfaces/IClaimsPlans.sol";
import {Adjudication} from "../libraries/Adjudication.sol";
import {Carc} from "../libraries/Carc.sol";
import {ClaimChecks} from "../libraries/ClaimChecks.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {PlanVersions} from "../libraries/PlanVersions.sol";

/**
 * @title ClaimsPlans
 * @notice The plan book: what each plan promises. Versioned plans, patients' coverage periods and
 * prior authorisations, and `quote`, the plan's complete answer for one claim (coverage, version
 * and terms, each line's rule, fee and authorisation) in one call. It owns every promise; the claims
 * engine owns what claims consumed of them. A revision takes effect at its `effectiveFrom` and
 * applies to services on or after it; earlier services keep the version in effect on their date.
 * Enrolment opens each new period's totals in the engine (bound once by the deployer), so the
 * insurer pays for that storage slot, not the provider of the period's first claim. Publication
 * (terms checks, storing a version and its rules) runs in the linked library `PlanVersions`.
 */
contract ClaimsPlans is ConsortiumGuarded, IClaimsPlans {
    /// @dev The account that deployed the plan book: the only one that may bind its engine, once.
    address private immutable _deployer;

    /// @notice Number of plans published; plan ids run from 1.
    uint32 public planCount;
    /// @inheritdoc IClaimsPlans
    IClaimsEngine public engine;

    mapping(uint32 planId => Plan plan) private _plans;
    mapping(uint32 planId => mapping(uint16 version => PlanTerms terms)) private _terms;
    mapping(uint32 planId => mapping(uint16 version => mapping(bytes32 code => StoredRule rule))) private _rules;
    mapping(uint32 planId => mapping(bytes32 patientRef => mapping(uint40 start => Period period))) private _periods;
    mapping(uint32 planId => mapping(bytes32 patientRef => uint40 start)) private _latestPeriod;
    mapping(uint32 planId => mapping(bytes32 patientRef => mapping(bytes32 code => Authorisation auth))) private _auths;
    /// @dev Grants a newer grant replaced, by number: claims submitted under one are still decided against it.
    mapping(uint32 planId => mapping(bytes32 patientRef => mapping(bytes32 code => mapping(uint32 => Authorisation))))
        private _replacedGrants;

    /// @param registry the consortium registry
    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_CLAIMS) {
        _deployer = msg.sender;
    }

    // ---------------------------------------------------------------- deployment

    /// @inheritdoc IClaimsPlans
    function bindEngine(IClaimsEngine engine_) external {
        if (msg.sender != _deployer) revert ClaimsNotDeployer(msg.sender);
        if (address(engine) != address(0)) revert ClaimsEngineAlreadyBound(address(engine));
        address itsPlans = address(engine_.plans());
        if (itsPlans != address(this)) revert ClaimsEngineOfOtherPlans(address(engine_), itsPlans);
        engine = engine_;
        emit EngineBound(address(engine_));
    }

    // ---------------------------------------------------------------- insurer writes

    /// @inheritdoc IClaimsPlans
    function publishPlan(PlanTerms calldata terms, CodeRule[] calldata rules) external returns (uint32 planId) {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        planId = ++planCount;
        _plans[planId] = Plan({insurer: insurer, versions: 1});
        PlanVersions.store(_terms[planId], _rules[planId], planId, 0, insurer, terms, rules);
    }

    /// @inheritdoc IClaimsPlans
    function revisePlan(
        uint32 planId,
        PlanTerms calldata terms,
        CodeRule[] calldata rules
    ) external returns (uint16 version) {
        bytes32 insurer = _requirePlanInsurer(planId);
        Plan storage plan = _plans[planId];
        version = plan.versions;
        uint40 previous = _terms[planId][version - 1].effectiveFrom;
        uint40 earliest = previous >= block.timestamp ? previous + 1 : uint40(block.timestamp);
        if (terms.effectiveFrom < earliest) revert ClaimsInvalidEffectiveDate(terms.effectiveFrom, earliest);
        plan.versions = version + 1;
        PlanVersions.store(_terms[planId], _rules[planId], planId, version, insurer, terms, rules);
    }

    /// @inheritdoc IClaimsPlans
    function enrol(uint32 planId, bytes32 patientRef, uint40 start, uint40 end) external {
        _requirePlanInsurer(planId);
        IClaimsEngine engine_ = engine;
        if (address(engine_) == address(0)) revert ClaimsEngineNotBound();
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
            engine_.openPeriod(planId, patientRef, start);
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
        Authorisation storage auth = _auths[planId][patientRef][code];
        // A new grant replaces the code's grant for claims submitted from now on: the engine counts used
        // units per grant number, and decides a claim submitted under the replaced grant against it
        // (kept here), so a replacement never takes back what a submitted claim was quoted under.
        uint32 grant = auth.grant + 1;
        if (grant > 1) _replacedGrants[planId][patientRef][code][grant - 1] = auth;
        (auth.units, auth.validFrom, auth.validUntil, auth.grant) = (units, validFrom, validUntil, grant);
        emit PriorAuthorisationGranted(planId, code, patientRef, units, validFrom, validUntil, grant);
    }

    // ---------------------------------------------------------------- the quote

    /// @inheritdoc IClaimsPlans
    function quote(
        uint32 planId,
        bytes32 patientRef,
        uint40 coverageStart,
        uint40 serviceDate,
        Line[] calldata lines,
        uint32[] calldata grants,
        Totals calldata totals
    ) external view returns (Quote memory q) {
        ClaimChecks.validate(patientRef, serviceDate, lines);
        uint16 v;
        {
            Plan storage plan = _plans[planId];
            v = plan.versions;
            if (v == 0) revert ClaimsUnknownPlan(planId);
            q.insurer = plan.insurer;
        }
        q.insurerActive = consortium.isActiveMemberId(q.insurer, MemberKinds.INSURER);
        q.coverageReason = ClaimChecks.coverage(
            coverageStart,
            _periods[planId][patientRef][coverageStart].end,
            serviceDate
        );
        if (q.coverageReason != 0) return q;
        // Newest version first: the one in effect on the service date is usually the latest.
        while (v > 0 && _terms[planId][v - 1].effectiveFrom > serviceDate) --v;
        if (v == 0) {
            q.coverageReason = Carc.BEFORE_COVERAGE;
            return q;
        }
        q.version = v - 1;
        PlanTerms memory terms = _terms[planId][q.version];
        q.reviewThreshold = terms.reviewThreshold;
        uint96[] memory fees = _lineRules(q, planId, patientRef, serviceDate, lines, grants);
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

    /// @dev Each line's plan checks (schedule, exclusion, unit cap, authorisation) into the quote,
    /// stopping at the first failing line; returns the lines' fees. A line's authorisation is the
    /// grant `grants` names for it (0 or absent: the code's current grant).
    function _lineRules(
        Quote memory q,
        uint32 planId,
        bytes32 patientRef,
        uint40 serviceDate,
        Line[] calldata lines,
        uint32[] calldata grants
    ) private view returns (uint96[] memory fees) {
        fees = new uint96[](lines.length);
        q.lines = new LineQuote[](lines.length);
        mapping(bytes32 code => StoredRule rule) storage rules = _rules[planId][q.version];
        for (uint256 i = 0; i < lines.length; ++i) {
            StoredRule memory rule = rules[lines[i].code];
            uint16 reason = ClaimChecks.rule(rule, lines[i].units);
            if (reason == 0 && rule.needsAuth) {
                Authorisation memory auth = _grantOf(
                    planId,
                    patientRef,
                    lines[i].code,
                    i < grants.length ? grants[i] : 0
                );
                reason = ClaimChecks.authorisation(auth, serviceDate);
                q.lines[i] = LineQuote({needsAuth: true, authorised: auth.units, grant: auth.grant});
            }
            if (reason != 0) {
                (q.ruleReason, q.ruleLine) = (reason, i);
                return fees;
            }
            fees[i] = rule.feePerUnit;
        }
    }

    /// @dev A code's grant number `grant` (0: its current grant).
    function _grantOf(
        uint32 planId,
        bytes32 patientRef,
        bytes32 code,
        uint32 grant
    ) private view returns (Authorisation memory auth) {
        auth = _auths[planId][patientRef][code];
        if (grant != 0 && grant != auth.grant) auth = _replacedGrants[planId][patientRef][code][grant];
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
}
