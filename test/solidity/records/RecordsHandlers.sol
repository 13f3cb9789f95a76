// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {vm} from "../utils/Vm.sol";
import {IAccessLog} from "../../../contracts/interfaces/IAccessLog.sol";
import {IConsentBook} from "../../../contracts/interfaces/IConsentBook.sol";
import {IRecordVerifier} from "../../../contracts/interfaces/IRecordVerifier.sol";
import {MerkleLeaf} from "../../../contracts/libraries/MerkleLeaf.sol";
import {RecordsWorld} from "./RecordsWorld.sol";
import {AccountProofs} from "../utils/AccountProofs.sol";
import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";

/**
 * @dev Drives anchoring, retraction and amendment by three issuers over a small shared pool of leaves,
 * so members keep anchoring (and attacking through) each other's leaves and batch roots: alone, in
 * their own two-leaf batches holding another member's leaf, or through another member's batch. The
 * model changes a record's status only on a successful call by that record's issuer.
 */
contract IssuerHandler is RecordsWorld {
    /// @dev One way a record can be looked up: issuer, leaf, and the batch (zero) with its one-hash proof.
    struct LookupPath {
        bytes32 issuer;
        bytes32 leaf;
        bytes32 root;
        bytes32 sibling;
    }

    uint256 internal constant MAX_PATHS = 160;

    LookupPath[] internal _paths;
    /// @notice The status each issuer's own successful calls gave its record.
    mapping(bytes32 issuer => mapping(bytes32 leaf => IRecordVerifier.RecordStatus status)) public model;
    /// @notice Successful anchors alone of a leaf whose record was no longer active (a status reset).
    uint256 public statusResets;
    /// @notice Successful calls of each kind (so a run that did nothing shows).
    uint256 public anchors;
    uint256 public changes;

    constructor() {
        _deploy();
    }

    function pathCount() external view returns (uint256) {
        return _paths.length;
    }

    function pathAt(uint256 i) external view returns (LookupPath memory) {
        return _paths[i];
    }

    function proofOf(LookupPath memory p) public pure returns (bytes32[] memory) {
        return p.root == bytes32(0) ? new bytes32[](0) : _one(p.sibling);
    }

    /// @dev One of 12 leaves: 4 commitments bound to each of 3 patients.
    function _poolLeaf(uint256 seed) internal view returns (bytes32) {
        return _leaf(_patient(seed % 3), keccak256(abi.encode("pool record", seed % 4)));
    }

    function _track(bytes32 issuer, bytes32 leaf, bytes32 root, bytes32 sibling) private {
        if (_paths.length < MAX_PATHS) _paths.push(LookupPath(issuer, leaf, root, sibling));
    }

    function anchor(uint256 actor, uint256 leafSeed, uint8 category) external {
        (bytes32 id, address account) = _issuer(actor);
        bytes32 leaf = _poolLeaf(leafSeed);
        vm.prank(account);
        try records.anchor(leaf, category) {
            anchors++;
            if (model[id][leaf] == IRecordVerifier.RecordStatus.Unknown)
                model[id][leaf] = IRecordVerifier.RecordStatus.Active;
            else if (model[id][leaf] != IRecordVerifier.RecordStatus.Active) statusResets++;
            _track(id, leaf, bytes32(0), bytes32(0));
        } catch {}
    }

    function anchorPair(uint256 actor, uint256 seedA, uint256 seedB, uint8 category) external {
        (bytes32 id, address account) = _issuer(actor);
        bytes32 a = _poolLeaf(seedA);
        bytes32 b = _poolLeaf(seedB);
        if (a == b) return;
        bytes32 root = _pairRoot(a, b);
        vm.prank(account);
        try records.anchorBatch(root, 2, category) {
            anchors++;
            // A leaf whose record already has a status (e.g. retracted alone) keeps it in the batch too.
            if (model[id][a] == IRecordVerifier.RecordStatus.Unknown)
                model[id][a] = IRecordVerifier.RecordStatus.Active;
            if (model[id][b] == IRecordVerifier.RecordStatus.Unknown)
                model[id][b] = IRecordVerifier.RecordStatus.Active;
            _track(id, a, root, b);
            _track(id, b, root, a);
        } catch {}
    }

    /// @dev The actor tries to retract the record on any path seen so far, its own or another member's.
    function retract(uint256 actor, uint256 pathSeed) external {
        if (_paths.length == 0) return;
        LookupPath memory p = _paths[pathSeed % _paths.length];
        (bytes32 id, address account) = _issuer(actor);
        vm.prank(account);
        try records.retract(p.leaf, p.root, proofOf(p)) {
            changes++;
            model[id][p.leaf] = IRecordVerifier.RecordStatus.Retracted;
        } catch {}
    }

    function amend(uint256 actor, uint256 pathSeed, uint256 newSeed, uint8 category) external {
        if (_paths.length == 0) return;
        LookupPath memory p = _paths[pathSeed % _paths.length];
        (bytes32 id, address account) = _issuer(actor);
        bytes32 newLeaf = _poolLeaf(newSeed);
        vm.prank(account);
        try records.amend(p.leaf, p.root, proofOf(p), newLeaf, category) {
            changes++;
            model[id][p.leaf] = IRecordVerifier.RecordStatus.Superseded;
            model[id][newLeaf] = IRecordVerifier.RecordStatus.Active;
            _track(id, newLeaf, bytes32(0), bytes32(0));
        } catch {}
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 1 days));
    }
}

