// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";

/**
 * @title GuardedModuleMock
 * @notice Test double for `ConsortiumGuarded`: the smallest module exposing each guard, so tests can
 * check who is let through and who is refused. Not deployed outside tests.
 */
contract GuardedModuleMock is ConsortiumGuarded {
    /// @dev A guarded write went through for `account`, operating for `memberId`.
    event GuardedWritePerformed(bytes32 indexed memberId, address indexed account);

    /// @dev A consortium vote set the rule value.
    event RuleSet(uint256 value, uint256 indexed proposalId);
    /// @dev The mock refused a governed call on purpose.
    error GuardedModuleMockRefused(uint256 value);

    /// @notice A rule only a consortium vote changes.
    uint256 public rule;

    /// @param registry the consortium registry to trust
    /// @param module this module's id for the registry's pause flag
    constructor(IConsortiumRegistry registry, bytes32 module) ConsortiumGuarded(registry, module) {}

    /**
     * @notice A write guarded by `whenNotPaused` and `_requireMember`, the two-call path.
     * @param kindMask kinds the caller must have one of
     * @return memberId the caller's member id
     */
    function guardedWrite(uint8 kindMask) external whenNotPaused returns (bytes32 memberId) {
        memberId = _requireMember(msg.sender, kindMask);
        emit GuardedWritePerformed(memberId, msg.sender);
    }

    /**
     * @notice A write guarded by `_requireMemberWhenNotPaused`, the one-call hot path.
     * @param kindMask kinds the caller must have one of
     * @return memberId the caller's member id
     */
    function hotPathWrite(uint8 kindMask) external returns (bytes32 memberId) {
        memberId = _requireMemberWhenNotPaused(msg.sender, kindMask);
        emit GuardedWritePerformed(memberId, msg.sender);
    }

    /**
     * @notice A rule only a consortium vote sets; refuses the value 0 to test reverts bubbling up.
     * @param value the new rule value
     */
    function setRule(uint256 value) external onlyConsortiumVote {
        if (value == 0) revert GuardedModuleMockRefused(value);
        rule = value;
        emit RuleSet(value, _currentProposal());
    }
}
