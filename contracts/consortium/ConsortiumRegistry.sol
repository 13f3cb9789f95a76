// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

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
 */
// One owner for the whole membership and governance state; split further it would need cross-contract reads.
// solhint-disable-next-line max-states-count
contract ConsortiumRegistry is IConsortiumRegistry {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @notice The longest voting period a registry accepts: a longer one could overflow expiry times.
    uint64 public constant MAX_VOTING_PERIOD = 365 days;
    /// @notice How far ahead of now the certifier alone may extend a certification (a longer one, a
    /// shorter one or reviving a lapsed one takes a SetCertification vote).
    uint64 public constant MAX_RENEWAL = 3 * 365 days;
    /// @dev `pausedUntil` of a module a Pause vote holds paused until an Unpause vote.
    uint64 private constant HELD = type(uint64).max;
    /// @dev For each member action, the member statuses it accepts (a Governor-style allowed-state
    /// bitmap): four bits per ProposalAction (at `action * 4`), bit `s` set when status `s` is allowed.
    /// SetKinds, Revoke and SetCertification: Active or Suspended; Suspend: Active; Reinstate: Suspended.
    uint256 private constant MEMBER_ACTION_STATUSES =
        (0x6 << (uint256(ProposalAction.SetKinds) * 4)) |
            (0x2 << (uint256(ProposalAction.Suspend) * 4)) |
            (0x4 << (uint256(ProposalAction.Reinstate) * 4)) |
            (0x6 << (uint256(ProposalAction.Revoke) * 4)) |
            (0x6 << (uint256(ProposalAction.SetCertification) * 4));

    /// @notice How long a proposal stays open for votes and execution, in seconds.
    uint64 public immutable votingPeriod;

    /// @notice The central node's account, which certifies applicants and may suspend in emergencies.
    address public certifier;
    /// @notice Votes needed to execute a proposal.
    uint256 public threshold;
    /// @notice Number of proposals created; ids run from 1 to this value.
    uint256 public proposalCount;

    EnumerableSet.AddressSet private _governors;
    EnumerableSet.Bytes32Set private _memberIds;

    mapping(bytes32 memberId => Member member) private _members;
    mapping(bytes32 memberId => EnumerableSet.AddressSet accounts) private _accounts;
    mapping(address account => bytes32 memberId) private _memberOfAccount;
    mapping(address account => bool retired) private _retired;
    mapping(uint256 proposalId => Proposal proposal) private _proposals;
    mapping(uint256 proposalId => address[] voters) private _voters;
    /// @dev Incremented each time an account becomes a governor: a vote counts only in the term it was cast.
    mapping(address governor => uint32 term) private _governorTerm;
    mapping(uint256 proposalId => mapping(address governor => uint32 term)) private _voteTerm;
    /// @dev Until when each module is paused: an emergency pause's lapse, or `HELD` after a Pause vote.
    mapping(bytes32 moduleId => uint64 until) private _pausedUntil;
    /// @dev A governor's next emergency pause of a module: one voting period after its last one lapses.
    mapping(bytes32 moduleId => mapping(address governor => uint64 allowedFrom)) private _pauseAllowedFrom;
    /// @dev The certifier's next emergency suspension of a member: one voting period after a Reinstate.
    mapping(bytes32 memberId => uint64 allowedFrom) private _suspendAllowedFrom;
    /// @dev The calldata of governed-call proposals (the module address is the proposal's target).
    mapping(uint256 proposalId => bytes data) private _callData;
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
            if (!_governors.add(governor)) revert ConsortiumAlreadyGovernor(governor);
            ++_governorTerm[governor];
            emit GovernorAdded(governor);
        }
        if (initialThreshold == 0 || initialThreshold > _governors.length()) {
            revert ConsortiumInvalidThreshold(initialThreshold, _governors.length());
        }
        certifier = initialCertifier;
        threshold = initialThreshold;
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
        _checkNewMember(memberId, kinds, account, certifiedUntil);
        proposalId = _createProposal(ProposalAction.Admit, memberId, account, kinds, certifiedUntil, metadata);
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
        Member storage member = _existingMember(memberId);
        if (member.status == MemberStatus.Revoked) revert ConsortiumInvalidStatus(memberId, member.status);
        uint64 old = member.certifiedUntil;
        uint64 latest = uint64(block.timestamp) + MAX_RENEWAL;
        if (old <= block.timestamp || certifiedUntil <= old || certifiedUntil > latest) {
            revert ConsortiumRenewalNeedsVote(memberId, old, certifiedUntil, latest);
        }
        member.certifiedUntil = certifiedUntil;
        emit CertificationRenewed(memberId, old, certifiedUntil);
    }

    /**
     * @notice Suspend an active member at once, without a vote. Only a governors' vote reinstates it,
     * and for one voting period after a Reinstate the certifier may not suspend that member alone.
     * @param memberId the member to suspend
     */
    function emergencySuspend(bytes32 memberId) external onlyCertifier {
        Member storage member = _existingMember(memberId);
        if (member.status != MemberStatus.Active) revert ConsortiumInvalidStatus(memberId, member.status);
        uint64 allowedFrom = _suspendAllowedFrom[memberId];
        if (block.timestamp < allowedFrom) revert ConsortiumSuspensionCoolingDown(memberId, allowedFrom);
        member.status = MemberStatus.Suspended;
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
        _validate(action, target, account, kinds, value);
        proposalId = _createProposal(action, target, account, kinds, value, bytes32(0));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeCall(address module, bytes calldata data) external onlyGovernor returns (uint256 proposalId) {
        bytes32 target = bytes32(uint256(uint160(module)));
        _validate(ProposalAction.Call, target, address(0), 0, uint64(data.length));
        proposalId = _createProposal(ProposalAction.Call, target, address(0), 0, uint64(data.length), bytes32(0));
        _callData[proposalId] = data;
        emit CallProposed(proposalId, module, bytes4(data), data);
    }

    /**
     * @notice Vote for a proposal. Each governor votes once; only votes of current governors, cast in
     * their current term, count (a governor removed and added again votes afresh).
     * @param proposalId the proposal
     */
    function vote(uint256 proposalId) external onlyGovernor {
        _openProposal(proposalId);
        uint32 term = _governorTerm[msg.sender];
        uint32 votedIn = _voteTerm[proposalId][msg.sender];
        if (votedIn == term) revert ConsortiumAlreadyVoted(proposalId, msg.sender);
        if (votedIn == 0) _voters[proposalId].push(msg.sender);
        _voteTerm[proposalId][msg.sender] = term;
        emit ProposalVoted(proposalId, msg.sender, _validVotes(proposalId));
    }

    /**
     * @notice Execute a proposal that has at least `threshold` votes from current governors and has
     * not expired. Anyone may execute; a proposal runs at most once.
     * @param proposalId the proposal
     */
    function execute(uint256 proposalId) external {
        Proposal storage proposal = _openProposal(proposalId);
        uint256 votes = _validVotes(proposalId);
        if (votes < threshold) revert ConsortiumNotEnoughVotes(proposalId, votes, threshold);
        _validate(proposal.action, proposal.target, proposal.account, proposal.kinds, proposal.value);
        proposal.executed = true;
        _apply(proposalId, proposal);
        emit ProposalExecuted(proposalId, proposal.action, msg.sender);
    }

    /**
     * @notice Pause a module at once in an emergency. The pause lapses after one voting period unless
     * the governors confirm it (a Pause vote holds it until an Unpause vote); an Unpause vote lifts it
     * earlier. The same governor may pause that module again only one voting period after this pause
     * lapses, so the others always have a voting period to vote it out of the governor set.
     * @param module the module id (see MemberKinds.MODULE_*)
     */
    function pauseModule(bytes32 module) external onlyGovernor {
        if (block.timestamp < _pausedUntil[module]) revert ConsortiumModuleAlreadyPaused(module);
        uint64 allowedFrom = _pauseAllowedFrom[module][msg.sender];
        if (block.timestamp < allowedFrom) revert ConsortiumPauseCoolingDown(module, msg.sender, allowedFrom);
        uint64 lapsesAt = uint64(block.timestamp) + votingPeriod;
        _pausedUntil[module] = lapsesAt;
        // Lifted early or not, the next pause by this governor waits a voting period after this one's end.
        _pauseAllowedFrom[module][msg.sender] = lapsesAt + votingPeriod;
        emit ModulePaused(module, msg.sender, lapsesAt);
    }

    // ================================================================ key rotation

    /**
     * @notice Add an operating account to the caller's member. No vote is needed.
     * @param account the new account; must not belong to any member nor have been retired
     */
    function addAccount(address account) external {
        bytes32 memberId = _callerActiveMember();
        _bindAccount(memberId, account);
    }

    /**
     * @notice Remove an operating account from the caller's member. It loses all rights at once and
     * can never be used again. The last account cannot be removed. A suspended member, or one whose
     * certification lapsed, may still remove accounts (to retire a leaked key before reinstatement);
     * a revoked member may not.
     * @param account the account to remove (may be the caller itself)
     */
    function removeAccount(address account) external {
        bytes32 memberId = _memberOfAccount[msg.sender];
        if (memberId == bytes32(0)) revert ConsortiumNotMember(msg.sender);
        Member storage member = _members[memberId];
        if (member.status == MemberStatus.Revoked) {
            revert ConsortiumMemberNotActive(memberId, member.status, member.certifiedUntil);
        }
        if (_memberOfAccount[account] != memberId) revert ConsortiumAccountNotOwned(account, memberId);
        EnumerableSet.AddressSet storage accounts = _accounts[memberId];
        if (accounts.length() == 1) revert ConsortiumLastAccount(memberId);
        accounts.remove(account);
        delete _memberOfAccount[account];
        _retired[account] = true;
        emit AccountRemoved(memberId, account);
    }

    // ================================================================ views

    /// @inheritdoc IConsortiumRegistry
    function activeMemberOf(address account, uint8 kindMask) external view returns (bytes32 memberId, bool active) {
        memberId = _memberOfAccount[account];
        active = memberId != bytes32(0) && _isActive(memberId, kindMask);
    }

    /// @inheritdoc IConsortiumRegistry
    function authorize(
        address account,
        uint8 kindMask,
        bytes32 module
    ) external view returns (bytes32 memberId, bool active, bool paused) {
        memberId = _memberOfAccount[account];
        active = memberId != bytes32(0) && _isActive(memberId, kindMask);
        paused = block.timestamp < _pausedUntil[module];
    }

    /// @inheritdoc IConsortiumRegistry
    function isActiveMemberId(bytes32 memberId, uint8 kindMask) external view returns (bool) {
        return _isActive(memberId, kindMask);
    }

    /// @inheritdoc IConsortiumRegistry
    function memberOf(address account) external view returns (bytes32) {
        return _memberOfAccount[account];
    }

    /// @inheritdoc IConsortiumRegistry
    function isPaused(bytes32 module) external view returns (bool) {
        return block.timestamp < _pausedUntil[module];
    }

    /// @inheritdoc IConsortiumRegistry
    function pausedUntil(bytes32 module) external view returns (uint64) {
        return _pausedUntil[module];
    }

    /// @inheritdoc IConsortiumRegistry
    function executingProposal() external view returns (uint256) {
        return _executing;
    }

    /// @inheritdoc IConsortiumRegistry
    function callOf(uint256 proposalId) external view returns (address module, bytes memory data) {
        if (_proposals[proposalId].action != ProposalAction.Call) return (address(0), "");
        return (address(uint160(uint256(_proposals[proposalId].target))), _callData[proposalId]);
    }

    /// @notice A member's record (status `None` if unknown).
    function getMember(bytes32 memberId) external view returns (Member memory) {
        return _members[memberId];
    }

    /// @notice A member's operating accounts.
    function accountsOf(bytes32 memberId) external view returns (address[] memory) {
        return _accounts[memberId].values();
    }

    /// @notice Whether an account was removed from a member and can never be used again.
    function isRetired(address account) external view returns (bool) {
        return _retired[account];
    }

    /// @notice Every member id ever admitted, in admission order.
    function memberIds() external view returns (bytes32[] memory) {
        return _memberIds.values();
    }

    /// @notice The governors.
    function governors() external view returns (address[] memory) {
        return _governors.values();
    }

    /// @notice Whether `account` is a governor.
    function isGovernor(address account) external view returns (bool) {
        return _governors.contains(account);
    }

    /// @notice A proposal (action Admit with zero expiry if unknown).
    function getProposal(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    /// @notice Votes for a proposal that count now (voters who are still governors).
    function votesOf(uint256 proposalId) external view returns (uint256) {
        return _validVotes(proposalId);
    }

    /// @notice Whether `governor` voted for `proposalId` in its current term as governor.
    function hasVoted(uint256 proposalId, address governor) external view returns (bool) {
        uint32 votedIn = _voteTerm[proposalId][governor];
        return votedIn != 0 && votedIn == _governorTerm[governor];
    }

    // ================================================================ internals

    function _createProposal(
        ProposalAction action,
        bytes32 target,
        address account,
        uint8 kinds,
        uint64 value,
        bytes32 metadata
    ) private returns (uint256 proposalId) {
        proposalId = ++proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + votingPeriod;
        _proposals[proposalId] = Proposal({
            action: action,
            target: target,
            account: account,
            kinds: kinds,
            value: value,
            metadata: metadata,
            proposer: msg.sender,
            expiresAt: expiresAt,
            executed: false
        });
        emit ProposalCreated(proposalId, action, target, account, kinds, value, msg.sender, expiresAt);
    }

    function _openProposal(uint256 proposalId) private view returns (Proposal storage proposal) {
        proposal = _proposals[proposalId];
        if (proposal.expiresAt == 0) revert ConsortiumUnknownProposal(proposalId);
        if (proposal.executed) revert ConsortiumProposalAlreadyExecuted(proposalId);
        if (block.timestamp >= proposal.expiresAt) revert ConsortiumProposalExpired(proposalId, proposal.expiresAt);
    }

    function _validVotes(uint256 proposalId) private view returns (uint256 votes) {
        address[] storage voters = _voters[proposalId];
        for (uint256 i = 0; i < voters.length; ++i) {
            address voter = voters[i];
            if (_governors.contains(voter) && _voteTerm[proposalId][voter] == _governorTerm[voter]) ++votes;
        }
    }

    /**
     * @dev Whether a proposal can run now: checked when it is proposed (so governors vote only on
     * proposals that can run) and again at execution (state may change while votes come in).
     */
    function _validate(ProposalAction action, bytes32 target, address account, uint8 kinds, uint64 value) private view {
        uint256 allowed = (MEMBER_ACTION_STATUSES >> (uint256(action) * 4)) & 0xf;
        if (allowed != 0) {
            // A member action: the member's status must be one the action accepts.
            MemberStatus status = _existingMember(target).status;
            if (allowed & (1 << uint256(status)) == 0) revert ConsortiumInvalidStatus(target, status);
            if (action == ProposalAction.SetKinds) _checkKinds(kinds);
            if (action == ProposalAction.SetCertification && value <= block.timestamp) {
                revert ConsortiumInvalidExpiry(value, uint64(block.timestamp));
            }
        } else if (action == ProposalAction.Admit) {
            _checkNewMember(target, kinds, account, value);
        } else if (action == ProposalAction.AddGovernor) {
            if (account == address(0)) revert ConsortiumZeroAddress();
            if (_governors.contains(account)) revert ConsortiumAlreadyGovernor(account);
        } else if (action == ProposalAction.RemoveGovernor) {
            if (!_governors.contains(account)) revert ConsortiumNotGovernor(account);
            if (_governors.length() - 1 < threshold) {
                revert ConsortiumInvalidThreshold(threshold, _governors.length() - 1);
            }
        } else if (action == ProposalAction.SetThreshold) {
            if (value == 0 || value > _governors.length())
                revert ConsortiumInvalidThreshold(value, _governors.length());
        } else if (action == ProposalAction.SetCertifier) {
            if (account == address(0)) revert ConsortiumZeroAddress();
        } else if (action == ProposalAction.Unpause) {
            if (block.timestamp >= _pausedUntil[target]) revert ConsortiumModuleNotPaused(target);
        } else if (action == ProposalAction.Pause) {
            if (_pausedUntil[target] == HELD) revert ConsortiumModuleAlreadyPaused(target);
        } else {
            // ProposalAction.Call: `value` is the calldata's length
            address module = address(uint160(uint256(target)));
            if (module == address(this) || module.code.length == 0 || value < 4) {
                revert ConsortiumInvalidCall(module, value);
            }
        }
    }

    function _checkCertifier() private view {
        if (msg.sender != certifier) revert ConsortiumNotCertifier(msg.sender);
    }

    function _checkGovernor() private view {
        if (!_governors.contains(msg.sender)) revert ConsortiumNotGovernor(msg.sender);
    }

    /// @dev Applies a proposal already checked by `_validate`.
    function _apply(uint256 proposalId, Proposal storage p) private {
        ProposalAction action = p.action;
        if (action == ProposalAction.Admit) {
            _members[p.target] = Member({
                metadata: p.metadata,
                kinds: p.kinds,
                status: MemberStatus.Active,
                certifiedUntil: p.value,
                admittedAt: uint64(block.timestamp)
            });
            _memberIds.add(p.target);
            emit MemberAdmitted(p.target, p.kinds, p.account, p.value, p.metadata);
            _bindAccount(p.target, p.account);
        } else if (action == ProposalAction.SetKinds) {
            Member storage member = _members[p.target];
            uint8 old = member.kinds;
            member.kinds = p.kinds;
            emit MemberKindsChanged(p.target, old, p.kinds);
        } else if (action == ProposalAction.Suspend) {
            _members[p.target].status = MemberStatus.Suspended;
            emit MemberSuspended(p.target, false, msg.sender);
        } else if (action == ProposalAction.Reinstate) {
            _members[p.target].status = MemberStatus.Active;
            _suspendAllowedFrom[p.target] = uint64(block.timestamp) + votingPeriod;
            emit MemberReinstated(p.target);
        } else if (action == ProposalAction.Revoke) {
            _members[p.target].status = MemberStatus.Revoked;
            emit MemberRevoked(p.target);
        } else if (action == ProposalAction.AddGovernor) {
            _governors.add(p.account);
            ++_governorTerm[p.account];
            emit GovernorAdded(p.account);
        } else if (action == ProposalAction.RemoveGovernor) {
            _governors.remove(p.account);
            emit GovernorRemoved(p.account);
        } else if (action == ProposalAction.SetThreshold) {
            uint256 old = threshold;
            threshold = p.value;
            emit ThresholdChanged(old, p.value);
        } else if (action == ProposalAction.SetCertifier) {
            address old = certifier;
            certifier = p.account;
            emit CertifierChanged(old, p.account);
        } else if (action == ProposalAction.Unpause) {
            delete _pausedUntil[p.target];
            emit ModuleUnpaused(p.target);
        } else if (action == ProposalAction.Call) {
            _callModule(proposalId, p);
        } else if (action == ProposalAction.Pause) {
            _pausedUntil[p.target] = HELD;
            emit ModulePauseConfirmed(p.target);
        } else {
            Member storage member = _members[p.target];
            uint64 old = member.certifiedUntil;
            member.certifiedUntil = p.value;
            emit CertificationSet(p.target, old, p.value);
        }
    }

    /**
     * @dev Runs a governed call, exposing the proposal id through `executingProposal` while it runs
     * (restored afterwards, should the module execute another proposal from inside). A revert of the
     * module bubbles up unchanged, undoing the execution.
     */
    function _callModule(uint256 proposalId, Proposal storage p) private {
        uint256 outer = _executing;
        _executing = proposalId;
        // A governed call is a low-level call by design: any module function, chosen by vote.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returned) = address(uint160(uint256(p.target))).call(_callData[proposalId]);
        _executing = outer;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
    }

    function _checkNewMember(bytes32 memberId, uint8 kinds, address account, uint64 certifiedUntil) private view {
        if (memberId == bytes32(0)) revert ConsortiumInvalidMemberId();
        if (_members[memberId].status != MemberStatus.None) revert ConsortiumMemberExists(memberId);
        _checkKinds(kinds);
        _checkFreeAccount(account);
        if (certifiedUntil <= block.timestamp) revert ConsortiumInvalidExpiry(certifiedUntil, uint64(block.timestamp));
    }

    function _checkKinds(uint8 kinds) private pure {
        if (kinds == 0 || kinds & ~MemberKinds.ALL != 0) revert ConsortiumInvalidKinds(kinds);
    }

    function _checkFreeAccount(address account) private view {
        if (account == address(0)) revert ConsortiumZeroAddress();
        if (_retired[account]) revert ConsortiumAccountRetired(account);
        bytes32 owner = _memberOfAccount[account];
        if (owner != bytes32(0)) revert ConsortiumAccountTaken(account, owner);
    }

    function _bindAccount(bytes32 memberId, address account) private {
        _checkFreeAccount(account);
        _memberOfAccount[account] = memberId;
        _accounts[memberId].add(account);
        emit AccountAdded(memberId, account);
    }

    function _existingMember(bytes32 memberId) private view returns (Member storage member) {
        member = _members[memberId];
        if (member.status == MemberStatus.None) revert ConsortiumUnknownMember(memberId);
    }

    function _callerActiveMember() private view returns (bytes32 memberId) {
        memberId = _memberOfAccount[msg.sender];
        if (memberId == bytes32(0)) revert ConsortiumNotMember(msg.sender);
        Member storage member = _members[memberId];
        if (member.status != MemberStatus.Active || block.timestamp >= member.certifiedUntil) {
            revert ConsortiumMemberNotActive(memberId, member.status, member.certifiedUntil);
        }
    }

    function _isActive(bytes32 memberId, uint8 kindMask) private view returns (bool) {
        Member storage member = _members[memberId];
        return
            member.status == MemberStatus.Active &&
            block.timestamp < member.certifiedUntil &&
            member.kinds & kindMask != 0;
    }
}
