// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAllianceRules} from "./IAllianceRules.sol";
import {IGenomicDatasets} from "./IGenomicDatasets.sol";

/**
 * @title IGenomicQueries
 * @notice Aggregate queries over the consortium's datasets, each charged to every dataset's privacy
 * budget, and the results the aggregator publishes from the labs' masked contributions.
 *
 * Budget accounting, per dataset (over all its versions): a query's approval *reserves* its cost on
 * every dataset at once, or on none (all or nothing). A reservation becomes *consumed* when that
 * dataset's lab records its masked contribution (data has then left the lab, so it is final). A
 * reservation whose lab never contributed is released when the query is answered, cancelled or
 * closed after its window: nothing pending, refused or never answered keeps another researcher's
 * budget. The same charges are kept per requesting member, whose consumed plus reserved on a dataset
 * never exceeds the alliance's `requesterShare` of its budget (at most half): no researcher, by
 * unanswered queries renewed each window or by answered ones, can lock the others out.
 *
 * Labs of a result: only labs other than the requester's own member count toward `minLabs` (at
 * approval and at publication), since the requester knows its own input and noise share.
 */
interface IGenomicQueries is IAllianceRules {
    /// @notice Lifecycle of a query. Allowed-state masks use bit `1 << uint8(status)`.
    enum QueryStatus {
        None,
        Approved, // budget reserved; waiting for contributions
        Collecting, // at least one lab contributed (its share of the charge is consumed)
        Answered, // the aggregator published the result
        Cancelled, // the requester cancelled before any contribution
        Expired, // the window closed without contributions
        Unanswered // the window closed after contributions but without a result
    }

    /// @notice What a researcher asks for.
    struct QueryRequest {
        bytes32[] versions; // dataset version ids, strictly ascending (each dataset at most once)
        uint16 purpose; // numeric DUO purpose (e.g. 6 = DUO:0000006)
        bytes32 cellsRoot; // commitment to the ordered variant list (the result's cells)
        uint32 cells; // number of cells (variants) asked
        uint256 region; // GenomicRegion packing (chromosome, start, end) for a region query, or zero
    }

    /// @notice A query, as stored and returned.
    struct Query {
        bytes32 requester; // the researcher's member id
        QueryStatus status; // lifecycle
        uint16 purpose; // DUO purpose
        uint32 cells; // cells asked
        uint32 rulesVersion; // rules version in force at approval
        uint8 labs; // distinct labs owning the queried datasets, other than the requester's member
        uint8 contributedLabs; // distinct labs that contributed, other than the requester's member
        uint48 cost; // epsilon charged to each dataset (micro-epsilon)
        uint40 requestedAt; // approval time
        uint40 deadline; // contributions and the result are accepted until (excluding) this time
        bytes32 cellsRoot; // commitment to the variant list
        uint256 region; // packed region (zero for a variant-list query)
        uint48 cellCost; // epsilon per cell charged at approval (micro-epsilon): the labs' noise derives from it
        bytes32 participantsDigest; // the secure-aggregation participant list (U1) the labs mask against, or zero
        bool contributionsClosed; // the aggregator closed contributions (unmasking may start)
    }

    /// @notice A published result.
    struct Result {
        bytes32 aggregateDigest; // keccak256 of the noisy aggregate vector the masked inputs sum to
        bytes32 releaseDigest; // keccak256 of the released table (suppressed, rounded)
        uint32 rulesVersion; // rules version whose minimum cell count the release applied
        uint32 minCellCount; // that minimum cell count
        uint8 labs; // distinct contributing labs other than the requester's member
        uint40 publishedAt; // when
    }

    /// @notice A dataset's privacy budget use (micro-epsilon), or one requester's use of it.
    struct Budget {
        uint64 consumed; // charges made final by a contribution
        uint64 reserved; // charges of approved queries the lab has not contributed to yet
        uint64 remaining; // what may still be reserved (never below zero)
    }

    // ---------------------------------------------------------------- errors

