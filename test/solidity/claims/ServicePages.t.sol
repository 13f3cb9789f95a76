// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ServicePages} from "../../../contracts/libraries/ServicePages.sol";
import {TestBase} from "../utils/TestBase.sol";

/// @notice Fuzzes the packed duplicate-key pages: an entry reads back as written and never disturbs its neighbours.
contract ServicePagesTest is TestBase {
    function testFuzz_entriesReadBackWithoutTouchingNeighbours(
        uint256 page,
        uint256 index,
        uint256 claimId,
        bytes32 dayKey,
        bytes32 code
    ) public pure {
        index = index % ServicePages.PER_PAGE;
        claimId = claimId % (1 << 40);
        uint256 tag = ServicePages.tag(dayKey, code);
        uint256 written = ServicePages.withEntry(page, index, claimId, tag);
        (uint256 id, uint256 t) = ServicePages.entryAt(written, index);
        assertEq(id, claimId, "claim id reads back");
        assertEq(t, tag, "tag reads back");
        assertLe(tag, (1 << 45) - 1, "tags are 45 bits");
        for (uint256 other = 0; other < ServicePages.PER_PAGE; ++other) {
            if (other == index) continue;
            (uint256 a, uint256 b) = ServicePages.entryAt(page, other);
            (uint256 c, uint256 d) = ServicePages.entryAt(written, other);
            assertEq(a, c, "neighbour claim id untouched");
            assertEq(b, d, "neighbour tag untouched");
        }
    }

    function testFuzz_theSameCodeOnTheSameDayHasOneTag(bytes32 dayKey, bytes32 code, bytes32 otherDay) public pure {
        assertEq(ServicePages.tag(dayKey, code), ServicePages.tag(dayKey, code), "deterministic");
        if (otherDay != dayKey) {
            // Salted by the day: tags of one code on two days are independent (equal with probability 2^-45).
            assertTrue(
                ServicePages.tag(dayKey, code) != ServicePages.tag(otherDay, code) || dayKey == otherDay,
                "salted by the day"
            );
        }
    }
}
