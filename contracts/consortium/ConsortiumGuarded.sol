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
        address registry = address(consortium);
        bytes32 module = moduleId;
        bytes4 selector = IConsortiumRegistry.authorize.selector;
        bool active;
        bool paused;
        // `consortium.authorize(account, kindMask, moduleId)`, encoded by hand: it runs before every
        // write of every module, and the ABI coder's generic encoding and validated decoding of the
        // three return words cost some 400 gas more. It fails closed: a reverting call bubbles the
        // registry's error up, an answer shorter than three words (no registry there) reads as "not
        // active", `active` is true only for the word 1, `paused` for any non-zero word.
        assembly ("memory-safe") {
            // Scratch memory from the free memory pointer on (not allocated: nothing else runs meanwhile).
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x24), and(kindMask, 0xff))
            mstore(add(ptr, 0x44), module)
            if iszero(staticcall(gas(), registry, ptr, 0x64, ptr, 0x60)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if iszero(lt(returndatasize(), 0x60)) {
                memberId := mload(ptr)
                active := eq(mload(add(ptr, 0x20)), 1)
                paused := iszero(iszero(mload(add(ptr, 0x40))))
            }
        }
        if (paused) revert ConsortiumGuardedPaused(module);
        if (!active) revert ConsortiumGuardedUnauthorized(account, kindMask);
    }

    /// @dev The caller's member id, reverting unless it is an active member with one of `kindMask`.
    function _requireMember(address account, uint8 kindMask) internal view returns (bytes32 memberId) {
        bool active;
        (memberId, active) = consortium.activeMemberOf(account, kindMask);
        if (!active) revert ConsortiumGuardedUnauthorized(account, kindMask);
    }
}
