// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IVariantInterpretations} from "../interfaces/IVariantInterpretations.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {LabSignatures} from "./base/LabSignatures.sol";
import {TierCounts} from "./libraries/ClinVarReview.sol";

/**
 * @title VariantInterpretations
 * @notice ClinVar-style classifications: one signed classification per submitting lab, variant and
 * condition (keyed by the lab's member id, so a lab with several accounts still counts once); a
 * revision replaces the lab's previous one. Each variant and condition keeps the list of labs that
 * ever classified it; a read counts the current classification of each lab that is an active
 * Laboratory now into one word of tier counts (`TierCounts`), from which `ClinVarReview` derives the
 * aggregate, stars and conflict. So a suspended lab's classifications stop counting at once and come
 * back if it is reinstated, a revoked lab's never count again, and nobody has to purge anything.
 */
contract VariantInterpretations is IVariantInterpretations, LabSignatures {
    /// @notice EIP-712 type of a classification.
    bytes32 public constant CLASSIFICATION_TYPEHASH = keccak256(
        "Classification(bytes32 lab,bytes32 variant,uint32 condition,uint8 significance,bool assertionCriteria,"
        "bytes32 evidence,uint256 nonce,uint256 deadline)"
    );

    mapping(bytes32 submissionKey => Submission submission) private _submissions;
    mapping(bytes32 topicKey => bytes32[] labs) private _submitters;
    bytes32 private _expertPanel;

    /// @param registry the consortium registry to trust
    constructor(
        IConsortiumRegistry registry
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_GENOMICS) EIP712("MedChain VariantInterpretations", "1") {}

    /// @inheritdoc IVariantInterpretations
    function submit(Classification calldata c, address signer, bytes calldata signature) external whenNotPaused {
        if (c.variant == bytes32(0)) revert GenomicsInvalidClassification(c.variant, c.condition, "variant");
        if (c.condition == 0) revert GenomicsInvalidClassification(c.variant, c.condition, "condition");
        if (c.significance == Significance.None) {
            revert GenomicsInvalidClassification(c.variant, c.condition, "significance");
        }
        _useLabSignature(
            c.lab,
            signer,
            keccak256(abi.encode(CLASSIFICATION_TYPEHASH, c)),
            c.nonce,
            c.deadline,
            signature
        );
        Submission storage s = _submissions[_submissionKey(c.lab, c.variant, c.condition)];
        // A lab joins a topic's list once: the revision survives retraction.
        if (s.revision == 0) _submitters[_topicKey(c.variant, c.condition)].push(c.lab);
        uint32 revision = s.revision + 1;
        _submissions[_submissionKey(c.lab, c.variant, c.condition)] = Submission({
            significance: c.significance,
            assertionCriteria: c.assertionCriteria,
            revision: revision,
            submittedAt: uint40(block.timestamp),
            evidence: c.evidence
        });
        emit ClassificationSubmitted(
            c.variant,
            c.condition,
            c.lab,
            c.significance,
            c.assertionCriteria,
            c.evidence,
            revision,
            signer
        );
    }

    /// @inheritdoc IVariantInterpretations
    function retract(bytes32 variant, uint32 condition) external {
        bytes32 lab = _requireMemberWhenNotPaused(msg.sender, MemberKinds.LABORATORY);
        Submission storage s = _submissions[_submissionKey(lab, variant, condition)];
        if (s.significance == Significance.None) revert GenomicsNoClassification(lab, variant, condition);
        // The revision number survives, so a later submission continues the lab's history.
        s.significance = Significance.None;
        s.assertionCriteria = false;
        s.evidence = bytes32(0);
        s.submittedAt = uint40(block.timestamp);
        emit ClassificationRetracted(variant, condition, lab);
    }

    /// @inheritdoc IVariantInterpretations
    function setExpertPanel(bytes32 memberId) external onlyConsortiumVote {
        _expertPanel = memberId;
        emit ExpertPanelSet(memberId, _currentProposal());
    }

    /// @inheritdoc IVariantInterpretations
    function submissionOf(bytes32 lab, bytes32 variant, uint32 condition) external view returns (Submission memory) {
        return _submissions[_submissionKey(lab, variant, condition)];
    }

    /// @inheritdoc IVariantInterpretations
    function interpretationOf(bytes32 variant, uint32 condition) external view returns (Interpretation memory i) {
        bytes32[] storage labs = _submitters[_topicKey(variant, condition)];
        TierCounts counts;
        for (uint256 k = 0; k < labs.length; ++k) {
            Submission storage s = _submissions[_submissionKey(labs[k], variant, condition)];
            if (s.significance == Significance.None) continue;
            if (_active(labs[k])) counts = counts.added(s.significance, s.assertionCriteria);
            else ++i.inactive;
        }
        Significance expert =
            _expertPanel != bytes32(0) && _active(_expertPanel)
                ? _submissions[_submissionKey(_expertPanel, variant, condition)].significance
                : Significance.None;
        i.withCriteria = counts.counts(true);
        i.withoutCriteria = counts.counts(false);
        (i.aggregate, i.stars, i.conflict) = counts.review(expert);
        i.expertPanel = expert;
    }

    /// @inheritdoc IVariantInterpretations
    function submittersOf(bytes32 variant, uint32 condition) external view returns (bytes32[] memory) {
        return _submitters[_topicKey(variant, condition)];
    }

    /// @inheritdoc IVariantInterpretations
    function hashClassification(Classification calldata c) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CLASSIFICATION_TYPEHASH, c)));
    }

    /// @inheritdoc IVariantInterpretations
    function expertPanel() external view returns (bytes32) {
        return _expertPanel;
    }

    /// @dev Whether `lab` is an active Laboratory now: only such labs' classifications count.
    function _active(bytes32 lab) private view returns (bool) {
        return consortium.isActiveMemberId(lab, MemberKinds.LABORATORY);
    }

    function _submissionKey(bytes32 lab, bytes32 variant, uint32 condition) private pure returns (bytes32) {
        return keccak256(abi.encode(lab, variant, condition));
    }

    function _topicKey(bytes32 variant, uint32 condition) private pure returns (bytes32) {
        return keccak256(abi.encode(variant, condition));
    }
}
