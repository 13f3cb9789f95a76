// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {GenomicDatasets} from "../../../contracts/genomics/GenomicDatasets.sol";
import {GenomicQueries} from "../../../contracts/genomics/GenomicQueries.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IGenomicDatasets} from "../../../contracts/interfaces/IGenomicDatasets.sol";
import {IGenomicQueries} from "../../../contracts/interfaces/IGenomicQueries.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";

/**
 * @notice Drives the real registry, datasets and queries with random business: requests by two
 * hospitals and the labs themselves over random dataset subsets, contributions, results,
 * cancellations, closings, new versions, withdrawals, suspensions and reinstatements, and budget
 * changes by vote. It is the consortium's sole governor (1-of-1).
 */
contract GenomicsHandler {
    ConsortiumRegistry public immutable registry;
    GenomicDatasets public immutable datasets;
    GenomicQueries public immutable queries;
    uint256 internal constant LABS = 3;
    uint16 internal constant HMB = 6;
    address public constant RESEARCHER = address(0xBEEF);
    address public constant RESEARCHER_B = address(0xBEEF2);
    address public constant AGGREGATOR = address(0xA66);
    /// @notice Requesting members: two hospitals, then the three labs (which also own the datasets).
    uint256 public constant REQUESTERS = 2 + LABS;
    bytes32[REQUESTERS] public requesterIds;

    uint256[LABS] internal _labKeys = [uint256(0xA11), 0xA12, 0xA13];
    bytes32[LABS] public labIds;
    bytes32[LABS] public datasetKeys;
    uint32[LABS] internal _versionNo;
    bytes32[LABS] public currentVersion;
    uint256[] internal _queries;

    /// @notice Ghost: per dataset, the spend the last budget lowering left in place (may exceed the budget).
    mapping(bytes32 datasetKey => uint256 floor) public ghostFloor;
    /// @notice Ghost: per dataset and requester, the spend the last lowering left above the new share.
    mapping(bytes32 datasetKey => mapping(bytes32 requester => uint256 floor)) public ghostShareFloor;
    /// @notice Ghost: the minimum-labs rule in force when each answered query was published.
    mapping(uint256 queryId => uint256 minLabs) public ghostMinLabsAtPublish;

    constructor() {
        address[] memory governors = new address[](1);
        governors[0] = address(this);
        registry = new ConsortiumRegistry(address(this), governors, 1, 7 days);
        for (uint256 i = 0; i < LABS; ++i) {
            labIds[i] = keccak256(abi.encode("lab", i));
            _admit(labIds[i], vm.addr(_labKeys[i]), MemberKinds.LABORATORY);
            requesterIds[2 + i] = labIds[i];
        }
        requesterIds[0] = keccak256("researcher");
        requesterIds[1] = keccak256("researcher B");
        _admit(requesterIds[0], RESEARCHER, MemberKinds.HOSPITAL);
        _admit(requesterIds[1], RESEARCHER_B, MemberKinds.HOSPITAL);
        datasets = new GenomicDatasets(registry);
        queries = new GenomicQueries(registry, datasets);
        _govern(abi.encodeCall(queries.setBudgetRule, (2_000_000, 100_000, 50_000, 50)));
        _govern(abi.encodeCall(queries.setReleaseRule, (5, 2)));
        _govern(abi.encodeCall(queries.setPurposeKinds, (HMB, MemberKinds.HOSPITAL | MemberKinds.LABORATORY)));
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

    /// @notice An account of requester `r` (0, 1: the hospitals; 2..: the labs).
    function requesterAccount(uint256 r) public view returns (address) {
        return
            r == 0
                ? RESEARCHER
                : r == 1
                    ? RESEARCHER_B
                    : vm.addr(_labKeys[r - 2]);
    }

    function _accountOf(bytes32 member) private view returns (address) {
        for (uint256 r = 0; r < REQUESTERS; ++r) if (requesterIds[r] == member) return requesterAccount(r);
        return address(0);
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

    /// A random requester (a hospital or a lab) asks for `cells` cells over a random subset (2 or 3 datasets).
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
        vm.prank(requesterAccount((seed >> 16) % REQUESTERS));
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

    /// The requester of a random query cancels it.
    function cancel(uint256 seed) external {
        if (_queries.length == 0) return;
        uint256 id = _queries[seed % _queries.length];
        vm.prank(_accountOf(queries.queryOf(id).requester));
        try queries.cancelQuery(id) {} catch {}
    }

    /// The alliance suspends a random requester (a hospital or a lab), or reinstates it.
    function toggleSuspension(uint256 seed) external {
        bytes32 member = requesterIds[seed % REQUESTERS];
        IConsortiumRegistry.MemberStatus status = registry.getMember(member).status;
        IConsortiumRegistry.ProposalAction action =
            status == IConsortiumRegistry.MemberStatus.Active
                ? IConsortiumRegistry.ProposalAction.Suspend
                : IConsortiumRegistry.ProposalAction.Reinstate;
        uint256 p = registry.propose(action, member, address(0), 0, 0);
        registry.vote(p);
        registry.execute(p);
    }

    function close(uint256 seed) external {
        if (_queries.length == 0) return;
        try queries.closeQuery(_queries[seed % _queries.length]) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 2 days));
    }

    /// The alliance changes the budget and the requester share by vote (sometimes below what was spent).
    function setBudget(uint48 budget, uint8 share) external {
        budget = 1 + (budget % 4_000_000);
        share = 1 + (share % 50);
        _govern(abi.encodeCall(queries.setBudgetRule, (budget, 100_000, 50_000, share)));
        for (uint256 i = 0; i < LABS; ++i) {
            IGenomicQueries.Budget memory b = queries.budgetOf(datasetKeys[i]);
            ghostFloor[datasetKeys[i]] = uint256(b.consumed) + b.reserved;
            for (uint256 r = 0; r < REQUESTERS; ++r) {
                IGenomicQueries.Budget memory mine = queries.requesterBudgetOf(datasetKeys[i], requesterIds[r]);
                ghostShareFloor[datasetKeys[i]][requesterIds[r]] = uint256(mine.consumed) + mine.reserved;
            }
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
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = GenomicsHandler.request.selector;
        selectors[1] = GenomicsHandler.contribute.selector;
        selectors[2] = GenomicsHandler.publish.selector;
        selectors[3] = GenomicsHandler.cancel.selector;
        selectors[4] = GenomicsHandler.close.selector;
        selectors[5] = GenomicsHandler.warp.selector;
        selectors[6] = GenomicsHandler.setBudget.selector;
        selectors[7] = GenomicsHandler.newVersion.selector;
        selectors[8] = GenomicsHandler.withdraw.selector;
        selectors[9] = GenomicsHandler.toggleSuspension.selector;
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
        handler.request(7 | (2 << 16), 5); // lab 0 asks over all three: two others count
        assertEq(q.queryOf(handler.queryAt(2)).labs, 2, "the requesting lab's own dataset does not count");
        handler.toggleSuspension(1); // researcher B suspended, then a query of its is refused
        handler.request(7 | (1 << 16), 5);
        assertEq(handler.queryCount(), 3, "a suspended member asks nothing");
        invariant_noDatasetChargedPastItsBudget();
        invariant_noRequesterHoldsMoreThanItsShare();
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

    /// No requester (hospital or lab) ever holds or spends more than its share of any dataset's budget,
    /// so one researcher, however it renews unanswered queries, never locks the others out.
    function invariant_noRequesterHoldsMoreThanItsShare() public view {
        GenomicQueries q = handler.queries();
        IGenomicQueries.Rules memory rules = q.rules();
        uint256 cap = (uint256(rules.budget) * rules.requesterShare) / 100;
        for (uint256 i = 0; i < 3; ++i) {
            bytes32 key = handler.datasetKeys(i);
            for (uint256 r = 0; r < handler.REQUESTERS(); ++r) {
                bytes32 who = handler.requesterIds(r);
                IGenomicQueries.Budget memory mine = q.requesterBudgetOf(key, who);
                uint256 floor = handler.ghostShareFloor(key, who);
                assertLe(uint256(mine.consumed) + mine.reserved, cap > floor ? cap : floor, "spent <= share");
            }
        }
    }

    /// Consumed = the charges of contributed datasets; reserved = those of open queries not yet contributed;
    /// per dataset and, the same, per dataset and requester.
    function invariant_budgetsEqualTheChargesOfTheirQueries() public view {
        GenomicQueries q = handler.queries();
        uint256 n = handler.REQUESTERS();
        uint256[3] memory consumed;
        uint256[3] memory reserved;
        uint256[] memory mineConsumed = new uint256[](3 * n);
        uint256[] memory mineReserved = new uint256[](3 * n);
        for (uint256 k = 0; k < handler.queryCount(); ++k) {
            uint256 id = handler.queryAt(k);
            IGenomicQueries.Query memory query = q.queryOf(id);
            uint256 r = _requesterIndex(query.requester);
            bool open =
                query.status == IGenomicQueries.QueryStatus.Approved ||
                    query.status == IGenomicQueries.QueryStatus.Collecting;
            bytes32[] memory versions = q.versionsOf(id);
            for (uint256 j = 0; j < versions.length; ++j) {
                uint256 i = _datasetIndex(versions[j]);
                if (q.contributionOf(id, versions[j]) != bytes32(0)) {
                    consumed[i] += query.cost;
                    mineConsumed[i * n + r] += query.cost;
                } else if (open) {
                    reserved[i] += query.cost;
                    mineReserved[i * n + r] += query.cost;
                }
            }
        }
        for (uint256 i = 0; i < 3; ++i) {
            bytes32 key = handler.datasetKeys(i);
            IGenomicQueries.Budget memory b = q.budgetOf(key);
            assertEq(b.consumed, consumed[i], "consumed == charges of contributions");
            assertEq(b.reserved, reserved[i], "reserved == charges of open, uncontributed queries");
            for (uint256 r = 0; r < n; ++r) {
                IGenomicQueries.Budget memory mine = q.requesterBudgetOf(key, handler.requesterIds(r));
                assertEq(mine.consumed, mineConsumed[i * n + r], "a requester's consumed == its contributed charges");
                assertEq(mine.reserved, mineReserved[i * n + r], "a requester's reserved == its open charges");
            }
        }
    }

    /// No result is released with fewer contributing labs than the rule in force said, counting only labs
    /// other than the requester's member (which knows its own input).
    function invariant_noResultWithFewerLabsThanTheRule() public view {
        GenomicQueries q = handler.queries();
        for (uint256 k = 0; k < handler.queryCount(); ++k) {
            uint256 id = handler.queryAt(k);
            IGenomicQueries.Query memory query = q.queryOf(id);
            if (query.status != IGenomicQueries.QueryStatus.Answered) continue;
            IGenomicQueries.Result memory r = q.resultOf(id);
            assertGe(r.labs, handler.ghostMinLabsAtPublish(id), "labs >= minLabs at release");
            assertGe(r.labs, 2, "never fewer than two labs");
            assertEq(r.labs, query.contributedLabs, "the result counts the labs that contributed");
            assertEq(r.labs, _otherContributingLabs(id, query.requester), "only labs besides the requester count");
        }
    }

    /// Distinct labs, other than `requester`, that recorded a contribution to query `id`.
    function _otherContributingLabs(uint256 id, bytes32 requester) private view returns (uint256 count) {
        GenomicQueries q = handler.queries();
        bytes32[] memory versions = q.versionsOf(id);
        bool[3] memory seen;
        for (uint256 j = 0; j < versions.length; ++j) {
            if (q.contributionOf(id, versions[j]) == bytes32(0)) continue;
            uint256 i = _datasetIndex(versions[j]);
            if (handler.labIds(i) == requester || seen[i]) continue;
            seen[i] = true;
            ++count;
        }
    }

    function _datasetIndex(bytes32 versionId) private view returns (uint256) {
        bytes32 key = handler.datasets().queryView(versionId).datasetKey;
        return
            key == handler.datasetKeys(0)
                ? 0
                : key == handler.datasetKeys(1)
                    ? 1
                    : 2;
    }

    function _requesterIndex(bytes32 member) private view returns (uint256 r) {
        while (handler.requesterIds(r) != member) ++r;
    }
}
