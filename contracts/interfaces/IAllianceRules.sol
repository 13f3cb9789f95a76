// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IAllianceRules
 * @notice The data-governance rules the genomic alliance writes by vote. Every setter runs only as a
 * governed call of the consortium (`ConsortiumRegistry.proposeCall`, then k governor votes and
 * `execute`); each change bumps the rule version and names the proposal that made it in its event.
 * Until the alliance has voted budget, release and window rules, no query can be approved.
 *
 * Epsilon is fixed-point: 1 epsilon = 1,000,000 units (micro-epsilon), so 0.05 is 50,000.
 */
interface IAllianceRules {
    /// @notice The rules in force.
    struct Rules {
        uint48 budget; // total epsilon each dataset may spend, over all its versions (micro-epsilon)
        uint48 costPerQuery; // epsilon every query charges each of its datasets (micro-epsilon)
        uint48 costPerCell; // epsilon charged per cell (variant) of a query, per dataset (micro-epsilon)
        uint8 requesterShare; // percent of each dataset's budget one requester (member) may spend or hold
        uint32 minCellCount; // released counts below this are suppressed by the SDK
        uint8 minLabs; // distinct contributing labs a result needs to be released
        uint32 answerWindow; // seconds a query stays open for contributions and its result
        uint32 version; // incremented on every rule change
    }

    // ---------------------------------------------------------------- errors

    /// @dev A rule value is out of range (named by `rule`).
    error GenomicsInvalidRule(string rule, uint256 value);
    /// @dev A DUO term id outside 1..255 (the bitmaps hold numeric ids below 256).
    error GenomicsInvalidDuoTerm(uint256 term);
    /// @dev Requester kinds may only be Hospital and Laboratory.
    error GenomicsInvalidRequesterKinds(uint8 kinds);
    /// @dev The alliance has not voted the rules queries need yet.
    error GenomicsRulesNotSet();

    // ---------------------------------------------------------------- events

    /// @dev The alliance set the privacy budget, what queries charge, and one requester's share of it.
    event BudgetRuleSet(
        uint48 budget,
        uint48 costPerQuery,
        uint48 costPerCell,
        uint8 requesterShare,
        uint32 indexed rulesVersion,
        uint256 indexed proposalId
    );
    /// @dev The alliance set the minimum cell count and the minimum number of contributing labs.
    event ReleaseRuleSet(uint32 minCellCount, uint8 minLabs, uint32 indexed rulesVersion, uint256 indexed proposalId);
    /// @dev The alliance set which requester kinds may name DUO purpose `purpose` (0: none may).
    event PurposeKindsSet(uint16 indexed purpose, uint8 kinds, uint32 indexed rulesVersion, uint256 indexed proposalId);
    /// @dev The alliance named the aggregator account (the central node's).
    event AggregatorSet(
        address indexed previous,
        address indexed aggregator,
        uint32 indexed rulesVersion,
        uint256 proposalId
    );
    /// @dev The alliance set how long a query stays open.
    event AnswerWindowSet(uint32 answerWindow, uint32 indexed rulesVersion, uint256 indexed proposalId);

    // ---------------------------------------------------------------- governed writes

    /**
     * @notice Set the per-dataset budget, the charges, and how much of it one requester may take
     * (governed call only).
     * @param budget epsilon per dataset over its lifetime (> 0, micro-epsilon); lowering it below what a
     * dataset spent leaves that dataset with nothing left, never with a negative balance
     * @param costPerQuery epsilon every query charges each dataset
     * @param costPerCell epsilon per cell per dataset (costPerQuery + costPerCell > 0)
     * @param requesterShare percent of each dataset's budget one requester member may have consumed and
     * reserved at any time (1..50): one researcher never holds more than half, so none locks out the others
     */
    function setBudgetRule(uint48 budget, uint48 costPerQuery, uint48 costPerCell, uint8 requesterShare) external;

    /**
     * @notice Set the release rules (governed call only).
     * @param minCellCount counts below this are never released (>= 1)
     * @param minLabs distinct contributing labs a result needs (2..32)
     */
    function setReleaseRule(uint32 minCellCount, uint8 minLabs) external;

    /**
     * @notice Set which requester kinds may name a DUO purpose (governed call only).
     * @param purpose the numeric DUO term id (e.g. 6 for DUO:0000006, health/medical/biomedical research)
     * @param kinds a MemberKind mask within Hospital | Laboratory; zero withdraws the purpose
     */
    function setPurposeKinds(uint16 purpose, uint8 kinds) external;

    /**
     * @notice Name the only account that may publish results (governed call only).
     * @param aggregator the central node's aggregation account (non-zero)
     */
    function setAggregator(address aggregator) external;

    /**
     * @notice Set how long a query stays open for contributions and its result (governed call only).
     * @param answerWindow seconds, 1 hour to 30 days
     */
    function setAnswerWindow(uint32 answerWindow) external;

    // ---------------------------------------------------------------- views

    /// @notice The rules in force.
    function rules() external view returns (Rules memory);

    /// @notice The requester kinds allowed to name DUO purpose `purpose` (zero: none).
    function purposeKinds(uint16 purpose) external view returns (uint8);

    /// @notice The aggregator account.
    function aggregator() external view returns (address);
}