/**
 * @dev Drives anchoring (records bound to three patients, alone or in two-leaf batches mixing
 * patients), consents signed by those patients and by an account an attacker made up (category scopes
 * and blinded two-record scopes naming any commitments, anyone's), and accesses by the grantee and
 * others, with any commitment, path and scope proof. Counts accesses that succeeded for a record the
 * consent's custodian did not bind to the consent's patient.
 */
contract ConsentHandler is RecordsWorld {
    struct Anchored {
        bytes32 custodian;
        bytes32 commitment;
        bytes32 root;
        bytes32 sibling;
    }

    /// @dev A granted consent and, for a records scope, its two commitments and blinding values.
    struct Granted {
        IConsentBook.ConsentTerms terms;
        bytes32[2] commitments;
        bytes32[2] blinds;
    }

    uint256 internal constant MAX_ITEMS = 96;

    /// @notice Which patient accounts each custodian bound each commitment to.
    mapping(bytes32 custodian => mapping(bytes32 commitment => mapping(address patient => bool bound))) public boundTo;
    Anchored[] internal _anchored;
    Granted[] internal _granted;

    uint256 public accesses;
    uint256 public wrongPatientAccesses;

    constructor() {
        _deploy();
    }

    function _commitment(uint256 seed) internal pure returns (bytes32) {
        return keccak256(abi.encode("commitment", seed % 6));
    }

    function _accountOf(bytes32 memberId) internal pure returns (address) {
        if (memberId == ID_A) return HOSPITAL_A;
        if (memberId == ID_B) return HOSPITAL_B;
        return LAB;
    }

    /// @dev A custodian anchors a record of a patient, alone or in a batch with another patient's record.
    function anchor(
        uint256 issuerSeed,
        uint256 patientSeed,
        uint256 commitSeed,
        uint256 otherSeed,
        bool batched
    ) external {
        (bytes32 id, address account) = _issuer(issuerSeed);
        address patient = _patient(patientSeed % 3);
        bytes32 commitment = _commitment(commitSeed);
        bytes32 leaf = _leaf(patient, commitment);
        vm.startPrank(account);
        if (!batched) {
            try records.anchor(leaf, 1) {
                _bind(id, patient, commitment, bytes32(0), bytes32(0));
            } catch {}
        } else {
            address other = _patient(otherSeed % 3);
            bytes32 otherCommitment = _commitment(otherSeed >> 8);
            bytes32 otherLeaf = _leaf(other, otherCommitment);
            if (otherLeaf != leaf) {
                bytes32 root = _pairRoot(leaf, otherLeaf);
                try records.anchorBatch(root, 2, 1) {
                    _bind(id, patient, commitment, root, otherLeaf);
                    _bind(id, other, otherCommitment, root, leaf);
                } catch {}
            }
        }
        vm.stopPrank();
    }

    function _bind(bytes32 custodian, address patient, bytes32 commitment, bytes32 root, bytes32 sibling) private {
        boundTo[custodian][commitment][patient] = true;
        if (_anchored.length < MAX_ITEMS) _anchored.push(Anchored(custodian, commitment, root, sibling));
    }

    /// @dev Any of the four keys (three patients, one made-up account) grants a consent to any member.
    function grant(
        uint256 keySeed,
        uint256 custodianSeed,
        uint256 granteeSeed,
        bool scoped,
        uint256 c0,
        uint256 c1,
        uint256 blindSeed
    ) external {
        if (_granted.length >= MAX_ITEMS) return;
        uint256 key = _keys[keySeed % _keys.length];
        (bytes32 custodian, ) = _issuer(custodianSeed);
        (bytes32 grantee, ) = _issuer(granteeSeed);
        Granted memory g;
        g.terms = IConsentBook.ConsentTerms({
            patient: vm.addr(key),
            custodian: custodian,
            grantee: grantee,
            purpose: IConsentBook.Purpose.TREAT,
            categories: scoped ? 0 : 2, // category 1: every record the handler anchors
            recordsRoot: bytes32(0),
            validFrom: uint64(block.timestamp),
            validUntil: uint64(block.timestamp + 30 days),
            nonce: _granted.length
        });
        if (scoped) {
            g.commitments = [_commitment(c0), _commitment(c1)];
            g.blinds = [keccak256(abi.encode("blind", blindSeed, 0)), keccak256(abi.encode("blind", blindSeed, 1))];
            g.terms.recordsRoot = _pairRoot(_scopeLeaf(g, 0), _scopeLeaf(g, 1));
        }
        uint256 deadline = block.timestamp + 1 hours;
        try records.grantConsent(g.terms, deadline, _signGrant(key, g.terms, deadline)) {
            _granted.push(g);
        } catch {}
    }

    function _scopeLeaf(Granted memory g, uint256 i) internal pure returns (bytes32) {
        return MerkleLeaf.ofPair(g.blinds[i], _leaf(g.terms.patient, g.commitments[i]));
    }

    /**
     * @dev The grantee (or another member) accesses under a consent: a record some custodian anchored
     * (with that record's path) or any commitment, with the consent's scope proof for one of its two
     * records (or a wrong one).
     */
    function access(
        uint256 consentSeed,
        uint256 recordSeed,
        bool anchoredRecord,
        bool asGrantee,
        uint256 scopeIndex,
        bool wrongScope
    ) external {
        if (_granted.length == 0) return;
        Granted memory g = _granted[consentSeed % _granted.length];
        bytes32 commitment = _commitment(recordSeed);
        bytes32 root;
        bytes32[] memory batchProof = new bytes32[](0);
        if (anchoredRecord && _anchored.length > 0) {
            Anchored memory a = _anchored[recordSeed % _anchored.length];
            commitment = a.commitment;
            root = a.root;
            if (root != bytes32(0)) batchProof = _one(a.sibling);
        }
        bytes32 blind;
        bytes32[] memory scopeProof = new bytes32[](0);
        if (g.terms.recordsRoot != bytes32(0)) {
            uint256 i = scopeIndex % 2;
            blind = g.blinds[wrongScope ? 1 - i : i];
            scopeProof = _one(_scopeLeaf(g, 1 - i));
        }
        (, address other) = _issuer(consentSeed >> 8);
        vm.prank(asGrantee ? _accountOf(g.terms.grantee) : other);
        try records.access(g.terms, commitment, root, batchProof, blind, scopeProof, IConsentBook.Purpose.TREAT) {
            accesses++;
            if (!boundTo[g.terms.custodian][commitment][g.terms.patient]) wrongPatientAccesses++;
        } catch {}
    }

    /// @dev A patient revokes one of the consents (the made-up account too: it holds its key).
    function revoke(uint256 consentSeed) external {
        if (_granted.length == 0) return;
        IConsentBook.ConsentTerms memory terms = _granted[consentSeed % _granted.length].terms;
        for (uint256 k = 0; k < _keys.length; ++k) {
            if (vm.addr(_keys[k]) != terms.patient) continue;
            uint256 deadline = block.timestamp + 1 hours;
            try records.revokeConsent(terms, deadline, _signRevoke(_keys[k], terms, deadline)) {} catch {}
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 3 days));
    }
}

