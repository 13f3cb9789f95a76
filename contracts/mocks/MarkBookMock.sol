// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

/**
 * @title MarkBookMock
 * @notice Test double for the batch sender: each step marks one key, at most once (a repeat is
 * refused, as the provenance contracts refuse a repeated step), and the order of marks is kept, so
 * a test can check the chain against a job's input: every key marked, dependents after their
 * dependencies. Not deployed outside tests.
 */
contract MarkBookMock is Multicall {
    /// @dev `key` was marked, the `order`-th mark.
    event Marked(bytes32 indexed key, uint256 order);

    /// @dev `key` was marked before.
    error MarkBookMockMarkedTwice(bytes32 key);
    /// @dev The zero key is refused (a step the contract refuses whatever the state).
    error MarkBookMockZeroKey();

    /// @notice How many marks there are.
    uint256 public marks;
    /// @notice The order of a key's mark (1 for the first), zero if not marked.
    mapping(bytes32 key => uint256 order) public orderOf;

    /**
     * @notice Marks `key`.
     * @param key The key (not zero, not marked before).
     */
    function mark(bytes32 key) external {
        if (key == bytes32(0)) revert MarkBookMockZeroKey();
        if (orderOf[key] != 0) revert MarkBookMockMarkedTwice(key);
        uint256 order = ++marks;
        orderOf[key] = order;
        emit Marked(key, order);
    }
}
