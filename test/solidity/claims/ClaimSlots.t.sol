// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IClaims} from "../../../contracts/interfaces/IClaims.sol";
import {ClaimState} from "../../../contracts/libraries/ClaimSlots.sol";
import {TestBase} from "../utils/TestBase.sol";

/// @notice The claim state's flags under every status move (`ClaimStateLib.moved`).
contract ClaimSlotsTest is TestBase {
    /// @dev A review mark, once set, survives every move: no sequence of status changes sheds it.
    function testFuzz_theReviewMarkSurvivesEveryMove(
        uint256 word,
        uint8 status,
        uint40 at,
        uint16 reason,
        bool held
    ) public pure {
        IClaims.ClaimStatus to = IClaims.ClaimStatus((status % 9) + 1);
        ClaimState marked = ClaimState.wrap(word).withReviewMark();
        ClaimState moved = marked.moved(to, at, reason, held);
        assertTrue(moved.reviewMarked(), "the review mark is kept");
        assertEq(uint8(moved.status()), uint8(to), "status moved");
        assertTrue(moved.keysHeld() == held, "keys held as told");
        assertEq(moved.statusAt(), at, "moved at");
        assertEq(moved.reason(), reason, "reason set");
        // Nothing else changes: plan, version, provider and plan share stay.
        assertEq(moved.planId(), marked.planId(), "plan kept");
        assertEq(moved.planVersion(), marked.planVersion(), "version kept");
        assertEq(moved.provider(), marked.provider(), "provider kept");
        assertEq(moved.planPays(), marked.planPays(), "plan share kept");
    }

    /// @dev A backing ends with any move (the engine releases it first), and an unmarked state stays unmarked.
    function testFuzz_aMoveEndsTheBackingAndNeverMarks(uint256 word, uint8 status, bool held) public pure {
        // Clear the review mark (flag bit 1 of the flags byte at bit 8) to start unmarked.
        ClaimState s = ClaimState.wrap(word & ~(uint256(2) << 8)).withBacking();
        assertTrue(s.backed(), "backed before");
        ClaimState moved = s.moved(IClaims.ClaimStatus((status % 9) + 1), 1, 0, held);
        assertTrue(!moved.backed(), "the backing ends");
        assertTrue(!moved.reviewMarked(), "a move never marks");
    }
}
