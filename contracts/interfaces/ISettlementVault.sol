// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IClaims} from "./IClaims.sol";

/**
 * @title ISettlementVault
 * @notice The claims module's money, in one ERC-20 token: insurers' escrow (free and reserved for
 * approved claims) and providers' credits. Members move their own money (fund, withdraw); the
 * claims engine that deployed the vault moves escrow to credits as claims are decided; a revoked
 * member's money moves only by consortium vote. Invariant: the vault's token balance equals the sum
 * of free escrow, reserved escrow and provider credits.
 */
interface ISettlementVault is IClaims {
    // ---------------------------------------------------------------- members

    /**
     * @notice Adds `amount` tokens (pulled from the caller, who must have approved the vault) to the
     * caller insurer's free escrow. Caller: an active Insurer.
     * @param amount token units
     */
    function fund(uint256 amount) external;

    /**
     * @notice Returns `amount` of the caller insurer's free (unreserved) escrow to the caller, never
     * what it owes providers (`debtOf`): at most free escrow minus debt. Caller: an active Insurer.
     * @param amount token units
     */
    function withdrawEscrow(uint256 amount) external;

    /**
     * @notice Pays the caller provider's whole credit to the caller (pull payment).
     * Caller: an active Hospital or Laboratory (any of the member's accounts).
     * @return amount the tokens paid
     */
    function withdraw() external returns (uint256 amount);

    /**
     * @notice Collects what `insurer` owes the caller provider (prompt pay escalated while its free
     * escrow was short) into the caller's credit, as far as the insurer's free escrow now covers it.
     * Caller: an active Hospital or Laboratory.
     * @param insurer the insurer member id
     * @return amount the tokens moved into the caller's credit (0: nothing owed or no free escrow)
     */
    function collectOwed(bytes32 insurer) external returns (uint256 amount);

    // ---------------------------------------------------------------- consortium vote

    /**
     * @notice Sends a revoked member's free escrow (an insurer) or credit (a provider) to `to`: the
     * only way out for money of a member that can no longer act. For a provider it also collects what
     * insurers owe it (`owedOf`), as far as each one's free escrow covers it (`OwedCollected` each; the
     * rest stays owed, for a later vote), so no debt binds an insurer's escrow for good. Reserved escrow stays with the
     * approved claims it backs (their providers may void them, which frees it). Caller: the
     * consortium registry, executing a `proposeCall` vote.
     * @param memberId the revoked member
     * @param to the recipient the vote named (for example a run-off administrator)
     * @return amount the tokens sent
     */
    function recoverFunds(bytes32 memberId, address to) external returns (uint256 amount);

    // ---------------------------------------------------------------- claims engine

    /**
     * @notice Reserves `amount` for a claim decided at once if the insurer's free escrow and the backing
     * of its claims in review (`backingOf`) together cover it, free escrow first: claims in review never
     * push another claim to review. Caller: the engine.
     * @param insurer the insurer member id
     * @param amount token units
     * @return reserved whether the escrow covered it
     */
    function tryReserve(bytes32 insurer, uint256 amount) external returns (bool reserved);

    /**
     * @notice Reserves `amount` of the insurer's free escrow as the backing of a claim in review, if
     * free escrow covers it. Claims decided at once may draw on backing (`tryReserve`). Caller: the engine.
     * @param insurer the insurer member id
     * @param amount token units
     * @return backed whether the escrow covered it
     */
    function tryBack(bytes32 insurer, uint256 amount) external returns (bool backed);

    /**
     * @notice Returns a decided, denied or withdrawn claim's backing to the insurer's free escrow: `amount`,
     * or what is left of the backing if claims decided at once drew on it. Caller: the engine.
     * @param insurer the insurer member id
     * @param amount token units (the claim's provisional plan share)
     */
    function releaseBacking(bytes32 insurer, uint256 amount) external;

    /**
     * @notice Returns reserved `amount` to the insurer's free escrow. Caller: the engine.
     * @param insurer the insurer member id
     * @param amount token units
     */
    function release(bytes32 insurer, uint256 amount) external;

    /**
     * @notice Credits `amount` to the provider from the insurer's free escrow, or reverts with
     * `ClaimsInsufficientEscrow`. Caller: the engine.
     * @param insurer the insurer member id
     * @param provider the provider member id
     * @param amount token units
     */
    function payFromFree(bytes32 insurer, bytes32 provider, uint256 amount) external;

    /**
     * @notice Credits `amount` to the provider from the insurer's reserved escrow. Caller: the engine.
     * @param insurer the insurer member id
     * @param provider the provider member id
     * @param amount token units
     */
    function payFromReserved(bytes32 insurer, bytes32 provider, uint256 amount) external;

    /**
     * @notice Credits `amount` to the provider from the insurer's free escrow as far as it covers it,
     * and records the rest as owed to the provider (collected with `collectOwed`): the payment of a
     * decision that prompt pay forced, which an insurer's empty escrow cannot refuse. Caller: the engine.
     * @param insurer the insurer member id
     * @param provider the provider member id
     * @param amount token units
     * @return owed the part recorded as owed (0: paid in full)
     */
    function payOrOwe(bytes32 insurer, bytes32 provider, uint256 amount) external returns (uint256 owed);

    // ---------------------------------------------------------------- views

    /// @notice The settlement token.
    function token() external view returns (IERC20);

    /// @notice The claims engine allowed to move escrow (the vault's deployer).
    function engine() external view returns (address);

    /**
     * @notice An insurer's escrow.
     * @param insurer the insurer member id
     * @return escrow the free and reserved amounts
     */
    function escrowOf(bytes32 insurer) external view returns (Escrow memory escrow);

    /**
     * @notice A provider's withdrawable credit.
     * @param providerId the provider member id
     * @return credit the credit in token units
     */
    function creditOf(bytes32 providerId) external view returns (uint256 credit);

    /**
     * @notice What an insurer owes a provider (escalated payments its free escrow did not cover).
     * @param insurer the insurer member id
     * @param providerId the provider member id
     * @return amount token units
     */
    function owedOf(bytes32 insurer, bytes32 providerId) external view returns (uint256 amount);

    /**
     * @notice What an insurer owes all providers together (its free escrow above it is withdrawable).
     * @param insurer the insurer member id
     * @return amount token units
     */
    function debtOf(bytes32 insurer) external view returns (uint256 amount);

    /**
     * @notice The part of an insurer's reserved escrow that backs claims in review (claims decided at
     * once may draw on it; what a claim in review's escalation then lacks is owed).
     * @param insurer the insurer member id
     * @return amount token units
     */
    function backingOf(bytes32 insurer) external view returns (uint256 amount);
}
