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
import {ClaimState, PeriodTotals, PeriodTotalsLib} from "./ClaimSlots.sol";
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
        mapping(bytes32 authKey => uint256 used) authUsed; // units decided claims used, per grant
        MemberIndex.Index providers; // billing providers, numbered for the packed state
        // A line's authorisation grant: the one a claim in review was quoted under at submission (it is
        // decided against it), then the one a decided claim was charged to.
        mapping(uint256 claimId => mapping(uint256 line => uint32 grant)) authGrants;
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

    /// @notice The outcome of the checks, and where a claim that passed them takes its keys.
    struct Verdict {
        uint16 reason; // the failing check's CARC (0: passed)
        uint256 line; // the failing line, or WHOLE_CLAIM
        uint256 earlier; // the claim holding the service or documentation (CARC 18)
        bytes32 documentationKey; // the documentation's key, when it was checked
        bytes32 day; // the key of the claim's service day (`ClaimKeys.serviceDay`)
        uint256[] tags; // each line's service tag on that day (`ServicePages.tag`)
        uint256 entries; // the day's entries before this claim's (where its own are appended)
        bool marked; // a claim with the review mark held one of its services or its documentation before
        bool dayTaken; // another claim holds services of the same patient, provider and UTC day
    }

    // ---------------------------------------------------------------- checks

    /**
     * @notice The plan's quote for a claim against its period totals now (the totals' key goes into
     * `sub`); reverts if the plan's insurer is not active (its plans neither adjudicate nor pay).
     * `pinned`: a decision after submission, quoted under the grants recorded in `authGrants` at
     * submission (none recorded: the current grants), so a grant the insurer issued since never
     * changes it.
     */
    function quoteFor(
        Layout storage s,
        Context memory ctx,
        Subject memory sub,
        IClaims.Line[] calldata lines,
        bool pinned
    ) internal view returns (IClaims.Quote memory q) {
        sub.periodKey = ClaimKeys.period(sub.planId, sub.patientRef, sub.coverageStart);
        q = _quote(
            ctx.plans,
            sub,
            lines,
            recordedGrants(s, sub.claimId, pinned ? lines.length : 0),
            s.totals[sub.periodKey].toTotals()
        );
        if (!q.insurerActive) revert IClaims.ClaimsInsurerNotActive(sub.planId, q.insurer);
    }

    /// @dev The plan's quote (its own frame: the call's arguments do not fit beside `quoteFor`'s).
    function _quote(
        IClaimsPlans plans,
        Subject memory sub,
        IClaims.Line[] calldata lines,
        uint32[] memory grants,
        IClaims.Totals memory totals
    ) private view returns (IClaims.Quote memory) {
        return plans.quote(sub.planId, sub.patientRef, sub.coverageStart, sub.serviceDate, lines, grants, totals);
    }

    /// @notice The authorisation grants recorded for a claim's first `n` lines (0: none recorded).
    function recordedGrants(
        Layout storage s,
        uint256 claimId,
        uint256 n
    ) internal view returns (uint32[] memory grants) {
        grants = new uint32[](n);
        mapping(uint256 line => uint32 grant) storage recorded = s.authGrants[claimId];
        for (uint256 i = 0; i < n; ++i) grants[i] = recorded[i];
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
        v.day = ClaimKeys.serviceDay(sub.patientRef, sub.provider, sub.serviceDate);
        v.tags = new uint256[](lines.length);
        for (uint256 i = 0; i < lines.length; ++i) {
            v.tags[i] = ServicePages.tag(v.day, lines[i].code);
        }
        uint256 holder;
        (v.line, holder, v.entries, v.marked, v.dayTaken) = scanServices(s, v.day, v.tags, sub.claimId);
        if (holder != 0) {
            (v.reason, v.earlier) = (Carc.DUPLICATE, holder);
            return v;
        }
        v.line = WHOLE_CLAIM;
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
            holder = s.documentation[v.documentationKey];
            if (holder != 0 && holder != sub.claimId) {
                ClaimState held = s.claims[holder].state;
                if (held.keysHeld()) {
                    (v.reason, v.earlier) = (Carc.DUPLICATE, holder);
                    return v;
                }
                if (held.reviewMarked()) v.marked = true;
            }
        }
        for (uint256 i = 0; i < lines.length; ++i) {
            if (q.ruleReason != 0 && i == q.ruleLine) {
                (v.reason, v.line) = (q.ruleReason, i);
                return v;
            }
            if (q.lines[i].needsAuth) {
                bytes32 key = ClaimKeys.authorisation(sub.planId, sub.patientRef, lines[i].code, q.lines[i].grant);
                if (s.authUsed[key] + lines[i].units > q.lines[i].authorised) {
                    (v.reason, v.line) = (Carc.AUTH_EXCEEDED, i);
                    return v;
                }
            }
        }
    }

    /**
     * @notice One walk over a service day's entries: the lowest index of `tags` whose service another
     * claim than `self` still holds, and that claim (holder 0: none); how many entries the day has;
     * whether a claim with the review mark (`ClaimState.reviewMarked`) held one of `tags` before
     * (`marked`: its keys must be reviewed, whoever holds them next); whether another claim holds any
     * service of the day (`dayTaken`). Claims that no longer hold their keys (rejected, voided,
     * replaced) free them without a write; their entries stay, so a mark is never lost.
     */
    function scanServices(
        Layout storage s,
        bytes32 day,
        uint256[] memory tags,
        uint256 self
    ) internal view returns (uint256 line, uint256 holder, uint256 entries, bool marked, bool dayTaken) {
        mapping(uint256 page => uint256 entries) storage pages = s.services[day];
        line = type(uint256).max;
        uint256 page;
        for (; ; ++entries) {
            if (entries % ServicePages.PER_PAGE == 0) page = pages[entries / ServicePages.PER_PAGE];
            (uint256 id, uint256 tag) = ServicePages.entryAt(page, entries % ServicePages.PER_PAGE);
            if (id == 0) return (line, holder, entries, marked, dayTaken);
            if (id == self) continue;
            ClaimState st = s.claims[id].state;
            bool held = st.keysHeld();
            if (held) dayTaken = true;
            else if (!st.reviewMarked()) continue;
            for (uint256 i = 0; i < tags.length; ++i) {
                if (tags[i] != tag) continue;
                if (!held) marked = true;
                else if (i < line) (line, holder) = (i, id);
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
     * of its services: their entries are appended after the day's last one, where the checks' scan
     * ended (`v`). Call only right after `check` passed. Freed entries are left in place: a day's
     * entries grow only with its own claims' churn.
     */
    function holdServices(Layout storage s, uint256 claimId, Verdict memory v) internal {
        mapping(uint256 page => uint256 entries) storage pages = s.services[v.day];
        uint256 n = v.entries;
        uint256 page = n % ServicePages.PER_PAGE == 0 ? 0 : pages[n / ServicePages.PER_PAGE];
        for (uint256 i = 0; i < v.tags.length; ++i) {
            page = ServicePages.withEntry(page, n % ServicePages.PER_PAGE, claimId, v.tags[i]);
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
        uint256[] memory tags = new uint256[](1);
        tags[0] = ServicePages.tag(day, code);
        (, holder, , , ) = scanServices(s, day, tags, 0);
    }

    // ---------------------------------------------------------------- charging

    /**
     * @notice Charges a decided claim's quote: the period totals (the claim becomes the period's last
     * decision) and the authorisation units, to the grant each line was quoted under. Returns the
     * decision before it. Totals fit 72 bits: each grows by at most what remains below a plan
     * maximum (Adjudication), and maxima are 72-bit.
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
                uint32 grant = q.lines[i].grant;
                bytes32 key = ClaimKeys.authorisation(sub.planId, sub.patientRef, lines[i].code, grant);
                s.authUsed[key] += lines[i].units;
                // Which grant the line used, so a reversal gives its units back to that grant (grants start at 1).
                s.authGrants[sub.claimId][i] = grant;
            }
        }
    }

    // ---------------------------------------------------------------- decisions

    /**
     * @notice Decides a claim after its submission (approval, escalation, an overturned appeal): runs
     * the checks again (documentation too when `checkDocumentation`: an overturned appeal) and, if
     * they pass, charges the quote against the totals now and pays the plan share from free escrow:
     * it is Paid. `owe`: a decision prompt pay forced, which the insurer's empty escrow cannot refuse
     * (the part free escrow does not cover is owed to the provider); otherwise short escrow reverts.
     * Returns the failing check's CARC (0: paid). Release a backing reservation before calling.
     */
    function decide(
        Layout storage s,
        Context memory ctx,
        StoredClaim storage sc,
        Subject memory sub,
        IClaims.Line[] calldata lines,
        IClaims.Documentation memory documentation,
        bool checkDocumentation,
        bool owe
    ) internal returns (uint16) {
        IClaims.Quote memory q = quoteFor(s, ctx, sub, lines, true);
        Verdict memory v = check(s, ctx, sub, lines, q, documentation, checkDocumentation);
        if (v.reason != 0) {
            emit IClaims.ClaimRejected(sub.claimId, v.reason, v.line, v.earlier);
            return v.reason;
        }
        // A rejection overturned takes its keys now; a claim in review or denied holds them since submission.
        if (!sc.state.keysHeld()) holdServices(s, sub.claimId, v);
        if (v.documentationKey != bytes32(0)) holdDocumentation(s, sub.claimId, v.documentationKey);
        chargeAndPay(s, ctx, sc, sub, lines, q, owe);
        return 0;
    }

    /// @notice Charges a decided claim's quote and pays its plan share from free escrow (or owes it: see `decide`).
    function chargeAndPay(
        Layout storage s,
        Context memory ctx,
        StoredClaim storage sc,
        Subject memory sub,
        IClaims.Line[] calldata lines,
        IClaims.Quote memory q,
        bool owe
    ) private {
        uint256 previous = charge(s, sub, lines, q);
        sc.state = sc.state.withPlanVersion(q.version).withPlanPays(uint96(q.planPays)).moved(
            IClaims.ClaimStatus.Paid,
            uint40(block.timestamp),
            0,
            true
        );
        sc.detailsHash = hashDetails(sub, q.deductible, q.oop, previous, lines);
        emit IClaims.ClaimAdjudicated(
            sub.claimId,
            IClaims.ClaimStatus.Paid,
            q.version,
            q.planPays,
            previous,
            q.results
        );
        if (owe) ctx.vault.payOrOwe(q.insurer, sub.provider, q.planPays);
        else ctx.vault.payFromFree(q.insurer, sub.provider, q.planPays);
        emit IClaims.ClaimPaid(sub.claimId, sub.provider, q.planPays);
    }

    /// @notice Gives a claim in review's backing reservation (its provisional plan share) back to free escrow.
    function releaseBacking(Context memory ctx, ClaimState st, bytes32 insurer) internal {
        if (st.backed()) ctx.vault.releaseBacking(insurer, st.planPays());
    }

    /// @notice The claim's subject, rebuilt from its state and details (`provider`: its member id).
    function subjectOf(
        uint256 claimId,
        bytes32 provider,
        ClaimState st,
        IClaims.ClaimDetails calldata details
    ) internal pure returns (Subject memory) {
        return
            Subject(claimId, provider, st.planId(), details.patientRef, details.coverageStart, details.serviceDate, 0);
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

    /**
     * @notice The end of the insurer's time to decide a claim in `st`'s status: its plan version's
     * review window after the status was entered (submission to review, approval, or the appeal).
     * The insurer decides up to and at the deadline, the provider escalates only after it, so the
     * two never race.
     */
    function decisionDeadline(Context memory ctx, ClaimState st) internal view returns (uint40) {
        return st.statusAt() + ctx.plans.termsOf(st.planId(), st.planVersion()).reviewWindow;
    }

    /// @notice Reverts once the insurer's time to decide the claim is over (see `decisionDeadline`).
    function requireDecisionWindowOpen(Context memory ctx, ClaimState st, uint256 claimId) internal view {
        uint40 deadline = decisionDeadline(ctx, st);
        if (block.timestamp > deadline) revert IClaims.ClaimsDecisionWindowClosed(claimId, deadline);
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
