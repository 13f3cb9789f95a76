// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IClaims} from "../interfaces/IClaims.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title SettlementVault
 * @notice The claims engine's money: insurers pre-fund escrow in one ERC-20 token (set at
 * deployment); approving a claim reserves or credits its plan share; providers pull their credits.
 * Invariant: token balance == sum of free escrow + sum of reserved escrow + sum of provider credits
 * (tokens with transfer fees or rebasing are not supported).
 */
abstract contract SettlementVault is ConsortiumGuarded, ReentrancyGuard, IClaims {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice The settlement token.
    IERC20 public immutable token;

    mapping(bytes32 insurer => Escrow escrow) internal _escrows;
    mapping(bytes32 providerId => uint256 credit) internal _credits;

    constructor(IERC20 settlementToken) {
        if (address(settlementToken) == address(0)) revert ClaimsZeroAddress();
        token = settlementToken;
    }

    /**
     * @notice Adds `amount` tokens (pulled from the caller, who must have approved the vault) to the
     * caller insurer's free escrow. Caller: an active Insurer.
     * @param amount token units
     */
    function fund(uint256 amount) external nonReentrant {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        if (amount == 0) revert ClaimsZeroAmount();
        _escrows[insurer].free += amount.toUint128();
        emit EscrowFunded(insurer, msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Returns `amount` of the caller insurer's free (unreserved) escrow to the caller.
     * Caller: an active Insurer.
     * @param amount token units
     */
    function withdrawEscrow(uint256 amount) external nonReentrant {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        if (amount == 0) revert ClaimsZeroAmount();
        Escrow storage escrow = _escrows[insurer];
        if (escrow.free < amount) revert ClaimsInsufficientEscrow(insurer, escrow.free, amount);
        escrow.free -= uint128(amount);
        emit EscrowWithdrawn(insurer, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Pays the caller provider's whole credit to the caller (pull payment).
     * Caller: an active Hospital or Laboratory (any of the member's accounts).
     * @return amount the tokens paid
     */
    function withdraw() external nonReentrant returns (uint256 amount) {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        amount = _credits[provider];
        if (amount == 0) revert ClaimsNothingToWithdraw(provider);
        _credits[provider] = 0;
        emit CreditWithdrawn(provider, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice An insurer's escrow.
     * @param insurer the insurer member id
     * @return the free and reserved amounts
     */
    function escrowOf(bytes32 insurer) external view returns (Escrow memory) {
        return _escrows[insurer];
    }

    /**
     * @notice A provider's withdrawable credit.
     * @param providerId the provider member id
     * @return the credit in token units
     */
    function creditOf(bytes32 providerId) external view returns (uint256) {
        return _credits[providerId];
    }

    /// @dev Moves `amount` from the insurer's free escrow to the provider's credit, or reverts.
    function _payFromFree(bytes32 insurer, bytes32 provider, uint256 amount) internal {
        Escrow storage escrow = _escrows[insurer];
        if (escrow.free < amount) revert ClaimsInsufficientEscrow(insurer, escrow.free, amount);
        escrow.free -= uint128(amount);
        _credits[provider] += amount;
    }

    /// @dev Moves `amount` from free to reserved if the escrow covers it; returns whether it did.
    function _tryReserve(bytes32 insurer, uint256 amount) internal returns (bool) {
        Escrow storage escrow = _escrows[insurer];
        uint128 free = escrow.free;
        if (free < amount) return false;
        escrow.free = free - uint128(amount);
        escrow.reserved += uint128(amount);
        return true;
    }

    /// @dev Returns reserved `amount` to free escrow.
    function _release(bytes32 insurer, uint256 amount) internal {
        Escrow storage escrow = _escrows[insurer];
        escrow.reserved -= uint128(amount);
        escrow.free += uint128(amount);
    }
}
