import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { DrugProvenance } from "../../typechain-types/index.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";
import { voteAndExecute } from "../../src/consortium/governance.js";
import { Catalog } from "../../src/provenance/catalog.js";
import { commissionLot, packContainer, productsOf, registerProduct } from "../../src/provenance/client.js";
import { gs1CheckDigit } from "../../src/provenance/gs1/index.js";
import { planLot } from "../../src/provenance/lot.js";
import { proposePrefixChange, type PrefixAction } from "../../src/provenance/prefixes.js";

export const GTIN = "09506000134352";

/** GS1 company prefixes of the fixture's members: the manufacturer's GTINs and SSCCs, the others' SSCCs. */
export const PREFIX = {
  mfrGtin: "9506000",
  mfrSscc: "0614141",
  dist: "0614142",
  pharmacy: "0614143",
  hospital: "0614144",
  mfr2: "9506001",
} as const;

/** An SSCC-18 with a correct check digit: extension 1, company prefix `prefix` (default the manufacturer's), serial `n`. */
export function sscc(n: number, prefix: string = PREFIX.mfrSscc): string {
  const body = "1" + prefix + String(n).padStart(16 - prefix.length, "0");
  return body + String(gs1CheckDigit(body));
}

/** A GTIN-14 with a correct check digit: indicator 0, company prefix `prefix`, item reference `item`. */
export function gtinOf(prefix: string, item: number): string {
  const body = "0" + prefix + String(item).padStart(12 - prefix.length, "0");
  return body + String(gs1CheckDigit(body));
}

/**
 * The consortium assigns (transfers, revokes) a company prefix by vote: the first governor proposes
 * the governed call, two governors vote, the last executes. Returns the proposal id.
 */
export async function prefixByVote(
  consortium: ConsortiumFixture,
  provenance: DrugProvenance,
  action: PrefixAction,
  prefix: string,
  memberId?: string,
): Promise<bigint> {
  const registry = consortium.registry.connect(consortium.governors[0]!);
  const products = await productsOf(provenance);
  const { proposalId } = await proposePrefixChange(registry, products, action, prefix, memberId);
  await voteAndExecute(consortium.registry, consortium.governors.slice(0, 2), proposalId);
  return proposalId;
}

/** The provenance module's one fixture (for `networkHelpers.loadFixture`), on the given connection. */
export function provenanceFixtureFor(ethers: HardhatEthers) {
  /**
   * A consortium with every kind of member and their GS1 prefixes assigned by vote, a registered
   * product, a lot of 8 packs, two cases of 4 packs (A, B) packed from the lot by reference and a
   * pallet holding both cases (packed by list), all at the manufacturer.
   */
  async function provenanceFixture() {
    const consortium = await deployConsortium(ethers);
    const [mfr, mfr2, dist, pharmacy, pharmacy2, hospital, regulator, lab, outsider] = consortium.spare as [
      (typeof consortium.spare)[0],
      ...(typeof consortium.spare)[0][],
    ];
    const ids = {
      mfr: await admit(consortium, "MFR-1", ["Manufacturer"], mfr),
      mfr2: await admit(consortium, "MFR-2", ["Manufacturer"], mfr2!),
      dist: await admit(consortium, "DST-1", ["Distributor"], dist!),
      pharmacy: await admit(consortium, "PHA-1", ["Pharmacy"], pharmacy!),
      pharmacy2: await admit(consortium, "PHA-2", ["Pharmacy"], pharmacy2!),
      hospital: await admit(consortium, "HOS-1", ["Hospital"], hospital!),
      regulator: await admit(consortium, "REG-1", ["Regulator"], regulator!),
      lab: await admit(consortium, "LAB-1", ["Laboratory"], lab!),
    };
    const provenance = await ethers.deployContract("DrugProvenance", [await consortium.registry.getAddress()]);
    const products = await ethers.getContractAt("ProductRegistry", await provenance.products());
    for (const [prefix, member] of [
      [PREFIX.mfrGtin, ids.mfr],
      [PREFIX.mfrSscc, ids.mfr],
      [PREFIX.dist, ids.dist],
      [PREFIX.pharmacy, ids.pharmacy],
      [PREFIX.hospital, ids.hospital],
      [PREFIX.mfr2, ids.mfr2],
    ] as const) {
      await prefixByVote(consortium, provenance, "assign", prefix, member);
    }
    const asMfr = provenance.connect(mfr);
    await registerProduct(asMfr, GTIN);
    const plan = planLot({
      gtin: GTIN,
      lot: "LOT-42",
      expiry: "301231",
      serials: Array.from({ length: 8 }, (_, i) => `SN${1000 + i}`),
    });
    await commissionLot(asMfr, plan);
    const catalog = new Catalog();
    catalog.addLotPlan(plan);
    const packIds = plan.bundle.packs.map((p) => p.packId);
    const caseA = await packContainer(asMfr, catalog, sscc(1), packIds.slice(0, 4));
    const caseB = await packContainer(asMfr, catalog, sscc(2), packIds.slice(4));
    const pallet = await packContainer(asMfr, catalog, sscc(3), [
      caseA.container.containerId,
      caseB.container.containerId,
    ]);
    return {
      ...consortium,
      provenance,
      products,
      plan,
      catalog,
      packIds,
      signers: {
        mfr,
        mfr2: mfr2!,
        dist: dist!,
        pharmacy: pharmacy!,
        pharmacy2: pharmacy2!,
        hospital: hospital!,
        regulator: regulator!,
        lab: lab!,
        outsider: outsider!,
      },
      ids,
      caseA: caseA.container.containerId,
      caseB: caseB.container.containerId,
      pallet: pallet.container.containerId,
    };
  }

  return provenanceFixture;
}
