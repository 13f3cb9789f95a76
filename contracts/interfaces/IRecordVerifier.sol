// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IRecordVerifier
 * @notice The one question other modules (claims) ask of the record registry: did `issuer` anchor
 * this record leaf (alone, or inside one of its batches), when, and is it still current?
 * Implemented by RecordRegistry.
 *
 * A record leaf is `MerkleLeaf.ofPair(subject, commitment)`: the issuer binds each record, at
 * anchoring, to a subject (the patient's pseudonymous account at the issuer, as a left-padded
 * address, for consented reads; the claim's patient reference for a billing documentation leaf).
 * Storage is keyed by (issuer, leaf) and (issuer, batch root), so no member can anchor, amend or
 * retract another member's record, and a record has one status however it was anchored.
 */
interface IRecordVerifier {
    /// @notice A record's standing. `Unknown` means never anchored by that issuer (or a wrong proof).
    enum RecordStatus {
        Unknown,
        Active,
        Superseded,
        Retracted
    }

    /**
     * @notice When `issuer` anchored `leaf`, and its status.
     * @param issuer the member id of the anchoring member
     * @param leaf the record leaf, `MerkleLeaf.ofPair(subject, commitment)`
     * @param batchRoot the root of the issuer's batch that holds it, or zero for a record anchored alone
     * @param proof the Merkle proof of `leaf` under `batchRoot` (empty for a record anchored alone)
     * @return anchoredAt when it was anchored (unix seconds; zero if unknown)
     * @return status its status (the same whichever way it is looked up)
     */
    function recordStatus(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) external view returns (uint64 anchoredAt, RecordStatus status);
}
