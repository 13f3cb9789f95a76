// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsortiumGuarded} from "../../consortium/ConsortiumGuarded.sol";
import {IAllianceRules} from "../../interfaces/IAllianceRules.sol";
import {MemberKinds} from "../../libraries/MemberKinds.sol";
import {RuleSet} from "../libraries/RuleSet.sol";

/**
 * @title AllianceRules
 * @notice One job: keep the data-governance rules the alliance votes. Every setter is a governed call
 * (`onlyConsortiumVote`): no single key, not even a governor's, changes a rule; each change bumps the
 * rule version and its event names the proposal that made it. Governed calls work while the module
 * is paused, so the alliance can repair its rules during an emergency.
 */
abstract contract AllianceRules is IAllianceRules, ConsortiumGuarded {
    /// @notice Requester kinds a purpose may be granted to: the members that do research.
    uint8 public constant REQUESTER_KINDS = MemberKinds.HOSPITAL | MemberKinds.LABORATORY;
    /// @notice The most labs a release rule may require (a query lists at most this many datasets).
    uint8 public constant MAX_LABS = 32;
    /// @notice The largest share (percent) of a dataset's budget one requester may hold.
    uint8 public constant MAX_REQUESTER_SHARE = 50;
    /// @notice Shortest and longest answer windows.
    uint32 public constant MIN_ANSWER_WINDOW = 1 hours;
    uint32 public constant MAX_ANSWER_WINDOW = 30 days;

    RuleSet internal _rules;
    mapping(uint16 purpose => uint8 kinds) private _purposeKinds;
    address private _aggregator;

    /// @inheritdoc IAllianceRules
    function setBudgetRule(
        uint48 budget,
        uint48 costPerQuery,
        uint48 costPerCell,
        uint8 requesterShare
    ) external onlyConsortiumVote {
        if (budget == 0) revert GenomicsInvalidRule("budget", budget);
        if (uint256(costPerQuery) + costPerCell == 0) revert GenomicsInvalidRule("cost", 0);
        if (requesterShare == 0 || requesterShare > MAX_REQUESTER_SHARE) {
            revert GenomicsInvalidRule("requesterShare", requesterShare);
        }
        RuleSet r = _rules.withBudget(budget, costPerQuery, costPerCell, requesterShare).bumped();
        _rules = r;
        emit BudgetRuleSet(budget, costPerQuery, costPerCell, requesterShare, r.version(), _currentProposal());
    }

    /// @inheritdoc IAllianceRules
    function setReleaseRule(uint32 minCellCount, uint8 minLabs) external onlyConsortiumVote {
        if (minCellCount == 0) revert GenomicsInvalidRule("minCellCount", minCellCount);
        if (minLabs < 2 || minLabs > MAX_LABS) revert GenomicsInvalidRule("minLabs", minLabs);
        RuleSet r = _rules.withRelease(minCellCount, minLabs).bumped();
        _rules = r;
        emit ReleaseRuleSet(minCellCount, minLabs, r.version(), _currentProposal());
    }

    /// @inheritdoc IAllianceRules
    function setPurposeKinds(uint16 purpose, uint8 kinds) external onlyConsortiumVote {
        _checkDuoTerm(purpose);
        if (kinds & ~REQUESTER_KINDS != 0) revert GenomicsInvalidRequesterKinds(kinds);
        _purposeKinds[purpose] = kinds;
        RuleSet r = _rules.bumped();
        _rules = r;
        emit PurposeKindsSet(purpose, kinds, r.version(), _currentProposal());
    }

    /// @inheritdoc IAllianceRules
    function setAggregator(address aggregator_) external onlyConsortiumVote {
        if (aggregator_ == address(0)) revert GenomicsInvalidRule("aggregator", 0);
        address previous = _aggregator;
        _aggregator = aggregator_;
        RuleSet r = _rules.bumped();
        _rules = r;
        emit AggregatorSet(previous, aggregator_, r.version(), _currentProposal());
    }

    /// @inheritdoc IAllianceRules
    function setAnswerWindow(uint32 answerWindow) external onlyConsortiumVote {
        if (answerWindow < MIN_ANSWER_WINDOW || answerWindow > MAX_ANSWER_WINDOW) {
            revert GenomicsInvalidRule("answerWindow", answerWindow);
        }
        RuleSet r = _rules.withAnswerWindow(answerWindow).bumped();
        _rules = r;
        emit AnswerWindowSet(answerWindow, r.version(), _currentProposal());
    }

    /// @inheritdoc IAllianceRules
    function rules() external view returns (Rules memory) {
        return _rules.unpack();
    }

    /// @inheritdoc IAllianceRules
    function purposeKinds(uint16 purpose) public view returns (uint8) {
        return _purposeKinds[purpose];
    }

    /// @inheritdoc IAllianceRules
    function aggregator() public view returns (address) {
        return _aggregator;
    }

    /// @dev Reverts unless `term` is a numeric DUO id the bitmaps can hold (1..255).
    function _checkDuoTerm(uint256 term) internal pure {
        if (term == 0 || term > 255) revert GenomicsInvalidDuoTerm(term);
    }
}
