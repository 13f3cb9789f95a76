// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IGenomicDatasets} from "../interfaces/IGenomicDatasets.sol";
import {IGenomicQueries} from "../interfaces/IGenomicQueries.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {AllianceRules} from "./base/AllianceRules.sol";
import {BudgetState} from "./libraries/PrivacyBudget.sol";
import {QueryBudgets} from "./libraries/QueryBudgets.sol";
import {QueryState, QueryStateLibrary} from "./libraries/QueryState.sol";
import {RuleSet} from "./libraries/RuleSet.sol";

/**
 * @title GenomicQueries
 * @notice Researchers' aggregate queries, charged atomically to every queried dataset's privacy budget,
 * the labs' masked contributions, and the results the aggregator publishes. The rules come from the
 * alliance's votes (`AllianceRules`); the datasets from `GenomicDatasets`.
 *
 * Budget: approval reserves the query's cost on every dataset or on none. A dataset's reservation is
 * consumed when its lab records its masked contribution (data then left the lab: final), and released
 * when the query ends without that lab's contribution (answered, cancelled, or closed after its
 * window). So a query approved but never answered keeps no budget from anyone, and a contribution,
 * once made, is always paid for. Each requester's use of a dataset is capped at its share of the
 * budget, and only labs other than the requester's count toward a result (`QueryBudgets`).
 */
