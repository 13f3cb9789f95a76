import { expect } from "chai";
import { network } from "hardhat";

import { planContainer } from "../../src/provenance/catalog.js";
import { GTIN, PREFIX, gtinOf, prefixByVote, provenanceFixtureFor, sscc } from "./fixture.js";
import {
  claimOf,
  custodyOf,
  dispensePack,
  linksFor,
  packContainer,
  registerProduct,
  commissionLot,
  shipItem,
  receiveItem,
  unpackContainer,
  verifyPack,
  type PackScan,
} from "../../src/provenance/client.js";
import { containerIdOf, lotIdOf, packIdOf, packTagOf, newScratchCode } from "../../src/provenance/ids.js";
import { ItemKind, ItemState, RECALL_REASONS, recallReasonCode } from "../../src/provenance/kinds.js";
import { planLot, type LotPlan } from "../../src/provenance/lot.js";
import { MODULE_IDS } from "../../src/consortium/kinds.js";
import type { DrugProvenance, ProductRegistry } from "../../typechain-types/index.js";
import type { Catalog } from "../../src/provenance/catalog.js";

const { ethers, networkHelpers } = await network.create();

const OTHER_GTIN = "09506000134369"; // under the manufacturer's prefix 9506000
const MFR2_GTIN = gtinOf(PREFIX.mfr2, 1);
const MANUFACTURER = 4;
const SUPPLY_CHAIN = 1 | 4 | 8 | 16;
const DISPENSERS = 1 | 16;
const RECALLERS = 4 | 64;
const REGULATOR = 64;

function scanOf(plan: LotPlan, i: number): PackScan {
  const pack = plan.bundle.packs[i]!;
  return { gtin: plan.gtin, lot: plan.lot, serial: pack.serial, code: pack.code };
}

/** A new lot of two packs at the manufacturer, from which no case was packed: its packs lie loose in it. */
async function looseLot(asMfr: DrugProvenance, catalog: Catalog, lot = "LOOSE-1", expiry = "301231") {
  const plan = planLot({ gtin: GTIN, lot, expiry, serials: [`${lot}-A`, `${lot}-B`] });
  await commissionLot(asMfr, plan);
  catalog.addLotPlan(plan);
  return plan;
}

