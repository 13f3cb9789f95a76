// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDrugProvenance} from "../interfaces/IDrugProvenance.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IProvenanceTypes} from "../interfaces/IProvenanceTypes.sol";
import {Gs1} from "../libraries/Gs1.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {SupplyGraph} from "./SupplyGraph.sol";
import {ItemInfo, SupplySlots} from "./SupplySlots.sol";

/**
 * @title SupplyLinks
 * @notice The links a DrugProvenance call presents, checked in memory (`SupplyGraph.Overlay`) and
 * then recorded (`record`), or walked for a scanned pack (`dispense`, `verify`) or an item's
 * custody (`custodyOf`). A linked library (public functions, run by DELEGATECALL on DrugProvenance's
 * `SupplyGraph.Graph`) like `ClaimSubmission`: the custody core stays small, well under the 24 KB
 * code limit in the coverage build too. The rules themselves are `SupplyGraph`'s; a call that
 * presents no links (shipping, receiving, unpacking a container on chain) never comes here.
 */
library SupplyLinks {
    using SupplyGraph for SupplyGraph.Graph;
    using SupplyGraph for SupplyGraph.Overlay;

    /// @dev What a scan shows: the pack, its lot, and (for a genuine pack) where it stands.
    struct Assessment {
        bytes32 packId; // the pack's id in its lot (`SupplyGraph.packIdOf`)
        bytes32 lotId; // its lot's id (`Gs1.lotIdOf`)
        IProvenanceTypes.Lot lot; // zero root: unknown lot
        bool known; // the lot exists and the pack is one of its leaves (right hidden code)
        IProvenanceTypes.ItemState state; // the pack's own terminal state, else the first non-Held state on its path
        bytes32 custodian; // zero when unknown or out of the supply chain
    }

    /**
     * @notice Checks `links` in order (see `SupplyGraph.checkLinks`; `packing` is the container
     * `packer` packs by list in this call, zero outside `pack`) and writes their placements.
     * @return intoPacking how many children were newly placed into `packing`
     */
    function record(
        SupplyGraph.Graph storage g,
        IDrugProvenance.Link[] calldata links,
        bytes32 packing,
        bytes32 packer
    ) public returns (uint256 intoPacking) {
        SupplyGraph.Overlay memory ov = SupplyGraph.newOverlay(links.length);
        intoPacking = g.checkLinks(ov, links, packing, packer);
        g.store(ov);
    }

    /**
     * @notice Dispenses a scanned pack for `member` (see `IDrugProvenance.dispense`): a pack already
     * dispensed, destroyed or stolen raises a clone alert and returns false instead of reverting.
     */
    function dispense(
        SupplyGraph.Graph storage g,
        IProductRegistry products,
        bytes32 member,
        IDrugProvenance.PackClaim calldata claim,
        IDrugProvenance.Link[] calldata links
    ) public returns (bool dispensed) {
        Assessment memory a = _assess(g, products, claim, links);
        if (a.lot.root == bytes32(0)) revert IProvenanceTypes.ProvenanceUnknownLot(a.lotId);
        if (!a.known) revert IProvenanceTypes.ProvenanceInvalidProof(a.packId, a.lotId);
        if (SupplyGraph.isTerminal(a.state)) {
            IProvenanceTypes.Disposition prior =
                a.state == IProvenanceTypes.ItemState.Dispensed
                    ? IProvenanceTypes.Disposition.Dispensed
                    : (
                        a.state == IProvenanceTypes.ItemState.Destroyed
                            ? IProvenanceTypes.Disposition.Destroyed
                            : IProvenanceTypes.Disposition.Stolen
                    );
            emit IDrugProvenance.PackCloneDetected(
                a.packId,
                a.lotId,
                member,
                msg.sender,
                uint64(block.timestamp),
                prior
            );
            return false;
        }
        if (a.lot.recalled) revert IProvenanceTypes.ProvenanceLotRecalled(a.lotId);
        if (block.timestamp >= a.lot.expiresAt) revert IProvenanceTypes.ProvenanceLotExpired(a.lotId, a.lot.expiresAt);
        if (a.state != IProvenanceTypes.ItemState.Held)
            revert IProvenanceTypes.ProvenanceInvalidState(a.packId, a.state);
        if (a.custodian != member) revert IProvenanceTypes.ProvenanceNotCustodian(a.packId, a.custodian, member);

        g.items[a.packId].info = SupplySlots.newItem(
            IDrugProvenance.ItemKind.Pack,
            IProvenanceTypes.ItemState.Dispensed,
            0
        );
        emit IDrugProvenance.PackDispensed(
            a.packId,
            a.lotId,
            member,
            msg.sender,
            IProvenanceTypes.BizStep.Dispensing,
            IProvenanceTypes.Disposition.Dispensed
        );
        return true;
    }

    /// @notice What a scan of the pack shows (see `IDrugProvenance.verify`).
    function verify(
        SupplyGraph.Graph storage g,
        IProductRegistry products,
        IDrugProvenance.PackClaim calldata claim,
        IDrugProvenance.Link[] calldata links
    ) public view returns (IDrugProvenance.Verdict verdict, bytes32 custodian, bool inTransit) {
        Assessment memory a = _assess(g, products, claim, links);
        if (!a.known) return (IDrugProvenance.Verdict.Unknown, bytes32(0), false);
        IProvenanceTypes.ItemState state = a.state;
        inTransit = state == IProvenanceTypes.ItemState.InTransit;
        if (state == IProvenanceTypes.ItemState.Dispensed) verdict = IDrugProvenance.Verdict.Dispensed;
        else if (state == IProvenanceTypes.ItemState.Destroyed) verdict = IDrugProvenance.Verdict.Destroyed;
        else if (state == IProvenanceTypes.ItemState.Stolen) verdict = IDrugProvenance.Verdict.Stolen;
        else if (a.lot.recalled) verdict = IDrugProvenance.Verdict.Recalled;
        else if (block.timestamp >= a.lot.expiresAt) verdict = IDrugProvenance.Verdict.Expired;
        else verdict = IDrugProvenance.Verdict.Genuine;
        custodian = a.custodian;
    }

    /// @notice Who holds `itemId` and in what state, after the presented links (see `SupplyGraph.custody`).
    function custodyOf(
        SupplyGraph.Graph storage g,
        bytes32 itemId,
        IDrugProvenance.Link[] calldata links
    ) public view returns (bytes32 custodian, IProvenanceTypes.ItemState state) {
        SupplyGraph.Overlay memory ov = SupplyGraph.newOverlay(links.length);
        g.checkLinks(ov, links, bytes32(0), bytes32(0));
        return g.custody(ov, itemId);
    }

    /**
     * @dev A scanned pack: its ids, its lot, whether it is genuine (its tag in the lot's root), and
     * where it stands (its own terminal state, else its custody through the presented links; a pack
     * never seen on chain is first placed, in memory, in its lot).
     */
    function _assess(
        SupplyGraph.Graph storage g,
        IProductRegistry products,
        IDrugProvenance.PackClaim calldata claim,
        IDrugProvenance.Link[] calldata links
    ) private view returns (Assessment memory a) {
        bytes32 tag = SupplyGraph.packTagOf(claim.gtin, claim.serial, claim.code);
        a.lotId = Gs1.lotIdOf(claim.gtin, claim.lot);
        a.packId = SupplyGraph.packIdOf(a.lotId, tag);
        a.lot = products.lotOf(a.lotId);
        a.known =
            a.lot.root != bytes32(0) &&
            MerkleProof.verifyCalldata(claim.lotProof, a.lot.root, MerkleLeaf.ofBytes32(tag));
        if (!a.known) return a;
        ItemInfo info = g.items[a.packId].info;
        a.state = info.state();
        if (SupplyGraph.isTerminal(a.state)) return a;
        SupplyGraph.Overlay memory ov = SupplyGraph.newOverlay(links.length + 1);
        if (info.kind() == IDrugProvenance.ItemKind.None) ov.place(a.packId, a.lotId);
        g.checkLinks(ov, links, bytes32(0), bytes32(0));
        (a.custodian, a.state) = g.custody(ov, a.packId);
    }
}
