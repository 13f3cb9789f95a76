// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IMulticall
 * @notice Several calls to one module in one transaction (OpenZeppelin `Multicall`): a batch job's
 * events cost one signature and one transaction instead of one each.
 */
interface IMulticall {
    /**
     * @notice Runs each of `data` as a call to this contract by the same caller, in order, and returns
     * their results. A call that reverts reverts the whole batch with its own error: nothing of the
     * batch is kept, and every call is checked (caller, pause, input) exactly as when sent alone.
     * @param data The calls' calldata (selector and arguments).
     * @return results Each call's return data, in order.
     */
    function multicall(bytes[] calldata data) external returns (bytes[] memory results);
}
