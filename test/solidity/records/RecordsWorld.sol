// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {AccountProofs} from "../utils/AccountProofs.sol";
import {vm} from "../utils/Vm.sol";
import {ConsortiumRegistry} from "../../../contracts/consortium/ConsortiumRegistry.sol";
import {RecordRegistry} from "../../../contracts/records/RecordRegistry.sol";
import {IAccessLog} from "../../../contracts/interfaces/IAccessLog.sol";
import {IConsentBook} from "../../../contracts/interfaces/IConsentBook.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";
import {MerkleLeaf} from "../../../contracts/libraries/MerkleLeaf.sol";

/**
 * @dev Shared setup of the records Solidity tests: a one-governor consortium with two hospitals, a
 * laboratory and a regulator, a RecordRegistry, three invented patients (private keys, so the tests
 * sign their consents), and helpers for leaves, two-leaf batches and EIP-712 signatures.
 */
abstract contract RecordsWorld {
    ConsortiumRegistry public registry;
    RecordRegistry public records;

    // The members' operating keys (binding an account takes its key's signed agreement) and their
    // addresses, `vm.addr(key)` written out so that pure helpers can name them (`_deploy` checks).
    uint256 private constant HOSPITAL_A_KEY = 0xA0;
    uint256 private constant HOSPITAL_B_KEY = 0xB0;
    uint256 private constant LAB_KEY = 0xC0;
    uint256 private constant REGULATOR_KEY = 0xD0;
    address internal constant HOSPITAL_A = 0x18Eb36d090eEadF82f3454a6DA690fC398d3EBa1;
    address internal constant HOSPITAL_B = 0x05650444aCe15A01762Bd97EE8fDeb495b3C2436;
    address internal constant LAB = 0xcdeF6f23a26F960B53468f497967CE74c026AF52;
    address internal constant REGULATOR = 0x379ff6375F4A44f458683629ef05141d73fAe55A;
    bytes32 internal constant ID_A = keccak256("fuzz hospital A");
    bytes32 internal constant ID_B = keccak256("fuzz hospital B");
    bytes32 internal constant ID_LAB = keccak256("fuzz laboratory");
    bytes32 internal constant ID_REG = keccak256("fuzz regulator");

    /// @dev Private keys of three invented patients' accounts, and of an account an attacker made up.
    uint256[4] internal _keys = [uint256(0xA11CE), 0xB0B, 0xC1E0, 0xBADBAD];

    function _deploy() internal {
        address[] memory governors = new address[](1);
        governors[0] = address(this);
        registry = new ConsortiumRegistry(address(this), governors, 1, 7 days);
        _admit(ID_A, MemberKinds.HOSPITAL, HOSPITAL_A_KEY);
        _admit(ID_B, MemberKinds.HOSPITAL, HOSPITAL_B_KEY);
        _admit(ID_LAB, MemberKinds.LABORATORY, LAB_KEY);
        _admit(ID_REG, MemberKinds.REGULATOR, REGULATOR_KEY);
        records = new RecordRegistry(registry);
    }

    function _admit(bytes32 id, uint8 kinds, uint256 key) private {
        address account = vm.addr(key);
        if (account != HOSPITAL_A && account != HOSPITAL_B && account != LAB && account != REGULATOR) {
            revert("RecordsWorld: a member's address is not its key's");
        }
        uint256 proposalId = registry.certify(
            id,
            id,
            kinds,
            account,
            uint64(block.timestamp + 3650 days),
            AccountProofs.sign(registry, key, id)
        );
        registry.vote(proposalId);
        registry.execute(proposalId);
    }

    /// @dev The member ids and accounts of the three record issuers, by index 0..2.
    function _issuer(uint256 i) internal pure returns (bytes32 id, address account) {
        i %= 3;
        if (i == 0) return (ID_A, HOSPITAL_A);
        if (i == 1) return (ID_B, HOSPITAL_B);
        return (ID_LAB, LAB);
    }

    function _patient(uint256 i) internal view returns (address) {
        return vm.addr(_keys[i % _keys.length]);
    }

    /// @dev The record leaf binding `commitment` to `patient`'s account.
    function _leaf(address patient, bytes32 commitment) internal pure returns (bytes32) {
        return MerkleLeaf.ofPair(bytes32(uint256(uint160(patient))), commitment);
    }

    /// @dev The root of a StandardMerkleTree of two leaves (each one's proof is the other).
    function _pairRoot(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return Hashes.commutativeKeccak256(a, b);
    }

    function _one(bytes32 sibling) internal pure returns (bytes32[] memory proof) {
        proof = new bytes32[](1);
        proof[0] = sibling;
    }

    function _digest(bytes32 structHash) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MedChain RecordRegistry"),
                keccak256("2"),
                block.chainid,
                address(records)
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _signGrant(
        uint256 key,
        IConsentBook.ConsentTerms memory terms,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(records.CONSENT_TYPEHASH(), terms, deadline));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(structHash));
        return abi.encodePacked(r, s, v);
    }

    function _signRevoke(
        uint256 key,
        IConsentBook.ConsentTerms memory terms,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(records.REVOCATION_TYPEHASH(), keccak256(abi.encode(terms)), deadline)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(structHash));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The EIP-712 signature by `key` of a grantee's access request under the consent `consentId`.
    function _signRequest(
        uint256 key,
        bytes32 consentId,
        IAccessLog.AccessRequest memory request
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                records.ACCESS_REQUEST_TYPEHASH(),
                request.requester,
                consentId,
                request.purpose,
                request.requestHash,
                request.nonce,
                request.deadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(structHash));
        return abi.encodePacked(r, s, v);
    }

    /// @dev One signed request as `accessByRequests` takes it.
    function _signed(
        IConsentBook.ConsentTerms memory terms,
        IAccessLog.RecordRead[] memory reads,
        IAccessLog.AccessRequest memory request,
        bytes memory signature
    ) internal pure returns (IAccessLog.SignedAccess[] memory batch) {
        batch = new IAccessLog.SignedAccess[](1);
        batch[0] = IAccessLog.SignedAccess(terms, reads, request, signature);
    }
}
