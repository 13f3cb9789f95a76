// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ILabSigned
 * @notice The errors of a laboratory's EIP-712 signature, shared by the genomics contracts that take
 * one (datasets, interpretations): the signer must be an account of the named lab, which must be an
 * active Laboratory member; EOAs and ERC-1271 contract wallets are accepted.
 */
interface ILabSigned {
    /// @dev The signer's account does not operate for `lab`.
    error GenomicsSignerNotOfLab(address signer, bytes32 lab);
    /// @dev `lab` is not an active Laboratory member.
    error GenomicsLabNotActive(bytes32 lab);
    /// @dev The signature is not `signer`'s over the typed data.
    error GenomicsInvalidSignature(address signer);
    /// @dev The signature's deadline has passed.
    error GenomicsSignatureExpired(uint256 deadline, uint256 nowTimestamp);
}
