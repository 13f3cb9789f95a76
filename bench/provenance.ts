import { admit, deployConsortium } from "../test/helpers/consortium.js";
import { Catalog, planContainer } from "../src/provenance/catalog.js";
import { claimOf, linksFor } from "../src/provenance/client.js";
import { gs1CheckDigit } from "../src/provenance/gs1/index.js";
import { gtinToUint, ssccToUint } from "../src/provenance/ids.js";
import { planLot, type LotPlan } from "../src/provenance/lot.js";
import { gasOf } from "./measure.js";
import type { Bench } from "./types.js";

const GTIN = "09506000134352";

function sscc(n: number): string {
  const body = "10614141" + String(n).padStart(9, "0");
  return body + String(gs1CheckDigit(body));
}

/**
 * Gas of every DrugProvenance write, with the targets. Lots and containers are single Merkle
 * roots, so `provenance.ship.10` and `provenance.ship.10000` (a sealed pallet of 10 and of 10,000
 * packs) must cost the same to within 1%.
 */
export const provenanceBench: Bench = async ({ ethers }) => {
  const fx = await deployConsortium(ethers);
  const [mfr, dist, pharmacy] = fx.spare as [(typeof fx.spare)[0], (typeof fx.spare)[0], (typeof fx.spare)[0]];
  await admit(fx, "BENCH-MFR", ["Manufacturer"], mfr);
  const distId = await admit(fx, "BENCH-DST", ["Distributor"], dist);
  const pharmacyId = await admit(fx, "BENCH-PHA", ["Pharmacy"], pharmacy);
  const provenance = await ethers.deployContract("DrugProvenance", [await fx.registry.getAddress()]);
  const asMfr = provenance.connect(mfr);
  await gasOf(asMfr.registerProduct(gtinToUint(GTIN)));

  const commission = (plan: LotPlan) =>
    asMfr.commissionLot(gtinToUint(plan.gtin), plan.lot, plan.expiresAt, plan.quantity, plan.root);
  const serials = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const big = planLot({ gtin: GTIN, lot: "BENCH-10000", expiry: "301231", serials: serials("B", 10_000) });
  const commissionLot10000 = await gasOf(commission(big));
  const small = planLot({ gtin: GTIN, lot: "BENCH-10", expiry: "301231", serials: serials("S", 10) });
  await gasOf(commission(small));
  const catalog = new Catalog();
  catalog.addLotPlan(big);
  catalog.addLotPlan(small);

  // Pallet of 10 packs, and pallet of 10,000 packs (one root each: the chain never sees the packs).
  // (Kept out of the catalog: the dispense below must see its pack in one case only.)
  const pallet10 = planContainer(
    sscc(10),
    small.bundle.packs.map((p) => p.packId),
  );
  const pallet10000 = planContainer(
    sscc(10_000),
    big.bundle.packs.map((p) => p.packId),
  );
  for (const p of [pallet10, pallet10000]) await gasOf(asMfr.pack(ssccToUint(p.sscc), p.root, p.children.length, []));
  const ship10 = await gasOf(asMfr.ship(pallet10.containerId, distId, []));
  const ship10000 = await gasOf(asMfr.ship(pallet10000.containerId, distId, []));

  // A case of 24 packs inside a pallet of 2 cases, packed without recording the case's link, so that
  // dispense proves the whole pallet -> case -> pack path itself (the worst case).
  const caseIds = [big.bundle.packs.slice(0, 24), big.bundle.packs.slice(24, 48)];
  const cases = caseIds.map((packs, i) =>
    planContainer(
      sscc(100 + i),
      packs.map((p) => p.packId),
    ),
  );
  const packGas = await gasOf(asMfr.pack(ssccToUint(cases[0]!.sscc), cases[0]!.root, 24, []));
  await gasOf(asMfr.pack(ssccToUint(cases[1]!.sscc), cases[1]!.root, 24, []));
  const pallet = planContainer(
    sscc(200),
    cases.map((c) => c.containerId),
  );
  await gasOf(asMfr.pack(ssccToUint(pallet.sscc), pallet.root, 2, []));
  for (const c of [...cases, pallet]) catalog.addContainer(c);

  const ship = await gasOf(asMfr.ship(pallet.containerId, distId, []));
  const receive = await gasOf(provenance.connect(dist).receiveItem(pallet.containerId));
  await gasOf(provenance.connect(dist).ship(pallet.containerId, pharmacyId, []));
  await gasOf(provenance.connect(pharmacy).receiveItem(pallet.containerId));

  const pack = big.bundle.packs[0]!;
  const { claim, packId } = claimOf(catalog, { gtin: GTIN, lot: big.lot, serial: pack.serial, code: pack.code });
  const links = await linksFor(provenance, catalog, packId, false);
  if (links.length !== 2) throw new Error(`bench: expected a pallet -> case -> pack path, got ${links.length} links`);
  const dispense = await gasOf(provenance.connect(pharmacy).dispense(claim, links));
  const unpack = await gasOf(provenance.connect(pharmacy).unpack(pallet.containerId, []));
  const recall = await gasOf(asMfr.recall(big.lotId));

  return [
    { operation: "provenance.commissionLot.10000", gas: commissionLot10000, target: 150_000n },
    { operation: "provenance.pack", gas: packGas },
    { operation: "provenance.ship", gas: ship, target: 70_000n },
    { operation: "provenance.receive", gas: receive, target: 70_000n },
    { operation: "provenance.unpack", gas: unpack },
    { operation: "provenance.dispense", gas: dispense, target: 120_000n },
    { operation: "provenance.recall", gas: recall },
    // same target for both: within 1% of each other (checked in the report below the table)
    { operation: "provenance.ship.10", gas: ship10, target: 70_000n },
    { operation: "provenance.ship.10000", gas: ship10000, target: (ship10 * 101n) / 100n },
  ];
};
