// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessLog} from "../interfaces/IAccessLog.sol";
import {ReviewSlot, ReviewSlotLib} from "./RecordSlots.sol";

/**
 * @title BreakGlassLog
 * @notice The records module's log of emergency (break-glass) accesses and their review, as a linked
 * library on the RecordRegistry's storage: a small core in the registry (who may open and review),
 * the bookkeeping here. Linked (public functions) rather than inlined so that the registry stays well
 * under the 24 KB code limit in the coverage build too.
 */
library BreakGlassLog {
    /// @dev A break-glass access as stored (see `IAccessLog.BreakGlass` for the view).
    struct Entry {
        bytes32 memberId; // the hospital that accessed
        bytes32 issuer; // the member that anchored the record
        bytes32 leaf; // the record it accessed
        ReviewSlot state; // when, why, and when it was reviewed
        bytes32 reviewer; // the regulator member that reviewed it (zero while unreviewed)
    }

    /// @dev Every break-glass access, numbered 1, 2, ...
    struct Log {
        mapping(uint256 breakGlassId => Entry entry) entries;
        uint256 count;
    }

    /**
     * @notice Opens an unreviewed entry: `memberId` accessed `issuer`'s record `leaf` now for `reasonCode`.
     * @return breakGlassId the entry's number
     */
    function open(
        Log storage log,
        bytes32 memberId,
        bytes32 issuer,
        bytes32 leaf,
        uint16 reasonCode
    ) public returns (uint256 breakGlassId) {
        breakGlassId = ++log.count;
        log.entries[breakGlassId] = Entry({
            memberId: memberId,
            issuer: issuer,
            leaf: leaf,
            state: ReviewSlotLib.opened(uint64(block.timestamp), reasonCode),
            reviewer: bytes32(0)
        });
    }

    /**
     * @notice Marks an entry reviewed by the regulator member `reviewer`, never by the member that made
     * the access (compared by member, not account: a member that is both Hospital and Regulator, or
     * that rotated its key since, still cannot review its own emergency access).
     */
    function review(Log storage log, uint256 breakGlassId, bytes32 reviewer) public {
        Entry storage entry = _entry(log, breakGlassId);
        if (entry.state.isReviewed()) revert IAccessLog.RecordsAlreadyReviewed(breakGlassId);
        if (entry.memberId == reviewer) revert IAccessLog.RecordsSelfReview(breakGlassId, reviewer);
        entry.state = entry.state.reviewed(uint64(block.timestamp));
        entry.reviewer = reviewer;
    }

    /// @notice An entry as `IAccessLog.getBreakGlass` shows it.
    function get(Log storage log, uint256 breakGlassId) public view returns (IAccessLog.BreakGlass memory) {
        Entry storage entry = _entry(log, breakGlassId);
        ReviewSlot state = entry.state;
        return
            IAccessLog.BreakGlass({
                memberId: entry.memberId,
                issuer: entry.issuer,
                leaf: entry.leaf,
                accessedAt: state.accessedAt(),
                reasonCode: state.reasonCode(),
                reviewed: state.isReviewed(),
                reviewedAt: state.reviewedAt(),
                reviewer: entry.reviewer
            });
    }

    /**
     * @notice Entries still unreviewed `period` after they happened among ids `fromId` ..
     * `fromId + limit - 1`, and the id to continue from (zero at the end).
     */
    function overdue(
        Log storage log,
        uint256 fromId,
        uint256 limit,
        uint64 period
    ) public view returns (uint256[] memory ids, uint256 nextId) {
        uint256 total = log.count;
        if (fromId == 0) fromId = 1;
        // One past the last id scanned; written so that no `fromId` or `limit` overflows.
        uint256 end = fromId > total ? fromId : (limit > total + 1 - fromId ? total + 1 : fromId + limit);
        uint256[] memory found = new uint256[](end > fromId ? end - fromId : 0);
        uint256 n;
        for (uint256 id = fromId; id < end; ++id) {
            ReviewSlot state = log.entries[id].state;
            if (!state.isReviewed() && state.accessedAt() + period <= block.timestamp) found[n++] = id;
        }
        assembly ("memory-safe") {
            mstore(found, n) // shrink to the entries found
        }
        return (found, end <= total ? end : 0);
    }

    function _entry(Log storage log, uint256 breakGlassId) private view returns (Entry storage) {
        if (breakGlassId == 0 || breakGlassId > log.count) revert IAccessLog.RecordsUnknownBreakGlass(breakGlassId);
        return log.entries[breakGlassId];
    }
}
