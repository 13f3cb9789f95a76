// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title Vm
 * @notice The few cheatcodes MedChain's Solidity tests use, at the standard cheatcode address that
 * Hardhat's Solidity test runner (EDR) serves. Written here because forge-std cannot be installed
 * on the consortium's build machines (no GitHub access; the npm copy is broken).
 */
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert() external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function deal(address account, uint256 newBalance) external;
    function label(address account, string calldata newLabel) external;
    function store(address target, bytes32 slot, bytes32 value) external;
}

/// @dev keccak256("hevm cheat code") truncated to an address: where the runner serves cheatcodes.
Vm constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