describe("DrugProvenance", function () {
  const provenanceFixture = provenanceFixtureFor(ethers);

  /** The fixture with the pallet shipped manufacturer -> distributor -> pharmacy and received. */
  async function deliveredToPharmacy() {
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    const { provenance, catalog, signers, ids, pallet } = fx;
    await shipItem(provenance.connect(signers.mfr), catalog, pallet, ids.dist);
    await receiveItem(provenance.connect(signers.dist), pallet);
    await shipItem(provenance.connect(signers.dist), catalog, pallet, ids.pharmacy);
    await receiveItem(provenance.connect(signers.pharmacy), pallet);
    return fx;
  }

  describe("company prefixes", function () {
    it("assigns a prefix to a member by consortium vote, naming the proposal", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const id = await prefixByVote(fx, fx.provenance, "assign", "4012345", fx.ids.mfr2);
      const [event] = await fx.products.queryFilter(
        fx.products.filters.CompanyPrefixAssigned(undefined, fx.ids.mfr2, id),
      );
      expect(event!.args.prefix).to.equal("4012345");
      expect(await fx.products.companyPrefixHolder("4012345")).to.equal(fx.ids.mfr2);
      expect(await fx.products.companyPrefixOf(BigInt(gtinOf("4012345", 7)), false)).to.deep.equal([7n, fx.ids.mfr2]);
      expect(await fx.products.companyPrefixOf(BigInt(sscc(7, "4012345")), true)).to.deep.equal([7n, fx.ids.mfr2]);
    });

    it("refuses a prefix change outside a consortium vote, even from a governor or the certifier", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      for (const caller of [fx.governors[0]!, fx.certifier, fx.signers.mfr]) {
        const asCaller = fx.products.connect(caller);
        for (const call of [
          asCaller.assignCompanyPrefix("4012345", fx.ids.mfr),
          asCaller.transferCompanyPrefix(PREFIX.mfrGtin, fx.ids.mfr2),
          asCaller.revokeCompanyPrefix(PREFIX.mfrGtin),
        ]) {
          await expect(call)
            .to.be.revertedWithCustomError(fx.products, "ConsortiumGuardedNotConsortiumVote")
            .withArgs(caller.address);
        }
      }
    });

    it("refuses a prefix that is not 4 to 12 digits, before the vote starts", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      for (const bad of ["061", "0614141000001", "06a4141", ""]) {
        await expect(fx.products.companyPrefixHolder(bad))
          .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidCompanyPrefix")
          .withArgs(bad);
      }
      const data = fx.products.interface.encodeFunctionData("assignCompanyPrefix", ["06a4141", fx.ids.mfr]);
      const id = (await fx.registry.proposalCount()) + 1n;
      await fx.registry.connect(fx.governors[0]!).proposeCall(await fx.products.getAddress(), data);
      for (const g of fx.governors.slice(0, 2)) await fx.registry.connect(g).vote(id);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidCompanyPrefix")
        .withArgs("06a4141");
    });

    it("refuses to assign a prefix to a member that cannot hold goods, or twice", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      await expect(prefixByVote(fx, fx.provenance, "assign", "4012345", fx.ids.lab))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidPrefixHolder")
        .withArgs(fx.ids.lab);
      await expect(prefixByVote(fx, fx.provenance, "assign", PREFIX.dist, fx.ids.mfr2))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceCompanyPrefixTaken")
        .withArgs(PREFIX.dist, fx.ids.dist);
    });

    it("revokes a prefix by vote: its products can no longer be commissioned nor its SSCCs packed", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      const { provenance, products, signers, ids, plan } = fx;
      const id = await prefixByVote(fx, provenance, "revoke", PREFIX.mfrGtin);
      const [event] = await products.queryFilter(products.filters.CompanyPrefixRevoked(undefined, ids.mfr, id));
      expect(event!.args.prefix).to.equal(PREFIX.mfrGtin);
      expect(await products.manufacturerOf(BigInt(GTIN))).to.equal(ethers.ZeroHash);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(GTIN), "X1", plan.expiresAt, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotProductOwner")
        .withArgs(BigInt(GTIN), ids.mfr);
      await expect(prefixByVote(fx, provenance, "revoke", PREFIX.mfrGtin))
        .to.be.revertedWithCustomError(provenance, "ProvenanceCompanyPrefixNotAssigned")
        .withArgs(PREFIX.mfrGtin);
      // once revoked, the prefix (or one overlapping it) can be assigned again
      await prefixByVote(fx, provenance, "assign", "95060001", ids.mfr2);
    });

    it("refuses to transfer a prefix to its own holder or to an unknown member", async function () {
      const fx = await networkHelpers.loadFixture(provenanceFixture);
      await expect(prefixByVote(fx, fx.provenance, "transfer", PREFIX.dist, fx.ids.dist))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidPrefixHolder")
        .withArgs(fx.ids.dist);
      const nobody = ethers.id("nobody");
      await expect(prefixByVote(fx, fx.provenance, "transfer", PREFIX.dist, nobody))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceInvalidPrefixHolder")
        .withArgs(nobody);
      await expect(prefixByVote(fx, fx.provenance, "transfer", "4012345", fx.ids.mfr))
        .to.be.revertedWithCustomError(fx.provenance, "ProvenanceCompanyPrefixNotAssigned")
        .withArgs("4012345");
    });

    it("finds no prefix for an identifier under no assigned prefix", async function () {
      const { products } = await networkHelpers.loadFixture(provenanceFixture);
      expect(await products.companyPrefixOf(BigInt(gtinOf("4012345", 1)), false)).to.deep.equal([0n, ethers.ZeroHash]);
      expect(await products.companyPrefixHolder("4012345")).to.equal(ethers.ZeroHash);
    });
  });

  describe("products", function () {
    it("lets the holder of a GTIN's company prefix register it and records it as the product's maker", async function () {
      const { provenance, products, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr2).registerProduct(BigInt(MFR2_GTIN), PREFIX.mfr2.length))
        .to.emit(products, "ProductRegistered")
        .withArgs(BigInt(MFR2_GTIN), ids.mfr2, signers.mfr2.address);
      expect(await products.manufacturerOf(BigInt(MFR2_GTIN))).to.equal(ids.mfr2);
    });

    it("refuses a product registration from a member that is not a manufacturer", async function () {
      const { provenance, products, signers } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.dist).registerProduct(BigInt(OTHER_GTIN), 7))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.dist.address, MANUFACTURER);
    });

    it("refuses a GTIN with a wrong check digit", async function () {
      const { provenance, products, signers } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr).registerProduct(9506000134353n, 7))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidGtin")
        .withArgs(9506000134353n);
    });

    it("refuses a prefix length outside 4 to 12 digits", async function () {
      const { provenance, products, signers } = await networkHelpers.loadFixture(provenanceFixture);
      for (const length of [0, 3, 13]) {
        await expect(products.connect(signers.mfr).registerProduct(BigInt(OTHER_GTIN), length))
          .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidPrefixLength")
          .withArgs(BigInt(OTHER_GTIN), length);
      }
    });

    it("refuses to register a product twice", async function () {
      const { provenance, products, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr).registerProduct(BigInt(GTIN), 7))
        .to.be.revertedWithCustomError(provenance, "ProvenanceProductAlreadyRegistered")
        .withArgs(BigInt(GTIN), ids.mfr);
    });
  });

  describe("lots", function () {
    it("records one root per lot with its GTIN, expiry and quantity", async function () {
      const { provenance, products, plan, ids } = await networkHelpers.loadFixture(provenanceFixture);
      const [event] = await products.queryFilter(products.filters.LotCommissioned(plan.lotId));
      expect(event!.args.gtin).to.equal(BigInt(GTIN));
      expect(event!.args.lot).to.equal("LOT-42");
      const lot = await products.lotOf(plan.lotId);
      expect(lot.expiresAt).to.equal(plan.expiresAt);
      expect(lot.root).to.equal(plan.root);
      expect(lot.quantity).to.equal(8n);
      expect(lot.gtin).to.equal(BigInt(GTIN));
      expect(lot.manufacturer).to.equal(ids.mfr);
      expect(lot.drawn).to.equal(true); // the fixture packed its cases from it
      expect(await products.lotIdOf(BigInt(GTIN), "LOT-42")).to.equal(lotIdOf(GTIN, "LOT-42"));
    });

    it("computes the same pack tag and lot-bound pack id on chain as the SDK", async function () {
      const { provenance, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const p = plan.bundle.packs[0]!;
      const tag = await provenance.packTagOf(BigInt(GTIN), p.serial, p.code.replace(/-/g, ""));
      expect(tag)
        .to.equal(packTagOf(GTIN, p.serial, p.code))
        .and.to.equal(p.tag);
      expect(await provenance.packIdOf(plan.lotId, tag))
        .to.equal(packIdOf(plan.lotId, tag))
        .and.to.equal(p.packId);
      // the same tag in another lot is another pack
      const other = lotIdOf(GTIN, "LOT-43");
      expect(await provenance.packIdOf(other, tag)).to.not.equal(p.packId);
    });

    it("emits LotCommissioned with the commissioning step and active disposition", async function () {
      const { provenance, products, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
      const plan = planLot({ gtin: GTIN, lot: "LOT-43", expiry: "301231", serials: ["A1", "A2"] });
      await commissionLot(provenance.connect(signers.mfr), plan);
      const events = await products.queryFilter(products.filters.LotCommissioned(plan.lotId));
      expect(events).to.have.length(1);
      expect(events[0]!.args.manufacturer).to.equal(ids.mfr);
      expect(events[0]!.args.root).to.equal(plan.root);
      expect(events[0]!.args.bizStep).to.equal(0n);
      expect(events[0]!.args.disposition).to.equal(0n);
    });

    it("refuses a lot of a product that is not registered", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(OTHER_GTIN), "X1", plan.expiresAt, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownProduct")
        .withArgs(BigInt(OTHER_GTIN));
    });

    it("refuses a lot of a product registered by another manufacturer", async function () {
      const { provenance, products, signers, ids, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr2).commissionLot(BigInt(GTIN), "X1", plan.expiresAt, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotProductOwner")
        .withArgs(BigInt(GTIN), ids.mfr2);
    });

    it("refuses a lot from a member that is not a manufacturer", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.pharmacy).commissionLot(BigInt(GTIN), "X1", plan.expiresAt, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.pharmacy.address, MANUFACTURER);
    });

    it("refuses an empty or over-long lot number", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = provenance.connect(signers.mfr);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(GTIN), "", plan.expiresAt, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidLotNumber")
        .withArgs("");
      const long = "L".repeat(21);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(GTIN), long, plan.expiresAt, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidLotNumber")
        .withArgs(long);
    });

    it("refuses a lot with no packs or no root", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = provenance.connect(signers.mfr);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(GTIN), "X1", plan.expiresAt, 0, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceEmptyLot")
        .withArgs(0, plan.root);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(GTIN), "X1", plan.expiresAt, 3, ethers.ZeroHash))
        .to.be.revertedWithCustomError(provenance, "ProvenanceEmptyLot")
        .withArgs(3, ethers.ZeroHash);
    });

    it("refuses a lot whose expiry is not in the future", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const now = BigInt(await networkHelpers.time.latest()) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      await expect(products.connect(signers.mfr).commissionLot(BigInt(GTIN), "X1", now, 1, plan.root))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidExpiry")
        .withArgs(now, now);
    });

    it("refuses to commission the same lot twice", async function () {
      const { provenance, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(commissionLot(provenance.connect(signers.mfr), plan))
        .to.be.revertedWithCustomError(provenance, "ProvenanceLotExists")
        .withArgs(plan.lotId);
    });
  });

  describe("containers", function () {
    it("records a case packed from its lot and a pallet packed by list, held by their packer", async function () {
      const { provenance, ids, caseA, pallet, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const item = await provenance.itemOf(caseA);
      expect(item.kind).to.equal(ItemKind.Container);
      expect(item.state).to.equal(ItemState.Held);
      expect(item.holder).to.equal(ids.mfr);
      expect(item.count).to.equal(4n);
      // the pallet was packed with its cases' links in the same transaction
      expect(item.parent).to.equal(pallet);
      expect((await provenance.itemOf(caseA)).lot).to.equal(plan.lotId);
      expect((await provenance.itemOf(pallet)).lot).to.equal(ethers.ZeroHash);
      const [packed] = await provenance.queryFilter(provenance.filters.ContainerPacked(caseA));
      expect(packed!.args.fromLot).to.equal(plan.lotId);
      expect(await provenance.containerIdOf(BigInt(sscc(1)))).to.equal(containerIdOf(sscc(1)));
    });

    it("refuses packing by a member that may not hold goods", async function () {
      const { provenance, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.lab).pack(BigInt(sscc(9)), 7, plan.root, 1, []))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.lab.address, SUPPLY_CHAIN);
    });

    it("refuses packing from a lot by a member that may not hold goods", async function () {
      const { provenance, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.lab).packFromLot(BigInt(sscc(9)), 7, plan.lotId, plan.root, 1))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.lab.address, SUPPLY_CHAIN);
    });

    it("refuses an SSCC with a wrong check digit", async function () {
      const { provenance, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const bad = BigInt(sscc(9)) + 1n;
      await expect(provenance.connect(signers.mfr).pack(bad, 7, plan.root, 1, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidSscc")
        .withArgs(bad);
    });

    it("refuses an empty container and a reused SSCC", async function () {
      const { provenance, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = provenance.connect(signers.mfr);
      await expect(asMfr.pack(BigInt(sscc(9)), 7, ethers.ZeroHash, 1, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceEmptyContainer")
        .withArgs(BigInt(sscc(9)));
      await expect(asMfr.packFromLot(BigInt(sscc(9)), 7, plan.lotId, plan.root, 0))
        .to.be.revertedWithCustomError(provenance, "ProvenanceEmptyContainer")
        .withArgs(BigInt(sscc(9)));
      await expect(asMfr.packFromLot(BigInt(sscc(1)), 7, plan.lotId, plan.root, 1))
        .to.be.revertedWithCustomError(provenance, "ProvenanceContainerExists")
        .withArgs(BigInt(sscc(1)));
    });

    it("refuses a container packed by list whose links do not place each declared child", async function () {
      const { provenance, signers, caseA, pallet, catalog, ids } = await deliveredToPharmacy();
      await unpackContainer(provenance.connect(signers.pharmacy), catalog, pallet);
      const tote = planContainer(sscc(1, PREFIX.pharmacy), [caseA]);
      const link = { child: caseA, parent: tote.containerId, proof: tote.idTree.getProof([caseA]) };
      await expect(provenance.connect(signers.pharmacy).pack(BigInt(tote.sscc), 7, tote.root, 2, [link, link]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceChildCountMismatch")
        .withArgs(tote.containerId, 2, 1);
      await expect(provenance.connect(signers.pharmacy).pack(BigInt(tote.sscc), 7, tote.root, 1, [link]))
        .to.emit(provenance, "ItemLinked")
        .withArgs(caseA, tote.containerId);
      expect(await custodyOf(provenance, catalog, caseA)).to.deep.equal({ custodian: ids.pharmacy, state: "Held" });
    });

    it("lets only its DrugProvenance draw cases from the product registry's lots", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      expect(await products.custody()).to.equal(await provenance.getAddress());
      for (const caller of [signers.mfr, signers.outsider]) {
        await expect(products.connect(caller).drawFromLot(plan.lotId, ethers.ZeroHash))
          .to.be.revertedWithCustomError(products, "ProvenanceOnlyCustody")
          .withArgs(caller.address);
      }
    });

    it("refuses to pack from a lot for anyone but its manufacturer, or from an unknown lot", async function () {
      const { provenance, signers, plan, ids } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(
        provenance.connect(signers.dist).packFromLot(BigInt(sscc(9, PREFIX.dist)), 7, plan.lotId, plan.root, 1),
      )
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotLotManufacturer")
        .withArgs(plan.lotId, ids.mfr, ids.dist);
      const unknown = ethers.id("no lot");
      await expect(provenance.connect(signers.mfr).packFromLot(BigInt(sscc(9)), 7, unknown, plan.root, 1))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownLot")
        .withArgs(unknown);
    });

    it("refuses to unpack a container held by someone else, a pack, or an opened container", async function () {
      const { provenance, catalog, signers, ids, pallet, caseA, packIds } = await deliveredToPharmacy();
      await expect(provenance.connect(signers.dist).unpack(pallet, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotCustodian")
        .withArgs(pallet, ids.pharmacy, ids.dist);
      await unpackContainer(provenance.connect(signers.pharmacy), catalog, pallet);
      await expect(provenance.connect(signers.pharmacy).unpack(pallet, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidState")
        .withArgs(pallet, ItemState.Opened);
      const links = await linksFor(provenance, catalog, packIds[0]!);
      await provenance.connect(signers.pharmacy).link(links);
      await expect(provenance.connect(signers.pharmacy).unpack(packIds[0]!, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInsideSealedContainer")
        .withArgs(packIds[0]!, caseA);
    });

    it("refuses to unpack a pack that lies loose", async function () {
      const { provenance, catalog, signers } = await networkHelpers.loadFixture(provenanceFixture);
      const plan = await looseLot(provenance.connect(signers.mfr), catalog);
      const pack = plan.bundle.packs[0]!.packId;
      await provenance.connect(signers.mfr).link([catalog.link(pack, plan.lotId)]);
      await expect(provenance.connect(signers.mfr).unpack(pack, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownContainer")
        .withArgs(pack);
    });
  });

  describe("links", function () {
    it("refuses a proof that does not match the container's root", async function () {
      const { provenance, catalog, packIds, caseB, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(
        provenance.link([
          catalog.link(packIds[0]!, plan.lotId),
          { child: packIds[0]!, parent: caseB, proof: catalog.proof(packIds[4]!, caseB) },
        ]),
      )
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidProof")
        .withArgs(packIds[0]!, caseB);
    });

    it("refuses a link into something that is not a container or lot", async function () {
      const { provenance, packIds } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.link([{ child: packIds[0]!, parent: packIds[1]!, proof: [] }]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownContainer")
        .withArgs(packIds[1]!);
    });

    it("refuses to place a pack in a case before it is placed in its lot", async function () {
      const { provenance, catalog, packIds, caseA, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.link([{ child: packIds[0]!, parent: caseA, proof: catalog.proof(packIds[0]!, caseA) }]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotInLot")
        .withArgs(packIds[0]!, caseA, plan.lotId);
    });

    it("refuses to place a known item in a lot again", async function () {
      const { provenance, catalog, packIds, plan, caseA } = await networkHelpers.loadFixture(provenanceFixture);
      const toLot = catalog.link(packIds[0]!, plan.lotId);
      const toCase = { child: packIds[0]!, parent: caseA, proof: catalog.proof(packIds[0]!, caseA) };
      await (await provenance.link([toLot, toCase])).wait();
      await expect(provenance.link([toLot]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceAlreadyPlaced")
        .withArgs(packIds[0]!, caseA);
    });

    it("refuses a link that joins an item to itself", async function () {
      const { provenance, caseA } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.link([{ child: caseA, parent: caseA, proof: [] }]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidLink")
        .withArgs(caseA, caseA);
    });

    it("refuses a container packed by a member that does not hold the child (a copied root)", async function () {
      const { provenance, catalog, signers, packIds, caseA } = await networkHelpers.loadFixture(provenanceFixture);
      // the distributor packs a container whose root claims a pack it never held
      await expect(packContainer(provenance.connect(signers.dist), catalog, sscc(7, PREFIX.dist), [packIds[0]!]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInsideSealedContainer")
        .withArgs(packIds[0]!, caseA);
    });

    it("refuses to move a child out of a sealed container into another one", async function () {
      const { provenance, signers, caseA, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      const container = planContainer(sscc(8), [caseA]);
      const link = { child: caseA, parent: container.containerId, proof: container.idTree.getProof([caseA]) };
      await expect(provenance.connect(signers.mfr).pack(BigInt(sscc(8)), 7, container.root, 1, [link]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInsideSealedContainer")
        .withArgs(caseA, pallet);
    });

    it("refuses a link of an item in transit", async function () {
      const { provenance, catalog, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
      const plan = await looseLot(provenance.connect(signers.mfr), catalog);
      const pack = plan.bundle.packs[0]!.packId;
      await shipItem(provenance.connect(signers.mfr), catalog, pack, ids.dist);
      await expect(packContainer(provenance.connect(signers.mfr), catalog, sscc(8), [pack]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidState")
        .withArgs(pack, ItemState.InTransit);
    });

    it("emits ItemLinked once per new link and ignores a link already recorded", async function () {
      const { provenance, catalog, packIds, plan, caseA } = await networkHelpers.loadFixture(provenanceFixture);
      const links = [
        catalog.link(packIds[0]!, plan.lotId),
        { child: packIds[0]!, parent: caseA, proof: catalog.proof(packIds[0]!, caseA) },
      ];
      await expect(provenance.link(links)).to.emit(provenance, "ItemLinked").withArgs(packIds[0]!, caseA);
      const again = await (await provenance.link([links[1]!])).wait();
      expect(again!.logs).to.have.length(0);
      expect((await provenance.itemOf(packIds[0]!)).parent).to.equal(caseA);
    });
  });

  describe("custody", function () {
    it("moves a sealed pallet manufacturer -> distributor -> pharmacy by matching ship and receive", async function () {
      const { provenance, catalog, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.mfr).ship(pallet, ids.dist, []))
        .to.emit(provenance, "ItemShipped")
        .withArgs(pallet, ids.mfr, ids.dist, 3, 1);
      expect((await custodyOf(provenance, catalog, pallet)).state).to.equal("InTransit");
      await expect(provenance.connect(signers.dist).receiveItem(pallet))
        .to.emit(provenance, "ItemReceived")
        .withArgs(pallet, ids.mfr, ids.dist, 4, 0);
      expect(await custodyOf(provenance, catalog, pallet)).to.deep.equal({ custodian: ids.dist, state: "Held" });
    });

    it("resolves a pack's custody through case and pallet before and after unpacking", async function () {
      const fx = await deliveredToPharmacy();
      const { provenance, catalog, signers, ids, pallet, caseA, plan } = fx;
      const scan = scanOf(plan, 1);
      expect(await verifyPack(provenance, catalog, scan)).to.include({ verdict: "GENUINE", custodian: ids.pharmacy });
      await unpackContainer(provenance.connect(signers.pharmacy), catalog, pallet);
      expect((await verifyPack(provenance, catalog, scan)).custodian).to.equal(ids.pharmacy);
      await unpackContainer(provenance.connect(signers.pharmacy), catalog, caseA);
      expect((await verifyPack(provenance, catalog, scan)).custodian).to.equal(ids.pharmacy);
      // without its case link the chain knows only the pack's lot, from which cases were packed: it
      // names no custodian (the lot no longer vouches for where its packs are)
      const { claim } = claimOf(catalog, scan);
      const [, custodian] = await provenance.verify(claim, []);
      expect(custodian).to.equal(ethers.ZeroHash);
    });

    it("keeps custody with the pallet's receiver when a distributor repacks a case into a new pallet", async function () {
      const { provenance, catalog, signers, ids, pallet, caseA, plan } =
        await networkHelpers.loadFixture(provenanceFixture);
      await shipItem(provenance.connect(signers.mfr), catalog, pallet, ids.dist);
      await receiveItem(provenance.connect(signers.dist), pallet);
      await unpackContainer(provenance.connect(signers.dist), catalog, pallet);
      const { container } = await packContainer(provenance.connect(signers.dist), catalog, sscc(5, PREFIX.dist), [
        caseA,
      ]);
      expect((await provenance.itemOf(caseA)).parent).to.equal(container.containerId);
      await shipItem(provenance.connect(signers.dist), catalog, container.containerId, ids.hospital);
      await receiveItem(provenance.connect(signers.hospital), container.containerId);
      const scan = scanOf(plan, 0);
      expect((await verifyPack(provenance, catalog, scan)).custodian).to.equal(ids.hospital);
      expect((await dispensePack(provenance.connect(signers.hospital), catalog, scan)).dispensed).to.equal(true);
      // case B stayed with the distributor in the opened pallet
      expect((await verifyPack(provenance, catalog, scanOf(plan, 5))).custodian).to.equal(ids.dist);
    });

    it("ships a single loose pack and lets only the named receiver receive it", async function () {
      const { provenance, catalog, signers, ids, packIds, plan, pallet, caseA } =
        await networkHelpers.loadFixture(provenanceFixture);
      await unpackContainer(provenance.connect(signers.mfr), catalog, pallet);
      await unpackContainer(provenance.connect(signers.mfr), catalog, caseA);
      await shipItem(provenance.connect(signers.mfr), catalog, packIds[0]!, ids.pharmacy);
      await expect(provenance.connect(signers.pharmacy2).receiveItem(packIds[0]!))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNoMatchingShipment")
        .withArgs(packIds[0]!, ids.pharmacy2);
      await receiveItem(provenance.connect(signers.pharmacy), packIds[0]!);
      expect((await verifyPack(provenance, catalog, scanOf(plan, 0))).custodian).to.equal(ids.pharmacy);
    });

    it("refuses a receive without a matching shipment", async function () {
      const { provenance, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.dist).receiveItem(pallet))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNoMatchingShipment")
        .withArgs(pallet, ids.dist);
    });

    it("refuses a receive by a member that may not hold goods", async function () {
      const { provenance, signers, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.outsider).receiveItem(pallet))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.outsider.address, SUPPLY_CHAIN);
    });

    it("refuses a shipment by a member that does not hold the item", async function () {
      const { provenance, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.dist).ship(pallet, ids.pharmacy, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotCustodian")
        .withArgs(pallet, ids.mfr, ids.dist);
    });

    it("refuses a shipment from an outsider", async function () {
      const { provenance, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.outsider).ship(pallet, ids.dist, []))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.outsider.address, SUPPLY_CHAIN);
    });

    it("refuses a shipment to a member of the wrong kind, to an unknown member or to oneself", async function () {
      const { provenance, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = provenance.connect(signers.mfr);
      for (const to of [ids.lab, ids.regulator, ethers.id("nobody"), ids.mfr]) {
        await expect(asMfr.ship(pallet, to, []))
          .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidRecipient")
          .withArgs(to);
      }
    });

    it("refuses to ship a case that is inside a sealed pallet", async function () {
      const { provenance, signers, ids, caseA, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.mfr).ship(caseA, ids.dist, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInsideSealedContainer")
        .withArgs(caseA, pallet);
    });

    it("refuses to ship an item in transit or an unknown item", async function () {
      const { provenance, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      const asMfr = provenance.connect(signers.mfr);
      await asMfr.ship(pallet, ids.dist, []);
      await expect(asMfr.ship(pallet, ids.pharmacy, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidState")
        .withArgs(pallet, ItemState.InTransit);
      const unknown = ethers.id("no such item");
      await expect(asMfr.ship(unknown, ids.dist, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownItem")
        .withArgs(unknown);
    });

    it("refuses custody changes while the module is paused", async function () {
      const { provenance, signers, ids, pallet, governors, registry } =
        await networkHelpers.loadFixture(provenanceFixture);
      await registry.connect(governors[0]!).pauseModule(MODULE_IDS.provenance);
      await expect(provenance.connect(signers.mfr).ship(pallet, ids.dist, []))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.provenance);
      await expect(provenance.link([]))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.provenance);
    });
  });

  describe("dispense", function () {
    it("dispenses a pack straight from a sealed pallet held by the pharmacy", async function () {
      const { provenance, catalog, signers, ids, plan } = await deliveredToPharmacy();
      const scan = scanOf(plan, 2);
      const result = await dispensePack(provenance.connect(signers.pharmacy), catalog, scan);
      expect(result.dispensed).to.equal(true);
      const events = await provenance.queryFilter(provenance.filters.PackDispensed(result.packId));
      expect(events[0]!.args.memberId).to.equal(ids.pharmacy);
      expect(events[0]!.args.lotId).to.equal(plan.lotId);
      expect((await verifyPack(provenance, catalog, scan)).verdict).to.equal("DISPENSED");
    });

    it("records a second dispense of the same pack as a clone alert that stays on chain", async function () {
      const { provenance, catalog, signers, ids, plan } = await deliveredToPharmacy();
      const scan = scanOf(plan, 2);
      const first = await dispensePack(provenance.connect(signers.pharmacy), catalog, scan);
      const clone = await dispensePack(provenance.connect(signers.pharmacy2), catalog, scan);
      expect(clone.cloneAlert).to.equal(true);
      const block = await ethers.provider.getBlock(clone.receipt.blockNumber);
      const alerts = await provenance.queryFilter(provenance.filters.PackCloneDetected(first.packId));
      expect(alerts).to.have.length(1);
      expect(alerts[0]!.args.memberId).to.equal(ids.pharmacy2);
      expect(alerts[0]!.args.account).to.equal(signers.pharmacy2.address);
      expect(alerts[0]!.args.time).to.equal(BigInt(block!.timestamp));
      expect(alerts[0]!.args.priorDisposition).to.equal(3n);
      expect((await provenance.itemOf(first.packId)).state).to.equal(ItemState.Dispensed);
    });

    it("raises a clone alert for a pack reported stolen with its pallet", async function () {
      const { provenance, catalog, signers, ids, plan, pallet } = await deliveredToPharmacy();
      await expect(provenance.connect(signers.pharmacy).reportStolen(pallet, []))
        .to.emit(provenance, "ItemReportedStolen")
        .withArgs(pallet, ids.pharmacy, 8, 6);
      const result = await dispensePack(provenance.connect(signers.pharmacy2), catalog, scanOf(plan, 0));
      expect(result.cloneAlert).to.equal(true);
      expect((await verifyPack(provenance, catalog, scanOf(plan, 1))).verdict).to.equal("STOLEN");
    });

    it("refuses to dispense a pack held by another member", async function () {
      const { provenance, catalog, signers, ids, plan } = await deliveredToPharmacy();
      const { claim, packId } = claimOf(catalog, scanOf(plan, 0));
      const links = await linksFor(provenance, catalog, packId, false);
      await expect(provenance.connect(signers.pharmacy2).dispense(claim, links))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotCustodian")
        .withArgs(packId, ids.pharmacy, ids.pharmacy2);
    });

    it("refuses to dispense from a member that is not a pharmacy or hospital", async function () {
      const { provenance, catalog, signers, plan } = await deliveredToPharmacy();
      const { claim } = claimOf(catalog, scanOf(plan, 0));
      await expect(provenance.connect(signers.dist).dispense(claim, []))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.dist.address, DISPENSERS);
    });

    it("refuses a pack with a wrong hidden code (a copied outer label)", async function () {
      const { provenance, catalog, signers, plan } = await deliveredToPharmacy();
      const scan = { ...scanOf(plan, 0), code: newScratchCode() };
      const { claim, packId } = claimOf(catalog, scan);
      claim.lotProof = plan.bundle.packs[0]!.proof;
      await expect(provenance.connect(signers.pharmacy).dispense(claim, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidProof")
        .withArgs(packId, plan.lotId);
      expect((await verifyPack(provenance, catalog, scan)).verdict).to.equal("UNKNOWN");
    });

    it("refuses a pack of an unknown lot", async function () {
      const { provenance, catalog, signers, plan } = await deliveredToPharmacy();
      const { claim } = claimOf(catalog, { ...scanOf(plan, 0), lot: "NOPE" });
      await expect(provenance.connect(signers.pharmacy).dispense(claim, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownLot")
        .withArgs(lotIdOf(GTIN, "NOPE"));
    });

    it("refuses to dispense a pack of a recalled lot", async function () {
      const { provenance, products, catalog, signers, plan } = await deliveredToPharmacy();
      await products.connect(signers.mfr).recall(plan.lotId, 0);
      const { claim, packId } = claimOf(catalog, scanOf(plan, 0));
      await expect(
        provenance.connect(signers.pharmacy).dispense(claim, await linksFor(provenance, catalog, packId, false)),
      )
        .to.be.revertedWithCustomError(provenance, "ProvenanceLotRecalled")
        .withArgs(plan.lotId);
      expect((await verifyPack(provenance, catalog, scanOf(plan, 0))).verdict).to.equal("RECALLED");
    });

    it("refuses to dispense a pack of an expired lot", async function () {
      const { provenance, catalog, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
      // a lot expiring in about a month (members stay certified for a year)
      const soon = new Date((await networkHelpers.time.latest()) * 1000 + 30 * 24 * 3600 * 1000);
      const yymmdd = soon.toISOString().slice(2, 10).replace(/-/g, "");
      const plan = await looseLot(provenance.connect(signers.mfr), catalog, "SHORT-1", yymmdd);
      await shipItem(provenance.connect(signers.mfr), catalog, plan.bundle.packs[0]!.packId, ids.pharmacy);
      await receiveItem(provenance.connect(signers.pharmacy), plan.bundle.packs[0]!.packId);
      await networkHelpers.time.increaseTo(plan.expiresAt);
      const { claim } = claimOf(catalog, scanOf(plan, 0));
      await expect(provenance.connect(signers.pharmacy).dispense(claim, []))
        .to.be.revertedWithCustomError(provenance, "ProvenanceLotExpired")
        .withArgs(plan.lotId, plan.expiresAt);
      expect((await verifyPack(provenance, catalog, scanOf(plan, 0))).verdict).to.equal("EXPIRED");
    });

    it("refuses to dispense a pack whose pallet is in transit", async function () {
      const { provenance, catalog, signers, ids, plan, pallet } = await deliveredToPharmacy();
      await provenance.connect(signers.pharmacy).ship(pallet, ids.hospital, []);
      const { claim, packId } = claimOf(catalog, scanOf(plan, 0));
      const links = await linksFor(provenance, catalog, packId, false);
      await expect(provenance.connect(signers.hospital).dispense(claim, links))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidState")
        .withArgs(packId, ItemState.InTransit);
      expect(await verifyPack(provenance, catalog, scanOf(plan, 0))).to.include({
        inTransit: true,
        verdict: "GENUINE",
      });
    });
  });

  describe("recall, destroy, stolen", function () {
    it("lets the lot's manufacturer recall it, keeping the reason and the time in the lot", async function () {
      const { products, signers, ids, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const contamination = recallReasonCode("contamination")!;
      await expect(products.connect(signers.mfr).recall(plan.lotId, contamination))
        .to.emit(products, "LotRecalled")
        .withArgs(plan.lotId, ids.mfr, signers.mfr.address, contamination, 8, 2);
      const lot = await products.lotOf(plan.lotId);
      expect(lot.recalled).to.equal(true);
      expect(lot.recallReason).to.equal(BigInt(contamination));
      expect(lot.recalledAt).to.equal(BigInt(await networkHelpers.time.latest()));
      // the rest of the lot's word is untouched
      expect(lot.gtin).to.equal(BigInt(GTIN));
      expect(lot.expiresAt).to.equal(plan.expiresAt);
    });

    it("refuses a recall reason that is no RecallReason code", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr).recall(plan.lotId, RECALL_REASONS.length))
        .to.be.revertedWithCustomError(provenance, "ProvenanceInvalidRecallReason")
        .withArgs(RECALL_REASONS.length);
    });

    it("lets a regulator recall any lot", async function () {
      const { provenance, products, signers, ids, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.regulator).recall(plan.lotId, 5))
        .to.emit(products, "LotRecalled")
        .withArgs(plan.lotId, ids.regulator, signers.regulator.address, 5, 8, 2);
    });

    it("refuses a recall by another manufacturer, a pharmacy, of an unknown lot, or twice", async function () {
      const { provenance, products, signers, ids, plan } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(products.connect(signers.mfr2).recall(plan.lotId, 0))
        .to.be.revertedWithCustomError(provenance, "ProvenanceRecallNotAllowed")
        .withArgs(plan.lotId, ids.mfr2);
      await expect(products.connect(signers.pharmacy).recall(plan.lotId, 0))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.pharmacy.address, RECALLERS);
      const unknown = ethers.id("no lot");
      await expect(products.connect(signers.mfr).recall(unknown, 0))
        .to.be.revertedWithCustomError(provenance, "ProvenanceUnknownLot")
        .withArgs(unknown);
      await products.connect(signers.mfr).recall(plan.lotId, 0);
      await expect(products.connect(signers.regulator).recall(plan.lotId, 0))
        .to.be.revertedWithCustomError(provenance, "ProvenanceLotAlreadyRecalled")
        .withArgs(plan.lotId);
    });

    it("lets the holder destroy a pack, which then verifies DESTROYED and raises an alert if dispensed", async function () {
      const { provenance, catalog, signers, ids, plan, packIds, pallet, caseB } =
        await networkHelpers.loadFixture(provenanceFixture);
      await unpackContainer(provenance.connect(signers.mfr), catalog, pallet);
      await unpackContainer(provenance.connect(signers.mfr), catalog, caseB);
      const links = await linksFor(provenance, catalog, packIds[7]!);
      await expect(provenance.connect(signers.dist).destroy(packIds[7]!, links))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotCustodian")
        .withArgs(packIds[7]!, ids.mfr, ids.dist);
      await expect(provenance.connect(signers.mfr).destroy(packIds[7]!, links))
        .to.emit(provenance, "ItemDestroyed")
        .withArgs(packIds[7]!, ids.mfr, 7, 4);
      expect((await verifyPack(provenance, catalog, scanOf(plan, 7))).verdict).to.equal("DESTROYED");
      const alert = await dispensePack(provenance.connect(signers.pharmacy), catalog, scanOf(plan, 7));
      expect(alert.cloneAlert).to.equal(true);
    });

    it("lets the receiver waiting for an item report it stolen on the road, and neither its shipper nor anyone else", async function () {
      const { provenance, catalog, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await provenance.connect(signers.mfr).ship(pallet, ids.dist, []);
      for (const [who, id] of [
        [signers.mfr, ids.mfr],
        [signers.pharmacy, ids.pharmacy],
      ] as const) {
        await expect(provenance.connect(who).reportStolen(pallet, []))
          .to.be.revertedWithCustomError(provenance, "ProvenanceNotReceiver")
          .withArgs(pallet, ids.dist, id);
      }
      await expect(provenance.connect(signers.lab).reportStolen(pallet, []))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.lab.address, SUPPLY_CHAIN | REGULATOR);
      await expect(provenance.connect(signers.dist).reportStolen(pallet, []))
        .to.emit(provenance, "ItemReportedStolen")
        .withArgs(pallet, ids.dist, 8, 6);
      await expect(provenance.connect(signers.dist).receiveItem(pallet))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNoMatchingShipment")
        .withArgs(pallet, ids.dist);
      expect((await custodyOf(provenance, catalog, pallet)).state).to.equal("Stolen");
    });

    it("lets a regulator report an item stolen on the road", async function () {
      const { provenance, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await provenance.connect(signers.mfr).ship(pallet, ids.dist, []);
      await expect(provenance.connect(signers.regulator).reportStolen(pallet, []))
        .to.emit(provenance, "ItemReportedStolen")
        .withArgs(pallet, ids.regulator, 8, 6);
    });

    it("refuses a regulator's stolen report for an item that is not on the road", async function () {
      const { provenance, signers, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      await expect(provenance.connect(signers.regulator).reportStolen(pallet, []))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.regulator.address, SUPPLY_CHAIN);
    });
  });

  describe("batches (multicall)", function () {
    /** Two new lots of one pack each, planned but not commissioned. */
    const twoLots = () =>
      ["BATCH-1", "BATCH-2"].map((lot) => planLot({ gtin: GTIN, lot, expiry: "301231", serials: [`${lot}-A`] }));
    const commissionCall = (products: ProductRegistry, plan: LotPlan) =>
      products.interface.encodeFunctionData("commissionLot", [
        BigInt(plan.gtin),
        plan.lot,
        plan.expiresAt,
        1,
        plan.root,
      ]);

    it("commissions several lots in one transaction, each recorded and announced as if sent alone", async function () {
      const { products, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
      const plans = twoLots();
      await (await products.connect(signers.mfr).multicall(plans.map((plan) => commissionCall(products, plan)))).wait();
      for (const plan of plans) {
        const events = await products.queryFilter(products.filters.LotCommissioned(plan.lotId));
        expect(events).to.have.length(1);
        expect(events[0]!.args.manufacturer).to.equal(ids.mfr);
        expect((await products.lotOf(plan.lotId)).root).to.equal(plan.root);
      }
    });

    it("keeps nothing of a batch when one call fails, and reverts with that call's own error", async function () {
      const { provenance, products, signers, plan } = await networkHelpers.loadFixture(provenanceFixture);
      const [fresh] = twoLots();
      const calls = [commissionCall(products, fresh!), commissionCall(products, plan)]; // the fixture's lot exists
      await expect(products.connect(signers.mfr).multicall(calls))
        .to.be.revertedWithCustomError(provenance, "ProvenanceLotExists")
        .withArgs(plan.lotId);
      expect((await products.lotOf(fresh!.lotId)).root).to.equal(ethers.ZeroHash);
    });

    it("checks the caller of every call in a batch: an outsider's batch is refused as the call alone would be", async function () {
      const { provenance, products, signers, ids, pallet } = await networkHelpers.loadFixture(provenanceFixture);
      const [fresh] = twoLots();
      await expect(products.connect(signers.outsider).multicall([commissionCall(products, fresh!)]))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.outsider.address, MANUFACTURER);
      const ship = provenance.interface.encodeFunctionData("ship", [pallet, ids.dist, []]);
      await expect(provenance.connect(signers.dist).multicall([ship]))
        .to.be.revertedWithCustomError(provenance, "ProvenanceNotCustodian")
        .withArgs(pallet, ids.mfr, ids.dist);
      await expect(provenance.connect(signers.outsider).multicall([ship]))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedUnauthorized")
        .withArgs(signers.outsider.address, SUPPLY_CHAIN);
    });

    it("refuses every call of a batch while the module is paused", async function () {
      const { provenance, signers, ids, pallet, governors, registry } =
        await networkHelpers.loadFixture(provenanceFixture);
      await registry.connect(governors[0]!).pauseModule(MODULE_IDS.provenance);
      const ship = provenance.interface.encodeFunctionData("ship", [pallet, ids.dist, []]);
      await expect(provenance.connect(signers.mfr).multicall([ship]))
        .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.provenance);
    });

    it("runs a batch's calls in order: two cases shipped by their custodian in one transaction", async function () {
      const { provenance, catalog, signers, ids, caseA, caseB, pallet } = await deliveredToPharmacy();
      const asPharmacy = provenance.connect(signers.pharmacy);
      await unpackContainer(asPharmacy, catalog, pallet);
      const ships = [caseA, caseB].map((c) => provenance.interface.encodeFunctionData("ship", [c, ids.hospital, []]));
      await (await asPharmacy.multicall(ships)).wait();
      const shipped = await provenance.queryFilter(
        provenance.filters.ItemShipped(undefined, ids.pharmacy, ids.hospital),
      );
      expect(shipped.map((e) => e.args.itemId)).to.deep.equal([caseA, caseB]);
      for (const c of [caseA, caseB]) {
        const item = await provenance.itemOf(c);
        expect(item.state).to.equal(ItemState.InTransit);
        expect(item.pendingTo).to.equal(ids.hospital);
      }
    });
  });

  describe("verify", function () {
    it("answers GENUINE with the manufacturer as custodian for a pack still at the factory", async function () {
      const { provenance, catalog, ids, plan } = await networkHelpers.loadFixture(provenanceFixture);
      expect(await verifyPack(provenance, catalog, scanOf(plan, 3))).to.include({
        verdict: "GENUINE",
        custodian: ids.mfr,
        inTransit: false,
      });
    });

    it("answers UNKNOWN for an unknown lot", async function () {
      const { provenance, catalog, plan } = await networkHelpers.loadFixture(provenanceFixture);
      expect((await verifyPack(provenance, catalog, { ...scanOf(plan, 3), lot: "OTHER" })).verdict).to.equal("UNKNOWN");
    });

    it("reports custody of an unknown item as nobody's", async function () {
      const { provenance } = await networkHelpers.loadFixture(provenanceFixture);
      const [custodian, state] = await provenance.custodyOf(ethers.id("x"), []);
      expect(custodian).to.equal(ethers.ZeroHash);
      expect(state).to.equal(ItemState.Held);
    });
  });
});
