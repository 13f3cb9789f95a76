// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IConsortiumRegistry
 * @notice The consortium's root of trust: which institutions are members, of what kinds, through
 * which accounts, whether they are active, and which modules are paused. Every MedChain module asks
 * this registry before any write and keeps no member list of its own.
 *
 * A member is an institution, not an account. Its name and registration documents stay off chain;
 * the chain holds only a commitment to them.
 */
interface IConsortiumRegistry {
    /// @notice The kinds of institution. A member may have several; they are stored as a bit mask
    /// where kind `k` is bit `1 << uint8(k)`.
    enum MemberKind {
        Hospital,
        Laboratory,
        Manufacturer,
        Distributor,
        Pharmacy,
        Insurer,
        Regulator
    }

    /// @notice Lifecycle of a member. `None` means no such member.
    enum MemberStatus {
        None,
        Active,
        Suspended,
        Revoked
    }

    /// @notice What a governance proposal does when executed.
    enum ProposalAction {
        Admit, // admit a certified applicant (created only by the certifier through `certify`)
        SetKinds, // replace a member's kinds
        Suspend, // suspend a member
        Reinstate, // reinstate a suspended member
        Revoke, // revoke a member for good
        AddGovernor, // add `account` to the governors
        RemoveGovernor, // remove `account` from the governors
        SetThreshold, // set the number of votes needed to `value`
        SetCertifier, // hand the certifier role to `account`
        Unpause, // lift the pause of module `target` (an emergency pause or one held by a Pause vote)
        Call, // call module `target` (an address in the low 20 bytes) with the proposal's calldata
        Pause, // pause module `target` until an Unpause vote (confirms a governor's emergency pause)
        SetCertification // set member `target`'s certification expiry to `value` (beyond the certifier's renewal)
    }

    /// @notice An institution in the consortium.
    struct Member {
        bytes32 metadata; // commitment to the name and registration documents (kept off chain)
        uint8 kinds; // bit mask of MemberKind
        MemberStatus status; // lifecycle status; an expired certification makes it inactive too
        uint64 certifiedUntil; // certification expiry (unix seconds); inactive from this instant on
        uint64 admittedAt; // when the admission was executed
    }

    /// @notice A governance proposal awaiting votes.
    struct Proposal {
        ProposalAction action; // what executing it does
        bytes32 target; // member id (member actions), module id (Pause, Unpause) or module address (Call)
        address account; // initial account (Admit), governor (Add/RemoveGovernor) or new certifier
        uint8 kinds; // kinds for Admit and SetKinds
        uint64 value; // certification expiry (Admit, SetCertification) or new threshold (SetThreshold)
        bytes32 metadata; // metadata commitment for Admit
        address proposer; // who created it
        uint64 expiresAt; // votes and execution are refused from this instant on
        bool executed; // set once; an executed proposal can never run again
    }

    // ---------------------------------------------------------------- errors

