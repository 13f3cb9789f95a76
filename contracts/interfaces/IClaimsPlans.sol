// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "./IClaims.sol";
import {IClaimsEngine} from "./IClaimsEngine.sol";

/**
 * @title IClaimsPlans
 * @notice The plan book: what each plan promises. Versioned plans (fee schedule, cost sharing, limits,
 * unit caps, exclusions, prior-authorisation codes, review and appeal windows), patients' coverage
 * periods and prior authorisations, and `quote`: the complete answer for one claim in one call.
 * Patients appear only as pseudonymous references.
 */
interface IClaimsPlans is IClaims {
    /**
     * @notice Publishes a new plan (version 0). Caller: an active Insurer.
     * @param terms the cost-sharing terms, windows and the moment they take effect
     * @param rules the fee schedule, unit caps, exclusions and prior-authorisation codes
     * @return planId the new plan's id
     */
    function publishPlan(PlanTerms calldata terms, CodeRule[] calldata rules) external returns (uint32 planId);

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
    ) external returns (uint16 version);

    /**
     * @notice Enrols a patient for a coverage period (the plan year of the deductible, out-of-pocket
     * maximum and annual limit), or changes the end of the patient's latest period (same `start`).
     * A new period must start after the latest one ends; an end may move earlier only to now or later
     * (no retroactive termination). Earlier periods stay, so late claims for them are still covered.
     * A new period is opened in the engine too (`IClaimsEngine.openPeriod`): the insurer pays for its
     * totals slot here, so the period's first decided claim costs what every later one does.
     * Caller: the plan's insurer.
     * @param planId the plan
     * @param patientRef the patient's pseudonymous reference
     * @param start first covered moment (non-zero; identifies the period)
     * @param end last covered moment
     */
    function enrol(uint32 planId, bytes32 patientRef, uint40 start, uint40 end) external;

    /**
     * @notice Binds the plan book to the claims engine built on it, once: enrolment opens each new
     * period's totals there. Caller: the plan book's deployer (who deployed both, in one deployment);
     * the engine must name this plan book (`engine.plans()`).
     * @param engine_ the claims engine
     */
    function bindEngine(IClaimsEngine engine_) external;

    /// @notice The claims engine enrolment opens periods in (zero until `bindEngine`).
    function engine() external view returns (IClaimsEngine);

    /**
     * @notice Grants (or replaces) a prior authorisation: the total units authorised for a code and
     * the service dates it covers. The new grant applies to claims submitted from now on; a claim
     * already submitted is decided against the grant it was quoted under. Caller: the plan's insurer.
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
    ) external;

    /**
     * @notice The plan's complete answer for one claim: insurer and its standing, coverage check, the
     * version in effect on the service date, each line's rule check and authorisation, and the
     * adjudication of every line given the patient's period totals (what the plan would pay; the
     * engine decides whether it is charged). Reverts for an unknown plan or a malformed claim (zero
     * patient, future service date, no lines or too many, zero units, a code on two lines).
     * @param planId the plan
     * @param patientRef the patient reference
     * @param coverageStart the coverage period the claim names
     * @param serviceDate the service date, selecting the plan version in effect
     * @param lines the claim's lines
     * @param grants per line, the authorisation grant to quote it under (0, or an empty array: the
     * code's current grant); the engine names the grants a claim in review was submitted under, so a
     * later grant never changes its decision
     * @param totals the patient's totals in that period now (`lastDecision` is ignored)
     * @return quote the answer
     */
    function quote(
        uint32 planId,
        bytes32 patientRef,
        uint40 coverageStart,
        uint40 serviceDate,
        Line[] calldata lines,
        uint32[] calldata grants,
        Totals calldata totals
    ) external view returns (Quote memory quote);

    /**
     * @notice A plan's insurer and number of versions.
     * @param planId the plan
     * @return plan the plan (versions == 0: no such plan)
     */
    function planOf(uint32 planId) external view returns (Plan memory plan);

    /**
     * @notice A version's terms.
     * @param planId the plan
     * @param version the version
     * @return terms its terms
     */
    function termsOf(uint32 planId, uint16 version) external view returns (PlanTerms memory terms);

    /**
     * @notice A code's rule in a plan version.
     * @param planId the plan
     * @param version the version
     * @param code the service code
     * @return rule the rule (listed == false: not in the schedule)
     */
    function ruleOf(uint32 planId, uint16 version, bytes32 code) external view returns (StoredRule memory rule);

    /**
     * @notice A coverage period of a patient.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param start the period's start
     * @return period its end and the previous period's start (end == 0: no such period)
     */
    function periodOf(uint32 planId, bytes32 patientRef, uint40 start) external view returns (Period memory period);

    /**
     * @notice The start of the patient's latest coverage period (0: never enrolled).
     * @param planId the plan
     * @param patientRef the patient reference
     * @return start the latest period's start
     */
    function latestPeriodOf(uint32 planId, bytes32 patientRef) external view returns (uint40 start);

    /**
     * @notice The start of the patient's coverage period that covers `date` (0: none), walking back
     * from the latest period.
     * @param planId the plan
     * @param patientRef the patient reference
     * @param date the moment to cover
     * @return start the covering period's start
     */
    function coverageOn(uint32 planId, bytes32 patientRef, uint40 date) external view returns (uint40 start);

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
}
