// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MemberIndex} from "../../../contracts/libraries/MemberIndex.sol";
import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";

/// @notice A contract numbering members with the library (its `Index` is at storage slot 0).
contract MemberIndexHarness {
    using MemberIndex for MemberIndex.Index;

    MemberIndex.Index private _index;

    function numberFor(bytes32 memberId) external returns (uint32) {
        return _index.numberFor(memberId);
    }

    function numberOf(bytes32 memberId) external view returns (uint32) {
        return _index.numberOf(memberId);
    }

    function idOf(uint32 number) external view returns (bytes32) {
        return _index.idOf(number);
    }
}

/// @notice Numbers are assigned once, from 1, never reused; ids and numbers map both ways.
contract MemberIndexTest is TestBase {
    function testFuzz_numbersAreStableAndMapBothWays(bytes32 a, bytes32 b) public {
        vm.assume(a != b);
        MemberIndexHarness h = new MemberIndexHarness();
        assertEq(h.numberOf(a), 0, "not numbered before first use");
        assertEq(h.numberFor(a), 1, "first member is number 1");
        assertEq(h.numberFor(b), 2, "second member is number 2");
        assertEq(h.numberFor(a), 1, "a number never changes");
        assertEq(h.idOf(1), a, "number 1 is a");
        assertEq(h.idOf(2), b, "number 2 is b");
        assertEq(h.idOf(0), bytes32(0), "number 0 is nobody");
        assertEq(h.idOf(3), bytes32(0), "an unassigned number is nobody");
    }

    function test_refusesANumberPastUint32() public {
        MemberIndexHarness h = new MemberIndexHarness();
        // The ids array's length lives at slot 1 (slot 0 holds the numbers mapping).
        vm.store(address(h), bytes32(uint256(1)), bytes32(uint256(type(uint32).max)));
        vm.expectRevert(MemberIndex.MemberIndexFull.selector);
        h.numberFor(keccak256("one too many"));
    }
}
