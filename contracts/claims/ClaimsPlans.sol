// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IClaimsPlans} from "../interfaces/IClaims.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title ClaimsPlans
 * @notice Insurers' plan book: versioned plans (fee schedule, cost sharing, limits, unit caps,
 * exclusions, prior-authorisation codes) and prior authorisations (enrolments live in the claims
 * engine, next to the accumulators they open). A revision
 * takes effect at its `effectiveFrom` and applies to services on or after it; earlier services keep
 * the version in effect on their date. Patients appear only as pseudonymous references.
 */
contract ClaimsPlans is ConsortiumGuarded, IClaimsPlans {
    /// @dev Basis points in 100%.
    uint16 private constant BPS = 10_000;

    /// @notice Number of plans published; plan ids run from 1.
    uint32 public planCount;

    mapping(uint32 planId => Plan plan) private _plans;
    mapping(uint32 planId => mapping(uint16 version => PlanTerms terms)) private _terms;
    mapping(uint32 planId => mapping(uint16 version => mapping(bytes32 code => StoredRule rule))) private _rules;
    mapping(uint32 planId => mapping(bytes32 patientRef => mapping(bytes32 code => Authorisation auth))) private _auths;

    /// @param registry the consortium registry
    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_CLAIMS) {}

    // ---------------------------------------------------------------- insurer writes

    /**
     * @notice Publishes a new plan (version 0). Caller: an active Insurer.
     * @param terms the cost-sharing terms and the moment they take effect
     * @param rules the fee schedule, unit caps, exclusions and prior-authorisation codes
     * @return planId the new plan's id
     */
    function publishPlan(PlanTerms calldata terms, CodeRule[] calldata rules) external returns (uint32 planId) {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        _checkTerms(terms);
        planId = ++planCount;
        _plans[planId] = Plan({insurer: insurer, versions: 1});
        _storeVersion(planId, 0, insurer, terms, rules);
    }

    /**
     * @notice Publishes a revision of a plan. It applies to services on or after `terms.effectiveFrom`,
     * which must be later than the current version's and not in the past. Caller: the plan's insurer.
     * @param planId the plan
     * @param terms the new terms
     * @param rules the complete new fee schedule and code rules
     * @return version the new version number
     */
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

    /**
     * @notice Grants (or replaces) a prior authorisation: the total units authorised for a code and
     * the service dates it covers. Caller: the plan's insurer.
     * @param planId the plan
     * @param patientRef the patient's pseudonymous reference
     * @param code the service code
     * @param units total units authorised
     * @param validFrom first service date covered
     * @param validUntil last service date covered
     */
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

    // ---------------------------------------------------------------- views

    /// @inheritdoc IClaimsPlans
    function quote(uint32 planId, uint40 serviceDate, bytes32[] calldata codes) external view returns (Quote memory q) {
        Plan memory plan = _plans[planId];
        if (plan.versions == 0) revert ClaimsUnknownPlan(planId);
        q.insurer = plan.insurer;
        q.rules = new StoredRule[](codes.length);
        // Newest version first: the one in effect on the service date is usually the latest.
        for (uint16 v = plan.versions; v > 0; --v) {
            PlanTerms storage terms = _terms[planId][v - 1];
            if (terms.effectiveFrom <= serviceDate) {
                q.termsFound = true;
                q.version = v - 1;
                // Field by field, skipping the windows' slot: the engine reads them only when needed.
                q.terms.effectiveFrom = terms.effectiveFrom;
                q.terms.coinsuranceBps = terms.coinsuranceBps;
                q.terms.deductible = terms.deductible;
                q.terms.reviewThreshold = terms.reviewThreshold;
                q.terms.copay = terms.copay;
                q.terms.oopMax = terms.oopMax;
                q.terms.annualLimit = terms.annualLimit;
                mapping(bytes32 code => StoredRule rule) storage rules = _rules[planId][v - 1];
                for (uint256 i = 0; i < codes.length; ++i) {
                    q.rules[i] = rules[codes[i]];
                }
                break;
            }
        }
    }

    /// @inheritdoc IClaimsPlans
    function authorisationOf(
        uint32 planId,
        bytes32 patientRef,
        bytes32 code
    ) external view returns (Authorisation memory) {
        return _auths[planId][patientRef][code];
    }

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
