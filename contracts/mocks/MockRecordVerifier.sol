// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";

/**
 * @title MockRecordVerifier
 * @notice TEST ONLY: a record registry stand-in whose answers are set by hand, so the claims module
 * can be tested (and demoed) without the records module. Entries are keyed by (issuer, leaf) for a
 * leaf anchored alone and (issuer, root) for a batch; a batched leaf is found with a Merkle proof.
 */
contract MockRecordVerifier is IRecordVerifier {
    /// @dev A set answer.
    struct Answer {
        uint64 anchoredAt; // anchoring time
        RecordStatus status; // status
    }

    mapping(bytes32 issuer => mapping(bytes32 leafOrRoot => Answer answer)) private _answers;

    /**
     * @notice Sets the answer for a leaf anchored alone, or for every leaf of a batch (by its root).
     * @param issuer the anchoring member
     * @param leafOrRoot the record leaf, or the batch root
     * @param status the status to report
     */
    function setRecord(bytes32 issuer, bytes32 leafOrRoot, RecordStatus status) external {
        _answers[issuer][leafOrRoot] = Answer({anchoredAt: uint64(block.timestamp), status: status});
    }

    /// @inheritdoc IRecordVerifier
    function recordStatus(
        bytes32 issuer,
        bytes32 leaf,
        bytes32 batchRoot,
        bytes32[] calldata proof
    ) external view returns (uint64 anchoredAt, RecordStatus status) {
        if (batchRoot == bytes32(0)) {
            if (proof.length != 0) return (0, RecordStatus.Unknown);
            Answer memory alone = _answers[issuer][leaf];
            return (alone.anchoredAt, alone.status);
        }
        if (!MerkleProof.verifyCalldata(proof, batchRoot, leaf)) return (0, RecordStatus.Unknown);
        Answer memory a = _answers[issuer][batchRoot];
        return (a.anchoredAt, a.status);
    }
}
