// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../interfaces/IClaims.sol";

/**
 * @title PlanVersions
 * @notice Publication of a plan version in the plan book: the terms' checks, the terms and the code
 * rules stored, their events. A linked library (external, run by `ClaimsPlans` through DELEGATECALL on
 * its own storage): publication is an insurer's occasional write, so moving it out of the plan book
 * keeps the contract that every claim's quote runs in well under the 24 KB limit, coverage build
 * included, at no cost to the hot path.
 */
library PlanVersions {
    /// @dev Basis points in 100%.
    uint16 private constant BPS = 10_000;
    /// @dev The longest review or appeal window a plan may set.
    uint32 private constant MAX_WINDOW = 365 days;

    /**
     * @notice Checks `terms` and stores them and `rules` as version `version` of plan `planId` (whose
     * version maps are `versions` and `ruleBook`), emitting `CodeRuleSet` per rule and `PlanPublished`.
     */
    function store(
        mapping(uint16 version => IClaims.PlanTerms terms) storage versions,
        mapping(uint16 version => mapping(bytes32 code => IClaims.StoredRule rule)) storage ruleBook,
        uint32 planId,
        uint16 version,
        bytes32 insurer,
        IClaims.PlanTerms calldata terms,
        IClaims.CodeRule[] calldata rules
    ) external {
        _checkTerms(terms);
        versions[version] = terms;
        mapping(bytes32 code => IClaims.StoredRule rule) storage stored = ruleBook[version];
        for (uint256 i = 0; i < rules.length; ++i) {
            IClaims.CodeRule calldata r = rules[i];
            if (r.code == bytes32(0)) revert IClaims.ClaimsZeroCode();
            stored[r.code] = IClaims.StoredRule({
                feePerUnit: r.feePerUnit,
                unitCap: r.unitCap,
                listed: true,
                excluded: r.excluded,
                needsAuth: r.needsAuth
            });
            emit IClaims.CodeRuleSet(planId, version, r.code, r.feePerUnit, r.unitCap, r.excluded, r.needsAuth);
        }
        emit IClaims.PlanPublished(planId, insurer, version, terms, rules.length);
    }

    function _checkTerms(IClaims.PlanTerms calldata terms) private pure {
        if (terms.coinsuranceBps > BPS) revert IClaims.ClaimsInvalidCoinsurance(terms.coinsuranceBps);
        if (terms.deductible > terms.oopMax) {
            revert IClaims.ClaimsDeductibleAboveOopMax(terms.deductible, terms.oopMax);
        }
        if (
            terms.reviewWindow == 0 ||
            terms.appealWindow == 0 ||
            terms.reviewWindow > MAX_WINDOW ||
            terms.appealWindow > MAX_WINDOW
        ) {
            revert IClaims.ClaimsInvalidWindows(terms.reviewWindow, terms.appealWindow);
        }
    }
}
