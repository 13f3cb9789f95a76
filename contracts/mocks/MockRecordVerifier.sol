// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";

/**
 * @title MockRecordVerifier
 * @notice TEST ONLY: a record registry stand-in whose answers are set by hand, per (issuer, leaf), so the
 * claims module can be tested (and demoed) without the records module. Batch roots and proofs are ignored.
 */
contract MockRecordVerifier is IRecordVerifier {
    /// @dev A set answer.
    struct Answer {
        uint64 anchoredAt; // anchoring time
        RecordStatus status; // status
    }

    mapping(bytes32 issuer => mapping(bytes32 leaf => Answer answer)) private _answers;

    /**
     * @notice Sets the answer for `issuer`'s record `leaf`.
     * @param issuer the anchoring member
     * @param leaf the record leaf, `MerkleLeaf.ofPair(subject, commitment)`
     * @param status the status to report
     */
    function setRecord(bytes32 issuer, bytes32 leaf, RecordStatus status) external {
        _answers[issuer][leaf] = Answer({anchoredAt: uint64(block.timestamp), status: status});
    }

    /// @inheritdoc IRecordVerifier
    function recordStatus(
        bytes32 issuer,
        bytes32 leaf,
        bytes32,
        bytes32[] calldata
    ) external view returns (uint64 anchoredAt, RecordStatus status) {
        Answer memory a = _answers[issuer][leaf];
        return (a.anchoredAt, a.status);
    }
}
