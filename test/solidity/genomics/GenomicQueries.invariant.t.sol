// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {GenomicDatasets} from "../../../contracts/genomics/GenomicDatasets.sol";
import {GenomicQueries} from "../../../contracts/genomics/GenomicQueries.sol";
import {IGenomicDatasets} from "../../../contracts/interfaces/IGenomicDatasets.sol";
import {IGenomicQueries} from "../../../contracts/interfaces/IGenomicQueries.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";

/**
 * @notice Drives the real registry, datasets and queries with random business: requests over random
 * dataset subsets, contributions, results, cancellations, closings, new versions, withdrawals and
 * budget changes by vote. It is the consortium's sole governor (1-of-1).
 */
contract GenomicsHandler {
    ConsortiumRegistry public immutable registry;
    GenomicDatasets public immutable datasets;
    GenomicQueries public immutable queries;
    uint256 internal constant LABS = 3;
    uint16 internal constant HMB = 6;
    address public constant RESEARCHER = address(0xBEEF);
    address public constant AGGREGATOR = address(0xA66);

    uint256[LABS] internal _labKeys = [uint256(0xA11), 0xA12, 0xA13];
    bytes32[LABS] public labIds;
    bytes32[LABS] public datasetKeys;
    uint32[LABS] internal _versionNo;
    bytes32[LABS] public currentVersion;
    uint256[] internal _queries;

    /// @notice Ghost: per dataset, the spend the last budget lowering left in place (may exceed the budget).
    mapping(bytes32 datasetKey => uint256 floor) public ghostFloor;
    /// @notice Ghost: the minimum-labs rule in force when each answered query was published.
    mapping(uint256 queryId => uint256 minLabs) public ghostMinLabsAtPublish;

    constructor() {
        address[] memory governors = new address[](1);
        governors[0] = address(this);
        registry = new ConsortiumRegistry(address(this), governors, 1, 7 days);
        for (uint256 i = 0; i < LABS; ++i) {
            labIds[i] = keccak256(abi.encode("lab", i));
            _admit(labIds[i], vm.addr(_labKeys[i]), MemberKinds.LABORATORY);
        }
        _admit(keccak256("researcher"), RESEARCHER, MemberKinds.HOSPITAL);
        datasets = new GenomicDatasets(registry);
        queries = new GenomicQueries(registry, datasets);
        _govern(abi.encodeCall(queries.setBudgetRule, (2_000_000, 100_000, 50_000)));
        _govern(abi.encodeCall(queries.setReleaseRule, (5, 2)));
        _govern(abi.encodeCall(queries.setPurposeKinds, (HMB, MemberKinds.HOSPITAL)));
        _govern(abi.encodeCall(queries.setAggregator, (AGGREGATOR)));
        _govern(abi.encodeCall(queries.setAnswerWindow, (1 days)));
        for (uint256 i = 0; i < LABS; ++i) {
            datasetKeys[i] = keccak256(abi.encode(labIds[i], bytes32("panel")));
            newVersion(i);
        }
    }

    function _admit(bytes32 id, address account, uint8 kinds) private {
        uint256 p = registry.certify(id, id, kinds, account, uint64(block.timestamp + 3650 days));
        registry.vote(p);
        registry.execute(p);
    }

    function _govern(bytes memory data) private {
        uint256 p = registry.proposeCall(address(queries), data);
        registry.vote(p);
        registry.execute(p);
    }

    function queryCount() external view returns (uint256) {
        return _queries.length;
    }

    function queryAt(uint256 i) external view returns (uint256) {
        return _queries[i];
    }

    // ---------------------------------------------------------------- actions

    /// A lab registers the next version of its dataset (superseding the current one).
    function newVersion(uint256 seed) public {
        uint256 i = seed % LABS;
        uint32 next = _versionNo[i] + 1;
        IGenomicDatasets.DatasetVersion memory v = IGenomicDatasets.DatasetVersion({
            lab: labIds[i],
            name: bytes32("panel"),
            version: next,
            root: keccak256(abi.encode(i, next)),
            previous: currentVersion[i],
            assembly_: IGenomicDatasets.Assembly.GRCh38,
            samples: 100,
            sites: 10,
            dataUses: uint256(1) << HMB,
            nonce: datasets.nonces(vm.addr(_labKeys[i])),
            deadline: block.timestamp + 1 days
        });
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(_labKeys[i], datasets.hashDatasetVersion(v));
        currentVersion[i] = datasets.register(v, vm.addr(_labKeys[i]), abi.encodePacked(r, s, sv));
        _versionNo[i] = next;
    }

    /// A lab withdraws its current version (if active).
    function withdraw(uint256 seed) external {
        uint256 i = seed % LABS;
        if (datasets.versionOf(currentVersion[i]).status != IGenomicDatasets.VersionStatus.Active) return;
        vm.prank(vm.addr(_labKeys[i]));
        datasets.withdraw(currentVersion[i]);
    }

    /// The researcher asks for `cells` cells over a random subset (2 or 3 datasets).
    function request(uint256 seed, uint32 cells) external {
        cells = 1 + (cells % 40);
        bytes32[] memory picked = new bytes32[](3);
        uint256 n;
        for (uint256 i = 0; i < LABS; ++i)
            if ((seed >> i) & 1 == 1 || i == seed % LABS) picked[n++] = currentVersion[i];
        if (n < 2) picked[n++] = currentVersion[(seed + 1) % LABS];
        assembly {
            mstore(picked, n)
        }
        _sort(picked);
        vm.prank(RESEARCHER);
        try
            queries.requestQuery(
                IGenomicQueries.QueryRequest({
                    versions: picked,
                    purpose: HMB,
                    cellsRoot: keccak256(abi.encode(seed)),
                    cells: cells,
                    region: 0
                })
            )
        returns (uint256 id) {
            _queries.push(id);
        } catch {}
    }

    /// A lab contributes to a random open query listing its dataset.
    function contribute(uint256 seed) external {
        if (_queries.length == 0) return;
        uint256 id = _queries[seed % _queries.length];
        bytes32[] memory versions = queries.versionsOf(id);
        bytes32 v = versions[(seed >> 8) % versions.length];
        IGenomicDatasets.QueryView memory qv = datasets.queryView(v);
        for (uint256 i = 0; i < LABS; ++i) {
            if (labIds[i] != qv.lab) continue;
            vm.prank(vm.addr(_labKeys[i]));
            try queries.contribute(id, v, keccak256(abi.encode(id, v))) {} catch {}
        }
    }

    /// The aggregator publishes a random query's result.
    function publish(uint256 seed) external {
        if (_queries.length == 0) return;
        uint256 id = _queries[seed % _queries.length];
        uint256 minLabs = queries.rules().minLabs;
        vm.prank(AGGREGATOR);
        try queries.publishResult(id, keccak256("aggregate"), keccak256("release")) {
            ghostMinLabsAtPublish[id] = minLabs;
        } catch {}
    }

    function cancel(uint256 seed) external {
        if (_queries.length == 0) return;
        vm.prank(RESEARCHER);
        try queries.cancelQuery(_queries[seed % _queries.length]) {} catch {}
    }

    function close(uint256 seed) external {
        if (_queries.length == 0) return;
        try queries.closeQuery(_queries[seed % _queries.length]) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 2 days));
    }

    /// The alliance changes the budget by vote (sometimes below what datasets spent).
    function setBudget(uint48 budget) external {
        budget = 1 + (budget % 4_000_000);
        _govern(abi.encodeCall(queries.setBudgetRule, (budget, 100_000, 50_000)));
        for (uint256 i = 0; i < LABS; ++i) {
            IGenomicQueries.Budget memory b = queries.budgetOf(datasetKeys[i]);
            ghostFloor[datasetKeys[i]] = uint256(b.consumed) + b.reserved;
        }
    }

    function _sort(bytes32[] memory xs) private pure {
        for (uint256 i = 1; i < xs.length; ++i) {
            for (uint256 j = i; j > 0 && xs[j - 1] > xs[j]; --j) (xs[j - 1], xs[j]) = (xs[j], xs[j - 1]);
        }
    }
}

