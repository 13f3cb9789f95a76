// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {vm} from "../utils/Vm.sol";
import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {VariantInterpretations} from "../../../contracts/genomics/VariantInterpretations.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IVariantInterpretations} from "../../../contracts/interfaces/IVariantInterpretations.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";

/**
 * @notice Drives the real registry and interpretations with random business: labs submit, revise and
 * retract classifications of two variants; the alliance suspends, reinstates and revokes labs and
 * names an expert panel. It is the consortium's sole governor (1-of-1).
 */
contract InterpretationsHandler {
    ConsortiumRegistry public immutable registry;
    VariantInterpretations public immutable interpretations;
    uint256 public constant LABS = 4;
    uint32 public constant CONDITION = 7254;

    uint256[LABS] internal _keys = [uint256(0xB11), 0xB12, 0xB13, 0xB14];
    bytes32[LABS] public labIds;
    bytes32[2] public variants = [keccak256("variant A"), keccak256("variant B")];

    constructor() {
        address[] memory governors = new address[](1);
        governors[0] = address(this);
        registry = new ConsortiumRegistry(address(this), governors, 1, 7 days);
        for (uint256 i = 0; i < LABS; ++i) {
            labIds[i] = keccak256(abi.encode("interpreting lab", i));
            uint256 p = registry.certify(
                labIds[i],
                labIds[i],
                MemberKinds.LABORATORY,
                vm.addr(_keys[i]),
                uint64(block.timestamp + 3650 days)
            );
            registry.vote(p);
            registry.execute(p);
        }
        interpretations = new VariantInterpretations(registry);
    }

    /// A lab submits or revises its classification of a variant.
    function submit(uint256 seed, uint8 significance, bool criteria) external {
        uint256 i = seed % LABS;
        address signer = vm.addr(_keys[i]);
        IVariantInterpretations.Classification memory c = IVariantInterpretations.Classification({
            lab: labIds[i],
            variant: variants[(seed >> 8) % 2],
            condition: CONDITION,
            significance: IVariantInterpretations.Significance(1 + (significance % 5)),
            assertionCriteria: criteria,
            evidence: keccak256(abi.encode(seed)),
            nonce: interpretations.nonces(signer),
            deadline: block.timestamp + 1 days
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[i], interpretations.hashClassification(c));
        try interpretations.submit(c, signer, abi.encodePacked(r, s, v)) {} catch {}
    }

    /// A lab retracts its classification of a variant.
    function retract(uint256 seed) external {
        vm.prank(vm.addr(_keys[seed % LABS]));
        try interpretations.retract(variants[(seed >> 8) % 2], CONDITION) {} catch {}
    }

    /// The alliance suspends an active lab or reinstates a suspended one (a revoked one stays revoked).
    function toggleSuspension(uint256 seed) external {
        bytes32 lab = labIds[seed % LABS];
        IConsortiumRegistry.MemberStatus status = registry.getMember(lab).status;
        if (status == IConsortiumRegistry.MemberStatus.Revoked) return;
        _vote(
            status == IConsortiumRegistry.MemberStatus.Active
                ? IConsortiumRegistry.ProposalAction.Suspend
                : IConsortiumRegistry.ProposalAction.Reinstate,
            lab
        );
    }

    /// The alliance revokes a lab for good.
    function revoke(uint256 seed) external {
        bytes32 lab = labIds[seed % LABS];
        if (registry.getMember(lab).status == IConsortiumRegistry.MemberStatus.Revoked) return;
        _vote(IConsortiumRegistry.ProposalAction.Revoke, lab);
    }

    /// The alliance names a lab its expert panel.
    function nameExpertPanel(uint256 seed) external {
        uint256 p = registry.proposeCall(
            address(interpretations),
            abi.encodeCall(interpretations.setExpertPanel, (labIds[seed % LABS]))
        );
        registry.vote(p);
        registry.execute(p);
    }

    function _vote(IConsortiumRegistry.ProposalAction action, bytes32 lab) private {
        uint256 p = registry.propose(action, lab, address(0), 0, 0);
        registry.vote(p);
        registry.execute(p);
    }
}

/// @notice Only the current classifications of labs active now ever count, whatever happened before.
contract VariantInterpretationsInvariantTest is TestBase {
    InterpretationsHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        handler = new InterpretationsHandler();
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = InterpretationsHandler.submit.selector;
        selectors[1] = InterpretationsHandler.retract.selector;
        selectors[2] = InterpretationsHandler.toggleSuspension.selector;
        selectors[3] = InterpretationsHandler.revoke.selector;
        selectors[4] = InterpretationsHandler.nameExpertPanel.selector;
        targetContract(address(handler));
        targetSelector(address(handler), selectors);
    }

    /// The handler reaches the states the invariant talks about: counted, suspended, revoked, restored.
    function test_handlerDoesRealBusiness() public {
        handler.submit(0, 0, true); // lab 0: Benign, variant A
        handler.submit(1, 0, true); // lab 1: Benign
        handler.submit(2, 4, true); // lab 2: Pathogenic: a conflict
        VariantInterpretations vi = handler.interpretations();
        bytes32 a = handler.variants(0);
        assertTrue(vi.interpretationOf(a, 7254).conflict, "three active labs disagree");
        handler.toggleSuspension(2); // lab 2 suspended: its Pathogenic leaves the aggregate
        IVariantInterpretations.Interpretation memory i = vi.interpretationOf(a, 7254);
        assertTrue(!i.conflict && i.withCriteria[4] == 0 && i.inactive == 1, "a suspended lab does not count");
        handler.toggleSuspension(2); // reinstated: it counts again
        assertTrue(vi.interpretationOf(a, 7254).conflict, "a reinstated lab counts again");
        handler.revoke(2);
        handler.retract(2); // a revoked lab's key cannot retract (nor does it need to)
        assertEq(uint8(vi.submissionOf(handler.labIds(2), a, 7254).significance), 5, "its record stays");
        assertTrue(!vi.interpretationOf(a, 7254).conflict, "a revoked lab never counts again");
        invariant_onlyActiveLabsCount();
    }

    /// The tier counts are exactly the current classifications of the labs that are active Laboratories now;
    /// the others are reported as left out; the expert panel counts only while active.
    function invariant_onlyActiveLabsCount() public view {
        VariantInterpretations vi = handler.interpretations();
        ConsortiumRegistry registry = handler.registry();
        for (uint256 v = 0; v < 2; ++v) {
            bytes32 variant = handler.variants(v);
            uint256[5] memory withCriteria;
            uint256[5] memory withoutCriteria;
            uint256 inactive;
            for (uint256 l = 0; l < handler.LABS(); ++l) {
                IVariantInterpretations.Submission memory s = vi.submissionOf(handler.labIds(l), variant, 7254);
                if (s.significance == IVariantInterpretations.Significance.None) continue;
                if (!registry.isActiveMemberId(handler.labIds(l), MemberKinds.LABORATORY)) {
                    ++inactive;
                    continue;
                }
                if (s.assertionCriteria) ++withCriteria[uint8(s.significance) - 1];
                else ++withoutCriteria[uint8(s.significance) - 1];
            }
            IVariantInterpretations.Interpretation memory i = vi.interpretationOf(variant, 7254);
            for (uint256 t = 0; t < 5; ++t) {
                assertEq(i.withCriteria[t], withCriteria[t], "with-criteria counts = active labs' classifications");
                assertEq(i.withoutCriteria[t], withoutCriteria[t], "without-criteria counts = active labs' ones");
            }
            assertEq(i.inactive, inactive, "inactive labs' classifications are reported as left out");
            bytes32 panel = vi.expertPanel();
            IVariantInterpretations.Significance expert =
                panel != bytes32(0) && registry.isActiveMemberId(panel, MemberKinds.LABORATORY)
                    ? vi.submissionOf(panel, variant, 7254).significance
                    : IVariantInterpretations.Significance.None;
            assertEq(uint8(i.expertPanel), uint8(expert), "the expert panel counts only while active");
        }
    }
}
