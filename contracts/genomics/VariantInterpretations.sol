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
 * revision replaces the lab's previous one. Tier counts per variant and condition live in one word
 * (`TierCounts`), from which `ClinVarReview` derives the aggregate, stars and conflict.
 */
contract VariantInterpretations is IVariantInterpretations, LabSignatures {
    /// @notice EIP-712 type of a classification.
    bytes32 public constant CLASSIFICATION_TYPEHASH = keccak256(
        "Classification(bytes32 lab,bytes32 variant,uint32 condition,uint8 significance,bool assertionCriteria,"
        "bytes32 evidence,uint256 nonce,uint256 deadline)"
    );

    mapping(bytes32 submissionKey => Submission submission) private _submissions;
    mapping(bytes32 topicKey => TierCounts counts) private _counts;
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
        bytes32 topic = _topicKey(c.variant, c.condition);
        TierCounts counts = _counts[topic];
        if (s.significance != Significance.None) counts = counts.removed(s.significance, s.assertionCriteria);
        _counts[topic] = counts.added(c.significance, c.assertionCriteria);
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
        bytes32 lab = consortium.memberOf(msg.sender);
        Submission storage s = _submissions[_submissionKey(lab, variant, condition)];
        if (lab == bytes32(0) || s.significance == Significance.None) {
            revert GenomicsNoClassification(lab, variant, condition);
        }
        bytes32 topic = _topicKey(variant, condition);
        _counts[topic] = _counts[topic].removed(s.significance, s.assertionCriteria);
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
        TierCounts counts = _counts[_topicKey(variant, condition)];
        Significance expert =
            _expertPanel == bytes32(0)
                ? Significance.None
                : _submissions[_submissionKey(_expertPanel, variant, condition)].significance;
        i.withCriteria = counts.counts(true);
        i.withoutCriteria = counts.counts(false);
        (i.aggregate, i.stars, i.conflict) = counts.review(expert);
        i.expertPanel = expert;
    }

    /// @inheritdoc IVariantInterpretations
    function hashClassification(Classification calldata c) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CLASSIFICATION_TYPEHASH, c)));
    }

    /// @inheritdoc IVariantInterpretations
    function expertPanel() external view returns (bytes32) {
        return _expertPanel;
    }

    function _submissionKey(bytes32 lab, bytes32 variant, uint32 condition) private pure returns (bytes32) {
        return keccak256(abi.encode(lab, variant, condition));
    }

    function _topicKey(bytes32 variant, uint32 condition) private pure returns (bytes32) {
        return keccak256(abi.encode(variant, condition));
    }
}
