// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ClaimsEngine} from "../../../contracts/claims/ClaimsEngine.sol";
import {ClaimsPlans} from "../../../contracts/claims/ClaimsPlans.sol";
import {IClaims} from "../../../contracts/interfaces/IClaims.sol";
import {IClaimsPlans} from "../../../contracts/interfaces/IClaims.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IRecordVerifier} from "../../../contracts/interfaces/IRecordVerifier.sol";
import {MerkleLeaf} from "../../../contracts/libraries/MerkleLeaf.sol";
import {MockRecordVerifier} from "../../../contracts/mocks/MockRecordVerifier.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";

/// @notice Stands in for the ConsortiumRegistry: the three questions ConsortiumGuarded asks, answered from a table.
contract StubRegistry {
    mapping(address account => bytes32 memberId) public memberOf;
    mapping(address account => uint8 kinds) public kindsOf;

    function setMember(address account, bytes32 memberId, uint8 kinds) external {
        memberOf[account] = memberId;
        kindsOf[account] = kinds;
    }

    function authorize(address account, uint8 kindMask, bytes32) external view returns (bytes32, bool, bool) {
        return (memberOf[account], kindsOf[account] & kindMask != 0, false);
    }

    function activeMemberOf(address account, uint8 kindMask) external view returns (bytes32, bool) {
        return (memberOf[account], kindsOf[account] & kindMask != 0);
    }

    function isPaused(bytes32) external pure returns (bool) {
        return false;
    }
}

