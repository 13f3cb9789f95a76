// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";

/**
 * @title MemberKinds
 * @notice Bit-mask helpers for member kinds, and the module ids that the registry's pause flags use.
 */
library MemberKinds {
    /// @dev Every defined kind bit: Hospital (bit 0) to Regulator (bit 6).
    uint8 internal constant ALL = 0x7f;

    // Literal bits (kind `k` is `1 << k`, see `IConsortiumRegistry.MemberKind`), so every use is a
    // compile-time constant; `bit(kind)` computes the same and a test checks they agree.
    uint8 internal constant HOSPITAL = 1 << 0;
    uint8 internal constant LABORATORY = 1 << 1;
    uint8 internal constant MANUFACTURER = 1 << 2;
    uint8 internal constant DISTRIBUTOR = 1 << 3;
    uint8 internal constant PHARMACY = 1 << 4;
    uint8 internal constant INSURER = 1 << 5;
    uint8 internal constant REGULATOR = 1 << 6;

    /// @dev Module ids for the registry's pause flags.
    bytes32 internal constant MODULE_RECORDS = keccak256("medchain.module.records");
    bytes32 internal constant MODULE_PROVENANCE = keccak256("medchain.module.provenance");
    bytes32 internal constant MODULE_CLAIMS = keccak256("medchain.module.claims");
    bytes32 internal constant MODULE_GENOMICS = keccak256("medchain.module.genomics");

    /// @notice The mask bit of one kind.
    function bit(IConsortiumRegistry.MemberKind kind) internal pure returns (uint8) {
        return uint8(1) << uint8(kind);
    }
}
