// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimsEngine} from "../../../contracts/claims/ClaimsEngine.sol";
import {ClaimsPlans} from "../../../contracts/claims/ClaimsPlans.sol";
import {SettlementVault} from "../../../contracts/claims/SettlementVault.sol";
import {IClaims} from "../../../contracts/interfaces/IClaims.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IRecordVerifier} from "../../../contracts/interfaces/IRecordVerifier.sol";
import {MerkleLeaf} from "../../../contracts/libraries/MerkleLeaf.sol";
import {MockRecordVerifier} from "../../../contracts/mocks/MockRecordVerifier.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {vm} from "../utils/Vm.sol";

/// @notice Stands in for the ConsortiumRegistry: the questions the claims contracts ask, from a table.
contract StubRegistry {
    mapping(address account => bytes32 memberId) public memberOf;
    mapping(bytes32 memberId => uint8 kinds) public kindsOf;

    function setMember(address account, bytes32 memberId, uint8 kinds) external {
        memberOf[account] = memberId;
        kindsOf[memberId] = kinds;
    }

    function authorize(address account, uint8 kindMask, bytes32) external view returns (bytes32, bool, bool) {
        bytes32 id = memberOf[account];
        return (id, kindsOf[id] & kindMask != 0, false);
    }

    function activeMemberOf(address account, uint8 kindMask) external view returns (bytes32, bool) {
        bytes32 id = memberOf[account];
        return (id, kindsOf[id] & kindMask != 0);
    }

    function isActiveMemberId(bytes32 memberId, uint8 kindMask) external view returns (bool) {
        return kindsOf[memberId] & kindMask != 0;
    }

    function getMember(bytes32 memberId) external view returns (IConsortiumRegistry.Member memory m) {
        m.kinds = kindsOf[memberId];
        m.status = IConsortiumRegistry.MemberStatus.Active;
    }

    function isPaused(bytes32) external pure returns (bool) {
        return false;
    }

    function executingProposal() external pure returns (uint256) {
        return 0;
    }
}

/**
 * @notice Drives the claims module with random but well-formed business: submissions (duplicates,
 * reused and foreign documentation included), reviews, escalations, appeals, voids, replacements,
 * settlements, withdrawals, plan revisions that lower or raise maxima, and time. It keeps, per claim,
 * what it submitted and the details the engine hashed, so the invariants can recompute every total.
 */