/// @notice Invariants of the privacy budget and of result release under random business.
contract GenomicQueriesInvariantTest is TestBase {
    GenomicsHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        handler = new GenomicsHandler();
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = GenomicsHandler.request.selector;
        selectors[1] = GenomicsHandler.contribute.selector;
        selectors[2] = GenomicsHandler.publish.selector;
        selectors[3] = GenomicsHandler.cancel.selector;
        selectors[4] = GenomicsHandler.close.selector;
        selectors[5] = GenomicsHandler.warp.selector;
        selectors[6] = GenomicsHandler.setBudget.selector;
        selectors[7] = GenomicsHandler.newVersion.selector;
        selectors[8] = GenomicsHandler.withdraw.selector;
        targetContract(address(handler));
        targetSelector(address(handler), selectors);
    }

    /// The handler reaches every state the invariants talk about.
    function test_handlerDoesRealBusiness() public {
        handler.request(7, 5); // all three datasets
        handler.request(3, 5);
        handler.contribute(0);
        handler.contribute(1 << 8);
        handler.contribute(2 << 8);
        handler.publish(0);
        handler.cancel(1);
        assertEq(handler.queryCount(), 2, "two queries approved");
        GenomicQueries q = handler.queries();
        assertEq(uint8(q.queryOf(handler.queryAt(0)).status), uint8(IGenomicQueries.QueryStatus.Answered), "answered");
        assertEq(
            uint8(q.queryOf(handler.queryAt(1)).status),
            uint8(IGenomicQueries.QueryStatus.Cancelled),
            "cancelled"
        );
        invariant_noDatasetChargedPastItsBudget();
        invariant_budgetsEqualTheChargesOfTheirQueries();
        invariant_noResultWithFewerLabsThanTheRule();
    }

    /// No sequence of calls charges a dataset past its budget (beyond what was spent before a lowering).
    function invariant_noDatasetChargedPastItsBudget() public view {
        GenomicQueries q = handler.queries();
        uint256 budget = q.rules().budget;
        for (uint256 i = 0; i < 3; ++i) {
            bytes32 key = handler.datasetKeys(i);
            IGenomicQueries.Budget memory b = q.budgetOf(key);
            uint256 floor = handler.ghostFloor(key);
            assertLe(uint256(b.consumed) + b.reserved, budget > floor ? budget : floor, "spent <= budget");
        }
    }

    /// Consumed = the charges of contributed datasets; reserved = those of open queries not yet contributed.
    function invariant_budgetsEqualTheChargesOfTheirQueries() public view {
        GenomicQueries q = handler.queries();
        GenomicDatasets d = handler.datasets();
        uint256[3] memory consumed;
        uint256[3] memory reserved;
        for (uint256 k = 0; k < handler.queryCount(); ++k) {
            uint256 id = handler.queryAt(k);
            IGenomicQueries.Query memory query = q.queryOf(id);
            bool open =
                query.status == IGenomicQueries.QueryStatus.Approved ||
                    query.status == IGenomicQueries.QueryStatus.Collecting;
            bytes32[] memory versions = q.versionsOf(id);
            for (uint256 j = 0; j < versions.length; ++j) {
                bytes32 key = d.queryView(versions[j]).datasetKey;
                uint256 i =
                    key == handler.datasetKeys(0)
                        ? 0
                        : key == handler.datasetKeys(1)
                            ? 1
                            : 2;
                if (q.contributionOf(id, versions[j]) != bytes32(0)) consumed[i] += query.cost;
                else if (open) reserved[i] += query.cost;
            }
        }
        for (uint256 i = 0; i < 3; ++i) {
            IGenomicQueries.Budget memory b = q.budgetOf(handler.datasetKeys(i));
            assertEq(b.consumed, consumed[i], "consumed == charges of contributions");
            assertEq(b.reserved, reserved[i], "reserved == charges of open, uncontributed queries");
        }
    }

    /// No result is released with fewer contributing labs than the rule in force said.
    function invariant_noResultWithFewerLabsThanTheRule() public view {
        GenomicQueries q = handler.queries();
        for (uint256 k = 0; k < handler.queryCount(); ++k) {
            uint256 id = handler.queryAt(k);
            if (q.queryOf(id).status != IGenomicQueries.QueryStatus.Answered) continue;
            IGenomicQueries.Result memory r = q.resultOf(id);
            assertGe(r.labs, handler.ghostMinLabsAtPublish(id), "labs >= minLabs at release");
            assertGe(r.labs, 2, "never fewer than two labs");
            assertEq(r.labs, q.queryOf(id).contributedLabs, "the result counts the labs that contributed");
        }
    }
}