/// @notice Drives the claims engine with random but well-formed business: claims, reviews, settlements, withdrawals.
contract ClaimsHandler {
    ClaimsEngine public immutable engine;
    ClaimsPlans public immutable plans;
    TestStablecoin public immutable token;
    address public constant HOSPITAL = address(0x1001);
    address public constant LAB = address(0x1002);
    address public constant INSURER = address(0x1003);
    bytes32 public constant HOSPITAL_ID = keccak256("hospital");
    bytes32 public constant LAB_ID = keccak256("lab");
    bytes32 public constant INSURER_ID = keccak256("insurer");
    bytes32 public constant RECORD_H = keccak256("record h");
    bytes32 public constant RECORD_L = keccak256("record l");

    uint32 public planId;
    uint40 public coverageStart;
    bytes32[3] public patients;
    bytes32[4] internal _codes;
    uint256[] internal _claims;
    mapping(uint256 claimId => bytes details) internal _details;
    /// @notice Ghost: tokens providers withdrew.
    uint256 public withdrawn;

    constructor(StubRegistry registry) {
        token = new TestStablecoin();
        MockRecordVerifier verifier = new MockRecordVerifier();
        plans = new ClaimsPlans(IConsortiumRegistry(address(registry)));
        engine = new ClaimsEngine(
            IConsortiumRegistry(address(registry)),
            IClaimsPlans(address(plans)),
            IRecordVerifier(address(verifier)),
            token
        );
        registry.setMember(HOSPITAL, HOSPITAL_ID, 1);
        registry.setMember(LAB, LAB_ID, 2);
        registry.setMember(INSURER, INSURER_ID, 32);

        IClaims.CodeRule[] memory rules = new IClaims.CodeRule[](4);
        for (uint256 i = 0; i < 4; ++i) {
            _codes[i] = keccak256(abi.encode("code", i));
            rules[i] = IClaims.CodeRule(_codes[i], uint96(50e6 * (i + 1) ** 2), 5, false, false);
        }
        coverageStart = uint40(block.timestamp - 30 days);
        vm.prank(INSURER);
        planId = plans.publishPlan(
            IClaims.PlanTerms({
                effectiveFrom: uint40(block.timestamp - 365 days),
                coinsuranceBps: 2000,
                deductible: 300e6,
                reviewThreshold: 1500e6,
                copay: 15e6,
                oopMax: 2000e6,
                annualLimit: 6000e6,
                reviewWindow: 7 days,
                appealWindow: 30 days
            }),
            rules
        );
        for (uint256 i = 0; i < 3; ++i) {
            patients[i] = keccak256(abi.encode("patient", i));
            // Each patient's billing documentation leaves, as the records module anchors them.
            verifier.setRecord(
                HOSPITAL_ID,
                MerkleLeaf.ofPair(patients[i], RECORD_H),
                IRecordVerifier.RecordStatus.Active
            );
            verifier.setRecord(LAB_ID, MerkleLeaf.ofPair(patients[i], RECORD_L), IRecordVerifier.RecordStatus.Active);
            vm.prank(INSURER);
            engine.enrol(planId, patients[i], coverageStart, coverageStart + 365 days);
        }
        fund(5000e6);
    }

    function claimCount() external view returns (uint256) {
        return _claims.length;
    }

    function claimAt(uint256 i) external view returns (uint256) {
        return _claims[i];
    }

    function fund(uint256 amount) public {
        amount = 1 + (amount % 20_000e6);
        token.mint(INSURER, amount);
        vm.prank(INSURER);
        token.approve(address(engine), amount);
        vm.prank(INSURER);
        engine.fund(amount);
    }

    function withdrawEscrow(uint256 amount) external {
        uint256 free = engine.escrowOf(INSURER_ID).free;
        if (free == 0) return;
        vm.prank(INSURER);
        engine.withdrawEscrow(1 + (amount % free));
    }

    function submit(uint256 seed) external {
        bool byLab = seed % 2 == 1;
        IClaims.ClaimInput memory input;
        input.patientRef = patients[(seed >> 8) % 3];
        input.planId = planId;
        input.serviceDate = uint40(block.timestamp - ((seed >> 16) % 20) * 1 days);
        input.recordCommitment = byLab ? RECORD_L : RECORD_H;
        uint256 n = 1 + ((seed >> 24) % 3);
        input.lines = new IClaims.Line[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            input.lines[i] = IClaims.Line(
                _codes[(((seed >> 32) % 4) + i) % 4],
                uint32(1 + (s % 5)),
                uint96(s % 2000e6)
            );
        }
        IClaims.Accumulator memory before = engine.totalsOf(planId, input.patientRef, coverageStart);
        vm.prank(byLab ? LAB : HOSPITAL);
        uint256 claimId = engine.submit(input);
        IClaims.Accumulator memory after_ = engine.totalsOf(planId, input.patientRef, coverageStart);
        bool accepted = engine.claimOf(claimId).keysHeld;
        _claims.push(claimId);
        _details[claimId] = abi.encode(
            IClaims.ClaimDetails({
                patientRef: input.patientRef,
                serviceDate: input.serviceDate,
                coverageStart: accepted ? coverageStart : 0,
                deductibleApplied: accepted ? after_.deductibleMet - before.deductibleMet : 0,
                oopApplied: accepted ? after_.oopPaid - before.oopPaid : 0,
                lines: input.lines
            })
        );
    }

    function settle(uint256 seed) external {
        uint256[] memory batch = new uint256[](5);
        uint256 k;
        for (uint256 i = 0; i < _claims.length && k < 5; ++i) {
            uint256 id = _claims[(seed + i) % _claims.length];
            if (engine.claimOf(id).status == IClaims.ClaimStatus.Approved && !_contains(batch, k, id)) batch[k++] = id;
        }
        assembly {
            mstore(batch, k)
        }
        if (k == 0) return;
        vm.prank(INSURER);
        engine.settle(batch);
    }

    function review(uint256 seed, bool approveIt) external {
        (bool found, uint256 id) = _find(seed, IClaims.ClaimStatus.PendingReview);
        if (!found) return;
        if (approveIt) {
            if (engine.escrowOf(INSURER_ID).free < engine.claimOf(id).planPays) return;
            vm.prank(INSURER);
            engine.approve(id);
        } else {
            vm.prank(INSURER);
            engine.deny(id, 50, _detailsOf(id));
        }
    }

    function voidOne(uint256 seed) external {
        (bool found, uint256 id) = _find(seed, IClaims.ClaimStatus.Approved);
        if (!found) return;
        vm.prank(_providerOf(id));
        engine.voidClaim(id, _detailsOf(id));
    }

    function withdraw(bool lab) external {
        bytes32 id = lab ? LAB_ID : HOSPITAL_ID;
        uint256 credit = engine.creditOf(id);
        if (credit == 0) return;
        withdrawn += credit;
        vm.prank(lab ? LAB : HOSPITAL);
        engine.withdraw();
    }

    function _providerOf(uint256 id) private view returns (address) {
        return engine.providerAt(engine.claimOf(id).provider) == LAB_ID ? LAB : HOSPITAL;
    }

    function _detailsOf(uint256 id) private view returns (IClaims.ClaimDetails memory) {
        return abi.decode(_details[id], (IClaims.ClaimDetails));
    }

    function _find(uint256 seed, IClaims.ClaimStatus status) private view returns (bool, uint256) {
        for (uint256 i = 0; i < _claims.length; ++i) {
            uint256 id = _claims[(seed + i) % _claims.length];
            if (engine.claimOf(id).status == status) return (true, id);
        }
        return (false, 0);
    }

    function _contains(uint256[] memory xs, uint256 n, uint256 x) private pure returns (bool) {
        for (uint256 i = 0; i < n; ++i) if (xs[i] == x) return true;
        return false;
    }
}

