// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IDrugProvenance} from "../../../contracts/interfaces/IDrugProvenance.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";
import {DrugProvenance} from "../../../contracts/provenance/DrugProvenance.sol";
import {vm} from "../utils/Vm.sol";

/// @dev A registry stand-in for Solidity tests: accounts map to members with fixed kinds, never paused.
contract MockConsortium {
    mapping(address account => bytes32 memberId) public memberOf;
    mapping(bytes32 memberId => uint8 kinds) public kindsOf;

    function setMember(address account, bytes32 memberId, uint8 kinds) external {
        memberOf[account] = memberId;
        kindsOf[memberId] = kinds;
    }

    function authorize(address account, uint8 kindMask, bytes32) external view returns (bytes32, bool, bool) {
        bytes32 id = memberOf[account];
        return (id, id != bytes32(0) && kindsOf[id] & kindMask != 0, false);
    }

    function activeMemberOf(address account, uint8 kindMask) external view returns (bytes32, bool) {
        bytes32 id = memberOf[account];
        return (id, id != bytes32(0) && kindsOf[id] & kindMask != 0);
    }

    function isActiveMemberId(bytes32 memberId, uint8 kindMask) external view returns (bool) {
        return kindsOf[memberId] & kindMask != 0;
    }

    function isPaused(bytes32) external pure returns (bool) {
        return false;
    }
}

/**
 * @dev A small supply chain for fuzz and invariant tests: a manufacturer, a distributor and a
 * pharmacy; one lot of two packs (codes "CODE0", "CODE1"); one case holding both packs.
 */
contract ProvenanceWorld {
    uint64 internal constant GTIN = 9506000134352;
    uint64 internal constant SSCC = 106141410000000019;
    string internal constant LOT = "L1";

    MockConsortium internal registry;
    DrugProvenance internal provenance;
    address[3] internal accounts = [address(0xA11), address(0xB22), address(0xC33)];
    bytes32[3] internal members = [keccak256("mfr"), keccak256("dist"), keccak256("pharmacy")];
    bytes32[2] internal packIds;
    bytes32 internal lotId;
    bytes32 internal caseId;
    uint64 internal expiresAt;

    function _setUpWorld() internal {
        registry = new MockConsortium();
        registry.setMember(accounts[0], members[0], MemberKinds.MANUFACTURER);
        registry.setMember(accounts[1], members[1], MemberKinds.DISTRIBUTOR);
        registry.setMember(accounts[2], members[2], MemberKinds.PHARMACY);
        provenance = new DrugProvenance(IConsortiumRegistry(address(registry)));
        packIds[0] = provenance.packIdOf(GTIN, "S0", "CODE0");
        packIds[1] = provenance.packIdOf(GTIN, "S1", "CODE1");
        expiresAt = uint64(block.timestamp + 365 days);
        vm.startPrank(accounts[0]);
        provenance.registerProduct(GTIN);
        lotId = provenance.commissionLot(GTIN, LOT, expiresAt, 2, _pairRoot(packIds[0], packIds[1]));
        caseId = provenance.pack(SSCC, _pairRoot(packIds[0], packIds[1]), 2, new IDrugProvenance.Link[](0));
        vm.stopPrank();
    }

    function _pairRoot(bytes32 a, bytes32 b) internal view returns (bytes32) {
        bytes32 la = provenance.leafOf(a);
        bytes32 lb = provenance.leafOf(b);
        return la < lb ? keccak256(abi.encode(la, lb)) : keccak256(abi.encode(lb, la));
    }

    function _claim(uint256 i) internal view returns (IDrugProvenance.PackClaim memory claim) {
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = provenance.leafOf(packIds[1 - i]);
        claim = IDrugProvenance.PackClaim({
            gtin: GTIN,
            serial: i == 0 ? "S0" : "S1",
            lot: LOT,
            code: i == 0 ? "CODE0" : "CODE1",
            lotProof: proof
        });
    }

    /// @dev The link placing pack `i` in the case (its sibling's leaf is the proof).
    function _caseLinks(uint256 i) internal view returns (IDrugProvenance.Link[] memory links) {
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = provenance.leafOf(packIds[1 - i]);
        links = new IDrugProvenance.Link[](1);
        links[0] = IDrugProvenance.Link({child: packIds[i], parent: caseId, proof: proof});
    }
}
