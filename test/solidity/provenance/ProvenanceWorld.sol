// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {IDrugProvenance} from "../../../contracts/interfaces/IDrugProvenance.sol";
import {IProductRegistry} from "../../../contracts/interfaces/IProductRegistry.sol";
import {Gs1} from "../../../contracts/libraries/Gs1.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";
import {DrugProvenance} from "../../../contracts/provenance/DrugProvenance.sol";
import {vm} from "../utils/Vm.sol";

/// @dev A registry stand-in for Solidity tests: accounts map to members with fixed kinds, never
/// paused; `govern` makes a call as the registry does when a vote passes (a governed call).
contract MockConsortium {
    mapping(address account => bytes32 memberId) public memberOf;
    mapping(bytes32 memberId => uint8 kinds) public kindsOf;

    function setMember(address account, bytes32 memberId, uint8 kinds) external {
        memberOf[account] = memberId;
        kindsOf[memberId] = kinds;
    }

    function govern(address module, bytes calldata data) external {
        (bool ok, bytes memory returned) = module.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
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

    function executingProposal() external pure returns (uint256) {
        return 1;
    }
}

/**
 * @dev A small supply chain for fuzz and invariant tests: a manufacturer, a distributor, a pharmacy,
 * a rival manufacturer (another brand) and a regulator, each supply-chain member with its GS1 company
 * prefix assigned by a governed call; one lot of four packs (codes "CODE0".."CODE3") packed at the
 * packaging line into case A (packs 0, 1) and case B (packs 2, 3) from the lot, both on one pallet
 * packed by list; and a second lot of one pack ("LOOSE"), never packed, lying loose in its lot at the
 * manufacturer. The rival holds a product of its own (`rivalGtin`) and nothing of the first brand.
 */
contract ProvenanceWorld {
    uint64 internal constant GTIN = 9506000134352;
    string internal constant LOT = "L1";
    string internal constant LOOSE_LOT = "L2";
    uint8 internal constant PREFIX_LENGTH = 7;
    /// @dev Member indexes: the three of the journey, the rival brand, the regulator.
    uint256 internal constant MFR = 0;
    uint256 internal constant RIVAL = 3;
    uint256 internal constant REGULATOR = 4;
    uint256 internal constant MEMBERS = 5;

    MockConsortium internal registry;
    DrugProvenance internal provenance;
    IProductRegistry internal products;
    address[5] internal accounts = [address(0xA11), address(0xB22), address(0xC33), address(0xD44), address(0xE55)];
    bytes32[5] internal members = [
        keccak256("mfr"),
        keccak256("dist"),
        keccak256("pharmacy"),
        keccak256("rival"),
        keccak256("regulator")
    ];
    /// @dev Each member's SSCC company prefix, as a number (7 digits; the regulator's is assigned to nobody).
    uint64[5] internal ssccPrefixes = [614141, 614142, 614143, 614144, 614145];
    /// @dev The packs' tags (their leaves in the lot's tree) and their on-chain ids in the lot.
    bytes32[4] internal tags;
    bytes32[4] internal packIds;
    bytes32 internal looseTag;
    bytes32 internal loosePack;
    /// @dev The rival brand's product (under its prefix 9506001).
    uint64 internal rivalGtin;
    bytes32 internal lotId;
    bytes32 internal looseLotId;
    bytes32 internal caseA;
    bytes32 internal caseB;
    bytes32 internal pallet;
    uint64 internal expiresAt;
    /// @dev SSCC serials used so far per member.
    uint64[3] internal ssccSerials;

    function _setUpWorld() internal {
        registry = new MockConsortium();
        registry.setMember(accounts[0], members[0], MemberKinds.MANUFACTURER);
        registry.setMember(accounts[1], members[1], MemberKinds.DISTRIBUTOR);
        registry.setMember(accounts[2], members[2], MemberKinds.PHARMACY);
        registry.setMember(accounts[RIVAL], members[RIVAL], MemberKinds.MANUFACTURER);
        registry.setMember(accounts[REGULATOR], members[REGULATOR], MemberKinds.REGULATOR);
        provenance = new DrugProvenance(IConsortiumRegistry(address(registry)));
        products = provenance.products();
        _assign("9506000", 0);
        _assign("0614141", 0);
        _assign("0614142", 1);
        _assign("0614143", 2);
        _assign("9506001", RIVAL);
        _assign("0614144", RIVAL);
        lotId = products.lotIdOf(GTIN, LOT);
        looseLotId = products.lotIdOf(GTIN, LOOSE_LOT);
        for (uint256 i = 0; i < 4; ++i) {
            tags[i] = provenance.packTagOf(GTIN, _serial(i), _code(i));
            packIds[i] = provenance.packIdOf(lotId, tags[i]);
        }
        looseTag = provenance.packTagOf(GTIN, "LOOSE", "LOOSE");
        loosePack = provenance.packIdOf(looseLotId, looseTag);
        expiresAt = uint64(block.timestamp + 365 days);
        uint64 rivalBody = 950600100001; // indicator 0, prefix 9506001, item reference 00001
        rivalGtin = rivalBody * 10 + uint64(Gs1.checkDigit(rivalBody));
        vm.prank(accounts[RIVAL]);
        products.registerProduct(rivalGtin, PREFIX_LENGTH);
        vm.startPrank(accounts[0]);
        products.registerProduct(GTIN, PREFIX_LENGTH);
        bytes32 root = _pairRoot(_pairRoot(tags[0], tags[1]), _pairRoot(tags[2], tags[3]), false);
        products.commissionLot(GTIN, LOT, expiresAt, 4, root);
        products.commissionLot(GTIN, LOOSE_LOT, expiresAt, 1, provenance.leafOf(looseTag));
        caseA = provenance.packFromLot(_nextSscc(0), PREFIX_LENGTH, lotId, _pairRoot(packIds[0], packIds[1]), 2);
        caseB = provenance.packFromLot(_nextSscc(0), PREFIX_LENGTH, lotId, _pairRoot(packIds[2], packIds[3]), 2);
        uint64 palletSscc = _nextSscc(0);
        IDrugProvenance.Link[] memory links = new IDrugProvenance.Link[](2);
        links[0] = _link(caseA, provenance.containerIdOf(palletSscc), _single(provenance.leafOf(caseB)));
        links[1] = _link(caseB, provenance.containerIdOf(palletSscc), _single(provenance.leafOf(caseA)));
        pallet = provenance.pack(palletSscc, PREFIX_LENGTH, _pairRoot(caseA, caseB), 2, links);
        vm.stopPrank();
    }

    function _assign(string memory prefix, uint256 member) internal {
        registry.govern(
            address(products),
            abi.encodeCall(IProductRegistry.assignCompanyPrefix, (prefix, members[member]))
        );
    }

    /// @dev A fresh SSCC-18 under member `m`'s prefix: extension 1, prefix, serial, check digit.
    function _nextSscc(uint256 m) internal returns (uint64) {
        ssccSerials[m] += 1;
        uint256 body = (10_000_000 + ssccPrefixes[m]) * 1e9 + ssccSerials[m];
        return uint64(body * 10 + Gs1.checkDigit(body));
    }

    function _serial(uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked("S", bytes1(uint8(0x30 + i))));
    }

    function _code(uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked("CODE", bytes1(uint8(0x30 + i))));
    }

    /// @dev The commutative hash of two children's leaves (or of two inner nodes when `leaves` is false).
    function _pairRoot(bytes32 a, bytes32 b, bool leaves) internal view returns (bytes32) {
        bytes32 la = leaves ? provenance.leafOf(a) : a;
        bytes32 lb = leaves ? provenance.leafOf(b) : b;
        return la < lb ? keccak256(abi.encode(la, lb)) : keccak256(abi.encode(lb, la));
    }

    function _pairRoot(bytes32 a, bytes32 b) internal view returns (bytes32) {
        return _pairRoot(a, b, true);
    }

    function _single(bytes32 node) internal pure returns (bytes32[] memory proof) {
        proof = new bytes32[](1);
        proof[0] = node;
    }

    function _link(
        bytes32 child,
        bytes32 parent,
        bytes32[] memory proof
    ) internal pure returns (IDrugProvenance.Link memory) {
        return IDrugProvenance.Link({child: child, parent: parent, proof: proof});
    }

    /// @dev Pack `i`'s proof in its lot (of its tag): its sibling's leaf, then the other pair's node.
    function _lotProof(uint256 i) internal view returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = provenance.leafOf(tags[i ^ 1]);
        proof[1] = i < 2 ? _pairRoot(tags[2], tags[3]) : _pairRoot(tags[0], tags[1]);
    }

    /// @dev Pack `i`'s case (A for packs 0 and 1, B for 2 and 3).
    function _caseOf(uint256 i) internal view returns (bytes32) {
        return i < 2 ? caseA : caseB;
    }

    function _claim(uint256 i) internal view returns (IDrugProvenance.PackClaim memory) {
        return
            IDrugProvenance.PackClaim({
                gtin: GTIN,
                serial: _serial(i),
                lot: LOT,
                code: _code(i),
                lotProof: _lotProof(i)
            });
    }

    /// @dev The link placing pack `i` in its lot (its tag, proven in the lot's tree).
    function _lotLink(uint256 i) internal view returns (IDrugProvenance.Link memory) {
        return _link(tags[i], lotId, _lotProof(i));
    }

    /// @dev The link placing pack `i` in its case (its sibling's leaf is the proof).
    function _caseLink(uint256 i) internal view returns (IDrugProvenance.Link memory) {
        return _link(packIds[i], _caseOf(i), _single(provenance.leafOf(packIds[i ^ 1])));
    }

    /// @dev The links of pack `i` a dispense needs: its case link (the lot placement is implied).
    function _caseLinks(uint256 i) internal view returns (IDrugProvenance.Link[] memory links) {
        links = new IDrugProvenance.Link[](1);
        links[0] = _caseLink(i);
    }
}