    /// @dev The caller is not the certifier.
    error ConsortiumNotCertifier(address account);
    /// @dev The caller is not a governor.
    error ConsortiumNotGovernor(address account);
    /// @dev The account does not belong to any member.
    error ConsortiumNotMember(address account);
    /// @dev The member is suspended, revoked or its certification has lapsed.
    error ConsortiumMemberNotActive(bytes32 memberId, MemberStatus status, uint64 certifiedUntil);
    /// @dev No member has this id.
    error ConsortiumUnknownMember(bytes32 memberId);
    /// @dev A member with this id already exists.
    error ConsortiumMemberExists(bytes32 memberId);
    /// @dev The member id is zero.
    error ConsortiumInvalidMemberId();
    /// @dev The kinds mask is empty or has bits beyond the known kinds.
    error ConsortiumInvalidKinds(uint8 kinds);
    /// @dev The certification expiry is not in the future.
    error ConsortiumInvalidExpiry(uint64 certifiedUntil, uint64 nowTimestamp);
    /// @dev The account is the zero address.
    error ConsortiumZeroAddress();
    /// @dev The account already operates for a member.
    error ConsortiumAccountTaken(address account, bytes32 memberId);
    /// @dev The account was removed from a member once and can never be used again.
    error ConsortiumAccountRetired(address account);
    /// @dev The account does not belong to the caller's member.
    error ConsortiumAccountNotOwned(address account, bytes32 memberId);
    /// @dev A member cannot remove its last operating account.
    error ConsortiumLastAccount(bytes32 memberId);
    /// @dev The member's status does not allow this action.
    error ConsortiumInvalidStatus(bytes32 memberId, MemberStatus status);
    /// @dev No proposal has this id.
    error ConsortiumUnknownProposal(uint256 proposalId);
    /// @dev The proposal's voting period is over.
    error ConsortiumProposalExpired(uint256 proposalId, uint64 expiresAt);
    /// @dev The proposal was executed already.
    error ConsortiumProposalAlreadyExecuted(uint256 proposalId);
    /// @dev The governor voted on this proposal already.
    error ConsortiumAlreadyVoted(uint256 proposalId, address governor);
    /// @dev The proposal has fewer valid votes than the threshold.
    error ConsortiumNotEnoughVotes(uint256 proposalId, uint256 votes, uint256 threshold);
    /// @dev The threshold must be between 1 and the number of governors.
    error ConsortiumInvalidThreshold(uint256 threshold, uint256 governors);
    /// @dev The account is already a governor.
    error ConsortiumAlreadyGovernor(address account);
    /// @dev Admission proposals are created through `certify` only.
    error ConsortiumAdmitThroughCertify();
    /// @dev The module is not paused.
    error ConsortiumModuleNotPaused(bytes32 moduleId);
    /// @dev The module is paused already.
    error ConsortiumModuleAlreadyPaused(bytes32 moduleId);
    /// @dev The voting period is zero.
    error ConsortiumInvalidVotingPeriod(uint64 votingPeriod);
    /// @dev A governed call must target a contract other than the registry, with a function selector.
    error ConsortiumInvalidCall(address module, uint256 dataLength);
    /// @dev Governed calls are proposed through `proposeCall` only.
    error ConsortiumCallThroughProposeCall();
    /// @dev This governor's last emergency pause of this module was less than a voting period ago (after
    /// it lapsed or was lifted): the other governors have that long to vote on it first.
    error ConsortiumPauseCoolingDown(bytes32 moduleId, address governor, uint64 allowedFrom);
    /// @dev The governors reinstated this member less than a voting period ago: the certifier may not
    /// suspend it again alone before `allowedFrom` (a Suspend vote may).
    error ConsortiumSuspensionCoolingDown(bytes32 memberId, uint64 allowedFrom);
    /// @dev The certifier alone only extends a certification that has not lapsed, to at most `latest`;
    /// shortening it, reviving a lapsed one or going further takes a SetCertification vote.
    error ConsortiumRenewalNeedsVote(bytes32 memberId, uint64 certifiedUntil, uint64 requested, uint64 latest);

    // ---------------------------------------------------------------- events

