// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IConsortiumRegistry} from "../../interfaces/IConsortiumRegistry.sol";
import {MemberKinds} from "../../libraries/MemberKinds.sol";

/**
 * @notice A member's packed standing, one storage slot (as Uniswap v4's `Slot0`), bit offsets from
 * the least significant bit:
 *   [0, 8)     kinds           bit mask of MemberKind
 *   [8, 16)    status          MemberStatus
 *   [16, 80)   certifiedUntil  unix seconds; inactive from this instant on
 *   [80, 144)  admittedAt      unix seconds
 * Everything `authorize` asks about a member is in this one word: one storage read per question.
 */
type MemberState is uint256;

using MemberStateLib for MemberState global;

/// @title MemberStateLib
/// @notice Reads and writes the fields of a `MemberState` by name.
library MemberStateLib {
    uint256 private constant KINDS_OFFSET = 0;
    uint256 private constant STATUS_OFFSET = 8;
    uint256 private constant CERTIFIED_UNTIL_OFFSET = 16;
    uint256 private constant ADMITTED_AT_OFFSET = 80;

    uint256 private constant MASK_8 = 0xff;
    uint256 private constant MASK_64 = 0xffffffffffffffff;

    /// @notice An admitted member's state: active.
    function admitted(uint8 kinds_, uint64 certifiedUntil_, uint64 admittedAt_) internal pure returns (MemberState) {
        return
            MemberState.wrap(
                (uint256(kinds_) << KINDS_OFFSET) |
                    (uint256(IConsortiumRegistry.MemberStatus.Active) << STATUS_OFFSET) |
                    (uint256(certifiedUntil_) << CERTIFIED_UNTIL_OFFSET) |
                    (uint256(admittedAt_) << ADMITTED_AT_OFFSET)
            );
    }

    function kinds(MemberState s) internal pure returns (uint8) {
        return uint8(MemberState.unwrap(s) >> KINDS_OFFSET);
    }

    function status(MemberState s) internal pure returns (IConsortiumRegistry.MemberStatus) {
        return IConsortiumRegistry.MemberStatus(uint8(MemberState.unwrap(s) >> STATUS_OFFSET));
    }

    function certifiedUntil(MemberState s) internal pure returns (uint64) {
        return uint64(MemberState.unwrap(s) >> CERTIFIED_UNTIL_OFFSET);
    }

    function admittedAt(MemberState s) internal pure returns (uint64) {
        return uint64(MemberState.unwrap(s) >> ADMITTED_AT_OFFSET);
    }

    /// @notice Whether the member is active, certified now, and has one of the kinds in `kindMask`.
    function isActive(MemberState s, uint8 kindMask) internal view returns (bool) {
        uint256 v = MemberState.unwrap(s);
        return
            (v >> STATUS_OFFSET) & MASK_8 == uint256(IConsortiumRegistry.MemberStatus.Active) &&
            block.timestamp < (v >> CERTIFIED_UNTIL_OFFSET) & MASK_64 &&
            v & kindMask != 0;
    }

    /// @notice The state with new kinds.
    function withKinds(MemberState s, uint8 kinds_) internal pure returns (MemberState) {
        uint256 v = MemberState.unwrap(s) & ~(MASK_8 << KINDS_OFFSET);
        return MemberState.wrap(v | (uint256(kinds_) << KINDS_OFFSET));
    }

    /// @notice The state with a new status.
    function withStatus(MemberState s, IConsortiumRegistry.MemberStatus status_) internal pure returns (MemberState) {
        uint256 v = MemberState.unwrap(s) & ~(MASK_8 << STATUS_OFFSET);
        return MemberState.wrap(v | (uint256(status_) << STATUS_OFFSET));
    }

    /// @notice The state with a new certification expiry.
    function withCertifiedUntil(MemberState s, uint64 certifiedUntil_) internal pure returns (MemberState) {
        uint256 v = MemberState.unwrap(s) & ~(MASK_64 << CERTIFIED_UNTIL_OFFSET);
        return MemberState.wrap(v | (uint256(certifiedUntil_) << CERTIFIED_UNTIL_OFFSET));
    }
}

/**
 * @title ConsortiumState
 * @notice The registry's storage (`Layout`) and the rules that membership and governance share: who
 * is a member, which accounts are free, which votes count. Internal: the registry runs membership
 * and its views inline, and `ConsortiumGovernance` (linked) runs proposals on the same storage.
 */
