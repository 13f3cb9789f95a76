import { admit, deployConsortium } from "../test/helpers/consortium.js";
import { prefixByVote } from "../test/provenance/fixture.js";
import { Catalog, planContainer } from "../src/provenance/catalog.js";
import { claimOf, linksFor } from "../src/provenance/client.js";
import { gs1CheckDigit } from "../src/provenance/gs1/index.js";
import { gtinToUint, ssccToUint } from "../src/provenance/ids.js";
import { planLot, type LotPlan } from "../src/provenance/lot.js";
import { proposePrefixChange } from "../src/provenance/prefixes.js";
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
  const mfrId = await admit(fx, "BENCH-MFR", ["Manufacturer"], mfr);
  const distId = await admit(fx, "BENCH-DST", ["Distributor"], dist);
  const pharmacyId = await admit(fx, "BENCH-PHA", ["Pharmacy"], pharmacy);
  const provenance = await (
    await ethers.deployContract("DrugProvenance", [await fx.registry.getAddress()], {
      libraries: { SupplyLinks: await (await ethers.deployContract("SupplyLinks")).getAddress() },
    })
  ).waitForDeployment();
  const products = await ethers.getContractAt("ProductRegistry", await provenance.products());
  // The consortium assigns the manufacturer's GS1 company prefixes by vote (governed calls).
  await prefixByVote(fx, provenance, "assign", "9506000", mfrId);
  const { proposalId } = await proposePrefixChange(
    fx.registry.connect(fx.governors[0]!),
    products,
    "assign",
    "0614141",
    mfrId,
  );
  for (const g of fx.governors.slice(0, 2)) await fx.registry.connect(g).vote(proposalId);
  const assignPrefix = await gasOf(fx.registry.execute(proposalId));
  const asMfr = provenance.connect(mfr);
  const registerProduct = await gasOf(products.connect(mfr).registerProduct(gtinToUint(GTIN), 7));

  const commission = (plan: LotPlan) =>
    products.connect(mfr).commissionLot(gtinToUint(plan.gtin), plan.lot, plan.expiresAt, plan.quantity, plan.root);
  const serials = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const big = planLot({ gtin: GTIN, lot: "BENCH-10000", expiry: "301231", serials: serials("B", 10_000) });
  const commissionLot10000 = await gasOf(commission(big));
  const small = planLot({ gtin: GTIN, lot: "BENCH-10", expiry: "301231", serials: serials("S", 10) });
  await gasOf(commission(small));
  const line = planLot({ gtin: GTIN, lot: "BENCH-LINE", expiry: "301231", serials: serials("C", 10_000) });
  await gasOf(commission(line));
  const catalog = new Catalog();
  catalog.addLotPlan(line);

  // Pallet of 10 packs, and pallet of 10,000 packs, packed from their lots at the packaging line (one
  // root each: the chain never sees the packs).
  const pallet10 = planContainer(
    sscc(10),
    small.bundle.packs.map((p) => p.packId),
  );
  const pallet10000 = planContainer(
    sscc(10_000),
    big.bundle.packs.map((p) => p.packId),
  );
  for (const [p, lot] of [
    [pallet10, small],
    [pallet10000, big],
  ] as const) {
    await gasOf(asMfr.packFromLot(ssccToUint(p.sscc), 7, lot.lotId, p.root, p.children.length));
  }
  const ship10 = await gasOf(asMfr.ship(pallet10.containerId, distId, []));
  const ship10000 = await gasOf(asMfr.ship(pallet10000.containerId, distId, []));

  // Two cases of 24 packs from a lot of 10,000 at the packaging line, on a pallet packed by list (its
  // cases' links recorded in the same call), so that dispense walks pallet -> case -> pack, proving
  // the pack's lot membership (14 hashes) and its link into its case (5 hashes).
  const caseIds = [line.bundle.packs.slice(0, 24), line.bundle.packs.slice(24, 48)];
  const cases = caseIds.map((packs, i) =>
    planContainer(
      sscc(100 + i),
      packs.map((p) => p.packId),
    ),
  );
  const packFromLot = await gasOf(asMfr.packFromLot(ssccToUint(cases[0]!.sscc), 7, line.lotId, cases[0]!.root, 24));
  await gasOf(asMfr.packFromLot(ssccToUint(cases[1]!.sscc), 7, line.lotId, cases[1]!.root, 24));
  for (const c of cases) catalog.addContainer(c);
  const pallet = planContainer(
    sscc(200),
    cases.map((c) => c.containerId),
  );
  const palletLinks = cases.map((c) => ({
    child: c.containerId,
    parent: pallet.containerId,
    proof: pallet.idTree.getProof([c.containerId]),
  }));
  const packPallet = await gasOf(asMfr.pack(ssccToUint(pallet.sscc), 7, pallet.root, 2, palletLinks));
  catalog.addContainer(pallet);

  const ship = await gasOf(asMfr.ship(pallet.containerId, distId, []));
  const receive = await gasOf(provenance.connect(dist).receiveItem(pallet.containerId));
  await gasOf(provenance.connect(dist).ship(pallet.containerId, pharmacyId, []));
  await gasOf(provenance.connect(pharmacy).receiveItem(pallet.containerId));

  const pack = line.bundle.packs[0]!;
  const { claim, packId } = claimOf(catalog, { gtin: GTIN, lot: line.lot, serial: pack.serial, code: pack.code });
  const links = await linksFor(provenance, catalog, packId, false);
  if (links.length !== 1 || links[0]!.parent !== cases[0]!.containerId) {
    throw new Error(`bench: expected the pack's link into its case, got ${links.length} links`);
  }
  const dispense = await gasOf(provenance.connect(pharmacy).dispense(claim, links));
  const unpack = await gasOf(provenance.connect(pharmacy).unpack(pallet.containerId, []));
  const recall = await gasOf(products.connect(mfr).recall(line.lotId, 1));

  return [
    { operation: "provenance.assignCompanyPrefix (vote executed)", gas: assignPrefix },
    { operation: "provenance.registerProduct", gas: registerProduct },
    { operation: "provenance.commissionLot.10000", gas: commissionLot10000, target: 150_000n },
    { operation: "provenance.packFromLot", gas: packFromLot },
    { operation: "provenance.pack.pallet2", gas: packPallet },
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
