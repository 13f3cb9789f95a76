// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {ISettlementVault} from "../interfaces/ISettlementVault.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";

/**
 * @title SettlementVault
 * @notice The claims module's money, in one ERC-20 token set at deployment: insurers pre-fund escrow,
 * the claims engine that deployed the vault reserves and credits it as claims are decided, providers
 * pull their credits, and a revoked member's money leaves only by consortium vote. Its own contract
 * so that no claims logic sits next to the tokens, and the engine stays small.
 * Invariant: token balance == sum of free escrow + sum of reserved escrow + sum of provider credits
 * (tokens with transfer fees or rebasing are not supported). What an insurer owes providers (prompt
 * pay escalated while its free escrow was short) is a claim on its free escrow, not tokens: the
 * insurer cannot withdraw or have recovered the part of its free escrow that it owes, and owed
 * providers collect it as soon as the escrow is funded. Part of reserved escrow backs claims in
 * review (`backingOf`); claims decided at once may draw on it, so claims in review never delay others.
 */
contract SettlementVault is ConsortiumGuarded, ReentrancyGuard, ISettlementVault {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    /// @inheritdoc ISettlementVault
    IERC20 public immutable token;
    /// @inheritdoc ISettlementVault
    address public immutable engine;

    mapping(bytes32 insurer => Escrow escrow) private _escrows;
    mapping(bytes32 providerId => uint256 credit) private _credits;
    mapping(bytes32 insurer => mapping(bytes32 providerId => uint256 amount)) private _owed;
    mapping(bytes32 insurer => uint256 amount) private _debts; // sum of _owed[insurer][*]
    mapping(bytes32 insurer => uint256 amount) private _backing; // the part of reserved backing claims in review
    mapping(bytes32 providerId => EnumerableSet.Bytes32Set insurers) private _debtors; // insurers owing it

    /// @dev Only the engine moves escrow between members.
    modifier onlyEngine() {
        if (msg.sender != engine) revert ClaimsNotEngine(msg.sender);
        _;
    }

    /**
     * @param registry the consortium registry
     * @param settlementToken the ERC-20 claims are paid in
     * @dev Deployed by the claims engine's constructor: the deployer is the engine.
     */
    constructor(
        IConsortiumRegistry registry,
        IERC20 settlementToken
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_CLAIMS) {
        if (address(settlementToken) == address(0)) revert ClaimsZeroAddress();
        token = settlementToken;
        engine = msg.sender;
    }

    // ---------------------------------------------------------------- members

    /// @inheritdoc ISettlementVault
    function fund(uint256 amount) external nonReentrant {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        if (amount == 0) revert ClaimsZeroAmount();
        _escrows[insurer].free += amount.toUint128();
        emit EscrowFunded(insurer, msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ISettlementVault
    function withdrawEscrow(uint256 amount) external nonReentrant {
        bytes32 insurer = _requireMemberWhenNotPaused(msg.sender, MemberKinds.INSURER);
        if (amount == 0) revert ClaimsZeroAmount();
        Escrow storage escrow = _escrows[insurer];
        uint256 available = _unowed(insurer, escrow.free);
        if (available < amount) revert ClaimsInsufficientEscrow(insurer, available, amount);
        escrow.free -= uint128(amount);
        emit EscrowWithdrawn(insurer, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ISettlementVault
    function withdraw() external nonReentrant returns (uint256 amount) {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        amount = _credits[provider];
        if (amount == 0) revert ClaimsNothingToWithdraw(provider);
        _credits[provider] = 0;
        emit CreditWithdrawn(provider, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ISettlementVault
    function collectOwed(bytes32 insurer) external nonReentrant returns (uint256 amount) {
        bytes32 provider = _requireMemberWhenNotPaused(msg.sender, MemberKinds.HOSPITAL | MemberKinds.LABORATORY);
        Escrow storage escrow = _escrows[insurer];
        uint256 owed = _owed[insurer][provider];
        amount = owed < escrow.free ? owed : escrow.free;
        if (amount == 0) return 0;
        _collect(insurer, provider, owed, amount);
        _credits[provider] += amount;
    }

    // ---------------------------------------------------------------- consortium vote

    /// @inheritdoc ISettlementVault
    function recoverFunds(
        bytes32 memberId,
        address to
    ) external onlyConsortiumVote nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ClaimsZeroAddress();
        if (consortium.getMember(memberId).status != IConsortiumRegistry.MemberStatus.Revoked) {
            revert ClaimsMemberNotRevoked(memberId);
        }
        // What insurers owe a revoked provider is collected into its recovery (nobody else can collect it),
        // first, so the escrow read below is current. A revoked insurer's free escrow leaves only above
        // what it owes providers (they still collect it).
        uint256 collected = _collectAllOwed(memberId);
        uint256 free = _escrows[memberId].free;
        uint256 escrowOut = _unowed(memberId, free);
        amount = escrowOut + _credits[memberId] + collected;
        if (amount == 0) revert ClaimsNothingToRecover(memberId);
        _escrows[memberId].free = uint128(free - escrowOut);
        _credits[memberId] = 0;
        emit FundsRecovered(memberId, to, amount, _currentProposal());
        token.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- claims engine

    /// @inheritdoc ISettlementVault
    function tryReserve(bytes32 insurer, uint256 amount) external onlyEngine returns (bool) {
        Escrow storage escrow = _escrows[insurer];
        uint128 free = escrow.free;
        if (free >= amount) {
            escrow.free = free - uint128(amount);
            escrow.reserved += uint128(amount);
            return true;
        }
        // Free escrow first, then the backing of claims in review: a claim decided at once never waits
        // on claims that are not decided yet (their escalation owes what their backing no longer covers).
        // The free part moves to reserved; the backing part is reserved already and changes purpose.
        uint256 backing = _backing[insurer];
        if (free + backing < amount) return false;
        escrow.free = 0;
        escrow.reserved += free;
        _backing[insurer] = backing - (amount - free);
        return true;
    }

    /// @inheritdoc ISettlementVault
    function tryBack(bytes32 insurer, uint256 amount) external onlyEngine returns (bool) {
        Escrow storage escrow = _escrows[insurer];
        uint128 free = escrow.free;
        if (free < amount) return false;
        escrow.free = free - uint128(amount);
        escrow.reserved += uint128(amount);
        _backing[insurer] += amount;
        return true;
    }

    /// @inheritdoc ISettlementVault
    function releaseBacking(bytes32 insurer, uint256 amount) external onlyEngine {
        uint256 backing = _backing[insurer];
        uint256 released = amount < backing ? amount : backing;
        _backing[insurer] = backing - released;
        Escrow storage escrow = _escrows[insurer];
        escrow.reserved -= uint128(released);
        escrow.free += uint128(released);
    }

    /// @inheritdoc ISettlementVault
    function release(bytes32 insurer, uint256 amount) external onlyEngine {
        Escrow storage escrow = _escrows[insurer];
        escrow.reserved -= amount.toUint128();
        escrow.free += uint128(amount);
    }

    /// @inheritdoc ISettlementVault
    function payFromFree(bytes32 insurer, bytes32 provider, uint256 amount) external onlyEngine {
        Escrow storage escrow = _escrows[insurer];
        if (escrow.free < amount) revert ClaimsInsufficientEscrow(insurer, escrow.free, amount);
        escrow.free -= uint128(amount);
        _credits[provider] += amount;
    }

    /// @inheritdoc ISettlementVault
    function payOrOwe(bytes32 insurer, bytes32 provider, uint256 amount) external onlyEngine returns (uint256 owed) {
        Escrow storage escrow = _escrows[insurer];
        uint256 paid = amount < escrow.free ? amount : escrow.free;
        escrow.free -= uint128(paid);
        _credits[provider] += paid;
        owed = amount - paid;
        if (owed != 0) {
            _owed[insurer][provider] += owed;
            _debts[insurer] += owed;
            _debtors[provider].add(insurer);
            emit PaymentOwed(insurer, provider, owed);
        }
    }

    /// @inheritdoc ISettlementVault
    function payFromReserved(bytes32 insurer, bytes32 provider, uint256 amount) external onlyEngine {
        _escrows[insurer].reserved -= amount.toUint128();
        _credits[provider] += amount;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISettlementVault
    function escrowOf(bytes32 insurer) external view returns (Escrow memory) {
        return _escrows[insurer];
    }

    /// @inheritdoc ISettlementVault
    function creditOf(bytes32 providerId) external view returns (uint256) {
        return _credits[providerId];
    }

    /// @inheritdoc ISettlementVault
    function owedOf(bytes32 insurer, bytes32 providerId) external view returns (uint256) {
        return _owed[insurer][providerId];
    }

    /// @inheritdoc ISettlementVault
    function debtOf(bytes32 insurer) external view returns (uint256) {
        return _debts[insurer];
    }

    /// @inheritdoc ISettlementVault
    function backingOf(bytes32 insurer) external view returns (uint256) {
        return _backing[insurer];
    }

    // ---------------------------------------------------------------- internals

    /// @dev Moves `amount` of what `insurer` owes `provider` (`owed`) out of the insurer's free escrow
    /// and the debt books; the caller credits it.
    function _collect(bytes32 insurer, bytes32 provider, uint256 owed, uint256 amount) private {
        _escrows[insurer].free -= uint128(amount);
        _owed[insurer][provider] = owed - amount;
        _debts[insurer] -= amount;
        if (owed == amount) _debtors[provider].remove(insurer);
        emit OwedCollected(insurer, provider, amount);
    }

    /// @dev Collects, for a revoked provider's recovery, what every insurer owes it as far as each one's
    /// free escrow covers it (the rest stays owed, for a later vote). The loop is bounded by the
    /// consortium's insurers that owe the provider, a handful: members are admitted by vote.
    function _collectAllOwed(bytes32 provider) private returns (uint256 total) {
        EnumerableSet.Bytes32Set storage debtors = _debtors[provider];
        // Backwards: collecting in full removes the insurer (swap-and-pop), which only moves later entries.
        for (uint256 i = debtors.length(); i > 0; --i) {
            bytes32 insurer = debtors.at(i - 1);
            uint256 owed = _owed[insurer][provider];
            uint256 free = _escrows[insurer].free;
            uint256 amount = owed < free ? owed : free;
            if (amount == 0) continue;
            _collect(insurer, provider, owed, amount);
            total += amount;
        }
    }

    /// @dev The part of `free` escrow the insurer does not owe providers.
    function _unowed(bytes32 insurer, uint256 free) private view returns (uint256) {
        uint256 debt = _debts[insurer];
        return free > debt ? free - debt : 0;
    }
}
