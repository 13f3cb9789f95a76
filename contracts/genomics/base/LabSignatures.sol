// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ConsortiumGuarded} from "../../consortium/ConsortiumGuarded.sol";
import {ILabSigned} from "../../interfaces/ILabSigned.sol";
import {MemberKinds} from "../../libraries/MemberKinds.sol";

/**
 * @title LabSignatures
 * @notice One job: accept a laboratory's EIP-712 signature. The signer must be an account operating
 * for the named lab right now (a removed key signs for nobody), the lab must be an active Laboratory,
 * the deadline must not have passed, and each signer's nonce is used once (no replay; the EIP-712
 * domain binds the chain and the contract). ERC-1271 contract wallets registered as the lab's
 * accounts are accepted through OpenZeppelin's `SignatureChecker`.
 */
abstract contract LabSignatures is ILabSigned, ConsortiumGuarded, EIP712, Nonces {
    /**
     * @dev Reverts unless `signer` (an account of the active laboratory `lab`) signed `structHash`
     * before `deadline` with its next nonce `nonce`; consumes the nonce.
     */
    function _useLabSignature(
        bytes32 lab,
        address signer,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        if (block.timestamp > deadline) revert GenomicsSignatureExpired(deadline, block.timestamp);
        if (consortium.memberOf(signer) != lab) revert GenomicsSignerNotOfLab(signer, lab);
        if (!consortium.isActiveMemberId(lab, MemberKinds.LABORATORY)) revert GenomicsLabNotActive(lab);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert GenomicsInvalidSignature(signer);
        }
        _useCheckedNonce(signer, nonce);
    }
}