    /// @dev The alliance grants purpose `purpose` to no requester kind.
    error GenomicsPurposeNotGranted(uint16 purpose);
    /// @dev The version list is empty, too long, or not strictly ascending at `index`.
    error GenomicsInvalidVersionList(uint256 index);
    /// @dev The variant list commitment or cell count is empty.
    error GenomicsInvalidCells(bytes32 cellsRoot, uint32 cells);
    /// @dev The dataset version cannot be queried (unknown, superseded or withdrawn).
    error GenomicsDatasetNotQueryable(bytes32 versionId, IGenomicDatasets.VersionStatus status);
    /// @dev The dataset's lab did not allow this purpose.
    error GenomicsPurposeNotAllowedByDataset(bytes32 versionId, uint16 purpose);
    /// @dev Charging `cost` would take the dataset past its budget.
    error GenomicsBudgetExhausted(bytes32 datasetKey, uint256 spent, uint256 cost, uint256 budget);
    /// @dev Charging `cost` would take the requester's use of the dataset past its share (`cap`).
    error GenomicsRequesterShareExhausted(
        bytes32 datasetKey,
        bytes32 requester,
        uint256 spent,
        uint256 cost,
        uint256 cap
    );
    /// @dev The lab owning the dataset version is suspended, revoked or no longer certified.
    error GenomicsDatasetLabNotActive(bytes32 versionId, bytes32 lab);
    /// @dev The query's requester is no longer an active member: no lab contributes to it.
    error GenomicsRequesterNotActive(uint256 queryId, bytes32 requester);
    /// @dev Fewer distinct labs (other than the requester's) than the rule needs.
    error GenomicsTooFewLabs(uint256 queryId, uint256 labs, uint256 minLabs);
    /// @dev No query has this id.
    error GenomicsUnknownQuery(uint256 queryId);
    /// @dev The query's status is not one of `allowed` (a mask of `1 << status`).
    error GenomicsQueryInvalidStatus(uint256 queryId, QueryStatus status, uint8 allowed);
    /// @dev The query's window closed at `deadline`.
    error GenomicsQueryWindowClosed(uint256 queryId, uint40 deadline);
    /// @dev The query's window is still open until `deadline`.
    error GenomicsQueryWindowOpen(uint256 queryId, uint40 deadline);
    /// @dev The version is not one of the query's datasets.
    error GenomicsVersionNotInQuery(uint256 queryId, bytes32 versionId);
    /// @dev The caller's member does not own the version it contributes for.
    error GenomicsNotContributingLab(uint256 queryId, bytes32 versionId, bytes32 memberId);
    /// @dev The lab contributed for this version already.
    error GenomicsAlreadyContributed(uint256 queryId, bytes32 versionId);
    /// @dev A digest is zero.
    error GenomicsZeroDigest();
    /// @dev Only the aggregator the alliance named may publish results.
    error GenomicsNotAggregator(address caller, address aggregator);
    /// @dev Only the requesting member may cancel.
    error GenomicsNotRequester(uint256 queryId, bytes32 memberId);
    /// @dev The alliance no longer grants the query's purpose to its requester's kind.
    error GenomicsPurposeWithdrawn(uint256 queryId, uint16 purpose);
    /// @dev The aggregator closed the query's contributions (its survivors are fixed).
    error GenomicsContributionsClosed(uint256 queryId);
    /// @dev The query's participant list (U1) was fixed already, as `participantsDigest`.
    error GenomicsParticipantsAlreadyFixed(uint256 queryId, bytes32 participantsDigest);

    // ---------------------------------------------------------------- events

    /// @dev A query was approved and its cost reserved on every dataset.
    event QueryApproved(
        uint256 indexed queryId,
        bytes32 indexed requester,
        uint16 indexed purpose,
        uint32 cells,
        uint48 cost,
        uint32 rulesVersion,
        uint40 deadline,
        bytes32 cellsRoot,
        uint256 region,
        bytes32[] versions
    );
    /// @dev A dataset's budget changed for a query: `reserved`/`consumed` are the dataset's new totals.
    event BudgetCharged(
        bytes32 indexed datasetKey,
        uint256 indexed queryId,
        BudgetChange indexed change,
        uint48 amount,
        uint64 consumed,
        uint64 reserved
    );
    /// @dev A lab recorded the digest of its masked contribution (before sending it to the aggregator).
    event ContributionRecorded(
        uint256 indexed queryId,
        bytes32 indexed versionId,
        bytes32 indexed lab,
        bytes32 maskedDigest
    );
    /// @dev The aggregator published a result.
    event ResultPublished(
        uint256 indexed queryId,
        bytes32 aggregateDigest,
        bytes32 releaseDigest,
        uint8 labs,
        uint32 rulesVersion,
        uint32 minCellCount
    );
    /// @dev The aggregator fixed the participant list (U1) every lab of the query masks against.
    event ParticipantsFixed(uint256 indexed queryId, bytes32 participantsDigest);
    /// @dev The aggregator closed the query's contributions: the contributions recorded are the survivors.
    event ContributionsClosed(uint256 indexed queryId, uint8 contributedLabs);
    /// @dev The requester cancelled a query before any contribution.
    event QueryCancelled(uint256 indexed queryId);
    /// @dev A query's window closed without a result (`status` Expired or Unanswered).
    event QueryClosed(uint256 indexed queryId, QueryStatus status);

