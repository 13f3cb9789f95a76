// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IConsortiumRegistry} from "../../interfaces/IConsortiumRegistry.sol";
import {ConsortiumState, MemberState, MemberStateLib} from "./ConsortiumState.sol";

/**
 * @title ConsortiumGovernance
 * @notice The registry's k-of-n proposals: creating them (each checked so that governors vote only on
 * what can run), votes, and execution (checked again, then applied). A linked library (external
 * functions, run by the registry through DELEGATECALL on its own `ConsortiumState.Layout`), so the
 * registry keeps membership and `authorize`, the hot path every module calls, inline and small; the
 * registry authenticates certifier and governors before calling in. Events and errors are the
 * registry's (`IConsortiumRegistry`); a DELEGATECALL emits them from the registry's address.
 */
library ConsortiumGovernance {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @dev For each member action, the member statuses it accepts (a Governor-style allowed-state
    /// bitmap): four bits per ProposalAction (at `action * 4`), bit `s` set when status `s` is allowed.
    /// SetKinds, Revoke and SetCertification: Active or Suspended; Suspend: Active; Reinstate: Suspended.
    uint256 private constant MEMBER_ACTION_STATUSES =
        (0x6 << (uint256(IConsortiumRegistry.ProposalAction.SetKinds) * 4)) |
            (0x2 << (uint256(IConsortiumRegistry.ProposalAction.Suspend) * 4)) |
            (0x4 << (uint256(IConsortiumRegistry.ProposalAction.Reinstate) * 4)) |
            (0x6 << (uint256(IConsortiumRegistry.ProposalAction.Revoke) * 4)) |
            (0x6 << (uint256(IConsortiumRegistry.ProposalAction.SetCertification) * 4));

    /**
     * @notice Creates a proposal after checking it could run now (see `IConsortiumRegistry.propose`;
     * the caller is authenticated by the registry). A governed call's calldata is stored with it.
     * @param votingPeriod the registry's voting period
     * @param p the proposal's action and arguments (`metadata` for Admit; the rest is ignored)
     * @param data a governed call's calldata (empty for other actions)
     * @return proposalId the new proposal's id
     */
    function propose(
        ConsortiumState.Layout storage s,
        uint64 votingPeriod,
        IConsortiumRegistry.Proposal memory p,
        bytes calldata data
    ) external returns (uint256 proposalId) {
        _validate(s, p.action, p.target, p.account, p.kinds, p.value);
        proposalId = ++s.proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + votingPeriod;
        s.proposals[proposalId] = IConsortiumRegistry.Proposal({
            action: p.action,
            target: p.target,
            account: p.account,
            kinds: p.kinds,
            value: p.value,
            metadata: p.metadata,
            proposer: msg.sender,
            expiresAt: expiresAt,
            executed: false
        });
        emit IConsortiumRegistry.ProposalCreated(
            proposalId,
            p.action,
            p.target,
            p.account,
            p.kinds,
            p.value,
            msg.sender,
            expiresAt
        );
        if (p.action == IConsortiumRegistry.ProposalAction.Call) {
            s.callData[proposalId] = data;
            emit IConsortiumRegistry.CallProposed(proposalId, address(uint160(uint256(p.target))), bytes4(data), data);
        }
    }

    /// @notice Records a governor's vote (see `IConsortiumRegistry.vote`; the caller is a governor).
    function vote(ConsortiumState.Layout storage s, uint256 proposalId) external {
        _openProposal(s, proposalId);
        uint32 term = s.governorTerm[msg.sender];
        uint32 votedIn = s.voteTerm[proposalId][msg.sender];
        if (votedIn == term) revert IConsortiumRegistry.ConsortiumAlreadyVoted(proposalId, msg.sender);
        if (votedIn == 0) s.voters[proposalId].push(msg.sender);
        s.voteTerm[proposalId][msg.sender] = term;
        emit IConsortiumRegistry.ProposalVoted(proposalId, msg.sender, ConsortiumState.validVotes(s, proposalId));
    }

    /**
     * @notice Executes a proposal with enough current votes (see `IConsortiumRegistry.execute`): checks
     * it again, marks it executed and applies it, except a governed call, which the registry makes
     * itself when this returns `Call` (the proposal id it exposes while the call runs is its own).
     * @return action what the proposal does
     */
    function execute(
        ConsortiumState.Layout storage s,
        uint64 votingPeriod,
        uint256 proposalId
    ) external returns (IConsortiumRegistry.ProposalAction action) {
        IConsortiumRegistry.Proposal storage p = _openProposal(s, proposalId);
        uint256 votes = ConsortiumState.validVotes(s, proposalId);
        if (votes < s.threshold) revert IConsortiumRegistry.ConsortiumNotEnoughVotes(proposalId, votes, s.threshold);
        action = p.action;
        _validate(s, action, p.target, p.account, p.kinds, p.value);
        p.executed = true;
        if (action != IConsortiumRegistry.ProposalAction.Call) _apply(s, votingPeriod, p);
    }

    // ---------------------------------------------------------------- internals

    function _openProposal(
        ConsortiumState.Layout storage s,
        uint256 proposalId
    ) private view returns (IConsortiumRegistry.Proposal storage p) {
        p = s.proposals[proposalId];
        if (p.expiresAt == 0) revert IConsortiumRegistry.ConsortiumUnknownProposal(proposalId);
        if (p.executed) revert IConsortiumRegistry.ConsortiumProposalAlreadyExecuted(proposalId);
        if (block.timestamp >= p.expiresAt) {
            revert IConsortiumRegistry.ConsortiumProposalExpired(proposalId, p.expiresAt);
        }
    }

    /**
     * @dev Whether a proposal can run now: checked when it is proposed (so governors vote only on
     * proposals that can run) and again at execution (state may change while votes come in).
     */
    function _validate(
        ConsortiumState.Layout storage s,
        IConsortiumRegistry.ProposalAction action,
        bytes32 target,
        address account,
        uint8 kinds,
        uint64 value
    ) private view {
        uint256 allowed = (MEMBER_ACTION_STATUSES >> (uint256(action) * 4)) & 0xf;
        if (allowed != 0) {
            // A member action: the member's status must be one the action accepts.
            IConsortiumRegistry.MemberStatus status = ConsortiumState.existingMember(s, target).status();
            if (allowed & (1 << uint256(status)) == 0) {
                revert IConsortiumRegistry.ConsortiumInvalidStatus(target, status);
            }
            if (action == IConsortiumRegistry.ProposalAction.SetKinds) ConsortiumState.checkKinds(kinds);
            if (action == IConsortiumRegistry.ProposalAction.SetCertification && value <= block.timestamp) {
                revert IConsortiumRegistry.ConsortiumInvalidExpiry(value, uint64(block.timestamp));
            }
        } else if (action == IConsortiumRegistry.ProposalAction.Admit) {
            ConsortiumState.checkNewMember(s, target, kinds, account, value);
        } else if (action == IConsortiumRegistry.ProposalAction.AddGovernor) {
            if (account == address(0)) revert IConsortiumRegistry.ConsortiumZeroAddress();
            if (s.governors.contains(account)) revert IConsortiumRegistry.ConsortiumAlreadyGovernor(account);
        } else if (action == IConsortiumRegistry.ProposalAction.RemoveGovernor) {
            if (!s.governors.contains(account)) revert IConsortiumRegistry.ConsortiumNotGovernor(account);
            if (s.governors.length() - 1 < s.threshold) {
                revert IConsortiumRegistry.ConsortiumInvalidThreshold(s.threshold, s.governors.length() - 1);
            }
        } else if (action == IConsortiumRegistry.ProposalAction.SetThreshold) {
            if (value == 0 || value > s.governors.length()) {
                revert IConsortiumRegistry.ConsortiumInvalidThreshold(value, s.governors.length());
            }
        } else if (action == IConsortiumRegistry.ProposalAction.SetCertifier) {
            if (account == address(0)) revert IConsortiumRegistry.ConsortiumZeroAddress();
        } else if (action == IConsortiumRegistry.ProposalAction.Unpause) {
            if (block.timestamp >= s.pausedUntil[target]) revert IConsortiumRegistry.ConsortiumModuleNotPaused(target);
        } else if (action == IConsortiumRegistry.ProposalAction.Pause) {
            if (s.pausedUntil[target] == ConsortiumState.HELD) {
                revert IConsortiumRegistry.ConsortiumModuleAlreadyPaused(target);
            }
        } else {
            // ProposalAction.Call: `value` is the calldata's length
            address module = address(uint160(uint256(target)));
            if (module == address(this) || module.code.length == 0 || value < 4) {
                revert IConsortiumRegistry.ConsortiumInvalidCall(module, value);
            }
        }
    }

    /// @dev Applies a proposal already checked by `_validate` (any but a governed call).
    function _apply(
        ConsortiumState.Layout storage s,
        uint64 votingPeriod,
        IConsortiumRegistry.Proposal storage p
    ) private {
        IConsortiumRegistry.ProposalAction action = p.action;
        bytes32 target = p.target;
        if (action == IConsortiumRegistry.ProposalAction.Admit) {
            s.members[target] = MemberStateLib.admitted(p.kinds, p.value, uint64(block.timestamp));
            s.metadata[target] = p.metadata;
            s.memberIds.add(target);
            emit IConsortiumRegistry.MemberAdmitted(target, p.kinds, p.account, p.value, p.metadata);
            ConsortiumState.bindAccount(s, target, p.account);
        } else if (action == IConsortiumRegistry.ProposalAction.SetKinds) {
            MemberState state = s.members[target];
            s.members[target] = state.withKinds(p.kinds);
            emit IConsortiumRegistry.MemberKindsChanged(target, state.kinds(), p.kinds);
        } else if (action == IConsortiumRegistry.ProposalAction.Suspend) {
            s.members[target] = s.members[target].withStatus(IConsortiumRegistry.MemberStatus.Suspended);
            emit IConsortiumRegistry.MemberSuspended(target, false, msg.sender);
        } else if (action == IConsortiumRegistry.ProposalAction.Reinstate) {
            s.members[target] = s.members[target].withStatus(IConsortiumRegistry.MemberStatus.Active);
            s.suspendAllowedFrom[target] = uint64(block.timestamp) + votingPeriod;
            emit IConsortiumRegistry.MemberReinstated(target);
        } else if (action == IConsortiumRegistry.ProposalAction.Revoke) {
            s.members[target] = s.members[target].withStatus(IConsortiumRegistry.MemberStatus.Revoked);
            emit IConsortiumRegistry.MemberRevoked(target);
        } else if (action == IConsortiumRegistry.ProposalAction.AddGovernor) {
            s.governors.add(p.account);
            ++s.governorTerm[p.account];
            emit IConsortiumRegistry.GovernorAdded(p.account);
        } else if (action == IConsortiumRegistry.ProposalAction.RemoveGovernor) {
            s.governors.remove(p.account);
            emit IConsortiumRegistry.GovernorRemoved(p.account);
        } else if (action == IConsortiumRegistry.ProposalAction.SetThreshold) {
            uint256 old = s.threshold;
            s.threshold = p.value;
            emit IConsortiumRegistry.ThresholdChanged(old, p.value);
        } else if (action == IConsortiumRegistry.ProposalAction.SetCertifier) {
            address old = s.certifier;
            s.certifier = p.account;
            emit IConsortiumRegistry.CertifierChanged(old, p.account);
        } else if (action == IConsortiumRegistry.ProposalAction.Unpause) {
            delete s.pausedUntil[target];
            emit IConsortiumRegistry.ModuleUnpaused(target);
        } else if (action == IConsortiumRegistry.ProposalAction.Pause) {
            s.pausedUntil[target] = ConsortiumState.HELD;
            emit IConsortiumRegistry.ModulePauseConfirmed(target);
        } else {
            MemberState state = s.members[target];
            s.members[target] = state.withCertifiedUntil(p.value);
            emit IConsortiumRegistry.CertificationSet(target, state.certifiedUntil(), p.value);
        }
    }
}
