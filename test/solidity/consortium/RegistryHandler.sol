// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {vm} from "../utils/Vm.sol";

/**
 * @title RegistryHandler
 * @notice Drives a ConsortiumRegistry for the invariant fuzzer: every action picks its actors from a
 * fixed set of governor candidates and member accounts (bounded random inputs, `vm.prank`), and the
 * handler keeps ghost records of what succeeded so the invariants can check the registry against
 * them. Reverting actions are caught: a refused call is a legitimate step, not a failure.
 */
contract RegistryHandler {
    uint256 internal constant GOVERNOR_POOL = 5;
    uint256 internal constant ACCOUNT_POOL = 10;
    uint256 internal constant ID_POOL = 6;
    uint64 internal constant MAX_WARP = 2 days;
    uint64 internal constant MAX_CERTIFICATION = 60 days;

    ConsortiumRegistry public immutable registry;

    address[] internal _governorPool;
    address[] internal _accountPool;
    bytes32[] internal _idPool;

    // ---------------------------------------------------------------- ghosts

    /// @dev Admissions executed through the handler (successful `execute` of an Admit proposal).
    uint256 public ghostAdmissions;
    /// @dev Successful executions of any proposal.
    uint256 public ghostExecutions;
    /// @dev Successful votes.
    uint256 public ghostVotes;
    /// @dev For each admitted member: whether the handler saw its admission execute.
    mapping(bytes32 memberId => bool seen) public ghostAdmitted;
    /// @dev For each admitted member: votes of then-current governors, counted by the handler itself.
    mapping(bytes32 memberId => uint256 votes) public ghostVotesAtAdmission;
    /// @dev For each admitted member: the threshold in force when its admission executed.
    mapping(bytes32 memberId => uint256 threshold) public ghostThresholdAtAdmission;
    /// @dev Every account the handler ever removed successfully.
    address[] public ghostRemoved;
    /// @dev Steps a single key took that it should not have been able to take alone (point 16): a
    /// governor pausing within a voting period of its last pause's end, the certifier shortening,
    /// reviving or over-extending a certification, or suspending within a voting period of a
    /// reinstatement. Must stay zero.
    uint256 public ghostRogueSteps;
    /// @dev For each module: when its last emergency pause began, and whether a Pause vote holds it.
    mapping(bytes32 moduleId => uint256 at) public ghostPausedAt;
    mapping(bytes32 moduleId => bool held) public ghostPauseConfirmed;
    /// @dev For each module and governor: when that governor last paused it in an emergency.
    mapping(bytes32 moduleId => mapping(address governor => uint256 at)) internal _lastPauseBy;
    mapping(bytes32 moduleId => mapping(address governor => bool ever)) internal _hasPaused;
    /// @dev For each member: when the governors last reinstated it.
    mapping(bytes32 memberId => uint256 at) internal _reinstatedAt;

    constructor(ConsortiumRegistry registry_, address[] memory governorPool_, address[] memory accountPool_) {
        registry = registry_;
        _governorPool = governorPool_;
        _accountPool = accountPool_;
        for (uint256 i = 0; i < ID_POOL; ++i) _idPool.push(keccak256(abi.encode("medchain.fuzz.member", i)));
    }

    // ---------------------------------------------------------------- actions

    /// @notice The certifier certifies an applicant from the pools.
    function certify(uint256 idSeed, uint256 accountSeed, uint8 kinds, uint64 certifiedFor) external {
        bytes32 memberId = _idPool[idSeed % ID_POOL];
        address account = _accountPool[accountSeed % ACCOUNT_POOL];
        // Mostly valid kinds and expiries, sometimes not: the refusal paths are steps too.
        if (kinds % 8 != 0) kinds = kinds & 0x7f;
        uint64 until =
            certifiedFor % 17 == 0
                ? uint64(block.timestamp)
                : uint64(block.timestamp) + 1 days + (certifiedFor % MAX_CERTIFICATION);
        vm.prank(registry.certifier());
        try registry.certify(memberId, bytes32(idSeed), kinds, account, until) {} catch {}
    }

    /// @notice A governor candidate (maybe no longer, or not yet, a governor) votes.
    function vote(uint256 proposalSeed, uint256 governorSeed) external {
        uint256 count = registry.proposalCount();
        if (count == 0) return;
        uint256 proposalId = _pickProposal(proposalSeed, count);
        vm.prank(_pickVoter(proposalId, governorSeed));
        try registry.vote(proposalId) {
            ++ghostVotes;
        } catch {}
    }

    /// @notice Anyone executes a proposal; on success the handler records what admitted whom.
    function execute(uint256 proposalSeed) external {
        uint256 count = registry.proposalCount();
        if (count == 0) return;
        uint256 proposalId = _pickProposal(proposalSeed, count);
        uint256 votes = currentGovernorVotes(proposalId);
        uint256 thresholdBefore = registry.threshold();
        IConsortiumRegistry.Proposal memory p = registry.getProposal(proposalId);
        try registry.execute(proposalId) {
            ++ghostExecutions;
            if (p.action == IConsortiumRegistry.ProposalAction.Pause) ghostPauseConfirmed[p.target] = true;
            if (p.action == IConsortiumRegistry.ProposalAction.Unpause) {
                ghostPauseConfirmed[p.target] = false;
                ghostPausedAt[p.target] = 0;
            }
            if (p.action == IConsortiumRegistry.ProposalAction.Reinstate) _reinstatedAt[p.target] = block.timestamp;
            if (p.action == IConsortiumRegistry.ProposalAction.Admit) {
                ++ghostAdmissions;
                ghostAdmitted[p.target] = true;
                ghostVotesAtAdmission[p.target] = votes;
                ghostThresholdAtAdmission[p.target] = thresholdBefore;
            }
        } catch {}
    }

    /// @notice A governor candidate proposes a change (any action but Admit and Call) with pooled arguments.
    function propose(uint8 actionSeed, uint256 targetSeed, uint256 accountSeed, uint8 kinds, uint64 value) external {
        // SetKinds .. Unpause (1..9), Pause (11), SetCertification (12)
        uint8 pick = uint8(actionSeed % 11);
        IConsortiumRegistry.ProposalAction action = IConsortiumRegistry.ProposalAction(pick < 9 ? 1 + pick : pick + 2);
        bool onModule =
            action == IConsortiumRegistry.ProposalAction.Unpause || action == IConsortiumRegistry.ProposalAction.Pause;
        bytes32 target = onModule ? bytes32(targetSeed % 2) : _idPool[targetSeed % ID_POOL];
        address account = _governorPool[accountSeed % GOVERNOR_POOL];
        uint64 amount =
            action == IConsortiumRegistry.ProposalAction.SetCertification
                ? uint64(block.timestamp) + (value % MAX_CERTIFICATION)
                : uint64(value % (GOVERNOR_POOL + 1));
        vm.prank(_governorPool[(accountSeed >> 8) % GOVERNOR_POOL]);
        try registry.propose(action, target, account, kinds & 0x7f, amount) {} catch {}
    }

    /// @notice The certifier renews a pooled member's certification alone, to any expiry near now.
    function renewCertification(uint256 idSeed, uint64 until) external {
        bytes32 memberId = _idPool[idSeed % ID_POOL];
        uint64 old = registry.getMember(memberId).certifiedUntil;
        uint256 before = block.timestamp;
        // around now: sometimes in the past, shorter, longer, or past the three-year bound
        uint64 requested = uint64(block.timestamp) - 1 days + (until % (4 * 365 days));
        vm.prank(registry.certifier());
        try registry.renewCertification(memberId, requested) {
            if (old <= before || requested <= old || requested > before + registry.MAX_RENEWAL()) ++ghostRogueSteps;
        } catch {}
    }

    /// @notice A pooled account adds another pooled account to its member.
    function addAccount(uint256 callerSeed, uint256 accountSeed) external {
        vm.prank(_accountPool[callerSeed % ACCOUNT_POOL]);
        try registry.addAccount(_accountPool[accountSeed % ACCOUNT_POOL]) {} catch {}
    }

    /// @notice A pooled account removes a pooled account; the handler remembers every removal.
    function removeAccount(uint256 callerSeed, uint256 accountSeed) external {
        address account = _accountPool[accountSeed % ACCOUNT_POOL];
        vm.prank(_accountPool[callerSeed % ACCOUNT_POOL]);
        try registry.removeAccount(account) {
            ghostRemoved.push(account);
        } catch {}
    }

    /// @notice The certifier suspends a pooled member at once.
    function emergencySuspend(uint256 idSeed) external {
        bytes32 memberId = _idPool[idSeed % ID_POOL];
        uint256 reinstatedAt = _reinstatedAt[memberId];
        vm.prank(registry.certifier());
        try registry.emergencySuspend(memberId) {
            if (reinstatedAt != 0 && block.timestamp < reinstatedAt + registry.votingPeriod()) ++ghostRogueSteps;
        } catch {}
    }

    /// @notice A governor candidate pauses one of two modules.
    function pauseModule(uint256 moduleSeed, uint256 governorSeed) external {
        bytes32 moduleId = bytes32(moduleSeed % 2);
        address governor = _governorPool[governorSeed % GOVERNOR_POOL];
        vm.prank(governor);
        try registry.pauseModule(moduleId) {
            // its previous pause lasted one voting period; the next may start a voting period later
            uint256 period = registry.votingPeriod();
            if (_hasPaused[moduleId][governor] && block.timestamp < _lastPauseBy[moduleId][governor] + 2 * period) {
                ++ghostRogueSteps;
            }
            _hasPaused[moduleId][governor] = true;
            _lastPauseBy[moduleId][governor] = block.timestamp;
            ghostPausedAt[moduleId] = block.timestamp;
        } catch {}
    }

    /// @notice Time passes (up to a few days, so proposals and certifications expire now and then).
    function warp(uint64 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % MAX_WARP));
    }

    // ---------------------------------------------------------------- views for the invariants

    /// @notice The number of accounts the handler removed.
    function ghostRemovedCount() external view returns (uint256) {
        return ghostRemoved.length;
    }

    /// @notice The governor candidates.
    function governorPool() external view returns (address[] memory) {
        return _governorPool;
    }

    /// @notice The member ids the handler uses.
    function idPool() external view returns (bytes32[] memory) {
        return _idPool;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Mostly the newest proposal not yet executed (so certify-vote-vote-execute chains happen
    /// often enough within the run depth), else any proposal, executed or expired ones included.
    function _pickProposal(uint256 seed, uint256 count) internal view returns (uint256) {
        if (seed % 4 == 0) return 1 + ((seed >> 2) % count);
        for (uint256 id = count; id > 0 && id + 8 > count; --id) {
            if (!registry.getProposal(id).executed) return id;
        }
        return count;
    }

    /// @dev Mostly a current governor that has not voted on `proposalId` yet, else any candidate
    /// (so double votes and votes of non-governors are tried too).
    function _pickVoter(uint256 proposalId, uint256 seed) internal view returns (address) {
        uint256 start = seed % GOVERNOR_POOL;
        if (seed % 4 != 0) {
            for (uint256 i = 0; i < GOVERNOR_POOL; ++i) {
                address g = _governorPool[(start + i) % GOVERNOR_POOL];
                if (registry.isGovernor(g) && !registry.hasVoted(proposalId, g)) return g;
            }
        }
        return _governorPool[start];
    }

    /// @notice Votes of current governors for `proposalId`, counted from the pool rather than
    /// trusting `votesOf` (only pool addresses can ever govern or vote).
    function currentGovernorVotes(uint256 proposalId) public view returns (uint256 votes) {
        for (uint256 i = 0; i < GOVERNOR_POOL; ++i) {
            address g = _governorPool[i];
            if (registry.hasVoted(proposalId, g) && registry.isGovernor(g)) ++votes;
        }
    }
}