    /// @dev The certifier certified an applicant; admission waits for the governors' vote.
    event ApplicantCertified(
        uint256 indexed proposalId,
        bytes32 indexed memberId,
        uint8 kinds,
        address account,
        uint64 certifiedUntil,
        bytes32 metadata
    );
    /// @dev A governor proposed a change.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalAction indexed action,
        bytes32 indexed target,
        address account,
        uint8 kinds,
        uint64 value,
        address proposer,
        uint64 expiresAt
    );
    /// @dev A governor proposed a governed call: on execution the registry calls `module` with `data`.
    event CallProposed(uint256 indexed proposalId, address indexed module, bytes4 indexed selector, bytes data);
    /// @dev A governor voted for a proposal.
    event ProposalVoted(uint256 indexed proposalId, address indexed governor, uint256 votes);
    /// @dev A proposal reached its threshold and was executed.
    event ProposalExecuted(uint256 indexed proposalId, ProposalAction indexed action, address executor);
    /// @dev A member was admitted and is active.
    event MemberAdmitted(
        bytes32 indexed memberId,
        uint8 kinds,
        address account,
        uint64 certifiedUntil,
        bytes32 metadata
    );
    /// @dev A member's kinds were replaced.
    event MemberKindsChanged(bytes32 indexed memberId, uint8 oldKinds, uint8 newKinds);
    /// @dev A member was suspended; `emergency` is true when the certifier did it alone.
    event MemberSuspended(bytes32 indexed memberId, bool emergency, address by);
    /// @dev A suspended member was reinstated.
    event MemberReinstated(bytes32 indexed memberId);
    /// @dev A member was revoked for good.
    event MemberRevoked(bytes32 indexed memberId);
    /// @dev The certifier renewed a member's certification.
    event CertificationRenewed(bytes32 indexed memberId, uint64 oldExpiry, uint64 newExpiry);
    /// @dev The governors set a member's certification expiry by vote (SetCertification).
    event CertificationSet(bytes32 indexed memberId, uint64 oldExpiry, uint64 newExpiry);
    /// @dev A member added an operating account.
    event AccountAdded(bytes32 indexed memberId, address indexed account);
    /// @dev A member removed an operating account; it has no rights from this block on, forever.
    event AccountRemoved(bytes32 indexed memberId, address indexed account);
    /// @dev A governor was added.
    event GovernorAdded(address indexed account);
    /// @dev A governor was removed.
    event GovernorRemoved(address indexed account);
    /// @dev The vote threshold changed.
    event ThresholdChanged(uint256 oldThreshold, uint256 newThreshold);
    /// @dev The certifier role moved to another account.
    event CertifierChanged(address indexed oldCertifier, address indexed newCertifier);
    /// @dev A governor paused a module in an emergency; the pause lapses at `lapsesAt` unless confirmed.
    event ModulePaused(bytes32 indexed moduleId, address indexed by, uint64 lapsesAt);
    /// @dev The governors paused a module by vote (Pause): it stays paused until an Unpause vote.
    event ModulePauseConfirmed(bytes32 indexed moduleId);
    /// @dev The governors lifted a module's pause by vote.
    event ModuleUnpaused(bytes32 indexed moduleId);

    // ---------------------------------------------------------------- views for modules

    /**
     * @notice The member an account operates for, and whether that member is active and has any of
     * the kinds in `kindMask`. The single question every module asks before a write.
     * @return memberId the member (zero if the account belongs to none)
     * @return active true if the member is active, certified now, and has one of the kinds
     */
    function activeMemberOf(address account, uint8 kindMask) external view returns (bytes32 memberId, bool active);

    /**
     * @notice `activeMemberOf` and `isPaused` in one call: what a module asks before a write, at the
     * cost of a single cross-contract call.
     * @return memberId the member `account` operates for (zero if none)
     * @return active true if that member is active, certified now, and has one of the kinds in `kindMask`
     * @return paused true if module `moduleId` is paused now (see `isPaused`)
     */
    function authorize(
        address account,
        uint8 kindMask,
        bytes32 moduleId
    ) external view returns (bytes32 memberId, bool active, bool paused);

    /// @notice Whether member `memberId` is active, certified now, and has one of the kinds in `kindMask`.
    function isActiveMemberId(bytes32 memberId, uint8 kindMask) external view returns (bool);

    /// @notice The member an account operates for (zero if none).
    function memberOf(address account) external view returns (bytes32 memberId);

    /// @notice A member's record (status `None` if unknown).
    function getMember(bytes32 memberId) external view returns (Member memory);

    /// @notice Whether module `moduleId` is paused now (an emergency pause not yet lapsed, or a Pause vote).
    function isPaused(bytes32 moduleId) external view returns (bool);

    /**
     * @notice The proposal whose governed call is running right now, or zero outside one. A module
     * reads it inside a function restricted to consortium votes, to name the vote in its event.
     */
    function executingProposal() external view returns (uint256 proposalId);

    /**
     * @notice Until when module `moduleId` is paused: the instant a governor's emergency pause lapses,
     * or `type(uint64).max` while a Pause vote holds it (until an Unpause vote). Zero or a past
     * instant: not paused.
     */
    function pausedUntil(bytes32 moduleId) external view returns (uint64);

    // ---------------------------------------------------------------- governed calls

    /**
     * @notice Propose that the registry call `module` with `data` once `threshold` governors vote for
     * it: how the consortium sets rules that a module keeps (its functions restricted to
     * `ConsortiumGuarded.onlyConsortiumVote`). The call's revert reverts the execution, which can
     * then be retried until the proposal expires.
     * @param module the contract to call (not the registry itself)
     * @param data the calldata, starting with a function selector
     * @return proposalId the new proposal's id
     */
    function proposeCall(address module, bytes calldata data) external returns (uint256 proposalId);

    /// @notice The module and calldata of a governed-call proposal (zero and empty for other proposals).
    function callOf(uint256 proposalId) external view returns (address module, bytes memory data);
}
