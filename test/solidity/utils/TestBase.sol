// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm, vm} from "./Vm.sol";

/**
 * @title TestBase
 * @notice Assertions and invariant-target plumbing in the shape Hardhat's Solidity test runner
 * expects (the forge-std conventions): a failed assertion reverts with a message naming the values.
 */
abstract contract TestBase {
    Vm internal constant VM = vm;

    /// @dev One target contract and the selectors the invariant fuzzer may call on it.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetContracts;
    FuzzSelector[] private _targetSelectors;

    error AssertionFailed(string what, uint256 left, uint256 right);
    error AssertionFailedBytes32(string what, bytes32 left, bytes32 right);
    error AssertionFailedAddress(string what, address left, address right);
    error AssertionFailedBool(string what);

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailedBool(what);
    }

    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert AssertionFailed(what, left, right);
    }

    function assertEq(bytes32 left, bytes32 right, string memory what) internal pure {
        if (left != right) revert AssertionFailedBytes32(what, left, right);
    }

    function assertEq(address left, address right, string memory what) internal pure {
        if (left != right) revert AssertionFailedAddress(what, left, right);
    }

    function assertLe(uint256 left, uint256 right, string memory what) internal pure {
        if (left > right) revert AssertionFailed(what, left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory what) internal pure {
        if (left < right) revert AssertionFailed(what, left, right);
    }

    /// @dev Restricts the invariant fuzzer to `target` (handler contracts, not the system under test).
    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    /// @dev Restricts the invariant fuzzer to these selectors of `target`.
    function targetSelector(address target, bytes4[] memory selectors) internal {
        _targetSelectors.push(FuzzSelector({addr: target, selectors: selectors}));
    }

    /// @notice Read by the invariant runner.
    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    /// @notice Read by the invariant runner.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }
}