library ConsortiumState {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @notice Everything the registry stores.
    struct Layout {
        address certifier; // the central node's account
        uint256 threshold; // votes needed to execute a proposal
        uint256 proposalCount; // proposals ever created; ids run from 1
        EnumerableSet.AddressSet governors; // the governor set
        EnumerableSet.Bytes32Set memberIds; // every member id ever admitted, in admission order
        mapping(bytes32 memberId => MemberState state) members; // kinds, status, certification, admission
        mapping(bytes32 memberId => bytes32 metadata) metadata; // commitment to name and documents
        mapping(bytes32 memberId => EnumerableSet.AddressSet accounts) accounts; // operating accounts
        mapping(address account => bytes32 memberId) memberOfAccount; // zero: none
        mapping(address account => bool retired) retired; // removed once, never usable again
        mapping(uint256 proposalId => IConsortiumRegistry.Proposal proposal) proposals;
        mapping(uint256 proposalId => address[] voters) voters; // everyone who ever voted on it
        mapping(address governor => uint32 term) governorTerm; // +1 each time it becomes a governor
        mapping(uint256 proposalId => mapping(address governor => uint32 term)) voteTerm; // term of its vote
        mapping(bytes32 moduleId => uint64 until) pausedUntil; // a lapse time, or HELD after a Pause vote
        mapping(bytes32 moduleId => mapping(address governor => uint64 allowedFrom)) pauseAllowedFrom;
        mapping(bytes32 memberId => uint64 allowedFrom) suspendAllowedFrom; // after a Reinstate vote
        mapping(uint256 proposalId => bytes data) callData; // of governed-call proposals
    }

    /// @dev `pausedUntil` of a module a Pause vote holds paused until an Unpause vote.
    uint64 internal constant HELD = type(uint64).max;

    /// @notice The state of an existing member, reverting for an unknown id.
    function existingMember(Layout storage s, bytes32 memberId) internal view returns (MemberState state) {
        state = s.members[memberId];
        if (state.status() == IConsortiumRegistry.MemberStatus.None) {
            revert IConsortiumRegistry.ConsortiumUnknownMember(memberId);
        }
    }

    /// @notice Reverts unless an admission of `memberId` with these terms could run now.
    function checkNewMember(
        Layout storage s,
        bytes32 memberId,
        uint8 kinds,
        address account,
        uint64 certifiedUntil
    ) internal view {
        if (memberId == bytes32(0)) revert IConsortiumRegistry.ConsortiumInvalidMemberId();
        if (s.members[memberId].status() != IConsortiumRegistry.MemberStatus.None) {
            revert IConsortiumRegistry.ConsortiumMemberExists(memberId);
        }
        checkKinds(kinds);
        checkFreeAccount(s, account);
        if (certifiedUntil <= block.timestamp) {
            revert IConsortiumRegistry.ConsortiumInvalidExpiry(certifiedUntil, uint64(block.timestamp));
        }
    }

    /// @notice Reverts unless `kinds` is a non-empty mask of known kinds.
    function checkKinds(uint8 kinds) internal pure {
        if (kinds == 0 || kinds & ~MemberKinds.ALL != 0) revert IConsortiumRegistry.ConsortiumInvalidKinds(kinds);
    }

    /// @notice Reverts unless `account` is non-zero, never retired and free.
    function checkFreeAccount(Layout storage s, address account) internal view {
        if (account == address(0)) revert IConsortiumRegistry.ConsortiumZeroAddress();
        if (s.retired[account]) revert IConsortiumRegistry.ConsortiumAccountRetired(account);
        bytes32 owner = s.memberOfAccount[account];
        if (owner != bytes32(0)) revert IConsortiumRegistry.ConsortiumAccountTaken(account, owner);
    }

    /// @notice Binds a free account to a member.
    function bindAccount(Layout storage s, bytes32 memberId, address account) internal {
        checkFreeAccount(s, account);
        s.memberOfAccount[account] = memberId;
        s.accounts[memberId].add(account);
        emit IConsortiumRegistry.AccountAdded(memberId, account);
    }

    /// @notice Votes for a proposal that count now: of voters who are governors, cast in their current term.
    function validVotes(Layout storage s, uint256 proposalId) internal view returns (uint256 votes) {
        address[] storage voters = s.voters[proposalId];
        for (uint256 i = 0; i < voters.length; ++i) {
            address voter = voters[i];
            if (s.governors.contains(voter) && s.voteTerm[proposalId][voter] == s.governorTerm[voter]) ++votes;
        }
    }
}
