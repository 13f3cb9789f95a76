import { expect } from "chai";
import { network } from "hardhat";

import { planContainer } from "../../src/provenance/catalog.js";
import {
  claimOf,
  commissionLot,
  dispensePack,
  packContainer,
  receiveItem,
  registerProduct,
  productsOf,
  shipItem,
  unpackContainer,
  verifyPack,
  type Link,
  type PackScan,
} from "../../src/provenance/client.js";
import { ItemState } from "../../src/provenance/kinds.js";
import { planLot, type LotPlan } from "../../src/provenance/lot.js";
import { proposePrefixChange } from "../../src/provenance/prefixes.js";
import { buildIdTree } from "../../src/provenance/tree.js";
import { packIdOf } from "../../src/provenance/ids.js";
import { GTIN, PREFIX, gtinOf, prefixByVote, provenanceFixtureFor, sscc } from "../provenance/fixture.js";

const { ethers, networkHelpers } = await network.create();

function scanOf(plan: LotPlan, i: number): PackScan {
  const pack = plan.bundle.packs[i]!;
  return { gtin: plan.gtin, lot: plan.lot, serial: pack.serial, code: pack.code };
}

/**
 * Attacks on custody and on identifiers (issue 8, points 14 and 15): a former holder acting on a
 * pack or case it no longer holds, and a member taking another company's GTIN or SSCC. Each would
 * have succeeded on f3bfe51 and is stopped now.
 */