    /// @notice How a budget changed.
    enum BudgetChange {
        Reserved, // approval reserved the cost
        Consumed, // the lab contributed: the reservation became final
        Released // the reservation was returned (no contribution from this dataset)
    }

    // ---------------------------------------------------------------- writes

    /**
     * @notice Ask for an aggregate over the listed dataset versions. The caller must be an active
     * member of a kind the alliance granted `purpose`; every dataset must be active, owned by an active
     * laboratory and allow the purpose; at least `minLabs` labs other than the caller's member must own
     * them; every dataset's budget, and the caller's share of it, is charged at once, or the call reverts.
     * @param request the datasets, purpose and cells
     * @return queryId the approved query's id
     */
    function requestQuery(QueryRequest calldata request) external returns (uint256 queryId);

    /**
     * @notice Record the digest of the caller's lab's masked vector for one of the query's datasets,
     * before sending the vector to the aggregator. Makes that dataset's charge final. Refused once the
     * query's requester is no longer an active member, once the alliance withdrew the query's purpose
     * from the requester's kind (or the dataset no longer allows it), and once contributions are closed.
     * @param queryId the query
     * @param versionId the caller's dataset version in the query (must still be active)
     * @param maskedDigest `keccak256` of the masked vector (see src/genomics/secagg.ts)
     */
    function contribute(uint256 queryId, bytes32 versionId, bytes32 maskedDigest) external;

    /**
     * @notice Fix the secure-aggregation participant list (U1) of a query (the aggregator only), once,
     * before any lab contributed: every lab checks the list it is shown against this digest before it
     * masks, so the aggregator cannot show one lab a list different from the others'.
     * @param queryId the query (Approved: no contribution yet)
     * @param participantsDigest `participantsDigest` of U1 (see src/genomics/secagg.ts), non-zero
     */
    function fixParticipants(uint256 queryId, bytes32 participantsDigest) external;

    /**
     * @notice Close a query's contributions (the aggregator only), once at least `minLabs` labs other
     * than the requester's contributed: later contributions are refused, so the survivors the labs
     * unmask for are final and no lab is counted as dropped and then as a survivor.
     * @param queryId the query (Collecting)
     */
    function closeContributions(uint256 queryId) external;

    /**
     * @notice Publish a query's result (the aggregator only), once at least `minLabs` distinct labs other
     * than the requester's member, still active laboratories, contributed, and while the alliance still
     * grants the query's purpose to the requester's kind. Releases the reservations of datasets whose lab did not
     * contribute.
     * @param queryId the query
     * @param aggregateDigest keccak256 of the noisy aggregate vector
     * @param releaseDigest keccak256 of the released table (cells below the minimum count suppressed)
     */
    function publishResult(uint256 queryId, bytes32 aggregateDigest, bytes32 releaseDigest) external;

    /**
     * @notice Cancel a query before any lab contributed (the requesting member only, even suspended:
     * cancelling only gives budget back); releases every reservation. Allowed while the module is paused.
     * @param queryId the query
     */
    function cancelQuery(uint256 queryId) external;

    /**
     * @notice Close a query whose window passed without a result, or at once when its requester is no
     * longer an active member (anyone); releases the reservations of datasets whose lab did not
     * contribute. Allowed while the module is paused.
     * @param queryId the query
     */
    function closeQuery(uint256 queryId) external;

    // ---------------------------------------------------------------- views

    /// @notice The dataset registry queries are checked against.
    function datasets() external view returns (IGenomicDatasets);

    /// @notice A query (status `None` if unknown).
    function queryOf(uint256 queryId) external view returns (Query memory);

    /// @notice The dataset versions of a query.
    function versionsOf(uint256 queryId) external view returns (bytes32[] memory);

    /// @notice The masked-contribution digest a lab recorded for a version of a query (zero if none).
    function contributionOf(uint256 queryId, bytes32 versionId) external view returns (bytes32);

    /// @notice A query's published result (zero digests if none).
    function resultOf(uint256 queryId) external view returns (Result memory);

    /// @notice A dataset's budget use under the rules in force.
    function budgetOf(bytes32 datasetKey) external view returns (Budget memory);

    /**
     * @notice One requester member's use of a dataset's budget; `remaining` is what it may still
     * reserve (the smaller of what is left of its share and of the dataset's budget).
     */
    function requesterBudgetOf(bytes32 datasetKey, bytes32 requester) external view returns (Budget memory);

    /// @notice What a query of `cells` cells charges each dataset under the rules in force.
    function costOf(uint32 cells) external view returns (uint256);

    /// @notice Number of queries so far (ids run from 1).
    function queryCount() external view returns (uint256);
}