contract ClaimsHandler {
    ClaimsEngine public immutable engine;
    ClaimsPlans public immutable plans;
    SettlementVault public immutable vault;
    TestStablecoin public immutable token;
    MockRecordVerifier public immutable records;

    address public constant HOSPITAL = address(0x1001);
    address public constant LAB = address(0x1002);
    address public constant INSURER = address(0x1003);
    bytes32 public constant HOSPITAL_ID = keccak256("hospital");
    bytes32 public constant LAB_ID = keccak256("lab");
    bytes32 public constant INSURER_ID = keccak256("insurer");
    uint256 public constant DOCS = 4;

    uint32 public planId;
    uint40 public coverageStart;
    bytes32[3] public patients;
    bytes32[4] internal _codes;

    /// @notice What the handler knows of one claim.
    struct Record {
        bytes32 provider; // billing provider
        bytes32 leaf; // the documentation leaf it cited
        IClaims.Documentation documentation; // what it cited
        bytes details; // abi-encoded ClaimDetails, as the engine hashed them
    }

    uint256[] internal _claims;
    mapping(uint256 claimId => Record record) internal _records;
    /// @notice Ghost: tokens providers withdrew.
    uint256 public withdrawn;
    /// @notice Ghost: the largest deductible, out-of-pocket maximum and annual limit any version had.
    uint256 public maxDeductible;
    uint256 public maxOop;
    uint256 public maxLimit;

    /**
     * @param registry the stub registry the contracts were deployed on
     * @param engine_ a ClaimsEngine on `plans_` and `records_` (deployed by the test: it links libraries)
     */
    constructor(StubRegistry registry, ClaimsEngine engine_, ClaimsPlans plans_, MockRecordVerifier records_) {
        engine = engine_;
        plans = plans_;
        records = records_;
        vault = SettlementVault(address(engine_.vault()));
        token = TestStablecoin(address(vault.token()));
        registry.setMember(HOSPITAL, HOSPITAL_ID, 1);
        registry.setMember(LAB, LAB_ID, 2);
        registry.setMember(INSURER, INSURER_ID, 32);

        IClaims.CodeRule[] memory rules = new IClaims.CodeRule[](4);
        for (uint256 i = 0; i < 4; ++i) {
            _codes[i] = keccak256(abi.encode("code", i));
            rules[i] = IClaims.CodeRule(_codes[i], uint96(50e6 * (i + 1) ** 2), 5, false, i == 3);
        }
        coverageStart = uint40(block.timestamp - 30 days);
        vm.prank(INSURER);
        planId = plans.publishPlan(_terms(uint40(block.timestamp - 365 days), 300e6, 2000e6, 6000e6), rules);
        (maxDeductible, maxOop, maxLimit) = (300e6, 2000e6, 6000e6);
        for (uint256 p = 0; p < 3; ++p) {
            patients[p] = keccak256(abi.encode("patient", p));
            vm.startPrank(INSURER);
            plans.enrol(planId, patients[p], coverageStart, coverageStart + 365 days);
            plans.authorise(planId, patients[p], _codes[3], 4, coverageStart, coverageStart + 365 days);
            vm.stopPrank();
            for (uint256 d = 0; d < DOCS; ++d) {
                records.setRecord(
                    HOSPITAL_ID,
                    MerkleLeaf.ofPair(patients[p], _docCommitment(p, d)),
                    IRecordVerifier.RecordStatus.Active
                );
                records.setRecord(
                    LAB_ID,
                    MerkleLeaf.ofPair(patients[p], _docCommitment(p, d)),
                    IRecordVerifier.RecordStatus.Active
                );
            }
        }
        _fund(50_000e6);
    }

    // ---------------------------------------------------------------- views for the invariants

    function claimCount() external view returns (uint256) {
        return _claims.length;
    }

    function claimAt(uint256 i) external view returns (uint256) {
        return _claims[i];
    }

    function detailsOf(uint256 claimId) public view returns (IClaims.ClaimDetails memory) {
        return abi.decode(_records[claimId].details, (IClaims.ClaimDetails));
    }

    function providerOf(uint256 claimId) external view returns (bytes32) {
        return _records[claimId].provider;
    }

    function leafOf(uint256 claimId) external view returns (bytes32) {
        return _records[claimId].leaf;
    }

    function codeAt(uint256 i) external view returns (bytes32) {
        return _codes[i];
    }

    // ---------------------------------------------------------------- actions

    function fund(uint256 amount) external {
        _fund(1 + (amount % 20_000e6));
    }

    function _fund(uint256 amount) private {
        token.mint(INSURER, amount);
        vm.startPrank(INSURER);
        token.approve(address(vault), amount);
        vault.fund(amount);
        vm.stopPrank();
    }

    function withdrawEscrow(uint256 amount) external {
        uint256 free = vault.escrowOf(INSURER_ID).free;
        if (free == 0) return;
        vm.prank(INSURER);
        vault.withdrawEscrow(1 + (amount % free));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 3 days));
    }

    function submit(uint256 seed) external {
        (IClaims.ClaimInput memory input, address caller) = _input(seed);
        IClaims.Totals memory before = engine.totalsOf(planId, input.patientRef, input.coverageStart);
        vm.prank(caller);
        uint256 claimId = engine.submit(input);
        _remember(claimId, caller, input, before);
    }

    function replace(uint256 seed) external {
        (bool found, uint256 id) = _find(seed, _bits(1) | _bits(2) | _bits(4) | _bits(5) | _bits(7));
        if (!found) return;
        address caller = _records[id].provider == LAB_ID ? LAB : HOSPITAL;
        (IClaims.ClaimInput memory input, ) = _input(seed >> 1);
        IClaims.ClaimDetails memory original = detailsOf(id);
        bool charged = _charged(engine.claimOf(id).status);
        IClaims.Totals memory before = engine.totalsOf(planId, input.patientRef, input.coverageStart);
        if (charged && original.patientRef == input.patientRef) {
            // The original's charges come off the same totals first.
            before.deductibleMet -= original.deductibleApplied;
            before.oopPaid -= original.oopApplied;
            before.benefitPaid -= uint72(engine.claimOf(id).planPays);
            before.lastDecision = original.previousDecision;
        }
        vm.prank(caller);
        uint256 claimId = engine.replace(id, original, input);
        _remember(claimId, caller, input, before);
    }

    function review(uint256 seed, bool approveIt) external {
        (bool found, uint256 id) = _find(seed, _bits(1));
        if (!found) return;
        IClaims.Totals memory before = _totalsOf(id);
        vm.prank(INSURER);
        if (approveIt) {
            engine.approve(id, detailsOf(id));
            _decided(id, before);
        } else {
            engine.deny(id, 50);
        }
    }

    function escalate(uint256 seed) external {
        (bool found, uint256 id) = _find(seed, _bits(1) | _bits(2));
        if (!found) return;
        IClaims.Claim memory c = engine.claimOf(id);
        vm.warp(uint256(c.statusAt) + 7 days + 1);
        IClaims.Totals memory before = _totalsOf(id);
        vm.prank(_records[id].provider == LAB_ID ? LAB : HOSPITAL);
        engine.escalate(id, detailsOf(id));
        if (c.status == IClaims.ClaimStatus.PendingReview) _decided(id, before);
    }

    function appeal(uint256 seed) external {
        (bool found, uint256 id) = _find(seed, _bits(4) | _bits(5));
        if (!found) return;
        vm.prank(_records[id].provider == LAB_ID ? LAB : HOSPITAL);
        engine.appeal(id);
    }

    function decideAppeal(uint256 seed, bool overturn) external {
        (bool found, uint256 id) = _find(seed, _bits(6));
        if (!found) return;
        IClaims.Documentation memory documentation = _records[id].documentation;
        IClaims.Totals memory before = _totalsOf(id);
        vm.prank(INSURER);
        engine.decideAppeal(id, overturn, overturn ? 0 : 50, detailsOf(id), documentation);
        if (overturn) _decided(id, before);
    }

    function voidOne(uint256 seed) external {
        (bool found, uint256 id) = _find(seed, _bits(1) | _bits(2) | _bits(4));
        if (!found) return;
        vm.prank(_records[id].provider == LAB_ID ? LAB : HOSPITAL);
        engine.voidClaim(id, detailsOf(id));
    }

    function settle(uint256 seed) external {
        uint256[] memory batch = new uint256[](5);
        uint256 k;
        for (uint256 i = 0; i < _claims.length && k < 5; ++i) {
            uint256 id = _claims[(seed + i) % _claims.length];
            if (engine.claimOf(id).status == IClaims.ClaimStatus.Approved) batch[k++] = id;
        }
        assembly {
            mstore(batch, k)
        }
        if (k == 0) return;
        vm.prank(INSURER);
        engine.settle(batch);
    }

    function withdraw(bool lab) external {
        bytes32 id = lab ? LAB_ID : HOSPITAL_ID;
        uint256 credit = vault.creditOf(id);
        if (credit == 0) return;
        withdrawn += credit;
        vm.prank(lab ? LAB : HOSPITAL);
        vault.withdraw();
    }

    /// @notice A revision effective tomorrow with maxima drawn anew: lower than what patients met, or higher.
    function revise(uint256 seed) external {
        uint256 oop = 100e6 + (seed % 3000e6);
        uint256 deductible = (seed >> 40) % (oop + 1);
        uint256 limit = 100e6 + ((seed >> 80) % 9000e6);
        IClaims.CodeRule[] memory rules = new IClaims.CodeRule[](4);
        for (uint256 i = 0; i < 4; ++i)
            rules[i] = IClaims.CodeRule(_codes[i], uint96(40e6 * (i + 1) ** 2), 5, false, i == 3);
        vm.prank(INSURER);
        plans.revisePlan(
            planId,
            _terms(uint40(block.timestamp + 1 days), uint72(deductible), uint72(oop), uint72(limit)),
            rules
        );
        if (deductible > maxDeductible) maxDeductible = deductible;
        if (oop > maxOop) maxOop = oop;
        if (limit > maxLimit) maxLimit = limit;
    }

    // ---------------------------------------------------------------- internals

    function _terms(
        uint40 effectiveFrom,
        uint72 deductible,
        uint72 oopMax,
        uint72 limit
    ) private pure returns (IClaims.PlanTerms memory) {
        return
            IClaims.PlanTerms({
                effectiveFrom: effectiveFrom,
                coinsuranceBps: 2000,
                deductible: deductible,
                oopMax: oopMax,
                reviewWindow: 7 days,
                annualLimit: limit,
                copay: 15e6,
                reviewThreshold: 1500e6,
                appealWindow: 30 days
            });
    }

    function _docCommitment(uint256 p, uint256 d) private pure returns (bytes32) {
        return keccak256(abi.encode("documentation", p, d));
    }

    function _input(uint256 seed) private view returns (IClaims.ClaimInput memory input, address caller) {
        bool byLab = seed % 2 == 1;
        caller = byLab ? LAB : HOSPITAL;
        uint256 p = (seed >> 8) % 3;
        input.patientRef = patients[p];
        input.planId = planId;
        input.coverageStart = coverageStart;
        input.serviceDate = uint40(block.timestamp - ((seed >> 16) % 6) * 1 days - ((seed >> 20) % 3600));
        // Mostly the patient's own documentation (often reused), sometimes another patient's.
        uint256 docPatient = (seed >> 28) % 8 == 0 ? (p + 1) % 3 : p;
        input.documentation.commitment = _docCommitment(docPatient, (seed >> 32) % DOCS);
        uint256 n = 1 + ((seed >> 36) % 3);
        input.lines = new IClaims.Line[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            input.lines[i] = IClaims.Line(
                _codes[(((seed >> 40) % 4) + i) % 4],
                uint32(1 + (s % 3)),
                uint96(s % 4000e6)
            );
        }
    }

    function _remember(
        uint256 claimId,
        address caller,
        IClaims.ClaimInput memory input,
        IClaims.Totals memory before
    ) private {
        _claims.push(claimId);
        Record storage r = _records[claimId];
        r.provider = caller == LAB ? LAB_ID : HOSPITAL_ID;
        r.leaf = MerkleLeaf.ofPair(input.patientRef, input.documentation.commitment);
        r.documentation = input.documentation;
        IClaims.ClaimDetails memory d = IClaims.ClaimDetails({
            patientRef: input.patientRef,
            coverageStart: input.coverageStart,
            serviceDate: input.serviceDate,
            deductibleApplied: 0,
            oopApplied: 0,
            previousDecision: 0,
            lines: input.lines
        });
        if (_charged(engine.claimOf(claimId).status)) _applied(d, before);
        r.details = abi.encode(d);
    }

    function _totalsOf(uint256 id) private view returns (IClaims.Totals memory) {
        IClaims.ClaimDetails memory d = detailsOf(id);
        return engine.totalsOf(planId, d.patientRef, d.coverageStart);
    }

    /// @dev After a decision on a claim: records what it charged (if it was charged).
    function _decided(uint256 id, IClaims.Totals memory before) private {
        IClaims.ClaimDetails memory d = detailsOf(id);
        if (_charged(engine.claimOf(id).status)) {
            _applied(d, before);
            _records[id].details = abi.encode(d);
        }
    }

    function _applied(IClaims.ClaimDetails memory d, IClaims.Totals memory before) private view {
        IClaims.Totals memory after_ = engine.totalsOf(planId, d.patientRef, d.coverageStart);
        d.deductibleApplied = after_.deductibleMet - before.deductibleMet;
        d.oopApplied = after_.oopPaid - before.oopPaid;
        d.previousDecision = before.lastDecision;
    }

    function _charged(IClaims.ClaimStatus status) private pure returns (bool) {
        return status == IClaims.ClaimStatus.Approved || status == IClaims.ClaimStatus.Paid;
    }

    function _bits(uint8 status) private pure returns (uint256) {
        return 1 << status;
    }

    function _find(uint256 seed, uint256 statuses) private view returns (bool, uint256) {
        for (uint256 i = 0; i < _claims.length; ++i) {
            uint256 id = _claims[(seed + i) % _claims.length];
            if ((1 << uint8(engine.claimOf(id).status)) & statuses != 0) return (true, id);
        }
        return (false, 0);
    }
}
