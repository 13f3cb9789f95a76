/**
 * Attacks of the second adversarial review on the provenance module (not in provenance.ts). Each
 * test asserts the safe behaviour, so it fails on the reviewed main until the weakness is fixed.
 */
import { expect } from "chai";
import { network } from "hardhat";

import {
  dispensePack,
  productsOf,
  receiveItem,
  registerProduct,
  shipItem,
  unpackContainer,
  verifyPack,
  type PackScan,
} from "../../src/provenance/client.js";
import { planLot, type LotPlan } from "../../src/provenance/lot.js";
import { buildIdTree } from "../../src/provenance/tree.js";
import { PREFIX, gtinOf, provenanceFixtureFor } from "../provenance/fixture.js";

const { ethers, networkHelpers } = await network.create();

function scanOf(plan: LotPlan, i: number): PackScan {
  const pack = plan.bundle.packs[i]!;
  return { gtin: plan.gtin, lot: plan.lot, serial: pack.serial, code: pack.code };
}

/** Runs an attack step that a fixed contract may refuse; the test judges the outcome, not the step. */
async function attempt(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch {
    // refused: the safe outcome for this step
  }
}

describe("adversarial review: provenance", function () {
  const provenanceFixture = provenanceFixtureFor(ethers);

  /**
   * The fixture's pallet shipped to and received by the distributor; then the second manufacturer
   * (another brand, prefix 9506001) registers a product of its own and commissions a "lot" whose
   * Merkle root is built over the first brand's public pack ids (the lot tree file may be
   * published), and links those packs into it with `link`, which any caller may send.
   */
  async function squatted() {
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    await shipItem(fx.provenance.connect(fx.signers.mfr), fx.catalog, fx.pallet, fx.ids.dist);
    await receiveItem(fx.provenance.connect(fx.signers.dist), fx.pallet);

    const asRival = fx.provenance.connect(fx.signers.mfr2);
    const rivalGtin = gtinOf(PREFIX.mfr2, 7);
    await registerProduct(asRival, rivalGtin);
    const victims = fx.packIds.slice(0, 4);
    const tree = buildIdTree(victims);
    const products = await productsOf(asRival);
    await products.commissionLot(BigInt(rivalGtin), "SQUAT-1", fx.plan.expiresAt, victims.length, tree.root);
    const squatLot = await products.lotIdOf(BigInt(rivalGtin), "SQUAT-1");
    const links = victims.map((child, i) => ({ child, parent: squatLot, proof: tree.getProof(i) }));
    await attempt(async () => (await asRival.link(links)).wait());
    return { ...fx, asRival, squatLot };
  }

  it("a rival manufacturer takes custody of another brand's packs by linking them into a lot it commissioned over their ids", async function () {
    const fx = await squatted();
    // The genuine pack 0 lies in case A on the pallet the distributor holds: it is the custodian.
    const seen = await verifyPack(fx.provenance, fx.catalog, scanOf(fx.plan, 0));
    expect(seen).to.include({ verdict: "GENUINE", custodian: fx.ids.dist });
    // The distributor opens the pallet and the case and ships the pack on: the rival cannot stop it.
    const asDist = fx.provenance.connect(fx.signers.dist);
    await unpackContainer(asDist, fx.catalog, fx.pallet);
    await unpackContainer(asDist, fx.catalog, fx.caseA);
    await shipItem(asDist, fx.catalog, fx.packIds[0]!, fx.ids.pharmacy);
    await receiveItem(fx.provenance.connect(fx.signers.pharmacy), fx.packIds[0]!);
    const result = await dispensePack(fx.provenance.connect(fx.signers.pharmacy), fx.catalog, scanOf(fx.plan, 0));
    expect(result).to.include({ dispensed: true, cloneAlert: false });
  });

  it("a rival manufacturer destroys or reports stolen another brand's genuine packs it never held, through its own lot", async function () {
    const fx = await squatted();
    await attempt(async () => (await fx.asRival.destroy(fx.packIds[1]!, [])).wait());
    await attempt(async () => (await fx.asRival.reportStolen(fx.packIds[2]!, [])).wait());
    for (const i of [1, 2]) {
      const seen = await verifyPack(fx.provenance, fx.catalog, scanOf(fx.plan, i));
      expect(seen, `pack ${i}`).to.include({ verdict: "GENUINE", custodian: fx.ids.dist });
    }
  });
});
