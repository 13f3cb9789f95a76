// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "./Vm.sol";
import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";

/**
 * @title AccountProofs
 * @notice The key holder's agreement that the registry asks before it binds an account (`certify`,
 * `addAccount`), signed in a Solidity test with the account's private key.
 */
library AccountProofs {
    /// @notice The proof, signed by `key`, that its account agrees to operate for `memberId`.
    function sign(
        ConsortiumRegistry registry,
        uint256 key,
        bytes32 memberId
    ) internal view returns (IConsortiumRegistry.AccountProof memory) {
        return signFor(registry, key, vm.addr(key), memberId);
    }

    /// @notice A proof for binding `account` to `memberId`, signed by `key` (a forgery unless `key`
    /// is `account`'s), with `account`'s next nonce and a deadline a day ahead.
    function signFor(
        ConsortiumRegistry registry,
        uint256 key,
        address account,
        bytes32 memberId
    ) internal view returns (IConsortiumRegistry.AccountProof memory proof) {
        proof.nonce = registry.nonces(account);
        proof.deadline = block.timestamp + 1 days;
        bytes32 digest = registry.accountBindingDigest(memberId, account, proof.nonce, proof.deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        proof.signature = abi.encodePacked(r, s, v);
    }
}
