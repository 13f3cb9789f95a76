// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IClaims} from "../interfaces/IClaims.sol";
import {IClaimsPlans} from "../interfaces/IClaimsPlans.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IRecordVerifier} from "../interfaces/IRecordVerifier.sol";
import {ISettlementVault} from "../interfaces/ISettlementVault.sol";
import {Carc} from "./Carc.sol";
import {ClaimKeys} from "./ClaimKeys.sol";
import {ClaimState, ClaimStateLib, PeriodTotals, PeriodTotalsLib} from "./ClaimSlots.sol";
import {MemberIndex} from "./MemberIndex.sol";
import {MerkleLeaf} from "./MerkleLeaf.sol";
import {ServicePages} from "./ServicePages.sol";

/**
 * @title ClaimsLogic
 * @notice The claims engine's storage (`Layout`) and the steps every path shares: submission, the
 * checks, holding keys, charging a decided claim, the details hash. Internal: the engine runs
 * submission (the hot path) inline; `ClaimDecisions` (linked) runs every later step on the same
 * storage.
 */
library ClaimsLogic {
    using MemberIndex for MemberIndex.Index;
    using SafeCast for uint256;

    /// @dev `line` value of a claim-level rejection.
    uint256 internal constant WHOLE_CLAIM = type(uint256).max;

    /// @notice A claim: its packed state and the hash of its details.
    struct StoredClaim {
        ClaimState state; // status, plan, version, provider, time, reason, plan share
        bytes32 detailsHash; // keccak256 of the ClaimDetails fields
    }

    /// @notice Everything the engine stores.
    struct Layout {
        uint256 claimCount; // claims ever submitted; ids run from 1
        mapping(uint256 claimId => StoredClaim claim) claims;
        mapping(bytes32 dayKey => mapping(uint256 page => uint256 entries)) services; // duplicate keys (ServicePages)
        mapping(bytes32 documentationKey => uint256 claimId) documentation; // the claim a documentation leaf documents
        mapping(bytes32 periodKey => PeriodTotals totals) totals; // charged by decided claims only
        mapping(bytes32 authKey => uint256 used) authUsed; // authorisation units used by decided claims
        MemberIndex.Index providers; // billing providers, numbered for the packed state
    }

    /// @notice The engine's collaborators.
    struct Context {
        IClaimsPlans plans; // what plans promise
        IRecordVerifier records; // what providers anchored
        ISettlementVault vault; // the money
        IConsortiumRegistry consortium; // who is active
    }

    /// @notice One claim as the checks see it.
    struct Subject {
        uint256 claimId; // the claim (its own keys pass the duplicate checks)
        bytes32 provider; // the billing provider's member id
        uint32 planId; // the plan
        bytes32 patientRef; // the patient reference
        uint40 coverageStart; // the coverage period it names
        uint40 serviceDate; // the service date
        bytes32 periodKey; // the key of its period totals (set by `quoteFor`)
    }

    /// @notice The outcome of the checks.
    struct Verdict {
        uint16 reason; // the failing check's CARC (0: passed)
        uint256 line; // the failing line, or WHOLE_CLAIM
        uint256 earlier; // the claim holding the service or documentation (CARC 18)
        bytes32 documentationKey; // the documentation's key, when it was checked
    }

    // ---------------------------------------------------------------- submission

    /**
     * @notice Submits a claim for `provider`: checks it, adjudicates it against the period totals and
     * approves it, sends it to review or rejects it (see `IClaimsEngine.submit`).
     */
    function submit(
        Layout storage s,
        Context memory ctx,
        bytes32 provider,
        IClaims.ClaimInput calldata input,
        uint256 replaces,
        bool forceReview
    ) internal returns (uint256 claimId) {
        claimId = ++s.claimCount;
        // Ids fit the 40 bits that service pages and period totals name claims in.
        claimId.toUint40();
        Subject memory sub = Subject(
            claimId,
            provider,
            input.planId,
            input.patientRef,
            input.coverageStart,
            input.serviceDate,
            0
        );
        IClaims.Quote memory q = quoteFor(s, ctx, sub, input.lines);
        emit IClaims.ClaimSubmitted(
            claimId,
            provider,
            input.planId,
            input.patientRef,
            input.coverageStart,
            input.serviceDate,
            input.diagnosisCommitment,
            replaces,
            input.lines
        );
        ClaimState state = ClaimStateLib.create(input.planId, q.version, s.providers.numberFor(provider));
        Verdict memory v = check(s, ctx, sub, input.lines, q, input.documentation, true);
        StoredClaim storage sc = s.claims[claimId];
        if (v.reason != 0) {
            sc.state = state.moved(IClaims.ClaimStatus.Rejected, uint40(block.timestamp), v.reason, false);
            sc.detailsHash = hashDetails(sub, 0, 0, 0, input.lines);
            emit IClaims.ClaimRejected(claimId, v.reason, v.line, v.earlier);
            return claimId;
        }
        holdServices(s, sub, input.lines);
        holdDocumentation(s, claimId, v.documentationKey);
        _accept(s, ctx, sub, state, input.lines, q, forceReview);
    }

    /**
     * @dev A claim that passed the checks: above the review threshold, with escrow short, or as a
     * correction of a denial it goes to review and charges nothing (it is adjudicated again when
     * decided); otherwise it is decided now: charged, and reserved (Approved) or closed (Paid, 0).
     */
    function _accept(
        Layout storage s,
        Context memory ctx,
        Subject memory sub,
        ClaimState state,
        IClaims.Line[] calldata lines,
        IClaims.Quote memory q,
        bool forceReview
    ) private {
        IClaims.ClaimStatus status = IClaims.ClaimStatus.PendingReview;
        if (!forceReview && q.planPays <= q.reviewThreshold) {
            if (q.planPays == 0) status = IClaims.ClaimStatus.Paid;
            else if (ctx.vault.tryReserve(q.insurer, q.planPays)) status = IClaims.ClaimStatus.Approved;
        }
        uint256 previous;
        if (status == IClaims.ClaimStatus.PendingReview) (q.deductible, q.oop) = (0, 0);
        else previous = charge(s, sub, lines, q);
        StoredClaim storage sc = s.claims[sub.claimId];
        sc.state = state.moved(status, uint40(block.timestamp), 0, true).withPlanPays(uint96(q.planPays));
        sc.detailsHash = hashDetails(sub, q.deductible, q.oop, previous, lines);
        emit IClaims.ClaimAdjudicated(sub.claimId, status, q.version, q.planPays, previous, q.results);
    }

    // ---------------------------------------------------------------- checks

    /**
     * @notice The plan's quote for a claim against its period totals now (the totals' key goes into
     * `sub`); reverts if the plan's insurer is not active (its plans neither adjudicate nor pay).
     */
    function quoteFor(
        Layout storage s,
        Context memory ctx,
        Subject memory sub,
        IClaims.Line[] calldata lines
    ) internal view returns (IClaims.Quote memory q) {
        sub.periodKey = ClaimKeys.period(sub.planId, sub.patientRef, sub.coverageStart);
        q = ctx.plans.quote(
            sub.planId,
            sub.patientRef,
            sub.coverageStart,
            sub.serviceDate,
            lines,
            s.totals[sub.periodKey].toTotals()
        );
        if (!q.insurerActive) revert IClaims.ClaimsInsurerNotActive(sub.planId, q.insurer);
    }

    /**
     * @notice The checks, in order: coverage (from the quote), duplicates, documentation, then per line
     * the plan's rules (from the quote) and the authorisation units decided claims used. Keys the
     * claim itself holds pass.
     */
    function check(
        Layout storage s,
        Context memory ctx,
        Subject memory sub,
        IClaims.Line[] calldata lines,
        IClaims.Quote memory q,
        IClaims.Documentation memory documentation,
        bool checkDocumentation
    ) internal view returns (Verdict memory v) {
        v.line = WHOLE_CLAIM;
        if (q.coverageReason != 0) {
            v.reason = q.coverageReason;
            return v;
        }
        (uint256 line, uint256 holder) = duplicateOf(s, sub, lines);
        if (holder != 0) return Verdict(Carc.DUPLICATE, line, holder, 0);
        if (checkDocumentation) {
            // The leaf binds the record to the claim's patient; only the provider's own anchoring counts.
            bytes32 leaf = MerkleLeaf.ofPair(sub.patientRef, documentation.commitment);
            (, IRecordVerifier.RecordStatus status) = ctx.records.recordStatus(
                sub.provider,
                leaf,
                documentation.batchRoot,
                documentation.proof
            );
            if (status != IRecordVerifier.RecordStatus.Active && status != IRecordVerifier.RecordStatus.Superseded) {
                v.reason = Carc.NO_DOCUMENTATION;
                return v;
            }
            v.documentationKey = ClaimKeys.documentation(sub.provider, leaf);
            holder = documentedBy(s, v.documentationKey, sub.claimId);
            if (holder != 0) return Verdict(Carc.DUPLICATE, WHOLE_CLAIM, holder, 0);
        }
        for (uint256 i = 0; i < lines.length; ++i) {
            if (q.ruleReason != 0 && i == q.ruleLine) return Verdict(q.ruleReason, i, 0, 0);
            if (q.lines[i].needsAuth) {
                bytes32 key = ClaimKeys.authorisation(sub.planId, sub.patientRef, lines[i].code);
                if (s.authUsed[key] + lines[i].units > q.lines[i].authorised) {
                    return Verdict(Carc.AUTH_EXCEEDED, i, 0, 0);
                }
            }
        }
    }

    /**
     * @notice The lowest line of `lines` whose service (patient, provider, code, UTC day) another claim
     * still holds, and that claim (holder 0: none). Claims that no longer hold their keys (rejected,
     * voided, replaced) free them without a write.
     */
    function duplicateOf(
        Layout storage s,
        Subject memory sub,
        IClaims.Line[] calldata lines
    ) internal view returns (uint256 line, uint256 holder) {
        bytes32 day = ClaimKeys.serviceDay(sub.patientRef, sub.provider, sub.serviceDate);
        uint256[] memory tags = _tags(day, lines);
        mapping(uint256 page => uint256 entries) storage pages = s.services[day];
        line = type(uint256).max;
        for (uint256 p = 0; ; ++p) {
            uint256 page = pages[p];
            for (uint256 e = 0; e < ServicePages.PER_PAGE; ++e) {
                (uint256 id, uint256 tag) = ServicePages.entryAt(page, e);
                if (id == 0) return line == type(uint256).max ? (0, 0) : (line, holder);
                if (id == sub.claimId || !s.claims[id].state.keysHeld()) continue;
                for (uint256 i = 0; i < line && i < tags.length; ++i) {
                    if (tags[i] == tag) (line, holder) = (i, id);
                }
            }
        }
    }

    /// @notice The claim documentation key `key` documents, unless it is `self` or no longer holds its keys (0: free).
    function documentedBy(Layout storage s, bytes32 key, uint256 self) internal view returns (uint256 holder) {
        holder = s.documentation[key];
        if (holder == 0 || holder == self || !s.claims[holder].state.keysHeld()) return 0;
    }

    /**
     * @notice Makes a claim that holds no keys yet (a new one, or an overturned rejection) the holder
     * of its services: their entries are appended after the day's last one. Call only after `check`
     * passed (no other claim holds any of them). Freed entries are left in place: a day's entries
     * grow only with its own claims' churn.
     */
    function holdServices(Layout storage s, Subject memory sub, IClaims.Line[] calldata lines) internal {
        bytes32 day = ClaimKeys.serviceDay(sub.patientRef, sub.provider, sub.serviceDate);
        mapping(uint256 page => uint256 entries) storage pages = s.services[day];
        uint256 n;
        uint256 page = pages[0];
        while (true) {
            (uint256 id, ) = ServicePages.entryAt(page, n % ServicePages.PER_PAGE);
            if (id == 0) break;
            if (++n % ServicePages.PER_PAGE == 0) page = pages[n / ServicePages.PER_PAGE];
        }
        for (uint256 i = 0; i < lines.length; ++i) {
            page = ServicePages.withEntry(
                page,
                n % ServicePages.PER_PAGE,
                sub.claimId,
                ServicePages.tag(day, lines[i].code)
            );
            if (++n % ServicePages.PER_PAGE == 0) {
                pages[n / ServicePages.PER_PAGE - 1] = page;
                page = 0;
            }
        }
        if (n % ServicePages.PER_PAGE != 0) pages[n / ServicePages.PER_PAGE] = page;
    }

    /// @notice Makes the claim the holder of a documentation key (call only after `check` passed).
    function holdDocumentation(Layout storage s, uint256 claimId, bytes32 documentationKey) internal {
        if (s.documentation[documentationKey] != claimId) s.documentation[documentationKey] = claimId;
    }

    /// @notice The claim holding a service (patient, provider, code, UTC day of `moment`), or 0.
    function claimForService(
        Layout storage s,
        bytes32 patientRef,
        bytes32 provider,
        bytes32 code,
        uint40 moment
    ) internal view returns (uint256 holder) {
        bytes32 day = ClaimKeys.serviceDay(patientRef, provider, moment);
        uint256 wanted = ServicePages.tag(day, code);
        mapping(uint256 page => uint256 entries) storage pages = s.services[day];
        uint256 page = pages[0];
        for (uint256 n = 0; ; ++n) {
            if (n != 0 && n % ServicePages.PER_PAGE == 0) page = pages[n / ServicePages.PER_PAGE];
            (uint256 id, uint256 tag) = ServicePages.entryAt(page, n % ServicePages.PER_PAGE);
            if (id == 0) return 0;
            if (tag == wanted && s.claims[id].state.keysHeld()) return id;
        }
    }

    function _tags(bytes32 day, IClaims.Line[] calldata lines) private pure returns (uint256[] memory tags) {
        tags = new uint256[](lines.length);
        for (uint256 i = 0; i < lines.length; ++i) {
            tags[i] = ServicePages.tag(day, lines[i].code);
        }
    }

    // ---------------------------------------------------------------- charging

    /**
     * @notice Charges a decided claim's quote: the period totals (the claim becomes the period's last
     * decision) and the authorisation units. Returns the decision before it. Totals fit 72 bits: each
     * grows by at most what remains below a plan maximum (Adjudication), and maxima are 72-bit.
     */
    function charge(
        Layout storage s,
        Subject memory sub,
        IClaims.Line[] calldata lines,
        IClaims.Quote memory q
    ) internal returns (uint256 previous) {
        PeriodTotals t = s.totals[sub.periodKey];
        previous = t.lastDecision();
        s.totals[sub.periodKey] = PeriodTotalsLib.create(
            uint72(t.deductibleMet() + q.deductible),
            uint72(t.oopPaid() + q.oop),
            uint72(t.benefitPaid() + q.planPays),
            sub.claimId.toUint40()
        );
        for (uint256 i = 0; i < lines.length; ++i) {
            if (q.lines[i].needsAuth) {
                s.authUsed[ClaimKeys.authorisation(sub.planId, sub.patientRef, lines[i].code)] += lines[i].units;
            }
        }
    }

    // ---------------------------------------------------------------- lookups and details

    /// @notice The claim, reverting unless it exists and `provider` (a member id) is its billing provider.
    function claimOfProvider(
        Layout storage s,
        uint256 claimId,
        bytes32 provider
    ) internal view returns (StoredClaim storage sc) {
        sc = s.claims[claimId];
        if (sc.state.status() == IClaims.ClaimStatus.None) revert IClaims.ClaimsUnknownClaim(claimId);
        if (sc.state.provider() != s.providers.numberOf(provider)) {
            revert IClaims.ClaimsNotClaimProvider(claimId, provider);
        }
    }

    /// @notice The details hash: the fields of `ClaimDetails` encoded as a tuple.
    function hashDetails(
        Subject memory sub,
        uint256 deductibleApplied,
        uint256 oopApplied,
        uint256 previousDecision,
        IClaims.Line[] calldata lines
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    sub.patientRef,
                    sub.coverageStart,
                    sub.serviceDate,
                    deductibleApplied,
                    oopApplied,
                    previousDecision,
                    lines
                )
            );
    }

    /// @notice Reverts unless `details` hash to the claim's stored details hash.
    function requireDetails(
        StoredClaim storage sc,
        uint256 claimId,
        IClaims.ClaimDetails calldata details
    ) internal view {
        bytes32 hash = keccak256(
            abi.encode(
                details.patientRef,
                details.coverageStart,
                details.serviceDate,
                details.deductibleApplied,
                details.oopApplied,
                details.previousDecision,
                details.lines
            )
        );
        if (hash != sc.detailsHash) revert IClaims.ClaimsDetailsMismatch(claimId);
    }
}
