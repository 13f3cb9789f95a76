// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IRecordVerifier
 * @notice The one question other modules (claims) ask of the record registry: was this record
 * commitment anchored, by which member, when, and is it still current? Implemented by RecordRegistry.
 */
interface IRecordVerifier {
    /// @notice A record's standing. `Unknown` means never anchored (or a wrong batch proof).
    enum RecordStatus {
        Unknown,
        Active,
        Superseded,
        Retracted
    }

    /**
     * @notice Who anchored a record commitment, when, and its status.
     * @param commitment the record's salted commitment
     * @param batchId the batch that holds it, or 0 for a record anchored on its own
     * @param proof the Merkle proof of the commitment in that batch (empty for a single anchor)
     * @return memberId the anchoring member (zero if unknown)
     * @return anchoredAt when it was anchored (unix seconds; zero if unknown)
     * @return status its status
     */
    function recordStatus(
        bytes32 commitment,
        uint256 batchId,
        bytes32[] calldata proof
    ) external view returns (bytes32 memberId, uint64 anchoredAt, RecordStatus status);
}