contract GenomicQueries is IGenomicQueries, AllianceRules {
    /// @notice The most dataset versions one query may list.
    uint256 public constant MAX_VERSIONS = QueryBudgets.MAX_VERSIONS;

    /// @inheritdoc IGenomicQueries
    IGenomicDatasets public immutable datasets;

    /// @dev A query's stored fields; its scalars are packed in `state`.
    struct StoredQuery {
        QueryState state; // status, purpose, cells, rules version, labs, cost, times
        bytes32 requester; // requesting member
        bytes32 cellsRoot; // commitment to the variant list
        uint256 region; // packed region or zero
        bytes32 participantsDigest; // U1 the labs mask against (fixed by the aggregator) or zero
        uint48 cellCost; // epsilon per cell at approval: the noise the labs add derives from it
        bool contributionsClosed; // no contribution accepted any more (the survivors are fixed)
    }

    uint256 private _queryCount;
    mapping(uint256 queryId => StoredQuery query) private _queries;
    mapping(uint256 queryId => bytes32[] versions) private _versions;
    mapping(uint256 queryId => mapping(bytes32 versionId => bytes32 maskedDigest)) private _contributions;
    mapping(uint256 queryId => mapping(bytes32 lab => bool contributed)) private _labContributed;
    mapping(uint256 queryId => Result result) private _results;
    QueryBudgets.Ledger private _ledger;

    /**
     * @param registry the consortium registry to trust
     * @param datasets_ the dataset registry of the same consortium
     */
    constructor(
        IConsortiumRegistry registry,
        IGenomicDatasets datasets_
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_GENOMICS) {
        if (address(datasets_) == address(0)) revert ConsortiumGuardedZeroRegistry();
        datasets = datasets_;
    }

    // ================================================================ writes

    /// @inheritdoc IGenomicQueries
    function requestQuery(QueryRequest calldata request) external returns (uint256 queryId) {
        RuleSet r = _rules;
        if (!r.complete()) revert GenomicsRulesNotSet();
        _checkDuoTerm(request.purpose);
        uint8 kinds = purposeKinds(request.purpose);
        if (kinds == 0) revert GenomicsPurposeNotGranted(request.purpose);
        bytes32 requester = _requireMemberWhenNotPaused(msg.sender, kinds);
        queryId = ++_queryCount;
        QueryState state = QueryBudgets.approve(
            _ledger,
            datasets,
            consortium,
            request,
            QueryBudgets.Reservation({queryId: queryId, requester: requester, cost: r.costOf(request.cells), rules: r})
        );
        _queries[queryId] = StoredQuery({
            state: state,
            requester: requester,
            cellsRoot: request.cellsRoot,
            region: request.region,
            participantsDigest: bytes32(0),
            cellCost: r.costPerCell(),
            contributionsClosed: false
        });
        _versions[queryId] = request.versions;
    }

    /// @inheritdoc IGenomicQueries
    function contribute(uint256 queryId, bytes32 versionId, bytes32 maskedDigest) external {
        bytes32 lab = _requireMemberWhenNotPaused(msg.sender, MemberKinds.LABORATORY);
        StoredQuery storage query = _queries[queryId];
        QueryState state = _openQuery(queryId, query.state, QueryStateLibrary.OPEN);
        if (maskedDigest == bytes32(0)) revert GenomicsZeroDigest();
        bytes32 datasetKey = QueryBudgets.checkContributor(
            datasets,
            _versions[queryId],
            queryId,
            versionId,
            lab,
            state.purpose()
        );
        if (_contributions[queryId][versionId] != bytes32(0)) revert GenomicsAlreadyContributed(queryId, versionId);
        if (query.contributionsClosed) revert GenomicsContributionsClosed(queryId);
        bytes32 requester = query.requester;
        _requireAnswerable(queryId, requester, state.purpose());

        _contributions[queryId][versionId] = maskedDigest;
        // The requester's own lab may contribute (and is charged), but never counts toward minLabs.
        if (lab != requester && !_labContributed[queryId][lab]) {
            _labContributed[queryId][lab] = true;
            state = state.withContributedLab();
        }
        query.state = state.withStatus(QueryStatus.Collecting);
        emit ContributionRecorded(queryId, versionId, lab, maskedDigest);
        QueryBudgets.charge(_ledger, datasetKey, requester, queryId, BudgetChange.Consumed, state.cost());
    }

    /// @inheritdoc IGenomicQueries
    function fixParticipants(uint256 queryId, bytes32 participantsDigest) external whenNotPaused {
        _requireAggregator();
        StoredQuery storage query = _queries[queryId];
        _openQuery(queryId, query.state, QueryStateLibrary.CANCELLABLE);
        if (participantsDigest == bytes32(0)) revert GenomicsZeroDigest();
        bytes32 u1 = query.participantsDigest;
        if (u1 != bytes32(0)) revert GenomicsParticipantsAlreadyFixed(queryId, u1);
        query.participantsDigest = participantsDigest;
        emit ParticipantsFixed(queryId, participantsDigest);
    }

    /// @inheritdoc IGenomicQueries
    function closeContributions(uint256 queryId) external whenNotPaused {
        _requireAggregator();
        StoredQuery storage query = _queries[queryId];
        QueryState state = _openQuery(queryId, query.state, QueryStateLibrary.PUBLISHABLE);
        if (query.contributionsClosed) revert GenomicsContributionsClosed(queryId);
        uint8 minLabs = _rules.minLabs();
        if (state.contributedLabs() < minLabs) revert GenomicsTooFewLabs(queryId, state.contributedLabs(), minLabs);
        query.contributionsClosed = true;
        emit ContributionsClosed(queryId, state.contributedLabs());
    }

    /// @inheritdoc IGenomicQueries
    function publishResult(uint256 queryId, bytes32 aggregateDigest, bytes32 releaseDigest) external whenNotPaused {
        _requireAggregator();
        StoredQuery storage query = _queries[queryId];
        QueryState state = _openQuery(queryId, query.state, QueryStateLibrary.PUBLISHABLE);
        bytes32 requester = query.requester;
        _requireAnswerable(queryId, requester, state.purpose());
        RuleSet r = _rules;
        // Counted now, not at contribution: a lab revoked or suspended since does not vouch for the result.
        uint8 labs = uint8(
            QueryBudgets.activeContributedLabs(
                datasets,
                consortium,
                _versions[queryId],
                _contributions[queryId],
                requester
            )
        );
        if (labs < r.minLabs()) revert GenomicsTooFewLabs(queryId, labs, r.minLabs());
        if (aggregateDigest == bytes32(0) || releaseDigest == bytes32(0)) revert GenomicsZeroDigest();
        _results[queryId] = Result({
            aggregateDigest: aggregateDigest,
            releaseDigest: releaseDigest,
            rulesVersion: r.version(),
            minCellCount: r.minCellCount(),
            labs: labs,
            publishedAt: uint40(block.timestamp)
        });
        query.state = state.withStatus(QueryStatus.Answered);
        emit ResultPublished(queryId, aggregateDigest, releaseDigest, labs, r.version(), r.minCellCount());
        _releaseUncontributed(queryId, query.requester, state.cost());
    }

    /// @inheritdoc IGenomicQueries
    function cancelQuery(uint256 queryId) external {
        StoredQuery storage query = _queries[queryId];
        QueryState state = _existing(queryId, query.state);
        bytes32 memberId = consortium.memberOf(msg.sender);
        if (memberId == bytes32(0) || memberId != query.requester) revert GenomicsNotRequester(queryId, memberId);
        _requireStatus(queryId, state, QueryStateLibrary.CANCELLABLE);
        query.state = state.withStatus(QueryStatus.Cancelled);
        emit QueryCancelled(queryId);
        _releaseUncontributed(queryId, query.requester, state.cost());
    }

    /// @inheritdoc IGenomicQueries
    function closeQuery(uint256 queryId) external {
        StoredQuery storage query = _queries[queryId];
        QueryState state = _existing(queryId, query.state);
        _requireStatus(queryId, state, QueryStateLibrary.OPEN);
        // A requester that is no longer active holds nobody's budget until its window ends.
        if (block.timestamp < state.deadline() && _active(query.requester)) {
            revert GenomicsQueryWindowOpen(queryId, state.deadline());
        }
        QueryStatus closed = state.status() == QueryStatus.Approved ? QueryStatus.Expired : QueryStatus.Unanswered;
        query.state = state.withStatus(closed);
        emit QueryClosed(queryId, closed);
        _releaseUncontributed(queryId, query.requester, state.cost());
    }

    // ================================================================ views

    /// @inheritdoc IGenomicQueries
    function queryOf(uint256 queryId) external view returns (Query memory) {
        StoredQuery storage q = _queries[queryId];
        QueryState s = q.state;
        return
            Query({
                requester: q.requester,
                status: s.status(),
                purpose: s.purpose(),
                cells: s.cells(),
                rulesVersion: s.rulesVersion(),
                labs: s.labs(),
                contributedLabs: s.contributedLabs(),
                cost: s.cost(),
                requestedAt: s.requestedAt(),
                deadline: s.deadline(),
                cellsRoot: q.cellsRoot,
                region: q.region,
                cellCost: q.cellCost,
                participantsDigest: q.participantsDigest,
                contributionsClosed: q.contributionsClosed
            });
    }

    /// @inheritdoc IGenomicQueries
    function versionsOf(uint256 queryId) external view returns (bytes32[] memory) {
        return _versions[queryId];
    }

    /// @inheritdoc IGenomicQueries
    function contributionOf(uint256 queryId, bytes32 versionId) external view returns (bytes32) {
        return _contributions[queryId][versionId];
    }

    /// @inheritdoc IGenomicQueries
    function resultOf(uint256 queryId) external view returns (Result memory) {
        return _results[queryId];
    }

    /// @inheritdoc IGenomicQueries
    function budgetOf(bytes32 datasetKey) external view returns (Budget memory) {
        BudgetState b = _ledger.datasets[datasetKey];
        return
            Budget({consumed: b.consumed(), reserved: b.reserved(), remaining: uint64(b.remaining(_rules.budget()))});
    }

    /// @inheritdoc IGenomicQueries
    function requesterBudgetOf(bytes32 datasetKey, bytes32 requester) external view returns (Budget memory) {
        return QueryBudgets.requesterBudgetOf(_ledger, datasetKey, requester, _rules);
    }

    /// @inheritdoc IGenomicQueries
    function costOf(uint32 cells) external view returns (uint256) {
        return _rules.costOf(cells);
    }

    /// @inheritdoc IGenomicQueries
    function queryCount() external view returns (uint256) {
        return _queryCount;
    }

    // ================================================================ internals

    /// @dev Releases the reservation of every dataset of the query whose lab did not contribute.
    function _releaseUncontributed(uint256 queryId, bytes32 requester, uint48 cost) private {
        QueryBudgets.releaseUncontributed(
            _ledger,
            datasets,
            _versions[queryId],
            _contributions[queryId],
            queryId,
            requester,
            cost
        );
    }

    /// @dev Only the aggregator the alliance named.
    function _requireAggregator() private view {
        address expected = aggregator();
        if (msg.sender != expected || expected == address(0)) revert GenomicsNotAggregator(msg.sender, expected);
    }

    /**
     * @dev Reverts unless the requester is still active and the alliance still grants the query's
     * purpose to its kind: a vote withdrawing a purpose reaches the queries in flight.
     */
    function _requireAnswerable(uint256 queryId, bytes32 requester, uint16 purpose) private view {
        QueryBudgets.requireAnswerable(address(consortium), queryId, requester, purpose, purposeKinds(purpose));
    }

    /// @dev Whether a requester is still an active member of a kind that does research.
    function _active(bytes32 requester) private view returns (bool) {
        return consortium.isActiveMemberId(requester, REQUESTER_KINDS);
    }

    function _existing(uint256 queryId, QueryState state) private pure returns (QueryState) {
        if (state.status() == QueryStatus.None) revert GenomicsUnknownQuery(queryId);
        return state;
    }

    function _requireStatus(uint256 queryId, QueryState state, uint8 allowed) private pure {
        if (!state.isIn(allowed)) revert GenomicsQueryInvalidStatus(queryId, state.status(), allowed);
    }

    /// @dev The query's state, reverting unless it exists, is in `allowed` and its window is open.
    function _openQuery(uint256 queryId, QueryState state, uint8 allowed) private view returns (QueryState) {
        _existing(queryId, state);
        _requireStatus(queryId, state, allowed);
        if (block.timestamp >= state.deadline()) revert GenomicsQueryWindowClosed(queryId, state.deadline());
        return state;
    }
}
