// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGenomicQueries} from "../../interfaces/IGenomicQueries.sol";

/**
 * @notice A query's scalar fields in one word: status (8 bits), purpose (16), cells (32), rulesVersion
 * (32), labs (8), contributedLabs (8), cost (48), requestedAt (40), deadline (40).
 */
type QueryState is uint256;

using QueryStateLibrary for QueryState global;

/// @title QueryStateLibrary
/// @notice Named-offset accessors of `QueryState`, and the allowed-status bitmaps of the query lifecycle.
library QueryStateLibrary {
    uint256 internal constant STATUS_OFFSET = 0;
    uint256 internal constant PURPOSE_OFFSET = 8;
    uint256 internal constant CELLS_OFFSET = 24;
    uint256 internal constant RULES_VERSION_OFFSET = 56;
    uint256 internal constant LABS_OFFSET = 88;
    uint256 internal constant CONTRIBUTED_LABS_OFFSET = 96;
    uint256 internal constant COST_OFFSET = 104;
    uint256 internal constant REQUESTED_AT_OFFSET = 152;
    uint256 internal constant DEADLINE_OFFSET = 192;

    uint256 internal constant MASK_8 = 0xff;
    uint256 internal constant MASK_16 = 0xffff;
    uint256 internal constant MASK_32 = 0xffffffff;
    uint256 internal constant MASK_40 = 0xffffffffff;
    uint256 internal constant MASK_48 = 0xffffffffffff;

    /// @dev Statuses in which labs may still contribute (and the window may be closed).
    uint8 internal constant OPEN =
        uint8(1 << uint8(IGenomicQueries.QueryStatus.Approved)) |
            uint8(1 << uint8(IGenomicQueries.QueryStatus.Collecting));
    /// @dev Statuses in which the requester may cancel (nothing has left any lab).
    uint8 internal constant CANCELLABLE = uint8(1 << uint8(IGenomicQueries.QueryStatus.Approved));
    /// @dev Statuses in which a result may be published.
    uint8 internal constant PUBLISHABLE = uint8(1 << uint8(IGenomicQueries.QueryStatus.Collecting));

    /// @notice A newly approved query.
    function approved(
        uint16 purpose_,
        uint32 cells_,
        uint32 rulesVersion_,
        uint8 labs_,
        uint48 cost_,
        uint40 requestedAt_,
        uint40 deadline_
    ) internal pure returns (QueryState) {
        return
            QueryState.wrap(
                (uint256(IGenomicQueries.QueryStatus.Approved) << STATUS_OFFSET) |
                    (uint256(purpose_) << PURPOSE_OFFSET) |
                    (uint256(cells_) << CELLS_OFFSET) |
                    (uint256(rulesVersion_) << RULES_VERSION_OFFSET) |
                    (uint256(labs_) << LABS_OFFSET) |
                    (uint256(cost_) << COST_OFFSET) |
                    (uint256(requestedAt_) << REQUESTED_AT_OFFSET) |
                    (uint256(deadline_) << DEADLINE_OFFSET)
            );
    }

    function status(QueryState q) internal pure returns (IGenomicQueries.QueryStatus) {
        return IGenomicQueries.QueryStatus(_get(q, STATUS_OFFSET, MASK_8));
    }

    function purpose(QueryState q) internal pure returns (uint16) {
        return uint16(_get(q, PURPOSE_OFFSET, MASK_16));
    }

    function cells(QueryState q) internal pure returns (uint32) {
        return uint32(_get(q, CELLS_OFFSET, MASK_32));
    }

    function rulesVersion(QueryState q) internal pure returns (uint32) {
        return uint32(_get(q, RULES_VERSION_OFFSET, MASK_32));
    }

    function labs(QueryState q) internal pure returns (uint8) {
        return uint8(_get(q, LABS_OFFSET, MASK_8));
    }

    function contributedLabs(QueryState q) internal pure returns (uint8) {
        return uint8(_get(q, CONTRIBUTED_LABS_OFFSET, MASK_8));
    }

    function cost(QueryState q) internal pure returns (uint48) {
        return uint48(_get(q, COST_OFFSET, MASK_48));
    }

    function requestedAt(QueryState q) internal pure returns (uint40) {
        return uint40(_get(q, REQUESTED_AT_OFFSET, MASK_40));
    }

    function deadline(QueryState q) internal pure returns (uint40) {
        return uint40(_get(q, DEADLINE_OFFSET, MASK_40));
    }

    /// @notice Whether the status is in `allowed` (a mask of `1 << status`).
    function isIn(QueryState q, uint8 allowed) internal pure returns (bool) {
        return (uint256(allowed) >> uint8(q.status())) & 1 == 1;
    }

    function withStatus(QueryState q, IGenomicQueries.QueryStatus s) internal pure returns (QueryState) {
        return _set(q, STATUS_OFFSET, MASK_8, uint8(s));
    }

    /// @notice One more distinct lab contributed.
    function withContributedLab(QueryState q) internal pure returns (QueryState) {
        return _set(q, CONTRIBUTED_LABS_OFFSET, MASK_8, uint256(q.contributedLabs()) + 1);
    }

    function _get(QueryState q, uint256 offset, uint256 mask) private pure returns (uint256) {
        return (QueryState.unwrap(q) >> offset) & mask;
    }

    function _set(QueryState q, uint256 offset, uint256 mask, uint256 value) private pure returns (QueryState) {
        return QueryState.wrap((QueryState.unwrap(q) & ~(mask << offset)) | ((value & mask) << offset));
    }
}
