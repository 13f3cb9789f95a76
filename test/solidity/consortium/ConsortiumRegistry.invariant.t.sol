// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {TestBase} from "../utils/TestBase.sol";
import {RegistryHandler} from "./RegistryHandler.sol";

/**
 * @title ConsortiumRegistryInvariantTest
 * @notice Whatever sequence of certifications, proposals, votes, executions, key rotations, emergency
 * suspensions, pauses, renewals and time jumps the fuzzer tries: nobody is admitted with fewer than
 * k votes of current governors, a removed account never regains rights, 1 <= k <= n, accounts map
 * back to their member, and no single governor or certifier key does alone what takes a vote.
 */
contract ConsortiumRegistryInvariantTest is TestBase {
    uint64 internal constant VOTING_PERIOD = 3 days;

    ConsortiumRegistry internal registry;
    RegistryHandler internal handler;

    function setUp() public {
        address[] memory governorPool = new address[](5);
        for (uint256 i = 0; i < governorPool.length; ++i) governorPool[i] = address(uint160(0x6000 + i));
        address[] memory accountPool = new address[](10);
        for (uint256 i = 0; i < accountPool.length; ++i) accountPool[i] = address(uint160(0xA000 + i));

        // Three of the five candidates govern at first, 2-of-3; proposals may add the other two.
        address[] memory initialGovernors = new address[](3);
        for (uint256 i = 0; i < initialGovernors.length; ++i) initialGovernors[i] = governorPool[i];
        registry = new ConsortiumRegistry(address(0xCE27), initialGovernors, 2, VOTING_PERIOD);
        handler = new RegistryHandler(registry, governorPool, accountPool);

        // Two members admitted through the handler's own path, so every run starts with members to
        // rotate keys for, suspend and vote on (and invariant (a) has something to check from call 1).
        _admitThroughHandler(0, 0);
        _admitThroughHandler(1, 1);

        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = RegistryHandler.certify.selector;
        selectors[1] = RegistryHandler.vote.selector;
        selectors[2] = RegistryHandler.execute.selector;
        selectors[3] = RegistryHandler.propose.selector;
        selectors[4] = RegistryHandler.addAccount.selector;
        selectors[5] = RegistryHandler.removeAccount.selector;
        selectors[6] = RegistryHandler.emergencySuspend.selector;
        selectors[7] = RegistryHandler.pauseModule.selector;
        selectors[8] = RegistryHandler.warp.selector;
        selectors[9] = RegistryHandler.renewCertification.selector;
        targetContract(address(handler));
        targetSelector(address(handler), selectors);
    }

    /// (a) Every member was admitted by an execution the handler saw, with >= k current-governor votes.
    function invariant_noMemberAdmittedWithFewerThanKVotes() public view {
        bytes32[] memory ids = registry.memberIds();
        for (uint256 i = 0; i < ids.length; ++i) {
            assertTrue(handler.ghostAdmitted(ids[i]), "member admitted outside an observed execution");
            uint256 votes = handler.ghostVotesAtAdmission(ids[i]);
            assertGe(votes, handler.ghostThresholdAtAdmission(ids[i]), "admitted below the threshold");
            assertGe(votes, 1, "admitted without votes");
        }
        assertEq(ids.length, handler.ghostAdmissions(), "admissions and member ids disagree");
    }

    /// (b) A removed account stays unbound, retired and without rights, forever.
    function invariant_removedAccountNeverRegainsRights() public view {
        uint256 n = handler.ghostRemovedCount();
        for (uint256 i = 0; i < n; ++i) {
            address account = handler.ghostRemoved(i);
            assertEq(registry.memberOf(account), bytes32(0), "removed account bound again");
            assertTrue(registry.isRetired(account), "removed account not retired");
            (, bool active) = registry.activeMemberOf(account, 0x7f);
            assertTrue(!active, "removed account active again");
        }
    }

    /// (a') The registry counts exactly the votes of current governors on every proposal, so a
    /// governor removed after voting no longer counts.
    function invariant_votesCountOnlyCurrentGovernors() public view {
        uint256 count = registry.proposalCount();
        for (uint256 id = 1; id <= count; ++id) {
            assertEq(registry.votesOf(id), handler.currentGovernorVotes(id), "votesOf counts other voters");
        }
    }

    /// (c) 1 <= threshold <= number of governors.
    function invariant_thresholdWithinGovernorCount() public view {
        uint256 k = registry.threshold();
        assertGe(k, 1, "threshold zero");
        assertLe(k, registry.governors().length, "threshold above governor count");
    }

    /// (d) Every account of a member maps back to it, and every member keeps at least one account.
    function invariant_accountsMapBackToTheirMember() public view {
        bytes32[] memory ids = registry.memberIds();
        for (uint256 i = 0; i < ids.length; ++i) {
            address[] memory accounts = registry.accountsOf(ids[i]);
            assertGe(accounts.length, 1, "member without accounts");
            for (uint256 j = 0; j < accounts.length; ++j) {
                assertEq(registry.memberOf(accounts[j]), ids[i], "account maps to another member");
                assertTrue(!registry.isRetired(accounts[j]), "retired account still listed");
            }
        }
    }

    /// (e) No single key took a step alone that needs a vote: no governor paused a module again within a
    /// voting period of its last pause's end, the certifier never shortened, revived or over-extended a
    /// certification, nor suspended a member within a voting period of its reinstatement.
    function invariant_noSingleKeyHoldsTheConsortiumHostage() public view {
        assertEq(handler.ghostRogueSteps(), 0, "a single key did alone what takes a vote");
    }

    /// (f) A module is paused only by a Pause vote or by an emergency pause less than a voting period old.
    function invariant_unconfirmedPauseLastsAtMostOneVotingPeriod() public view {
        for (uint256 m = 0; m < 2; ++m) {
            bytes32 moduleId = bytes32(m);
            if (!registry.isPaused(moduleId) || handler.ghostPauseConfirmed(moduleId)) continue;
            uint256 pausedAt = handler.ghostPausedAt(moduleId);
            assertTrue(pausedAt != 0, "paused without an emergency pause or a vote");
            assertLe(block.timestamp, pausedAt + VOTING_PERIOD - 1, "an unconfirmed pause outlived its voting period");
        }
    }

    /// The handler's own path admits members (and refuses one vote), so invariant (a) is not vacuous.
    function test_handlerCanAdmit() public {
        uint256 before = handler.ghostAdmissions();
        handler.certify(2, 2, 1, 10 days);
        uint256 proposalId = registry.proposalCount();
        assertEq(proposalId, 3, "certify through the handler created no proposal");
        handler.vote(1, 0);
        handler.execute(1);
        assertEq(handler.ghostAdmissions(), before, "admitted with one vote");
        handler.vote(1, 1);
        handler.execute(1);
        assertEq(handler.ghostAdmissions(), before + 1, "the handler path did not admit");
        assertEq(registry.memberIds().length, 3, "registry misses a member");
        assertEq(handler.ghostVotesAtAdmission(registry.memberIds()[2]), 2, "votes at admission not recorded");
        invariant_noMemberAdmittedWithFewerThanKVotes();
    }

    /// The handler's rotation path removes accounts, so invariant (b) is not vacuous.
    function test_handlerCanRetireAnAccount() public {
        handler.addAccount(0, 5);
        handler.removeAccount(0, 5);
        assertEq(handler.ghostRemovedCount(), 1, "the handler path removed nothing");
        invariant_removedAccountNeverRegainsRights();
        invariant_accountsMapBackToTheirMember();
    }

    /// The handler's pause and renewal paths take effect (so invariants (e) and (f) are not vacuous),
    /// and the registry refuses the rogue repetitions they watch for.
    function test_handlerPausesAndRenews() public {
        handler.pauseModule(0, 0);
        assertTrue(registry.isPaused(bytes32(0)), "the handler's pause did not pause");
        VM.warp(block.timestamp + VOTING_PERIOD);
        assertTrue(!registry.isPaused(bytes32(0)), "the unconfirmed pause did not lapse");
        uint256 pausedAt = handler.ghostPausedAt(bytes32(0));
        handler.pauseModule(0, 0);
        assertEq(handler.ghostPausedAt(bytes32(0)), pausedAt, "the same governor paused again at once");
        invariant_unconfirmedPauseLastsAtMostOneVotingPeriod();
        uint64 before = registry.getMember(registry.memberIds()[0]).certifiedUntil;
        handler.renewCertification(0, uint64(40 days));
        assertTrue(registry.getMember(registry.memberIds()[0]).certifiedUntil > before, "renewal did not extend");
        invariant_noSingleKeyHoldsTheConsortiumHostage();
    }

    /// @dev Certify member `idSeed` with pooled account `accountSeed`, two governors vote, execute.
    function _admitThroughHandler(uint256 idSeed, uint256 accountSeed) internal {
        handler.certify(idSeed, accountSeed, 1, 30 days);
        handler.vote(1, 0);
        handler.vote(1, 1);
        handler.execute(1);
        assertEq(handler.ghostAdmissions(), idSeed + 1, "setUp admission failed");
    }
}
