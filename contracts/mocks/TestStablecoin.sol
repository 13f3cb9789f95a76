// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title TestStablecoin
 * @notice TEST ONLY: a worthless 6-decimal token for the demo and tests, standing in for a
 * consortium stablecoin. Anyone can mint.
 */
contract TestStablecoin is ERC20 {
    constructor() ERC20("MedChain Test Stablecoin (no value)", "TESTUSD") {}

    /**
     * @notice Mints test tokens.
     * @param to recipient
     * @param amount token units
     */
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
