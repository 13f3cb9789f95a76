// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAllianceRules} from "../../interfaces/IAllianceRules.sol";
import {IConsortiumRegistry} from "../../interfaces/IConsortiumRegistry.sol";
import {IGenomicDatasets} from "../../interfaces/IGenomicDatasets.sol";
import {IGenomicQueries} from "../../interfaces/IGenomicQueries.sol";
import {MemberKinds} from "../../libraries/MemberKinds.sol";
import {GenomicRegion} from "./GenomicRegion.sol";
import {BudgetState} from "./PrivacyBudget.sol";
import {QueryState, QueryStateLibrary} from "./QueryState.sol";
import {RuleSet} from "./RuleSet.sol";

/**
 * @title QueryBudgets
 * @notice The privacy-budget ledgers of `GenomicQueries`: a linked library that runs by DELEGATECALL
 * on the queries' storage, so the query book stays small. Two ledgers, moved together:
 * - per dataset (all requesters): consumed + reserved never exceeds the alliance's budget;
 * - per dataset and requesting member: consumed + reserved never exceeds `requesterShare` percent of
 *   the budget (at most half), so no researcher, by unanswered queries renewed each window or by
 *   answered ones, holds or spends more than its share, and the rest always stays open to the others.
 * A reservation is later consumed (the lab contributed) or released (it did not) in both, never both.
 */
