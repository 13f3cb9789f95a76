// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";

/**
 * @title MockRecordVerifier
 * @notice TEST ONLY: a record registry stand-in whose answers are set by hand, so the claims module
 * can be tested (and demoed) without the records module. Batch ids and proofs are ignored.
 */
contract MockRecordVerifier is IRecordVerifier {
    /// @dev A set answer.
    struct Answer {
        bytes32 memberId; // anchoring member
        uint64 anchoredAt; // anchoring time
        RecordStatus status; // status
    }

    mapping(bytes32 commitment => Answer answer) private _answers;

    /**
     * @notice Sets the answer for a commitment.
     * @param commitment the record commitment
     * @param memberId the anchoring member
     * @param status the status to report
     */
    function setRecord(bytes32 commitment, bytes32 memberId, RecordStatus status) external {
        _answers[commitment] = Answer({memberId: memberId, anchoredAt: uint64(block.timestamp), status: status});
    }

    /// @inheritdoc IRecordVerifier
    function recordStatus(
        bytes32 commitment,
        uint256,
        bytes32[] calldata
    ) external view returns (bytes32 memberId, uint64 anchoredAt, RecordStatus status) {
        Answer memory a = _answers[commitment];
        return (a.memberId, a.anchoredAt, a.status);
    }
}
