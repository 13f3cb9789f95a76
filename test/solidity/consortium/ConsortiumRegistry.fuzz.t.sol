// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";
import {TestBase} from "../utils/TestBase.sol";

/**
 * @title ConsortiumRegistryFuzzTest
 * @notice Property tests over single inputs: kinds masks, certification expiry, k-of-n voting and
 * account retirement hold for any value the fuzzer picks.
 */
contract ConsortiumRegistryFuzzTest is TestBase {
    uint64 internal constant VOTING_PERIOD = 7 days;
    uint256 internal constant GOVERNORS = 5;
    uint256 internal constant THRESHOLD = 3;
    address internal constant CERTIFIER = address(0xCE27);
    address internal constant HOSPITAL = address(0xA001);
    bytes32 internal constant HOSPITAL_ID = keccak256("medchain.fuzz.hospital");

    ConsortiumRegistry internal registry;
    address[] internal governors;

    function setUp() public {
        for (uint256 i = 0; i < GOVERNORS; ++i) governors.push(address(uint160(0x6000 + i)));
        registry = new ConsortiumRegistry(CERTIFIER, governors, THRESHOLD, VOTING_PERIOD);
        VM.warp(1_700_000_000);
    }

    /// Certification refuses any kinds mask that is empty or has a bit beyond Regulator.
    function testFuzz_certifyRejectsInvalidKindsMask(uint8 kinds) public {
        VM.assume(kinds == 0 || kinds & ~MemberKinds.ALL != 0);
        VM.expectRevert(abi.encodeWithSelector(IConsortiumRegistry.ConsortiumInvalidKinds.selector, kinds));
        VM.prank(CERTIFIER);
        registry.certify(HOSPITAL_ID, bytes32(0), kinds, HOSPITAL, uint64(block.timestamp + 365 days));
    }

    /// Certification accepts every non-empty mask of known kinds and keeps it for the vote.
    function testFuzz_certifyAcceptsEveryValidKindsMask(uint8 seed) public {
        uint8 kinds = uint8(1 + (seed % MemberKinds.ALL));
        VM.prank(CERTIFIER);
        uint256 id = registry.certify(HOSPITAL_ID, bytes32(0), kinds, HOSPITAL, uint64(block.timestamp + 365 days));
        assertEq(registry.getProposal(id).kinds, kinds, "kinds changed on the way");
    }

    /// A SetKinds proposal refuses the same invalid masks.
    function testFuzz_setKindsRejectsInvalidKindsMask(uint8 kinds) public {
        VM.assume(kinds == 0 || kinds & ~MemberKinds.ALL != 0);
        _admit(HOSPITAL_ID, HOSPITAL, uint64(block.timestamp + 365 days));
        VM.expectRevert(abi.encodeWithSelector(IConsortiumRegistry.ConsortiumInvalidKinds.selector, kinds));
        VM.prank(governors[0]);
        registry.propose(IConsortiumRegistry.ProposalAction.SetKinds, HOSPITAL_ID, address(0), kinds, 0);
    }

    /// For any expiry, the member is active at `certifiedUntil - 1` and inactive at `certifiedUntil`.
    function testFuzz_expiryBoundaryIsExactForAnyExpiry(uint64 certifiedFor) public {
        uint64 until = uint64(block.timestamp) + uint64(_bound(certifiedFor, 1, 200 * 365 days));
        _admit(HOSPITAL_ID, HOSPITAL, until);
        VM.warp(until - 1);
        _assertActiveEverywhere(true);
        VM.warp(until);
        _assertActiveEverywhere(false);
    }

    /// For any moment, the member is active exactly when the moment is before its expiry, in every
    /// view and for key rotation, without any transaction in between.
    function testFuzz_activeExactlyBeforeExpiryAtAnyTimestamp(uint64 certifiedFor, uint64 at) public {
        uint64 start = uint64(block.timestamp);
        uint64 until = start + uint64(_bound(certifiedFor, 1, 10 * 365 days));
        _admit(HOSPITAL_ID, HOSPITAL, until);
        uint64 moment = uint64(_bound(at, block.timestamp, uint256(until) * 2 - start));
        VM.warp(moment);
        bool expected = moment < until;
        _assertActiveEverywhere(expected);
        if (!expected) {
            VM.expectRevert(
                abi.encodeWithSelector(
                    IConsortiumRegistry.ConsortiumMemberNotActive.selector,
                    HOSPITAL_ID,
                    IConsortiumRegistry.MemberStatus.Active,
                    until
                )
            );
        }
        VM.prank(HOSPITAL);
        registry.addAccount(address(0xA002));
    }

    /// Any subset of five governors executes a 3-of-5 proposal exactly when it has three or more voters.
    function testFuzz_executionNeedsThresholdVotesForAnyVoterSet(uint8 voterMask) public {
        VM.prank(CERTIFIER);
        uint256 id = registry.certify(HOSPITAL_ID, bytes32(0), 1, HOSPITAL, uint64(block.timestamp + 365 days));
        uint256 votes;
        for (uint256 i = 0; i < GOVERNORS; ++i) {
            if (voterMask & (1 << i) != 0) {
                VM.prank(governors[i]);
                registry.vote(id);
                ++votes;
            }
        }
        if (votes < THRESHOLD) {
            VM.expectRevert(
                abi.encodeWithSelector(IConsortiumRegistry.ConsortiumNotEnoughVotes.selector, id, votes, THRESHOLD)
            );
        }
        registry.execute(id);
        assertEq(registry.memberIds().length, votes < THRESHOLD ? 0 : 1, "admitted against the vote count");
    }

    /// Any removed account is retired for good: no member and no certification can bind it again.
    function testFuzz_removedAccountIsRetiredForever(address account) public {
        VM.assume(account != address(0) && account != HOSPITAL && account != address(0xB001));
        _admit(HOSPITAL_ID, HOSPITAL, uint64(block.timestamp + 365 days));
        bytes32 labId = keccak256("medchain.fuzz.lab");
        _admit(labId, address(0xB001), uint64(block.timestamp + 365 days));
        VM.prank(HOSPITAL);
        registry.addAccount(account);
        VM.prank(HOSPITAL);
        registry.removeAccount(account);
        assertEq(registry.memberOf(account), bytes32(0), "removed account still bound");

        bytes memory retired = abi.encodeWithSelector(IConsortiumRegistry.ConsortiumAccountRetired.selector, account);
        VM.expectRevert(retired);
        VM.prank(HOSPITAL);
        registry.addAccount(account);
        VM.expectRevert(retired);
        VM.prank(address(0xB001));
        registry.addAccount(account);
        VM.expectRevert(retired);
        VM.prank(CERTIFIER);
        registry.certify(keccak256("x"), bytes32(0), 1, account, uint64(block.timestamp + 1 days));
        (, bool active) = registry.activeMemberOf(account, MemberKinds.ALL);
        assertTrue(!active && registry.isRetired(account), "removed account regained rights");
    }

    // ---------------------------------------------------------------- helpers

    function _admit(bytes32 memberId, address account, uint64 until) internal {
        VM.prank(CERTIFIER);
        uint256 id = registry.certify(memberId, bytes32(0), MemberKinds.HOSPITAL, account, until);
        for (uint256 i = 0; i < THRESHOLD; ++i) {
            VM.prank(governors[i]);
            registry.vote(id);
        }
        registry.execute(id);
    }

    function _assertActiveEverywhere(bool expected) internal view {
        (bytes32 memberId, bool activeOf) = registry.activeMemberOf(HOSPITAL, MemberKinds.HOSPITAL);
        (, bool activeAuth, ) = registry.authorize(HOSPITAL, MemberKinds.HOSPITAL, MemberKinds.MODULE_RECORDS);
        assertEq(memberId, HOSPITAL_ID, "account lost its member");
        assertTrue(activeOf == expected, "activeMemberOf disagrees");
        assertTrue(activeAuth == expected, "authorize disagrees");
        assertTrue(
            registry.isActiveMemberId(HOSPITAL_ID, MemberKinds.HOSPITAL) == expected,
            "isActiveMemberId disagrees"
        );
    }

    /// @dev `value` mapped into [min, max] (forge-std's `bound` is unavailable).
    function _bound(uint256 value, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (value % (max - min + 1));
    }
}
