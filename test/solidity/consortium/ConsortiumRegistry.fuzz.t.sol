// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";
import {AccountProofs} from "../utils/AccountProofs.sol";
import {TestBase} from "../utils/TestBase.sol";

/**
 * @title ConsortiumRegistryFuzzTest
 * @notice Property tests over single inputs: kinds masks, certification expiry, k-of-n voting,
 * account retirement, proofs of key (only the key holder binds its account) and the voted renewal cap
 * hold for any value the fuzzer picks.
 */
contract ConsortiumRegistryFuzzTest is TestBase {
    uint64 internal constant VOTING_PERIOD = 7 days;
    uint256 internal constant GOVERNORS = 5;
    uint256 internal constant THRESHOLD = 3;
    address internal constant CERTIFIER = address(0xCE27);
    uint256 internal constant HOSPITAL_KEY = 0xA001;
    uint256 internal constant LAB_KEY = 0xB001;
    bytes32 internal constant HOSPITAL_ID = keccak256("medchain.fuzz.hospital");
    bytes32 internal constant LAB_ID = keccak256("medchain.fuzz.lab");
    /// @dev secp256k1's group order: private keys are 1 .. N - 1.
    uint256 internal constant SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;

    address internal immutable HOSPITAL = VM.addr(HOSPITAL_KEY);
    address internal immutable LAB = VM.addr(LAB_KEY);

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
        registry.certify(HOSPITAL_ID, bytes32(0), kinds, HOSPITAL, uint64(block.timestamp + 365 days), _noProof());
    }

    /// Certification accepts every non-empty mask of known kinds and keeps it for the vote.
    function testFuzz_certifyAcceptsEveryValidKindsMask(uint8 seed) public {
        uint8 kinds = uint8(1 + (seed % MemberKinds.ALL));
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, HOSPITAL_KEY, HOSPITAL_ID);
        VM.prank(CERTIFIER);
        uint256 id = registry.certify(
            HOSPITAL_ID,
            bytes32(0),
            kinds,
            HOSPITAL,
            uint64(block.timestamp + 365 days),
            proof
        );
        assertEq(registry.getProposal(id).kinds, kinds, "kinds changed on the way");
    }

    /// A SetKinds proposal refuses the same invalid masks.
    function testFuzz_setKindsRejectsInvalidKindsMask(uint8 kinds) public {
        VM.assume(kinds == 0 || kinds & ~MemberKinds.ALL != 0);
        _admit(HOSPITAL_ID, HOSPITAL_KEY, uint64(block.timestamp + 365 days));
        VM.expectRevert(abi.encodeWithSelector(IConsortiumRegistry.ConsortiumInvalidKinds.selector, kinds));
        VM.prank(governors[0]);
        registry.propose(IConsortiumRegistry.ProposalAction.SetKinds, HOSPITAL_ID, address(0), kinds, 0);
    }

    /// For any expiry, the member is active at `certifiedUntil - 1` and inactive at `certifiedUntil`.
    function testFuzz_expiryBoundaryIsExactForAnyExpiry(uint64 certifiedFor) public {
        uint64 until = uint64(block.timestamp) + uint64(_bound(certifiedFor, 1, 200 * 365 days));
        _admit(HOSPITAL_ID, HOSPITAL_KEY, until);
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
        _admit(HOSPITAL_ID, HOSPITAL_KEY, until);
        uint64 moment = uint64(_bound(at, block.timestamp, uint256(until) * 2 - start));
        VM.warp(moment);
        bool expected = moment < until;
        _assertActiveEverywhere(expected);
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, 0xA002, HOSPITAL_ID);
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
        address newKey = VM.addr(0xA002);
        VM.prank(HOSPITAL);
        registry.addAccount(newKey, proof);
    }

    /// Any subset of five governors executes a 3-of-5 proposal exactly when it has three or more voters.
    function testFuzz_executionNeedsThresholdVotesForAnyVoterSet(uint8 voterMask) public {
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, HOSPITAL_KEY, HOSPITAL_ID);
        VM.prank(CERTIFIER);
        uint256 id = registry.certify(HOSPITAL_ID, bytes32(0), 1, HOSPITAL, uint64(block.timestamp + 365 days), proof);
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

    /// Any removed account is retired for good: no member and no certification can bind it again,
    /// even with a fresh proof of its key.
    function testFuzz_removedAccountIsRetiredForever(uint256 keySeed) public {
        uint256 key = _key(keySeed);
        address account = VM.addr(key);
        VM.assume(account != HOSPITAL && account != LAB);
        _admit(HOSPITAL_ID, HOSPITAL_KEY, uint64(block.timestamp + 365 days));
        _admit(LAB_ID, LAB_KEY, uint64(block.timestamp + 365 days));
        _addAccount(HOSPITAL, key, HOSPITAL_ID);
        VM.prank(HOSPITAL);
        registry.removeAccount(account);
        assertEq(registry.memberOf(account), bytes32(0), "removed account still bound");

        bytes memory retired = abi.encodeWithSelector(IConsortiumRegistry.ConsortiumAccountRetired.selector, account);
        IConsortiumRegistry.AccountProof memory forHospital = AccountProofs.sign(registry, key, HOSPITAL_ID);
        VM.expectRevert(retired);
        VM.prank(HOSPITAL);
        registry.addAccount(account, forHospital);
        IConsortiumRegistry.AccountProof memory forLab = AccountProofs.sign(registry, key, LAB_ID);
        VM.expectRevert(retired);
        VM.prank(LAB);
        registry.addAccount(account, forLab);
        IConsortiumRegistry.AccountProof memory forNew = AccountProofs.sign(registry, key, keccak256("x"));
        VM.expectRevert(retired);
        VM.prank(CERTIFIER);
        registry.certify(keccak256("x"), bytes32(0), 1, account, uint64(block.timestamp + 1 days), forNew);
        (, bool active) = registry.activeMemberOf(account, MemberKinds.ALL);
        assertTrue(!active && registry.isRetired(account), "removed account regained rights");
    }

    /// Only the key holder binds its account: a proof signed by any other key is refused, by
    /// `addAccount` and by `certify`, and leaves the account free for its holder.
    function testFuzz_onlyTheKeyHolderBindsItsAccount(uint256 accountSeed, uint256 forgerSeed) public {
        uint256 key = _key(accountSeed);
        uint256 forger = _key(forgerSeed);
        VM.assume(key != forger && key != HOSPITAL_KEY && key != LAB_KEY);
        address account = VM.addr(key);
        _admit(HOSPITAL_ID, HOSPITAL_KEY, uint64(block.timestamp + 365 days));

        bytes memory refused = abi.encodeWithSelector(
            IConsortiumRegistry.ConsortiumInvalidAccountProof.selector,
            account,
            HOSPITAL_ID
        );
        IConsortiumRegistry.AccountProof memory forged = AccountProofs.signFor(registry, forger, account, HOSPITAL_ID);
        VM.expectRevert(refused);
        VM.prank(HOSPITAL);
        registry.addAccount(account, forged);

        forged = AccountProofs.signFor(registry, forger, account, LAB_ID);
        VM.expectRevert(
            abi.encodeWithSelector(IConsortiumRegistry.ConsortiumInvalidAccountProof.selector, account, LAB_ID)
        );
        VM.prank(CERTIFIER);
        registry.certify(LAB_ID, bytes32(0), 1, account, uint64(block.timestamp + 365 days), forged);

        assertEq(registry.memberOf(account), bytes32(0), "a forged proof bound the account");
        assertTrue(!registry.isRetired(account), "a forged proof retired the account");
        assertEq(registry.nonces(account), 0, "a forged proof used the account's nonce");
        _addAccount(HOSPITAL, key, HOSPITAL_ID);
        assertEq(registry.memberOf(account), HOSPITAL_ID, "the key holder could not bind its account");
    }

    /// A proof binds the account only to the member it names: a rival that copies it (front-running
    /// the rotation) is refused, and the named member binds it afterwards.
    function testFuzz_aProofBindsOnlyTheMemberItNames(uint256 accountSeed) public {
        uint256 key = _key(accountSeed);
        VM.assume(key != HOSPITAL_KEY && key != LAB_KEY);
        address account = VM.addr(key);
        _admit(HOSPITAL_ID, HOSPITAL_KEY, uint64(block.timestamp + 365 days));
        _admit(LAB_ID, LAB_KEY, uint64(block.timestamp + 365 days));
        IConsortiumRegistry.AccountProof memory forLab = AccountProofs.sign(registry, key, LAB_ID);

        VM.expectRevert(
            abi.encodeWithSelector(IConsortiumRegistry.ConsortiumInvalidAccountProof.selector, account, HOSPITAL_ID)
        );
        VM.prank(HOSPITAL);
        registry.addAccount(account, forLab);
        VM.prank(LAB);
        registry.addAccount(account, forLab);
        assertEq(registry.memberOf(account), LAB_ID, "the named member did not get its key");
    }

    /// A proof is refused after its deadline and counts once (its nonce is used up).
    function testFuzz_aProofExpiresAndCountsOnce(uint256 accountSeed, uint64 late) public {
        uint256 key = _key(accountSeed);
        VM.assume(key != HOSPITAL_KEY && key != LAB_KEY);
        address account = VM.addr(key);
        _admit(HOSPITAL_ID, HOSPITAL_KEY, uint64(block.timestamp + 365 days));
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, key, HOSPITAL_ID);
        uint256 at = proof.deadline + _bound(late, 1, 30 days);
        VM.warp(at);
        VM.expectRevert(
            abi.encodeWithSelector(
                IConsortiumRegistry.ConsortiumAccountProofExpired.selector,
                account,
                proof.deadline,
                at
            )
        );
        VM.prank(HOSPITAL);
        registry.addAccount(account, proof);

        // A certification uses the proof up; the same proof cannot certify the applicant again.
        proof = AccountProofs.sign(registry, key, LAB_ID);
        VM.prank(CERTIFIER);
        registry.certify(LAB_ID, bytes32(0), 1, account, uint64(block.timestamp + 365 days), proof);
        VM.expectRevert(
            abi.encodeWithSelector(IConsortiumRegistry.ConsortiumInvalidAccountNonce.selector, account, 0, 1)
        );
        VM.prank(CERTIFIER);
        registry.certify(LAB_ID, bytes32(0), 1, account, uint64(block.timestamp + 365 days), proof);
    }

    /// The certifier alone never extends a certification past the expiry a SetCertification vote
    /// set, whatever the vote and the renewal ask and whenever it asks.
    function testFuzz_certifierAloneNeverRenewsPastAVotedExpiry(
        uint64 votedIn,
        uint64 requestedIn,
        uint64 after_
    ) public {
        uint64 start = uint64(block.timestamp);
        _admit(HOSPITAL_ID, HOSPITAL_KEY, start + 365 days);
        uint64 voted = start + uint64(_bound(votedIn, 1, 10 * 365 days));
        _vote(IConsortiumRegistry.ProposalAction.SetCertification, HOSPITAL_ID, voted);
        assertEq(registry.getMember(HOSPITAL_ID).certifiedUntil, voted, "the vote did not set the expiry");
        VM.warp(block.timestamp + _bound(after_, 0, voted - block.timestamp));
        uint64 requested = uint64(block.timestamp) + uint64(_bound(requestedIn, 0, 4 * 365 days));
        uint64 latest = uint64(block.timestamp) + registry.MAX_RENEWAL();
        if (voted < latest) latest = voted;
        // The voted expiry is the current one: every request either does not extend or passes the cap.
        VM.expectRevert(
            abi.encodeWithSelector(
                IConsortiumRegistry.ConsortiumRenewalNeedsVote.selector,
                HOSPITAL_ID,
                voted,
                requested,
                latest
            )
        );
        VM.prank(CERTIFIER);
        registry.renewCertification(HOSPITAL_ID, requested);
        assertEq(registry.getMember(HOSPITAL_ID).certifiedUntil, voted, "the certifier moved a voted expiry");
    }

    // ---------------------------------------------------------------- helpers

    function _admit(bytes32 memberId, uint256 key, uint64 until) internal {
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, key, memberId);
        VM.prank(CERTIFIER);
        uint256 id = registry.certify(memberId, bytes32(0), MemberKinds.HOSPITAL, VM.addr(key), until, proof);
        _voteAndExecute(id);
    }

    function _vote(IConsortiumRegistry.ProposalAction action, bytes32 target, uint64 value) internal {
        VM.prank(governors[0]);
        uint256 id = registry.propose(action, target, address(0), 0, value);
        _voteAndExecute(id);
    }

    function _voteAndExecute(uint256 id) internal {
        for (uint256 i = 0; i < THRESHOLD; ++i) {
            VM.prank(governors[i]);
            registry.vote(id);
        }
        registry.execute(id);
    }

    /// @dev `member`'s account adds the account of `key`, with that key's proof for `memberId`.
    function _addAccount(address member, uint256 key, bytes32 memberId) internal {
        IConsortiumRegistry.AccountProof memory proof = AccountProofs.sign(registry, key, memberId);
        VM.prank(member);
        registry.addAccount(VM.addr(key), proof);
    }

    /// @dev A valid private key from any seed.
    function _key(uint256 seed) internal pure returns (uint256) {
        return 1 + (seed % (SECP256K1_N - 1));
    }

    function _noProof() internal pure returns (IConsortiumRegistry.AccountProof memory proof) {
        return proof;
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