/// @notice Invariants of the settlement vault and the accumulators under random claims business.
contract ClaimsInvariantTest is TestBase {
    ClaimsHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        handler = new ClaimsHandler(new StubRegistry());
        targetContract(address(handler));
    }

    /// @dev The handler's actions succeed (so the invariants are checked against real business).
    function test_handlerDoesRealBusiness() public {
        for (uint256 i = 0; i < 12; ++i) handler.submit(uint256(keccak256(abi.encode(i))));
        handler.settle(0);
        handler.review(0, true);
        handler.review(1, false);
        handler.withdraw(false);
        assertEq(handler.claimCount(), 12, "twelve claims submitted");
        assertTrue(handler.withdrawn() > 0, "the hospital withdrew a credit");
        invariant_vaultHoldsExactlyEscrowPlusCredits();
        invariant_noClaimPaidTwice();
    }

    function invariant_vaultHoldsExactlyEscrowPlusCredits() public view {
        ClaimsEngine engine = handler.engine();
        IClaims.Escrow memory escrow = engine.escrowOf(handler.INSURER_ID());
        uint256 owed =
            uint256(escrow.free) +
                escrow.reserved +
                engine.creditOf(handler.HOSPITAL_ID()) +
                engine.creditOf(handler.LAB_ID());
        assertEq(handler.token().balanceOf(address(engine)), owed, "vault balance == free + reserved + credits");
    }

    function invariant_noClaimPaidTwice() public view {
        ClaimsEngine engine = handler.engine();
        uint256 paid;
        uint256 reserved;
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            IClaims.Claim memory c = engine.claimOf(handler.claimAt(i));
            if (c.status == IClaims.ClaimStatus.Paid) paid += c.planPays;
            if (c.status == IClaims.ClaimStatus.Approved) reserved += c.planPays;
        }
        uint256 credits = engine.creditOf(handler.HOSPITAL_ID()) + engine.creditOf(handler.LAB_ID());
        assertEq(credits + handler.withdrawn(), paid, "credited + withdrawn == plan share of paid claims, once each");
        assertEq(engine.escrowOf(handler.INSURER_ID()).reserved, reserved, "reserved == approved, unsettled claims");
    }

    function invariant_accumulatorsWithinPlanMaxima() public view {
        ClaimsEngine engine = handler.engine();
        IClaims.PlanTerms memory t = handler.plans().termsOf(handler.planId(), 0);
        for (uint256 i = 0; i < 3; ++i) {
            IClaims.Accumulator memory a = engine.totalsOf(
                handler.planId(),
                handler.patients(i),
                handler.coverageStart()
            );
            assertLe(a.deductibleMet, t.deductible, "deductible met <= deductible");
            assertLe(a.oopPaid, t.oopMax, "patient share <= OOP max");
            assertLe(a.benefitPaid, t.annualLimit, "plan payments <= annual limit");
        }
    }
}
