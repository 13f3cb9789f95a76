import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import { admit, deployConsortium } from "../helpers/consortium.js";
import { Catalog } from "../../src/provenance/catalog.js";
import { commissionLot, packContainer, registerProduct } from "../../src/provenance/client.js";
import { gs1CheckDigit } from "../../src/provenance/gs1/index.js";
import { planLot } from "../../src/provenance/lot.js";

export const GTIN = "09506000134352";

/** An SSCC-18 with a correct check digit: extension 1, company prefix 0614141, serial `n`. */
export function sscc(n: number): string {
  const body = "10614141" + String(n).padStart(9, "0");
  return body + String(gs1CheckDigit(body));
}

/** The provenance module's one fixture (for `networkHelpers.loadFixture`), on the given connection. */
export function provenanceFixtureFor(ethers: HardhatEthers) {
  /**
   * A consortium with every kind of member, a registered product, a lot of 8 packs, two cases of 4
   * packs (A, B) and a pallet holding both cases, all at the manufacturer.
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
