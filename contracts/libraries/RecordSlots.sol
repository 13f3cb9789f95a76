// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";

/**
 * @dev One record's storage word: anchored alone (time, category, status) or only the status of a
 * record inside one of its issuer's batches. One slot per record, written once at anchoring.
 *
 *   bits  0-63   anchoredAt  (uint64; zero for the status of a batched record)
 *   bits 64-71   category    (uint8)
 *   bits 72-79   status      (IRecordVerifier.RecordStatus)
 *   bit  80      batched     (the entry is only the status of a record inside a batch)
 *   bits 88-151  changedAt   (uint64; when it was superseded or retracted)
 */
type RecordSlot is uint256;

/// @dev One batch's storage word: anchoredAt (bits 0-63), category (64-71), count (72-103).
type BatchSlot is uint256;

/// @dev A break-glass access's state word: accessedAt (bits 0-63), reasonCode (64-79), reviewedAt (80-143).
type ReviewSlot is uint256;

using RecordSlotLib for RecordSlot global;
using BatchSlotLib for BatchSlot global;
using ReviewSlotLib for ReviewSlot global;

/// @title RecordSlotLib
/// @notice Typed access to a `RecordSlot` (named offsets instead of shifts at the call sites).
library RecordSlotLib {
    uint256 internal constant ANCHORED_AT_OFFSET = 0;
    uint256 internal constant CATEGORY_OFFSET = 64;
    uint256 internal constant STATUS_OFFSET = 72;
    uint256 internal constant BATCHED_OFFSET = 80;
    uint256 internal constant CHANGED_AT_OFFSET = 88;
    /// @dev The bits a status change rewrites: status, batched and changedAt.
    uint256 private constant CHANGE_MASK =
        (uint256(0xff) << STATUS_OFFSET) |
            (uint256(1) << BATCHED_OFFSET) |
            (uint256(type(uint64).max) << CHANGED_AT_OFFSET);

    /**
     * @dev Governor-style allowed-state bitmap: the statuses from which a record may be superseded or
     * retracted (bit `s` set: status `s` allowed). Only Active; Superseded and Retracted are final.
     */
    uint256 internal constant ENDABLE_STATUSES = uint256(1) << uint8(IRecordVerifier.RecordStatus.Active);

    /// @notice A record anchored alone now: active.
    function anchoredAlone(uint64 at, uint8 category_) internal pure returns (RecordSlot) {
        return
            RecordSlot.wrap(
                (uint256(at) << ANCHORED_AT_OFFSET) |
                    (uint256(category_) << CATEGORY_OFFSET) |
                    (uint256(IRecordVerifier.RecordStatus.Active) << STATUS_OFFSET)
            );
    }

    /// @notice `s` with its status changed to `newStatus` at `at`; `inBatch` marks a batched record's status.
    function changed(
        RecordSlot s,
        IRecordVerifier.RecordStatus newStatus,
        uint64 at,
        bool inBatch
    ) internal pure returns (RecordSlot) {
        return
            RecordSlot.wrap(
                (RecordSlot.unwrap(s) & ~CHANGE_MASK) |
                    (uint256(newStatus) << STATUS_OFFSET) |
                    (inBatch ? uint256(1) << BATCHED_OFFSET : 0) |
                    (uint256(at) << CHANGED_AT_OFFSET)
            );
    }

    function isEmpty(RecordSlot s) internal pure returns (bool) {
        return RecordSlot.unwrap(s) == 0;
    }

    function anchoredAt(RecordSlot s) internal pure returns (uint64) {
        return uint64(RecordSlot.unwrap(s) >> ANCHORED_AT_OFFSET);
    }

    function category(RecordSlot s) internal pure returns (uint8) {
        return uint8(RecordSlot.unwrap(s) >> CATEGORY_OFFSET);
    }

    function status(RecordSlot s) internal pure returns (IRecordVerifier.RecordStatus) {
        return IRecordVerifier.RecordStatus(uint8(RecordSlot.unwrap(s) >> STATUS_OFFSET));
    }

    function batched(RecordSlot s) internal pure returns (bool) {
        return (RecordSlot.unwrap(s) >> BATCHED_OFFSET) & 1 == 1;
    }

    function changedAt(RecordSlot s) internal pure returns (uint64) {
        return uint64(RecordSlot.unwrap(s) >> CHANGED_AT_OFFSET);
    }

    /// @notice Whether a record in `status_` may be superseded or retracted.
    function isEndable(IRecordVerifier.RecordStatus status_) internal pure returns (bool) {
        return (ENDABLE_STATUSES >> uint8(status_)) & 1 == 1;
    }
}

