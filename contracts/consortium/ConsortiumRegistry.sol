// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {ConsortiumGovernance} from "./libraries/ConsortiumGovernance.sol";
import {ConsortiumState, MemberState} from "./libraries/ConsortiumState.sol";

/**
 * @title ConsortiumRegistry
 * @notice Members, their kinds and accounts, certification, k-of-n governance votes and emergency
 * pauses: the root of trust of a MedChain consortium.
 *
 * - The certifier (the central node) certifies an applicant; the admission takes effect only after
 *   `threshold` governors vote for it and someone executes the proposal before it expires.
 * - Governors vote on every other change: kinds, suspension, reinstatement, revocation, the governor
 *   set, the threshold, the certifier, certification changes beyond renewal, and pausing or lifting
 *   a module's pause.
 * - In an emergency the certifier alone suspends a member, and any governor alone pauses a module.
 *   No single key holds the consortium hostage: a governor's emergency pause lapses after one voting
 *   period unless a Pause vote confirms it, and that governor may not pause the module again until a
 *   further voting period has passed; after a Reinstate vote the certifier may not suspend the member
 *   alone for a voting period; the certifier alone only extends a running certification, by at most
 *   `MAX_RENEWAL` ahead. Undoing an emergency step takes a vote.
 * - A member rotates its own operating accounts without a vote, but never removes its last one. A
 *   removed account is retired: it can never operate for any member again.
 * - Certification lapses at `certifiedUntil`: from that instant the member is inactive everywhere,
 *   without any transaction.
 *
 * Structure: membership, key rotation, emergencies and `authorize` (the question every module asks
 * before every write) run inline on `ConsortiumState.Layout`; proposals (creation, votes, execution)
 * run in the linked library `ConsortiumGovernance` on the same storage. A member's standing is one
 * packed word (`MemberState`), so `authorize` reads three storage slots: account, member, pause.
 */