library QueryBudgets {
    /// @dev The most dataset versions one query may list (also the most labs a release rule may require).
    uint256 internal constant MAX_VERSIONS = 32;

    /// @notice What one approval reserves on each of its datasets.
    struct Reservation {
        uint256 queryId; // the query being approved
        bytes32 requester; // its requesting member
        uint256 cost; // what it charges each dataset
        RuleSet rules; // the rules in force (budget, requester share)
    }

    /// @dev The two ledgers (`GenomicQueries` storage).
    struct Ledger {
        mapping(bytes32 datasetKey => BudgetState budget) datasets; // every requester's use of a dataset
        mapping(bytes32 datasetKey => mapping(bytes32 requester => BudgetState use)) requesters; // one member's
    }

    /**
     * @notice Approves a query: checks its cells and region, reserves its cost on every dataset (see
     * `_reserveAll`), requires `minLabs` labs other than the requester's, and emits `QueryApproved`.
     * @return state the approved query's packed state
     */
    function approve(
        Ledger storage ledger,
        IGenomicDatasets datasets,
        IConsortiumRegistry registry,
        IGenomicQueries.QueryRequest calldata request,
        Reservation memory c
    ) external returns (QueryState state) {
        if (request.cellsRoot == bytes32(0) || request.cells == 0) {
            revert IGenomicQueries.GenomicsInvalidCells(request.cellsRoot, request.cells);
        }
        if (!GenomicRegion.isValid(request.region)) revert IAllianceRules.GenomicsInvalidRule("region", request.region);
        uint256 labs = _reserveAll(ledger, datasets, registry, request.versions, request.purpose, c);
        RuleSet r = c.rules;
        if (labs < r.minLabs()) revert IGenomicQueries.GenomicsTooFewLabs(c.queryId, labs, r.minLabs());
        uint40 deadline = uint40(block.timestamp) + r.answerWindow();
        state = QueryStateLibrary.approved(
            request.purpose,
            request.cells,
            r.version(),
            uint8(labs),
            uint48(c.cost),
            uint40(block.timestamp),
            deadline
        );
        emit IGenomicQueries.QueryApproved(
            c.queryId,
            c.requester,
            request.purpose,
            request.cells,
            uint48(c.cost),
            r.version(),
            deadline,
            request.cellsRoot,
            request.region,
            request.versions
        );
    }

    /**
     * @dev Checks every version of a query (strictly ascending, active, allowing its purpose, owned by
     * an active laboratory) and reserves the query's cost on each dataset and on the requester's share
     * of it; any failure reverts the whole approval. Returns the distinct labs owning the datasets,
     * other than the requester's own member.
     */
    function _reserveAll(
        Ledger storage ledger,
        IGenomicDatasets datasets,
        IConsortiumRegistry registry,
        bytes32[] calldata versions,
        uint16 purpose,
        Reservation memory c
    ) private returns (uint256 labs) {
        uint256 n = versions.length;
        if (n == 0 || n > MAX_VERSIONS) revert IGenomicQueries.GenomicsInvalidVersionList(n);
        bytes32[] memory seen = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 versionId = versions[i];
            if (i > 0 && versionId <= versions[i - 1]) revert IGenomicQueries.GenomicsInvalidVersionList(i);
            IGenomicDatasets.QueryView memory v = datasets.queryView(versionId);
            _checkReadable(registry, versionId, v, purpose);
            _reserve(ledger, v.datasetKey, c);
            // The requester knows its own data: its datasets never count toward the labs a result needs.
            if (v.lab != c.requester) labs = _countLab(seen, labs, v.lab);
        }
    }

    /**
     * @notice Moves `cost` of a query's reservation on a dataset, and on its requester's share, to
     * consumed (the lab contributed) or back (Released).
     */
    function charge(
        Ledger storage ledger,
        bytes32 datasetKey,
        bytes32 requester,
        uint256 queryId,
        IGenomicQueries.BudgetChange change,
        uint48 cost
    ) public {
        bool consumed = change == IGenomicQueries.BudgetChange.Consumed;
        BudgetState b = ledger.datasets[datasetKey];
        b = consumed ? b.consume(cost) : b.release(cost);
        ledger.datasets[datasetKey] = b;
        BudgetState mine = ledger.requesters[datasetKey][requester];
        ledger.requesters[datasetKey][requester] = consumed ? mine.consume(cost) : mine.release(cost);
        emit IGenomicQueries.BudgetCharged(datasetKey, queryId, change, cost, b.consumed(), b.reserved());
    }

    /// @notice Releases the reservation of every dataset of a query whose lab did not contribute.
    function releaseUncontributed(
        Ledger storage ledger,
        IGenomicDatasets datasets,
        bytes32[] storage versions,
        mapping(bytes32 versionId => bytes32 maskedDigest) storage contributions,
        uint256 queryId,
        bytes32 requester,
        uint48 cost
    ) external {
        for (uint256 i = 0; i < versions.length; ++i) {
            bytes32 versionId = versions[i];
            if (contributions[versionId] != bytes32(0)) continue;
            bytes32 datasetKey = datasets.queryView(versionId).datasetKey;
            charge(ledger, datasetKey, requester, queryId, IGenomicQueries.BudgetChange.Released, cost);
        }
    }

    /**
     * @notice Checks that `lab` may contribute for `versionId` to a query: the version is one of the
     * query's, owned by `lab`, still active and still allowing the query's purpose.
     * @return datasetKey the version's dataset (whose reservation the contribution consumes)
     */
    function checkContributor(
        IGenomicDatasets datasets,
        bytes32[] storage versions,
        uint256 queryId,
        bytes32 versionId,
        bytes32 lab,
        uint16 purpose
    ) external view returns (bytes32 datasetKey) {
        bool listed = false;
        for (uint256 i = 0; i < versions.length && !listed; ++i) listed = versions[i] == versionId;
        if (!listed) revert IGenomicQueries.GenomicsVersionNotInQuery(queryId, versionId);
        IGenomicDatasets.QueryView memory v = datasets.queryView(versionId);
        if (v.lab != lab) revert IGenomicQueries.GenomicsNotContributingLab(queryId, versionId, lab);
        if (v.status != IGenomicDatasets.VersionStatus.Active) {
            revert IGenomicQueries.GenomicsDatasetNotQueryable(versionId, v.status);
        }
        // A dataset whose lab withdrew the purpose since approval no longer answers for it.
        if ((v.dataUses >> purpose) & 1 == 0) {
            revert IGenomicQueries.GenomicsPurposeNotAllowedByDataset(versionId, purpose);
        }
        return v.datasetKey;
    }

    /**
     * @notice Reverts unless a query's requester is still an active member of a research kind and of a
     * kind the alliance still grants the query's purpose (`kinds`): a vote withdrawing a purpose reaches
     * the queries in flight.
     */
    function requireAnswerable(
        address registry,
        uint256 queryId,
        bytes32 requester,
        uint16 purpose,
        uint8 kinds
    ) external view {
        // `registry` is an address, not IConsortiumRegistry: an external library function's ABI would
        // carry the contract's name as its type, which no ABI decoder (ethers, Ignition) accepts.
        IConsortiumRegistry members = IConsortiumRegistry(registry);
        if (!members.isActiveMemberId(requester, MemberKinds.HOSPITAL | MemberKinds.LABORATORY)) {
            revert IGenomicQueries.GenomicsRequesterNotActive(queryId, requester);
        }
        if (!members.isActiveMemberId(requester, kinds))
            revert IGenomicQueries.GenomicsPurposeWithdrawn(queryId, purpose);
    }

    /**
     * @notice The distinct labs that contributed to a query, other than the requester's member, that are
     * still active laboratories (what a result counts toward `minLabs` at publication).
     */
    function activeContributedLabs(
        IGenomicDatasets datasets,
        IConsortiumRegistry registry,
        bytes32[] storage versions,
        mapping(bytes32 versionId => bytes32 maskedDigest) storage contributions,
        bytes32 requester
    ) external view returns (uint256 labs) {
        uint256 n = versions.length;
        bytes32[] memory seen = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 versionId = versions[i];
            if (contributions[versionId] == bytes32(0)) continue;
            bytes32 lab = datasets.queryView(versionId).lab;
            if (lab == requester || !registry.isActiveMemberId(lab, MemberKinds.LABORATORY)) continue;
            labs = _countLab(seen, labs, lab);
        }
    }

    /**
     * @notice One requester's use of a dataset: what it consumed and holds reserved, and what it may
     * still reserve (the smaller of what is left of its share and of the dataset's budget).
     */
    function requesterBudgetOf(
        Ledger storage ledger,
        bytes32 datasetKey,
        bytes32 requester,
        RuleSet r
    ) external view returns (IGenomicQueries.Budget memory) {
        BudgetState mine = ledger.requesters[datasetKey][requester];
        uint256 share = mine.remaining(r.requesterCap());
        uint256 left = ledger.datasets[datasetKey].remaining(r.budget());
        return
            IGenomicQueries.Budget({
                consumed: mine.consumed(),
                reserved: mine.reserved(),
                remaining: uint64(share < left ? share : left)
            });
    }

    /// @dev Reverts unless the version is active, allows `purpose` and belongs to an active laboratory.
    function _checkReadable(
        IConsortiumRegistry registry,
        bytes32 versionId,
        IGenomicDatasets.QueryView memory v,
        uint16 purpose
    ) private view {
        if (v.status != IGenomicDatasets.VersionStatus.Active) {
            revert IGenomicQueries.GenomicsDatasetNotQueryable(versionId, v.status);
        }
        if ((v.dataUses >> purpose) & 1 == 0)
            revert IGenomicQueries.GenomicsPurposeNotAllowedByDataset(versionId, purpose);
        // A suspended or revoked lab's data is not read (and the lab could never contribute).
        if (!registry.isActiveMemberId(v.lab, MemberKinds.LABORATORY)) {
            revert IGenomicQueries.GenomicsDatasetLabNotActive(versionId, v.lab);
        }
    }

    /// @dev Reserves the query's cost on the dataset's budget and on the requester's share of it.
    function _reserve(Ledger storage ledger, bytes32 datasetKey, Reservation memory c) private {
        BudgetState b = ledger.datasets[datasetKey].reserve(datasetKey, c.cost, c.rules.budget());
        ledger.datasets[datasetKey] = b;
        BudgetState mine = ledger.requesters[datasetKey][c.requester];
        ledger.requesters[datasetKey][c.requester] = mine.reserveShare(
            datasetKey,
            c.requester,
            c.cost,
            c.rules.requesterCap()
        );
        emit IGenomicQueries.BudgetCharged(
            datasetKey,
            c.queryId,
            IGenomicQueries.BudgetChange.Reserved,
            uint48(c.cost),
            b.consumed(),
            b.reserved()
        );
    }

    /// @dev Adds `lab` to the first `count` entries of `seen` unless present; returns the new count.
    function _countLab(bytes32[] memory seen, uint256 count, bytes32 lab) private pure returns (uint256) {
        for (uint256 j = 0; j < count; ++j) if (seen[j] == lab) return count;
        seen[count] = lab;
        return count + 1;
    }
}