/// @title BatchSlotLib
/// @notice Typed access to a `BatchSlot`.
library BatchSlotLib {
    uint256 internal constant ANCHORED_AT_OFFSET = 0;
    uint256 internal constant CATEGORY_OFFSET = 64;
    uint256 internal constant COUNT_OFFSET = 72;

    function pack(uint64 at, uint8 category_, uint32 count_) internal pure returns (BatchSlot) {
        return
            BatchSlot.wrap(
                (uint256(at) << ANCHORED_AT_OFFSET) |
                    (uint256(category_) << CATEGORY_OFFSET) |
                    (uint256(count_) << COUNT_OFFSET)
            );
    }

    function isEmpty(BatchSlot s) internal pure returns (bool) {
        return BatchSlot.unwrap(s) == 0;
    }

    function anchoredAt(BatchSlot s) internal pure returns (uint64) {
        return uint64(BatchSlot.unwrap(s) >> ANCHORED_AT_OFFSET);
    }

    function category(BatchSlot s) internal pure returns (uint8) {
        return uint8(BatchSlot.unwrap(s) >> CATEGORY_OFFSET);
    }

    function count(BatchSlot s) internal pure returns (uint32) {
        return uint32(BatchSlot.unwrap(s) >> COUNT_OFFSET);
    }
}

/// @title ReviewSlotLib
/// @notice Typed access to a `ReviewSlot`.
library ReviewSlotLib {
    uint256 internal constant ACCESSED_AT_OFFSET = 0;
    uint256 internal constant REASON_CODE_OFFSET = 64;
    uint256 internal constant REVIEWED_AT_OFFSET = 80;

    function opened(uint64 at, uint16 reasonCode_) internal pure returns (ReviewSlot) {
        return ReviewSlot.wrap((uint256(at) << ACCESSED_AT_OFFSET) | (uint256(reasonCode_) << REASON_CODE_OFFSET));
    }

    function reviewed(ReviewSlot s, uint64 at) internal pure returns (ReviewSlot) {
        return ReviewSlot.wrap(ReviewSlot.unwrap(s) | (uint256(at) << REVIEWED_AT_OFFSET));
    }

    function accessedAt(ReviewSlot s) internal pure returns (uint64) {
        return uint64(ReviewSlot.unwrap(s) >> ACCESSED_AT_OFFSET);
    }

    function reasonCode(ReviewSlot s) internal pure returns (uint16) {
        return uint16(ReviewSlot.unwrap(s) >> REASON_CODE_OFFSET);
    }

    function reviewedAt(ReviewSlot s) internal pure returns (uint64) {
        return uint64(ReviewSlot.unwrap(s) >> REVIEWED_AT_OFFSET);
    }

    function isReviewed(ReviewSlot s) internal pure returns (bool) {
        return reviewedAt(s) != 0;
    }
}

/// @title RecordKeys
/// @notice The one owner of the records module's storage keys and record subjects.
library RecordKeys {
    /**
     * @notice The storage key of `issuer`'s entry for a record leaf or a batch root:
     * `keccak256(abi.encode(issuer, leafOrRoot))`. Domain-separated by the issuer, so another member
     * anchoring the same leaf or root writes somewhere else.
     */
    function keyOf(bytes32 issuer, bytes32 leafOrRoot) internal pure returns (bytes32) {
        return Hashes.efficientKeccak256(issuer, leafOrRoot);
    }

    /// @notice The record subject of an account (the patient's account at the issuer): left-padded.
    function subjectOf(address account) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(account)));
    }
}
