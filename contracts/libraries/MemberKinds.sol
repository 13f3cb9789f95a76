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

    uint8 internal constant HOSPITAL = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Hospital);
    uint8 internal constant LABORATORY = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Laboratory);
    uint8 internal constant MANUFACTURER = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Manufacturer);
    uint8 internal constant DISTRIBUTOR = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Distributor);
    uint8 internal constant PHARMACY = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Pharmacy);
    uint8 internal constant INSURER = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Insurer);
    uint8 internal constant REGULATOR = uint8(1) << uint8(IConsortiumRegistry.MemberKind.Regulator);

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