describe("adversarial: only the current holder acts, identifiers belong to their owners", function () {
  const provenanceFixture = provenanceFixtureFor(ethers);

  /** The fixture with the pallet shipped to the distributor and received. */
  async function atDistributor() {
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    await shipItem(fx.provenance.connect(fx.signers.mfr), fx.catalog, fx.pallet, fx.ids.dist);
    await receiveItem(fx.provenance.connect(fx.signers.dist), fx.pallet);
    return fx;
  }

  /** The pack's link into its lot: all the manufacturer needs to claim it through the lot. */
  function lotLink(fx: Awaited<ReturnType<typeof atDistributor>>, i: number): Link {
    const pack = fx.packIds[i]!;
    return fx.catalog.link(pack, fx.plan.lotId);
  }

  /**
   * At the distributor: it opened the pallet and case A, repacked pack 0 into a tote of its own
   * (by list) and shipped the tote to the pharmacy, which received it.
   */
  async function repackedAndSold() {
    const fx = await atDistributor();
    const asDist = fx.provenance.connect(fx.signers.dist);
    await unpackContainer(asDist, fx.catalog, fx.pallet);
    await unpackContainer(asDist, fx.catalog, fx.caseA);
    const { container: tote } = await packContainer(asDist, fx.catalog, sscc(1, PREFIX.dist), [fx.packIds[0]!]);
    await shipItem(asDist, fx.catalog, tote.containerId, fx.ids.pharmacy);
    await receiveItem(fx.provenance.connect(fx.signers.pharmacy), tote.containerId);
    return { ...fx, tote: tote.containerId };
  }

  describe("a former holder through the lot (the manufacturer)", function () {
    it("stops the manufacturer shipping a pack it sold through the lot", async function () {
      const fx = await atDistributor();
      await expect(fx.provenance.connect(fx.signers.mfr).ship(fx.packIds[0]!, fx.ids.pharmacy2, [lotLink(fx, 0)]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceLotDrawn")
        .withArgs(fx.packIds[0]!, fx.plan.lotId);
    });

    it("stops the manufacturer destroying a pack it sold through the lot", async function () {
      const fx = await atDistributor();
      await expect(fx.provenance.connect(fx.signers.mfr).destroy(fx.packIds[1]!, [lotLink(fx, 1)]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceLotDrawn")
        .withArgs(fx.packIds[1]!, fx.plan.lotId);
    });

    it("stops the manufacturer reporting a pack it sold stolen through the lot", async function () {
      const fx = await atDistributor();
      await expect(fx.provenance.connect(fx.signers.mfr).reportStolen(fx.packIds[2]!, [lotLink(fx, 2)]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceLotDrawn")
        .withArgs(fx.packIds[2]!, fx.plan.lotId);
      // the genuine pack is still genuine, in the distributor's custody
      expect(await verifyPack(fx.provenance, fx.catalog, scanOf(fx.plan, 2))).to.include({
        verdict: "GENUINE",
        custodian: fx.ids.dist,
      });
    });

    it("stops the manufacturer repacking a pack it sold into a new container through the lot", async function () {
      const fx = await atDistributor();
      const fake = planContainer(sscc(9), [fx.packIds[0]!]);
      const links = [
        lotLink(fx, 0),
        { child: fx.packIds[0]!, parent: fake.containerId, proof: fake.idTree.getProof([fx.packIds[0]!]) },
      ];
      await expect(fx.provenance.connect(fx.signers.mfr).pack(BigInt(fake.sscc), 7, fake.root, 1, links))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceLotDrawn")
        .withArgs(fx.packIds[0]!, fx.plan.lotId);
    });

    it("stops the manufacturer passing for a sold pack's custodian when its case link is left out", async function () {
      const fx = await atDistributor();
      const { claim } = claimOf(fx.catalog, scanOf(fx.plan, 0));
      const [verdict, custodian] = await fx.provenance.verify(claim, []);
      expect([verdict, custodian]).to.deep.equal([1n, ethers.ZeroHash]);
      expect(await fx.provenance.custodyOf(fx.packIds[0]!, [lotLink(fx, 0)])).to.deep.equal([
        ethers.ZeroHash,
        ItemState.Held,
      ]);
    });

    it("stops the manufacturer reviving a pack it destroyed at the lot by claiming it in a new case", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = fx.provenance.connect(fx.signers.mfr);
      const plan = planLot({ gtin: GTIN, lot: "REVIVE-1", expiry: "301231", serials: ["R1", "R2"] });
      await commissionLot(asMfr, plan);
      fx.catalog.addLotPlan(plan);
      const [destroyed, other] = plan.bundle.packs.map((p) => p.packId) as [string, string];
      await asMfr.destroy(destroyed, [fx.catalog.link(destroyed, plan.lotId)]);
      const revived = planContainer(sscc(60), [destroyed, other]);
      await asMfr.packFromLot(BigInt(revived.sscc), 7, plan.lotId, revived.root, 2);
      await expect(
        asMfr.link([{ child: destroyed, parent: revived.containerId, proof: revived.idTree.getProof([destroyed]) }]),
      )
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidState")
        .withArgs(destroyed, ItemState.Destroyed);
    });

    it("stops the manufacturer moving a case out of a pallet it sold", async function () {
      const fx = await atDistributor();
      await expect(fx.provenance.connect(fx.signers.mfr).ship(fx.caseA, fx.ids.pharmacy2, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.caseA, fx.pallet);
      await expect(fx.provenance.connect(fx.signers.mfr).destroy(fx.caseB, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.caseB, fx.pallet);
    });

    it("stops the manufacturer claiming a pinned pack into a second case of the same lot (double packing)", async function () {
      const fx = await atDistributor();
      // the distributor pins pack 0 into case A on receipt
      await fx.provenance
        .connect(fx.signers.dist)
        .link([
          lotLink(fx, 0),
          { child: fx.packIds[0]!, parent: fx.caseA, proof: fx.catalog.proof(fx.packIds[0]!, fx.caseA) },
        ]);
      // the manufacturer packs a phantom case from the lot claiming the same pack
      const phantom = planContainer(sscc(9), [fx.packIds[0]!, fx.packIds[5]!]);
      const asMfr = fx.provenance.connect(fx.signers.mfr);
      await asMfr.packFromLot(BigInt(phantom.sscc), 7, fx.plan.lotId, phantom.root, 2);
      const claim = {
        child: fx.packIds[0]!,
        parent: phantom.containerId,
        proof: phantom.idTree.getProof([fx.packIds[0]!]),
      };
      await expect(asMfr.link([claim]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceDoublePacked")
        .withArgs(fx.packIds[0]!, fx.caseA, phantom.containerId);
      await expect(asMfr.ship(fx.packIds[0]!, fx.ids.pharmacy2, [claim]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceDoublePacked")
        .withArgs(fx.packIds[0]!, fx.caseA, phantom.containerId);
    });
  });

  describe("a former holder through an opened case (distributor, pharmacy)", function () {
    it("stops a distributor that opened a case shipping a pack it repacked and sold", async function () {
      const fx = await repackedAndSold();
      const asDist = fx.provenance.connect(fx.signers.dist);
      await expect(asDist.ship(fx.packIds[0]!, fx.ids.hospital, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.packIds[0]!, fx.tote);
      // presenting the pack's old path through the opened case is refused too
      const stale = [
        lotLink(fx, 0),
        { child: fx.packIds[0]!, parent: fx.caseA, proof: fx.catalog.proof(fx.packIds[0]!, fx.caseA) },
      ];
      await expect(asDist.ship(fx.packIds[0]!, fx.ids.hospital, stale))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceAlreadyPlaced")
        .withArgs(fx.packIds[0]!, fx.tote);
      await expect(asDist.ship(fx.packIds[0]!, fx.ids.hospital, stale.slice(1)))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotInLot")
        .withArgs(fx.packIds[0]!, fx.caseA, fx.plan.lotId);
    });

    it("stops a distributor that opened a case destroying or reporting stolen a pack it repacked and sold", async function () {
      const fx = await repackedAndSold();
      const asDist = fx.provenance.connect(fx.signers.dist);
      await expect(asDist.destroy(fx.packIds[0]!, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.packIds[0]!, fx.tote);
      await expect(asDist.reportStolen(fx.packIds[0]!, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.packIds[0]!, fx.tote);
      // the pharmacy that holds it dispenses it as genuine
      const result = await dispensePack(fx.provenance.connect(fx.signers.pharmacy), fx.catalog, scanOf(fx.plan, 0));
      expect(result.dispensed).to.equal(true);
    });

    it("stops a distributor that opened a pallet moving a case it repacked onto another pallet and sold", async function () {
      const fx = await atDistributor();
      const asDist = fx.provenance.connect(fx.signers.dist);
      await unpackContainer(asDist, fx.catalog, fx.pallet);
      const { container } = await packContainer(asDist, fx.catalog, sscc(2, PREFIX.dist), [fx.caseA]);
      await shipItem(asDist, fx.catalog, container.containerId, fx.ids.pharmacy);
      await expect(asDist.ship(fx.caseA, fx.ids.hospital, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.caseA, container.containerId);
      await expect(asDist.unpack(fx.caseA, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInsideSealedContainer")
        .withArgs(fx.caseA, container.containerId);
    });

    it("stops a pharmacy that opened a case dispensing a pack it shipped on, even knowing its scratched code", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = fx.provenance.connect(fx.signers.mfr);
      await shipItem(asMfr, fx.catalog, fx.pallet, fx.ids.pharmacy);
      const asPharmacy = fx.provenance.connect(fx.signers.pharmacy);
      await receiveItem(asPharmacy, fx.pallet);
      await unpackContainer(asPharmacy, fx.catalog, fx.pallet);
      await unpackContainer(asPharmacy, fx.catalog, fx.caseA);
      const { container: tote } = await packContainer(asPharmacy, fx.catalog, sscc(1, PREFIX.pharmacy), [
        fx.packIds[0]!,
      ]);
      await shipItem(asPharmacy, fx.catalog, tote.containerId, fx.ids.hospital);
      await receiveItem(fx.provenance.connect(fx.signers.hospital), tote.containerId);
      const { claim } = claimOf(fx.catalog, scanOf(fx.plan, 0));
      const stale = [{ child: fx.packIds[0]!, parent: fx.caseA, proof: fx.catalog.proof(fx.packIds[0]!, fx.caseA) }];
      await expect(asPharmacy.dispense(claim, stale))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotInLot")
        .withArgs(fx.packIds[0]!, fx.caseA, fx.plan.lotId);
      await expect(asPharmacy.dispense(claim, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotCustodian")
        .withArgs(fx.packIds[0]!, fx.ids.hospital, fx.ids.pharmacy);
      // the hospital that holds the pack dispenses it without a clone alert
      const result = await dispensePack(fx.provenance.connect(fx.signers.hospital), fx.catalog, scanOf(fx.plan, 0));
      expect(result).to.include({ dispensed: true, cloneAlert: false });
    });

    it("stops a packer adding a child to a sealed container after packing it (an extra leaf in its root)", async function () {
      const fx = await atDistributor();
      const asDist = fx.provenance.connect(fx.signers.dist);
      await unpackContainer(asDist, fx.catalog, fx.pallet);
      // the root commits to both cases, but only case A is placed: case B cannot be slipped in later
      const tote = planContainer(sscc(3, PREFIX.dist), [fx.caseA, fx.caseB]);
      const intoTote = (c: string) => ({ child: c, parent: tote.containerId, proof: tote.idTree.getProof([c]) });
      await asDist.pack(BigInt(tote.sscc), 7, tote.root, 1, [intoTote(fx.caseA)]);
      await expect(asDist.link([intoTote(fx.caseB)]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceSealedWhenPacked")
        .withArgs(fx.caseB, tote.containerId);
    });

    it("stops an opened pallet from being shipped again as if it were sealed", async function () {
      const fx = await atDistributor();
      const asDist = fx.provenance.connect(fx.signers.dist);
      await unpackContainer(asDist, fx.catalog, fx.pallet);
      await expect(asDist.ship(fx.pallet, fx.ids.pharmacy, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidState")
        .withArgs(fx.pallet, ItemState.Opened);
    });
  });

  describe("a member that never held the pack (another brand, another lot, a shipper on the road)", function () {
    /**
     * At the distributor; the rival brand (mfr2) has registered a product of its own and commissioned
     * lot SQUAT-1 over the first four packs' tags, copied from the first brand's published lot tree.
     */
    async function rivalLotOverTheirTags() {
      const fx = await atDistributor();
      const asRival = fx.provenance.connect(fx.signers.mfr2);
      const rivalGtin = gtinOf(PREFIX.mfr2, 7);
      await registerProduct(asRival, rivalGtin);
      const tags = fx.plan.bundle.packs.slice(0, 4).map((p) => p.tag);
      const tree = buildIdTree(tags);
      const products = await productsOf(asRival);
      await products.commissionLot(BigInt(rivalGtin), "SQUAT-1", fx.plan.expiresAt, tags.length, tree.root);
      const squatLot = await products.lotIdOf(BigInt(rivalGtin), "SQUAT-1");
      const squatLinks: Link[] = tags.map((child, i) => ({ child, parent: squatLot, proof: tree.getProof(i) }));
      return { ...fx, asRival, rivalGtin, squatLot, squatLinks };
    }

    it("stops a rival brand's lot over another brand's published pack tags from placing those packs", async function () {
      const fx = await rivalLotOverTheirTags();
      // the links are valid proofs into the rival's own lot: they place items of that lot, not the packs
      await (await fx.asRival.link(fx.squatLinks)).wait();
      for (const [i, link] of fx.squatLinks.entries()) {
        const own = packIdOf(fx.squatLot, String(link.child));
        expect(own).to.not.equal(fx.packIds[i]);
        expect((await fx.provenance.itemOf(own)).parent).to.equal(fx.squatLot);
        expect((await fx.provenance.itemOf(fx.packIds[i]!)).kind).to.equal(0n);
      }
      await expect(fx.asRival.destroy(fx.packIds[0]!, fx.squatLinks))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceUnknownItem")
        .withArgs(fx.packIds[0]!);
      await expect(fx.asRival.reportStolen(fx.packIds[1]!, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceUnknownItem")
        .withArgs(fx.packIds[1]!);
      // the genuine packs' own links still place them, and their holder still dispenses them
      await (
        await fx.provenance
          .connect(fx.signers.dist)
          .link([fx.catalog.link(fx.packIds[0]!, fx.plan.lotId), fx.catalog.link(fx.packIds[0]!, fx.caseA)])
      ).wait();
      expect((await fx.provenance.itemOf(fx.packIds[0]!)).parent).to.equal(fx.caseA);
      expect(await verifyPack(fx.provenance, fx.catalog, scanOf(fx.plan, 0))).to.include({
        verdict: "GENUINE",
        custodian: fx.ids.dist,
      });
    });

    it("stops a rival brand claiming another brand's packs through a case it packed from its own lot", async function () {
      const fx = await rivalLotOverTheirTags();
      // its case's root holds the genuine packs' ids (public in the first brand's case file and events)
      const fake = planContainer(sscc(1, PREFIX.mfr2), fx.packIds.slice(0, 2));
      await fx.asRival.packFromLot(BigInt(fake.sscc), PREFIX.mfr2.length, fx.squatLot, fake.root, 2);
      const claim = { child: fx.packIds[0]!, parent: fake.containerId, proof: fake.idTree.getProof([fx.packIds[0]!]) };
      await expect(fx.asRival.link([fx.squatLinks[0]!, claim]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotInLot")
        .withArgs(fx.packIds[0]!, fake.containerId, fx.squatLot);
      // nor can it slip an item of its own lot into the genuine case
      const own = packIdOf(fx.squatLot, String(fx.squatLinks[0]!.child));
      await expect(
        fx.asRival.link([
          fx.squatLinks[0]!,
          { child: own, parent: fx.caseA, proof: fx.catalog.proof(fx.packIds[0]!, fx.caseA) },
        ]),
      )
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidProof")
        .withArgs(own, fx.caseA);
    });

    it("stops a rival brand drawing another brand's lot (which would end its lot-level custody)", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const plan = planLot({ gtin: GTIN, lot: "UNDRAWN-1", expiry: "301231", serials: ["U1"] });
      await commissionLot(fx.provenance.connect(fx.signers.mfr), plan);
      await expect(
        fx.provenance.connect(fx.signers.mfr2).packFromLot(BigInt(sscc(2, PREFIX.mfr2)), 7, plan.lotId, plan.root, 1),
      )
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotLotManufacturer")
        .withArgs(plan.lotId, fx.ids.mfr, fx.ids.mfr2);
      expect((await fx.products.lotOf(plan.lotId)).drawn).to.equal(false);
    });

    it("stops a manufacturer claiming a pack it sold through another lot of its own over the pack's tag", async function () {
      const fx = await atDistributor();
      const asMfr = fx.provenance.connect(fx.signers.mfr);
      const tag = fx.plan.bundle.packs[0]!.tag;
      const products = await productsOf(asMfr);
      await products.commissionLot(BigInt(GTIN), "AGAIN-1", fx.plan.expiresAt, 1, buildIdTree([tag]).root);
      const again = await products.lotIdOf(BigInt(GTIN), "AGAIN-1");
      const relink = { child: tag, parent: again, proof: [] };
      // the link places an item of lot AGAIN-1 (another id), not the pack the distributor holds
      await (await asMfr.link([relink])).wait();
      expect((await fx.provenance.itemOf(packIdOf(again, tag))).parent).to.equal(again);
      for (const links of [[relink], []]) {
        await expect(asMfr.destroy(fx.packIds[0]!, links))
          .to.be.revertedWithCustomError(fx.provenance, "ProvenanceUnknownItem")
          .withArgs(fx.packIds[0]!);
      }
      expect(await verifyPack(fx.provenance, fx.catalog, scanOf(fx.plan, 0))).to.include({
        verdict: "GENUINE",
        custodian: fx.ids.dist,
      });
    });

    it("stops a shipper reporting stolen a pallet it shipped just before its receiver receives it", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = fx.provenance.connect(fx.signers.mfr);
      await shipItem(asMfr, fx.catalog, fx.pallet, fx.ids.dist);
      await expect(asMfr.reportStolen(fx.pallet, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotReceiver")
        .withArgs(fx.pallet, fx.ids.dist, fx.ids.mfr);
      await receiveItem(fx.provenance.connect(fx.signers.dist), fx.pallet);
      expect(await verifyPack(fx.provenance, fx.catalog, scanOf(fx.plan, 5))).to.include({
        verdict: "GENUINE",
        custodian: fx.ids.dist,
      });
      // once received, the former shipper cannot report it either
      await expect(asMfr.reportStolen(fx.pallet, []))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotCustodian")
        .withArgs(fx.pallet, fx.ids.dist, fx.ids.mfr);
    });
  });

  describe("identifiers that belong to others", function () {
    it("stops a manufacturer registering another brand's GTIN", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const theirs = gtinOf(PREFIX.mfrGtin, 77);
      await expect(fx.products.connect(fx.signers.mfr2).registerProduct(BigInt(theirs), 7))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotPrefixHolder")
        .withArgs(BigInt(theirs), 7, fx.ids.mfr, fx.ids.mfr2);
      // nor by naming another length of the same digits, which nobody holds
      await expect(fx.products.connect(fx.signers.mfr2).registerProduct(BigInt(theirs), 8))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotPrefixHolder")
        .withArgs(BigInt(theirs), 8, ethers.ZeroHash, fx.ids.mfr2);
    });

    it("stops a manufacturer registering a GTIN under a prefix nobody holds", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const unassigned = gtinOf("4012345", 1);
      await expect(fx.products.connect(fx.signers.mfr).registerProduct(BigInt(unassigned), 7))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotPrefixHolder")
        .withArgs(BigInt(unassigned), 7, ethers.ZeroHash, fx.ids.mfr);
    });

    it("stops a member packing an SSCC of another company's prefix", async function () {
      const fx = await atDistributor();
      await unpackContainer(fx.provenance.connect(fx.signers.dist), fx.catalog, fx.pallet);
      const theirs = sscc(50); // under the manufacturer's prefix 0614141
      const tote = planContainer(theirs, [fx.caseA]);
      const link = { child: fx.caseA, parent: tote.containerId, proof: tote.idTree.getProof([fx.caseA]) };
      await expect(fx.provenance.connect(fx.signers.dist).pack(BigInt(theirs), 7, tote.root, 1, [link]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotPrefixHolder")
        .withArgs(BigInt(theirs), 7, fx.ids.mfr, fx.ids.dist);
    });

    it("stops an SSCC being reused after its container was unpacked", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = fx.provenance.connect(fx.signers.mfr);
      await unpackContainer(asMfr, fx.catalog, fx.pallet);
      const again = planContainer(sscc(3), [fx.caseA]);
      const link = { child: fx.caseA, parent: again.containerId, proof: again.idTree.getProof([fx.caseA]) };
      await expect(asMfr.pack(BigInt(sscc(3)), 7, again.root, 1, [link]))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceContainerExists")
        .withArgs(BigInt(sscc(3)));
    });

    it("stops a vote assigning a prefix that overlaps an assigned one (0614141 vs 06141410)", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      await expect(prefixByVote(fx, fx.provenance, "assign", "06141410", fx.ids.mfr2))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceCompanyPrefixOverlaps")
        .withArgs("06141410", "0614141");
      // the shorter 061414 would cover 0614141, 0614142, 0614143 and 0614144
      await expect(prefixByVote(fx, fx.provenance, "assign", "061414", fx.ids.mfr2))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceCompanyPrefixCoversAssigned")
        .withArgs("061414", 4);
      // a prefix that differs by a leading zero is another prefix
      await prefixByVote(fx, fx.provenance, "assign", "614141", fx.ids.mfr2);
      expect(await fx.products.companyPrefixHolder("614141")).to.equal(fx.ids.mfr2);
      expect(await fx.products.companyPrefixHolder("0614141")).to.equal(fx.ids.mfr);
    });

    it("stops one governor's key taking over a brand: a prefix transfer runs only after k votes", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const rogue = fx.registry.connect(fx.governors[0]!);
      const { proposalId } = await proposePrefixChange(rogue, fx.products, "transfer", PREFIX.mfrGtin, fx.ids.mfr2);
      await rogue.vote(proposalId);
      await expect(fx.registry.execute(proposalId))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(proposalId, 1n, 2n);
      expect(await fx.products.manufacturerOf(BigInt(GTIN))).to.equal(fx.ids.mfr);
    });

    it("stops a former brand owner commissioning or recalling once the consortium moved its prefix", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      await prefixByVote(fx, fx.provenance, "transfer", PREFIX.mfrGtin, fx.ids.mfr2);
      expect(await fx.products.manufacturerOf(BigInt(GTIN))).to.equal(fx.ids.mfr2);
      const asMfr = fx.products.connect(fx.signers.mfr);
      await expect(asMfr.commissionLot(BigInt(GTIN), "X1", fx.plan.expiresAt, 1, fx.plan.root))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceNotProductOwner")
        .withArgs(BigInt(GTIN), fx.ids.mfr);
      await expect(asMfr.recall(fx.plan.lotId, 0))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceRecallNotAllowed")
        .withArgs(fx.plan.lotId, fx.ids.mfr);
      // the new brand owner may recall the product's lots
      await expect(fx.products.connect(fx.signers.mfr2).recall(fx.plan.lotId, 0)).to.emit(fx.products, "LotRecalled");
    });

    it("stops a manufacturer recalling a lot of a brand it does not own", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      await expect(fx.products.connect(fx.signers.mfr2).recall(fx.plan.lotId, 0))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceRecallNotAllowed")
        .withArgs(fx.plan.lotId, fx.ids.mfr2);
    });
  });
});
