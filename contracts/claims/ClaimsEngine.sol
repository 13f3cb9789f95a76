// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IClaimsEngine} from "../interfaces/IClaimsEngine.sol";
import {IClaimsPlans} from "../interfaces/IClaimsPlans.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";
import {ISettlementVault} from "../interfaces/ISettlementVault.sol";
import {ClaimDecisions} from "../libraries/ClaimDecisions.sol";
import {ClaimSettlement} from "../libraries/ClaimSettlement.sol";
import {ClaimKeys} from "../libraries/ClaimKeys.sol";
import {ClaimStatuses} from "../libraries/ClaimStatuses.sol";
import {ClaimsLogic} from "../libraries/ClaimsLogic.sol";
import {MemberIndex} from "../libraries/MemberIndex.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {SettlementVault} from "./SettlementVault.sol";

/**
 * @title ClaimsEngine
 * @notice Claims from submission to payment (the whole API and its rules: `IClaimsEngine`). A small
 * core: it authenticates every caller with the consortium, runs submission (the hot path) inline
 * from `ClaimsLogic`, and every later step from the linked libraries `ClaimDecisions` (review,
 * escalation, appeals) and `ClaimSettlement` (settlement, voids, replacements), all on one storage
 * layout (`ClaimsLogic.Layout`). It owns what claims consumed (claim states, the duplicate and
 * documentation keys they hold, period totals, authorisation units used); what plans promise is the
 * plan book's, the money the settlement vault's (deployed by this constructor, so only this engine
 * moves escrow).
 */
contract ClaimsEngine is ConsortiumGuarded, IClaimsEngine {
    using ClaimsLogic for ClaimsLogic.Layout;
    using MemberIndex for MemberIndex.Index;

    /// @dev Provider kinds.
    uint8 private constant PROVIDERS = MemberKinds.HOSPITAL | MemberKinds.LABORATORY;

    /// @inheritdoc IClaimsEngine
    IClaimsPlans public immutable plans;
    /// @inheritdoc IClaimsEngine
    IRecordVerifier public immutable records;
    /// @inheritdoc IClaimsEngine
    ISettlementVault public immutable vault;

    ClaimsLogic.Layout private _s;

    /**
     * @param registry the consortium registry
     * @param planBook the ClaimsPlans contract
     * @param recordVerifier the record registry
     * @param settlementToken the ERC-20 claims are paid in (held by the vault this deploys)
     */
    constructor(
        IConsortiumRegistry registry,
        IClaimsPlans planBook,
        IRecordVerifier recordVerifier,
        IERC20 settlementToken
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_CLAIMS) {
        if (address(planBook) == address(0) || address(recordVerifier) == address(0)) revert ClaimsZeroAddress();
        plans = planBook;
        records = recordVerifier;
        vault = new SettlementVault(registry, settlementToken);
    }

    // ---------------------------------------------------------------- provider

    /// @inheritdoc IClaimsEngine
    function submit(ClaimInput calldata claim) external returns (uint256) {
        return _s.submit(_context(), _requireMemberWhenNotPaused(msg.sender, PROVIDERS), claim, 0, false);
    }

    /// @inheritdoc IClaimsEngine
    function replace(
        uint256 originalId,
        ClaimDetails calldata details,
        ClaimInput calldata claim
    ) external returns (uint256) {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, PROVIDERS);
        ClaimsLogic.Context memory ctx = _context();
        ClaimStatus was = ClaimSettlement.withdraw(
            _s,
            ctx,
            provider,
            originalId,
            details,
            ClaimStatuses.REPLACEABLE,
            ClaimStatus.Replaced,
            _s.claimCount + 1
        );
        return _s.submit(ctx, provider, claim, originalId, ClaimStatuses.isIn(was, ClaimStatuses.DENIED));
    }

    /// @inheritdoc IClaimsEngine
    function voidClaim(uint256 claimId, ClaimDetails calldata details) external {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, PROVIDERS);
        ClaimSettlement.withdraw(
            _s,
            _context(),
            provider,
            claimId,
            details,
            ClaimStatuses.VOIDABLE,
            ClaimStatus.Voided,
            0
        );
    }

    /// @inheritdoc IClaimsEngine
    function escalate(uint256 claimId, ClaimDetails calldata details) external {
        ClaimDecisions.escalate(_s, _context(), _requireMemberWhenNotPaused(msg.sender, PROVIDERS), claimId, details);
    }

    /// @inheritdoc IClaimsEngine
    function appeal(uint256 claimId) external {
        ClaimDecisions.appeal(_s, _context(), _requireMemberWhenNotPaused(msg.sender, PROVIDERS), claimId);
    }

    // ---------------------------------------------------------------- insurer

    /// @inheritdoc IClaimsEngine
    function approve(uint256 claimId, ClaimDetails calldata details) external {
        ClaimDecisions.approve(_s, _context(), _requireInsurer(), claimId, details);
    }

    /// @inheritdoc IClaimsEngine
    function deny(uint256 claimId, uint16 reason) external {
        ClaimDecisions.deny(_s, _context(), _requireInsurer(), claimId, reason);
    }

    /// @inheritdoc IClaimsEngine
    function decideAppeal(
        uint256 claimId,
        bool overturn,
        uint16 reason,
        ClaimDetails calldata details,
        Documentation calldata documentation
    ) external {
        ClaimDecisions.decideAppeal(
            _s,
            _context(),
            _requireInsurer(),
            claimId,
            overturn,
            reason,
            details,
            documentation
        );
    }

    /// @inheritdoc IClaimsEngine
    function settle(uint256[] calldata claimIds) external returns (uint256) {
        return ClaimSettlement.settle(_s, _context(), _requireInsurer(), claimIds);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IClaimsEngine
    function claimCount() external view returns (uint256) {
        return _s.claimCount;
    }

    /// @inheritdoc IClaimsEngine
    function claimOf(uint256 claimId) external view returns (Claim memory) {
        ClaimsLogic.StoredClaim storage sc = _s.claims[claimId];
        return sc.state.toClaim(sc.detailsHash);
    }

    /// @inheritdoc IClaimsEngine
    function providerAt(uint32 provider) external view returns (bytes32) {
        return _s.providers.idOf(provider);
    }

    /// @inheritdoc IClaimsEngine
    function claimForService(
        bytes32 patientRef,
        bytes32 providerId,
        bytes32 code,
        uint40 serviceDate
    ) external view returns (uint256) {
        return _s.claimForService(patientRef, providerId, code, serviceDate);
    }

    /// @inheritdoc IClaimsEngine
    function claimForDocumentation(bytes32 providerId, bytes32 leaf) external view returns (uint256) {
        return _s.documentedBy(ClaimKeys.documentation(providerId, leaf), 0);
    }

    /// @inheritdoc IClaimsEngine
    function totalsOf(uint32 planId, bytes32 patientRef, uint40 coverageStart) external view returns (Totals memory) {
        return _s.totals[ClaimKeys.period(planId, patientRef, coverageStart)].toTotals();
    }

    /// @inheritdoc IClaimsEngine
    function authUsedOf(uint32 planId, bytes32 patientRef, bytes32 code) external view returns (uint256) {
        return _s.authUsed[ClaimKeys.authorisation(planId, patientRef, code)];
    }

    // ---------------------------------------------------------------- internals

    function _context() private view returns (ClaimsLogic.Context memory) {
        return ClaimsLogic.Context({plans: plans, records: records, vault: vault, consortium: consortium});
    }

    function _requireInsurer() private view returns (bytes32) {
        return _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
    }
}