contract ConsortiumRegistry is IConsortiumRegistry {
    using ConsortiumState for ConsortiumState.Layout;
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @notice The longest voting period a registry accepts: a longer one could overflow expiry times.
    uint64 public constant MAX_VOTING_PERIOD = 365 days;
    /// @notice How far ahead of now the certifier alone may extend a certification (a longer one, a
    /// shorter one or reviving a lapsed one takes a SetCertification vote).
    uint64 public constant MAX_RENEWAL = 3 * 365 days;

    /// @notice How long a proposal stays open for votes and execution, in seconds.
    uint64 public immutable votingPeriod;

    ConsortiumState.Layout private _s;
    /// @dev The proposal whose governed call is running (transient: zero outside `execute`).
    uint256 private transient _executing;

    /**
     * @param initialCertifier the central node's account
     * @param initialGovernors the governor set (n = its length)
     * @param initialThreshold k: votes needed, 1 <= k <= n
     * @param votingPeriod_ seconds a proposal stays open
     */
    constructor(
        address initialCertifier,
        address[] memory initialGovernors,
        uint256 initialThreshold,
        uint64 votingPeriod_
    ) {
        if (initialCertifier == address(0)) revert ConsortiumZeroAddress();
        if (votingPeriod_ == 0 || votingPeriod_ > MAX_VOTING_PERIOD)
            revert ConsortiumInvalidVotingPeriod(votingPeriod_);
        for (uint256 i = 0; i < initialGovernors.length; ++i) {
            address governor = initialGovernors[i];
            if (governor == address(0)) revert ConsortiumZeroAddress();
            if (!_s.governors.add(governor)) revert ConsortiumAlreadyGovernor(governor);
            ++_s.governorTerm[governor];
            emit GovernorAdded(governor);
        }
        if (initialThreshold == 0 || initialThreshold > _s.governors.length()) {
            revert ConsortiumInvalidThreshold(initialThreshold, _s.governors.length());
        }
        _s.certifier = initialCertifier;
        _s.threshold = initialThreshold;
        votingPeriod = votingPeriod_;
        emit CertifierChanged(address(0), initialCertifier);
        emit ThresholdChanged(0, initialThreshold);
    }

    // The checks live in functions so that each modifier expands to one call (smaller bytecode).
    modifier onlyCertifier() {
        _checkCertifier();
        _;
    }

    modifier onlyGovernor() {
        _checkGovernor();
        _;
    }

    // ================================================================ certification

    /**
     * @notice Certify an applicant institution and open its admission vote.
     * @param memberId the institution's id (e.g. a hash of its registration code)
     * @param metadata commitment to its name and registration documents (kept off chain)
     * @param kinds bit mask of MemberKind
     * @param account its first operating account
     * @param certifiedUntil certification expiry (unix seconds)
     * @return proposalId the admission proposal the governors vote on
     */
    function certify(
        bytes32 memberId,
        bytes32 metadata,
        uint8 kinds,
        address account,
        uint64 certifiedUntil
    ) external onlyCertifier returns (uint256 proposalId) {
        proposalId = _propose(ProposalAction.Admit, memberId, account, kinds, certifiedUntil, metadata, "");
        emit ApplicantCertified(proposalId, memberId, kinds, account, certifiedUntil, metadata);
    }

    /**
     * @notice Extend a member's running certification. The certifier alone only extends: the
     * certification must not have lapsed, and the new expiry must be later than the current one and
     * at most `MAX_RENEWAL` from now. Anything else (shortening, reviving a lapsed certification, a
     * longer term) takes a SetCertification vote.
     * @param memberId the member (not revoked)
     * @param certifiedUntil the new expiry
     */
    function renewCertification(bytes32 memberId, uint64 certifiedUntil) external onlyCertifier {
        MemberState state = _s.existingMember(memberId);
        if (state.status() == MemberStatus.Revoked) revert ConsortiumInvalidStatus(memberId, state.status());
        uint64 old = state.certifiedUntil();
        uint64 latest = uint64(block.timestamp) + MAX_RENEWAL;
        if (old <= block.timestamp || certifiedUntil <= old || certifiedUntil > latest) {
            revert ConsortiumRenewalNeedsVote(memberId, old, certifiedUntil, latest);
        }
        _s.members[memberId] = state.withCertifiedUntil(certifiedUntil);
        emit CertificationRenewed(memberId, old, certifiedUntil);
    }

    /**
     * @notice Suspend an active member at once, without a vote. Only a governors' vote reinstates it,
     * and for one voting period after a Reinstate the certifier may not suspend that member alone.
     * @param memberId the member to suspend
     */
    function emergencySuspend(bytes32 memberId) external onlyCertifier {
        MemberState state = _s.existingMember(memberId);
        if (state.status() != MemberStatus.Active) revert ConsortiumInvalidStatus(memberId, state.status());
        uint64 allowedFrom = _s.suspendAllowedFrom[memberId];
        if (block.timestamp < allowedFrom) revert ConsortiumSuspensionCoolingDown(memberId, allowedFrom);
        _s.members[memberId] = state.withStatus(MemberStatus.Suspended);
        emit MemberSuspended(memberId, true, msg.sender);
    }

    // ================================================================ governance

    /**
     * @notice Propose a governance change. Admissions go through `certify` instead.
     * @param action what to do
     * @param target member id (member actions) or module id (Pause, Unpause)
     * @param account governor to add/remove or new certifier
     * @param kinds new kinds (SetKinds)
     * @param value new threshold (SetThreshold) or certification expiry (SetCertification)
     * @return proposalId the new proposal's id
     */
    function propose(
        ProposalAction action,
        bytes32 target,
        address account,
        uint8 kinds,
        uint64 value
    ) external onlyGovernor returns (uint256 proposalId) {
        if (action == ProposalAction.Admit) revert ConsortiumAdmitThroughCertify();
        if (action == ProposalAction.Call) revert ConsortiumCallThroughProposeCall();
        proposalId = _propose(action, target, account, kinds, value, bytes32(0), "");
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeCall(address module, bytes calldata data) external onlyGovernor returns (uint256 proposalId) {
        bytes32 target = bytes32(uint256(uint160(module)));
        proposalId = _propose(ProposalAction.Call, target, address(0), 0, uint64(data.length), bytes32(0), data);
    }

    /**
     * @notice Vote for a proposal. Each governor votes once; only votes of current governors, cast in
     * their current term, count (a governor removed and added again votes afresh).
     * @param proposalId the proposal
     */
    function vote(uint256 proposalId) external onlyGovernor {
        ConsortiumGovernance.vote(_s, proposalId);
    }

    /**
     * @notice Execute a proposal that has at least `threshold` votes from current governors and has
     * not expired. Anyone may execute; a proposal runs at most once.
     * @param proposalId the proposal
     */
    function execute(uint256 proposalId) external {
        ProposalAction action = ConsortiumGovernance.execute(_s, votingPeriod, proposalId);
        if (action == ProposalAction.Call) _callModule(proposalId);
        emit ProposalExecuted(proposalId, action, msg.sender);
    }

    /**
     * @notice Pause a module at once in an emergency. The pause lapses after one voting period unless
     * the governors confirm it (a Pause vote holds it until an Unpause vote); an Unpause vote lifts it
     * earlier. The same governor may pause that module again only one voting period after this pause
     * lapses, so the others always have a voting period to vote it out of the governor set.
     * @param module the module id (see MemberKinds.MODULE_*)
     */
    function pauseModule(bytes32 module) external onlyGovernor {
        if (block.timestamp < _s.pausedUntil[module]) revert ConsortiumModuleAlreadyPaused(module);
        uint64 allowedFrom = _s.pauseAllowedFrom[module][msg.sender];
        if (block.timestamp < allowedFrom) revert ConsortiumPauseCoolingDown(module, msg.sender, allowedFrom);
        uint64 lapsesAt = uint64(block.timestamp) + votingPeriod;
        _s.pausedUntil[module] = lapsesAt;
        // Lifted early or not, the next pause by this governor waits a voting period after this one's end.
        _s.pauseAllowedFrom[module][msg.sender] = lapsesAt + votingPeriod;
        emit ModulePaused(module, msg.sender, lapsesAt);
    }

    // ================================================================ key rotation

    /**
     * @notice Add an operating account to the caller's member. No vote is needed.
     * @param account the new account; must not belong to any member nor have been retired
     */
    function addAccount(address account) external {
        bytes32 memberId = _s.memberOfAccount[msg.sender];
        if (memberId == bytes32(0)) revert ConsortiumNotMember(msg.sender);
        MemberState state = _s.members[memberId];
        if (state.status() != MemberStatus.Active || block.timestamp >= state.certifiedUntil()) {
            revert ConsortiumMemberNotActive(memberId, state.status(), state.certifiedUntil());
        }
        _s.bindAccount(memberId, account);
    }

    /**
     * @notice Remove an operating account from the caller's member. It loses all rights at once and
     * can never be used again. The last account cannot be removed. A suspended member, or one whose
     * certification lapsed, may still remove accounts (to retire a leaked key before reinstatement);
     * a revoked member may not.
     * @param account the account to remove (may be the caller itself)
     */
    function removeAccount(address account) external {
        bytes32 memberId = _s.memberOfAccount[msg.sender];
        if (memberId == bytes32(0)) revert ConsortiumNotMember(msg.sender);
        MemberState state = _s.members[memberId];
        if (state.status() == MemberStatus.Revoked) {
            revert ConsortiumMemberNotActive(memberId, state.status(), state.certifiedUntil());
        }
        if (_s.memberOfAccount[account] != memberId) revert ConsortiumAccountNotOwned(account, memberId);
        EnumerableSet.AddressSet storage accounts = _s.accounts[memberId];
        if (accounts.length() == 1) revert ConsortiumLastAccount(memberId);
        accounts.remove(account);
        delete _s.memberOfAccount[account];
        _s.retired[account] = true;
        emit AccountRemoved(memberId, account);
    }

    // ================================================================ views

    /// @inheritdoc IConsortiumRegistry
    function authorize(
        address account,
        uint8 kindMask,
        bytes32 module
    ) external view returns (bytes32 memberId, bool active, bool paused) {
        // Three storage reads, one each: the account's member, that member's state word, the pause.
        // No member has id zero, so an account of none reads an empty state: not active.
        memberId = _s.memberOfAccount[account];
        active = _s.members[memberId].isActive(kindMask);
        paused = block.timestamp < _s.pausedUntil[module];
    }

    /// @inheritdoc IConsortiumRegistry
    function activeMemberOf(address account, uint8 kindMask) external view returns (bytes32 memberId, bool active) {
        memberId = _s.memberOfAccount[account];
        active = _s.members[memberId].isActive(kindMask);
    }

    /// @inheritdoc IConsortiumRegistry
    function isActiveMemberId(bytes32 memberId, uint8 kindMask) external view returns (bool) {
        return _s.members[memberId].isActive(kindMask);
    }

    /// @inheritdoc IConsortiumRegistry
    function memberOf(address account) external view returns (bytes32) {
        return _s.memberOfAccount[account];
    }

    /// @inheritdoc IConsortiumRegistry
    function isPaused(bytes32 module) external view returns (bool) {
        return block.timestamp < _s.pausedUntil[module];
    }

    /// @inheritdoc IConsortiumRegistry
    function pausedUntil(bytes32 module) external view returns (uint64) {
        return _s.pausedUntil[module];
    }

    /// @inheritdoc IConsortiumRegistry
    function executingProposal() external view returns (uint256) {
        return _executing;
    }

    /// @inheritdoc IConsortiumRegistry
    function callOf(uint256 proposalId) external view returns (address module, bytes memory data) {
        if (_s.proposals[proposalId].action != ProposalAction.Call) return (address(0), "");
        return (address(uint160(uint256(_s.proposals[proposalId].target))), _s.callData[proposalId]);
    }

    /// @inheritdoc IConsortiumRegistry
    function getMember(bytes32 memberId) external view returns (Member memory) {
        MemberState state = _s.members[memberId];
        return
            Member({
                metadata: _s.metadata[memberId],
                kinds: state.kinds(),
                status: state.status(),
                certifiedUntil: state.certifiedUntil(),
                admittedAt: state.admittedAt()
            });
    }

    /// @notice The central node's account, which certifies applicants and may suspend in emergencies.
    function certifier() external view returns (address) {
        return _s.certifier;
    }

    /// @notice Votes needed to execute a proposal.
    function threshold() external view returns (uint256) {
        return _s.threshold;
    }

    /// @notice Number of proposals created; ids run from 1 to this value.
    function proposalCount() external view returns (uint256) {
        return _s.proposalCount;
    }

    /// @notice A member's operating accounts.
    function accountsOf(bytes32 memberId) external view returns (address[] memory) {
        return _s.accounts[memberId].values();
    }

    /// @notice Whether an account was removed from a member and can never be used again.
    function isRetired(address account) external view returns (bool) {
        return _s.retired[account];
    }

    /// @notice Every member id ever admitted, in admission order.
    function memberIds() external view returns (bytes32[] memory) {
        return _s.memberIds.values();
    }

    /// @notice The governors.
    function governors() external view returns (address[] memory) {
        return _s.governors.values();
    }

    /// @notice Whether `account` is a governor.
    function isGovernor(address account) external view returns (bool) {
        return _s.governors.contains(account);
    }

    /// @notice A proposal (action Admit with zero expiry if unknown).
    function getProposal(uint256 proposalId) external view returns (Proposal memory) {
        return _s.proposals[proposalId];
    }

    /// @notice Votes for a proposal that count now (voters who are still governors).
    function votesOf(uint256 proposalId) external view returns (uint256) {
        return _s.validVotes(proposalId);
    }

    /// @notice Whether `governor` voted for `proposalId` in its current term as governor.
    function hasVoted(uint256 proposalId, address governor) external view returns (bool) {
        uint32 votedIn = _s.voteTerm[proposalId][governor];
        return votedIn != 0 && votedIn == _s.governorTerm[governor];
    }

    // ================================================================ internals

    function _propose(
        ProposalAction action,
        bytes32 target,
        address account,
        uint8 kinds,
        uint64 value,
        bytes32 metadata,
        bytes memory data
    ) private returns (uint256) {
        Proposal memory p;
        (p.action, p.target, p.account) = (action, target, account);
        (p.kinds, p.value, p.metadata) = (kinds, value, metadata);
        return ConsortiumGovernance.propose(_s, votingPeriod, p, data);
    }

    /**
     * @dev Runs a governed call, exposing the proposal id through `executingProposal` while it runs
     * (restored afterwards, should the module execute another proposal from inside). A revert of the
     * module bubbles up unchanged, undoing the execution.
     */
    function _callModule(uint256 proposalId) private {
        uint256 outer = _executing;
        _executing = proposalId;
        address module = address(uint160(uint256(_s.proposals[proposalId].target)));
        // A governed call is a low-level call by design: any module function, chosen by vote.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returned) = module.call(_s.callData[proposalId]);
        _executing = outer;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
    }

    function _checkCertifier() private view {
        if (msg.sender != _s.certifier) revert ConsortiumNotCertifier(msg.sender);
    }

    function _checkGovernor() private view {
        if (!_s.governors.contains(msg.sender)) revert ConsortiumNotGovernor(msg.sender);
    }
}
