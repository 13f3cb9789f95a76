// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ILabSigned} from "./ILabSigned.sol";

/**
 * @title IVariantInterpretations
 * @notice Laboratories' signed clinical classifications of variants, ClinVar style: one classification
 * per submitter (member), variant and condition, which its lab may revise or retract; the chain
 * exposes the aggregate classification, its review status in stars and any conflict, never a
 * majority vote. Evidence codes (ACMG/AMP criteria such as PS3, PM2) stay off chain as a commitment.
 * Only labs that are active Laboratories at the time of reading count (the expert panel included):
 * a suspended or revoked lab's classifications stay on record but leave the aggregate at once.
 */
interface IVariantInterpretations is ILabSigned {
    /// @notice ACMG/AMP five-tier clinical significance.
    enum Significance {
        None,
        Benign,
        LikelyBenign,
        UncertainSignificance,
        LikelyPathogenic,
        Pathogenic
    }

    /// @notice The aggregate classification shown for a variant and condition.
    enum Aggregate {
        None, // no submissions
        Benign,
        LikelyBenign,
        BenignOrLikelyBenign, // Benign and Likely benign submissions only
        UncertainSignificance,
        LikelyPathogenic,
        PathogenicOrLikelyPathogenic, // Pathogenic and Likely pathogenic submissions only
        Pathogenic,
        Conflicting // submissions disagree across P/LP, VUS and B/LB
    }

    /// @notice What a lab signs (EIP-712 type `Classification`).
    struct Classification {
        bytes32 lab; // member id of the submitting laboratory
        bytes32 variant; // keccak256 of the variant key (VRS id or GRCh38 fallback key)
        uint32 condition; // numeric MONDO id of the condition (e.g. 7254 for MONDO:0007254)
        Significance significance; // the lab's classification
        bool assertionCriteria; // the lab states the criteria it applied (e.g. ACMG/AMP 2015)
        bytes32 evidence; // commitment to the evidence codes and their salt
        uint256 nonce; // the signer's next nonce
        uint256 deadline; // the signature is refused after this time
    }

    /// @notice A lab's current submission.
    struct Submission {
        Significance significance; // None if the lab has none
        bool assertionCriteria; // criteria provided
        uint32 revision; // 1 for the first submission, +1 per revision
        uint40 submittedAt; // time of the latest revision
        bytes32 evidence; // evidence commitment
    }

    /// @notice The aggregate view of a variant and condition.
    struct Interpretation {
        uint24[5] withCriteria; // submissions with assertion criteria per tier (Benign .. Pathogenic)
        uint24[5] withoutCriteria; // submissions without criteria per tier
        Aggregate aggregate; // the classification shown
        uint8 stars; // ClinVar review status: 0 no criteria, 1 single submitter or conflicting,
        // 2 multiple submitters without conflict, 3 reviewed by the alliance's expert panel
        bool conflict; // whether submissions with criteria (or, without any, all) disagree
        Significance expertPanel; // the expert panel's classification (None if it has none or is inactive)
        uint24 inactive; // classifications left out because their lab is not an active Laboratory now
    }

    // ---------------------------------------------------------------- errors

    /// @dev A field of the classification is empty or out of range.
    error GenomicsInvalidClassification(bytes32 variant, uint32 condition, string field);
    /// @dev The caller's member has no classification of this variant and condition.
    error GenomicsNoClassification(bytes32 lab, bytes32 variant, uint32 condition);

    // ---------------------------------------------------------------- events

    /// @dev A lab submitted or revised its classification (`revision` 1 = first).
    event ClassificationSubmitted(
        bytes32 indexed variant,
        uint32 indexed condition,
        bytes32 indexed lab,
        Significance significance,
        bool assertionCriteria,
        bytes32 evidence,
        uint32 revision,
        address signer
    );
    /// @dev A lab retracted its classification.
    event ClassificationRetracted(bytes32 indexed variant, uint32 indexed condition, bytes32 indexed lab);
    /// @dev The alliance named its expert panel (zero: none) by vote `proposalId`.
    event ExpertPanelSet(bytes32 indexed memberId, uint256 indexed proposalId);

    // ---------------------------------------------------------------- writes

    /**
     * @notice Submit or revise the lab's classification, signed by one of its accounts (EOA or
     * ERC-1271). Anyone may relay it. A lab has at most one classification per variant and condition.
     * @param classification the signed classification
     * @param signer the signing account (an account of `classification.lab`)
     * @param signature EIP-712 signature (or ERC-1271 data)
     */
    function submit(Classification calldata classification, address signer, bytes calldata signature) external;

    /**
     * @notice Retract the caller's lab's classification. Only an active lab, and not while the module is
     * paused: a suspended lab's classifications already do not count, so its keys change nothing.
     * @param variant the variant
     * @param condition the condition
     */
    function retract(bytes32 variant, uint32 condition) external;

    /**
     * @notice Name the alliance's expert panel, a member whose classification gives 3 stars
     * (governed call only).
     * @param memberId the panel's member id, or zero for none
     */
    function setExpertPanel(bytes32 memberId) external;

    // ---------------------------------------------------------------- views

    /// @notice A lab's current classification (significance None if none).
    function submissionOf(bytes32 lab, bytes32 variant, uint32 condition) external view returns (Submission memory);

    /// @notice The aggregate classification, review status and conflict of a variant and condition.
    function interpretationOf(bytes32 variant, uint32 condition) external view returns (Interpretation memory);

    /// @notice Every lab that ever classified the variant for the condition (active or not), in order.
    function submittersOf(bytes32 variant, uint32 condition) external view returns (bytes32[] memory);

    /// @notice The EIP-712 digest a lab signs for `classification`.
    function hashClassification(Classification calldata classification) external view returns (bytes32);

    /// @notice The alliance's expert panel (zero if none).
    function expertPanel() external view returns (bytes32);
}
