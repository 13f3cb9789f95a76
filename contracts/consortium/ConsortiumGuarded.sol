// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";

/**
 * @title ConsortiumGuarded
 * @notice Base for every MedChain module: asks the ConsortiumRegistry who the caller is and whether
 * the module is paused. Modules keep no member list of their own.
 */
abstract contract ConsortiumGuarded {
    /// @notice The consortium registry this module trusts.
    IConsortiumRegistry public immutable consortium;
    /// @notice This module's id for the registry's pause flag.
    bytes32 public immutable moduleId;

    /// @dev The registry address is zero.
    error ConsortiumGuardedZeroRegistry();
    /// @dev `account` is not an active member with one of `requiredKinds` (a MemberKind bit mask).
    error ConsortiumGuardedUnauthorized(address account, uint8 requiredKinds);
    /// @dev The consortium paused this module.
    error ConsortiumGuardedPaused(bytes32 moduleId);
    /// @dev Only an executed consortium vote (a governed call from the registry) may do this.
    error ConsortiumGuardedNotConsortiumVote(address caller);

    constructor(IConsortiumRegistry registry, bytes32 module) {
        if (address(registry) == address(0)) revert ConsortiumGuardedZeroRegistry();
        consortium = registry;
        moduleId = module;
    }

    /// @dev Reverts while the consortium has this module paused.
    modifier whenNotPaused() {
        _requireNotPaused();
        _;
    }

    /**
     * @dev Restricts a function to the consortium's governed calls: the registry calls it when a
     * `proposeCall` proposal passes. `_currentProposal()` then names the vote for the event.
     */
    modifier onlyConsortiumVote() {
        if (msg.sender != address(consortium)) revert ConsortiumGuardedNotConsortiumVote(msg.sender);
        _;
    }

    /// @dev The proposal whose governed call is running (zero outside one).
    function _currentProposal() internal view returns (uint256) {
        return consortium.executingProposal();
    }

    function _requireNotPaused() internal view {
        if (consortium.isPaused(moduleId)) revert ConsortiumGuardedPaused(moduleId);
    }

    /**
     * @dev The account's member id, reverting while the module is paused or unless the account is an
     * active member with one of `kindMask`. One registry call: the cheapest guard for hot paths.
     */
    function _requireMemberWhenNotPaused(address account, uint8 kindMask) internal view returns (bytes32 memberId) {
        bool active;
        bool paused;
        (memberId, active, paused) = consortium.authorize(account, kindMask, moduleId);
        if (paused) revert ConsortiumGuardedPaused(moduleId);
        if (!active) revert ConsortiumGuardedUnauthorized(account, kindMask);
    }

    /// @dev The caller's member id, reverting unless it is an active member with one of `kindMask`.
    function _requireMember(address account, uint8 kindMask) internal view returns (bytes32 memberId) {
        bool active;
        (memberId, active) = consortium.activeMemberOf(account, kindMask);
        if (!active) revert ConsortiumGuardedUnauthorized(account, kindMask);
    }
}