/**
 * @dev Drives the gateway's audits of signed access requests: requests signed by keys of the grantee
 * (one of them later removed), of another member and of no member, with nonces from a small pool (so
 * replays and reuses happen), any deadline, sometimes a signature over other fields, submitted by the
 * custodian, the grantee or another member, over one patient's consent, while time passes. The model
 * counts every audit the chain accepted and whether it should have.
 */
contract RequestHandler is RecordsWorld {
    bytes32 internal constant RECORD = keccak256("requested record");
    /// @dev Requester keys: two of the grantee B (the second is removed on request), the lab's, nobody's.
    uint256[4] internal _requesterKeys = [uint256(0x5EED1), 0x5EED2, 0x5EED3, 0x5EED4];

    IConsentBook.ConsentTerms internal _terms;
    bytes32 public consentId;
    bool public secondKeyRemoved;
    /// @notice Audits the chain accepted per requester and nonce, and the largest such count.
    mapping(address requester => mapping(uint256 nonce => uint256 count)) public audits;
    uint256 public maxAuditsOfOneRequest;
    /// @notice Accepted audits that the rules forbid (wrong submitter, signer, key, deadline or signature).
    uint256 public forbiddenAudits;
    uint256 public accepted;

    constructor() {
        _deploy();
        address patient = _patient(0);
        vm.prank(HOSPITAL_A);
        records.anchor(_leaf(patient, RECORD), 1);
        _terms = IConsentBook.ConsentTerms({
            patient: patient,
            custodian: ID_A,
            grantee: ID_B,
            purpose: IConsentBook.Purpose.TREAT,
            categories: 2,
            recordsRoot: bytes32(0),
            validFrom: uint64(block.timestamp),
            validUntil: uint64(block.timestamp + 3650 days),
            nonce: 1
        });
        uint256 deadline = block.timestamp + 1 hours;
        records.grantConsent(_terms, deadline, _signGrant(_keys[0], _terms, deadline));
        consentId = keccak256(abi.encode(_terms));
        IConsortiumRegistry.AccountProof memory first = AccountProofs.sign(registry, _requesterKeys[0], ID_B);
        IConsortiumRegistry.AccountProof memory second = AccountProofs.sign(registry, _requesterKeys[1], ID_B);
        IConsortiumRegistry.AccountProof memory third = AccountProofs.sign(registry, _requesterKeys[2], ID_LAB);
        vm.startPrank(HOSPITAL_B);
        registry.addAccount(vm.addr(_requesterKeys[0]), first);
        registry.addAccount(vm.addr(_requesterKeys[1]), second);
        vm.stopPrank();
        vm.prank(LAB);
        registry.addAccount(vm.addr(_requesterKeys[2]), third);
    }

    function requester(uint256 i) public view returns (address) {
        return vm.addr(_requesterKeys[i % 4]);
    }

    function submit(uint256 who, uint256 nonceSeed, uint256 by, uint32 lifetime, bool forged) external {
        uint256 key = _requesterKeys[who % 4];
        IAccessLog.AccessRequest memory request = IAccessLog.AccessRequest({
            requester: vm.addr(key),
            purpose: IConsentBook.Purpose.TREAT,
            requestHash: keccak256(abi.encode("request", nonceSeed)),
            nonce: nonceSeed % 6,
            deadline: block.timestamp + (lifetime % 600)
        });
        bytes memory signature =
            forged ? _signRequest(key, keccak256("another consent"), request) : _signRequest(key, consentId, request);
        (, address submitter) = _issuer(by);
        IAccessLog.RecordRead[] memory reads = new IAccessLog.RecordRead[](1);
        reads[0] = IAccessLog.RecordRead(RECORD, bytes32(0), new bytes32[](0), bytes32(0), new bytes32[](0));
        uint256 before = audits[request.requester][request.nonce];
        vm.prank(submitter);
        try records.accessByRequests(_signed(_terms, reads, request, signature)) {
            accepted++;
            uint256 count = ++audits[request.requester][request.nonce];
            if (count > maxAuditsOfOneRequest) maxAuditsOfOneRequest = count;
            bool grantee = who % 4 == 0 || (who % 4 == 1 && !secondKeyRemoved);
            if (submitter != HOSPITAL_A || !grantee || forged || before != 0) forbiddenAudits++;
        } catch {}
    }

    function removeSecondKey() external {
        if (secondKeyRemoved) return;
        vm.prank(HOSPITAL_B);
        registry.removeAccount(vm.addr(_requesterKeys[1]));
        secondKeyRemoved = true;
    }

    function wait(uint16 seconds_) external {
        vm.warp(block.timestamp + seconds_);
    }
}
