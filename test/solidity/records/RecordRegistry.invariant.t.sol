// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestBase} from "../utils/TestBase.sol";
import {IRecordVerifier} from "../../../contracts/interfaces/IRecordVerifier.sol";
import {ConsentHandler, IssuerHandler, RequestHandler} from "./RecordsHandlers.sol";

/**
 * @title RecordStatusInvariantTest
 * @notice Whatever anchors, batches, retractions and amendments three members try over each other's
 * leaves and batch roots: no member changes the status of a record it did not issue, and a record has
 * one status on every path it can be looked up by.
 */
contract RecordStatusInvariantTest is TestBase {
    IssuerHandler internal handler;

    function setUp() public {
        handler = new IssuerHandler();
        targetContract(address(handler));
    }

    /// @dev Every path of every issuer reads the status that issuer's own calls gave the record.
    function invariant_noMemberChangesTheStatusOfARecordItDidNotIssue() public view {
        uint256 n = handler.pathCount();
        for (uint256 i = 0; i < n; ++i) {
            IssuerHandler.LookupPath memory p = handler.pathAt(i);
            (uint64 anchoredAt, IRecordVerifier.RecordStatus status) = handler.records().recordStatus(
                p.issuer,
                p.leaf,
                p.root,
                handler.proofOf(p)
            );
            assertTrue(anchoredAt != 0, "an anchored record became unknown");
            assertEq(
                uint256(status),
                uint256(handler.model(p.issuer, p.leaf)),
                "status differs from its issuer's doing"
            );
        }
    }

    /// @dev No leaf whose record was ended is anchored alone again as if new.
    function invariant_aRecordNeverComesBackActive() public view {
        assertEq(handler.statusResets(), 0, "an ended record was anchored afresh");
    }

    /// @dev Not vacuous: an attacker's own batch holding the victim's leaf, retracted, leaves the victim's
    /// record active; the victim's own retraction then ends it.
    function test_handlerSeesAnAttackFailAndTheIssuerSucceed() public {
        handler.anchorPair(0, 0, 1, 1); // A anchors a batch of pool leaves 0 and 1
        handler.anchorPair(1, 0, 2, 1); // B anchors its own batch with leaf 0 and leaf 2
        handler.retract(1, 2); // B retracts leaf 0 through its own batch (path 2)
        IssuerHandler.LookupPath memory victim = handler.pathAt(0);
        (, IRecordVerifier.RecordStatus status) = handler.records().recordStatus(
            victim.issuer,
            victim.leaf,
            victim.root,
            handler.proofOf(victim)
        );
        assertEq(uint256(status), uint256(IRecordVerifier.RecordStatus.Active), "victim's record changed");
        handler.retract(0, 0); // A retracts its own
        invariant_noMemberChangesTheStatusOfARecordItDidNotIssue();
        assertEq(handler.changes(), 2, "the issuer's own retraction failed");
    }
}

/**
 * @title ConsentReachInvariantTest
 * @notice Whatever consents (by patients or by accounts an attacker made up, over categories or over
 * anyone's commitments) and accesses (any commitment, path and scope proof) the fuzzer tries: a consent
 * never reaches a record its custodian bound to another patient.
 */
contract ConsentReachInvariantTest is TestBase {
    ConsentHandler internal handler;

    function setUp() public {
        handler = new ConsentHandler();
        targetContract(address(handler));
    }

    function invariant_aConsentNeverReachesARecordBoundToAnotherPatient() public view {
        assertEq(handler.wrongPatientAccesses(), 0, "a consent reached another patient's record");
    }

    /// @dev Not vacuous: the patient's own record is reached, a made-up account's consent reaches nothing.
    function test_handlerReachesOnlyTheConsentingPatientsRecords() public {
        handler.anchor(0, 0, 1, 0, false); // A anchors commitment 1 for patient 0
        handler.grant(0, 0, 1, false, 0, 0, 0); // patient 0 consents: custodian A, grantee B, categories
        handler.access(0, 0, true, true, 0, false); // B reads it
        assertEq(handler.accesses(), 1, "the patient's own record was refused");
        handler.grant(3, 0, 1, false, 0, 0, 0); // the made-up account "consents" the same
        handler.access(1, 0, true, true, 0, false);
        handler.grant(3, 0, 1, true, 1, 2, 7); // ... and names patient 0's commitment in a records scope
        handler.access(2, 0, true, true, 0, false);
        assertEq(handler.accesses(), 1, "a made-up account reached a patient's record");
        assertEq(handler.wrongPatientAccesses(), 0, "model disagrees");
    }
}

/**
 * @title AccessRequestInvariantTest
 * @notice Whatever signed requests the fuzzer submits (any requester key, a removed one, nonces that
 * repeat, forged signatures, any submitter, time passing): no signed request is audited twice, and
 * every audit the chain accepts was submitted by the consent's custodian and signed by a current key of
 * the grantee.
 */
contract AccessRequestInvariantTest is TestBase {
    RequestHandler internal handler;

    function setUp() public {
        handler = new RequestHandler();
        targetContract(address(handler));
    }

    function invariant_noSignedRequestIsAuditedTwice() public view {
        assertTrue(handler.maxAuditsOfOneRequest() <= 1, "a requester's nonce was audited twice");
    }

    function invariant_everyAuditWasTheCustodiansOfAGranteesCurrentKey() public view {
        assertEq(handler.forbiddenAudits(), 0, "the chain accepted an audit the rules forbid");
    }

    /// @dev Not vacuous: a grantee's request is audited once; its replay, a removed key and a forged one are not.
    function test_handlerSeesAuditsAndRefusals() public {
        handler.submit(0, 1, 0, 300, false); // B's key, nonce 1, by the custodian A
        assertEq(handler.accepted(), 1, "the grantee's request was refused");
        handler.submit(0, 7, 0, 300, false); // nonce 7 % 6 = 1 again: a replay of the nonce
        handler.submit(2, 2, 0, 300, false); // the lab's key
        handler.submit(0, 3, 1, 300, false); // submitted by hospital B, not the custodian
        handler.submit(0, 4, 0, 300, true); // signed over another consent
        handler.removeSecondKey();
        handler.submit(1, 5, 0, 300, false); // the removed key
        assertEq(handler.accepted(), 1, "a forbidden audit went through");
        handler.submit(1 + 4, 0, 0, 300, false); // still removed (index 5 % 4 = 1)
        handler.submit(0, 0, 0, 300, false); // B's first key, a fresh nonce
        assertEq(handler.accepted(), 2, "a fresh request of a current key was refused");
        invariant_noSignedRequestIsAuditedTwice();
        invariant_everyAuditWasTheCustodiansOfAGranteesCurrentKey();
    }
}
