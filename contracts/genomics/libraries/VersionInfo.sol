// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGenomicDatasets} from "../../interfaces/IGenomicDatasets.sol";

/**
 * @notice The scalar fields of a dataset version packed into one storage word, in the style of
 * Uniswap v4's `Slot0`: status (8 bits), assembly (8), version (32), samples (32), sites (32),
 * registeredAt (64), changedAt (64). One SSTORE per registration, one read per query check.
 */
type VersionInfo is uint256;

using VersionInfoLibrary for VersionInfo global;

/// @title VersionInfoLibrary
/// @notice Named-offset accessors of `VersionInfo`.
library VersionInfoLibrary {
    uint256 internal constant STATUS_OFFSET = 0;
    uint256 internal constant ASSEMBLY_OFFSET = 8;
    uint256 internal constant VERSION_OFFSET = 16;
    uint256 internal constant SAMPLES_OFFSET = 48;
    uint256 internal constant SITES_OFFSET = 80;
    uint256 internal constant REGISTERED_AT_OFFSET = 112;
    uint256 internal constant CHANGED_AT_OFFSET = 176;

    uint256 internal constant MASK_8 = 0xff;
    uint256 internal constant MASK_32 = 0xffffffff;
    uint256 internal constant MASK_64 = 0xffffffffffffffff;

    /// @notice Packs a freshly registered, active version.
    function pack(
        IGenomicDatasets.Assembly assembly__,
        uint32 version_,
        uint32 samples_,
        uint32 sites_,
        uint64 registeredAt_
    ) internal pure returns (VersionInfo) {
        return
            VersionInfo.wrap(
                (uint256(IGenomicDatasets.VersionStatus.Active) << STATUS_OFFSET) |
                    (uint256(assembly__) << ASSEMBLY_OFFSET) |
                    (uint256(version_) << VERSION_OFFSET) |
                    (uint256(samples_) << SAMPLES_OFFSET) |
                    (uint256(sites_) << SITES_OFFSET) |
                    (uint256(registeredAt_) << REGISTERED_AT_OFFSET)
            );
    }

    function status(VersionInfo info) internal pure returns (IGenomicDatasets.VersionStatus) {
        return IGenomicDatasets.VersionStatus((VersionInfo.unwrap(info) >> STATUS_OFFSET) & MASK_8);
    }

    function assembly_(VersionInfo info) internal pure returns (IGenomicDatasets.Assembly) {
        return IGenomicDatasets.Assembly((VersionInfo.unwrap(info) >> ASSEMBLY_OFFSET) & MASK_8);
    }

    function version(VersionInfo info) internal pure returns (uint32) {
        return uint32((VersionInfo.unwrap(info) >> VERSION_OFFSET) & MASK_32);
    }

    function samples(VersionInfo info) internal pure returns (uint32) {
        return uint32((VersionInfo.unwrap(info) >> SAMPLES_OFFSET) & MASK_32);
    }

    function sites(VersionInfo info) internal pure returns (uint32) {
        return uint32((VersionInfo.unwrap(info) >> SITES_OFFSET) & MASK_32);
    }

    function registeredAt(VersionInfo info) internal pure returns (uint64) {
        return uint64((VersionInfo.unwrap(info) >> REGISTERED_AT_OFFSET) & MASK_64);
    }

    function changedAt(VersionInfo info) internal pure returns (uint64) {
        return uint64((VersionInfo.unwrap(info) >> CHANGED_AT_OFFSET) & MASK_64);
    }

    /// @notice The same version ended (superseded or withdrawn) at `at`.
    function ended(
        VersionInfo info,
        IGenomicDatasets.VersionStatus newStatus,
        uint64 at
    ) internal pure returns (VersionInfo) {
        uint256 word = VersionInfo.unwrap(info);
        word &= ~((MASK_8 << STATUS_OFFSET) | (MASK_64 << CHANGED_AT_OFFSET));
        return VersionInfo.wrap(word | (uint256(newStatus) << STATUS_OFFSET) | (uint256(at) << CHANGED_AT_OFFSET));
    }
}
