// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title MemberIndex
 * @notice Numbers consortium members locally, from 1, so packed storage can name a member in 32 bits
 * instead of a 32-byte id. A number is assigned on a member's first use and never changes or is
 * reused. The one member-index implementation of MedChain (the claims engine numbers providers with
 * it; any module packing member ids can reuse it).
 */
library MemberIndex {
    /// @notice A numbering: member id <-> number.
    struct Index {
        mapping(bytes32 memberId => uint32 number) numbers; // 0: not numbered yet
        bytes32[] ids; // ids[number - 1] is the member numbered `number`
    }

    /// @dev The numbering is full (2^32 - 1 members).
    error MemberIndexFull();

    /// @notice The member's number, assigning the next one on first use.
    function numberFor(Index storage self, bytes32 memberId) internal returns (uint32 number) {
        number = self.numbers[memberId];
        if (number == 0) {
            uint256 next = self.ids.length + 1;
            if (next > type(uint32).max) revert MemberIndexFull();
            self.ids.push(memberId);
            number = uint32(next);
            self.numbers[memberId] = number;
        }
    }

    /// @notice The member's number (0: not numbered).
    function numberOf(Index storage self, bytes32 memberId) internal view returns (uint32) {
        return self.numbers[memberId];
    }

    /// @notice The member numbered `number` (zero id for 0 or a number not assigned yet).
    function idOf(Index storage self, uint32 number) internal view returns (bytes32) {
        if (number == 0 || number > self.ids.length) return bytes32(0);
        return self.ids[number - 1];
    }
}
