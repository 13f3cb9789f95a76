import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import ProvenanceOnRegistryModule from "../../ignition/modules/ProvenanceOnRegistry.js";
import { describeError } from "../../src/chain/errors.js";
import { gs1CheckDigit, toDigitalLink } from "../../src/provenance/gs1/index.js";
import { readLotBundle } from "../../src/provenance/lot.js";
import {
  opCommission,
  opDispense,
  opItem,
  opPack,
  opRecall,
  opRegisterProduct,
  opShip,
  opVerify,
} from "../../src/provenance/ops.js";
import type { Chapter } from "./story.js";

const GTIN = "09506000134352"; // an invented product of the invented Aurora Pharmaceuticals
const LOT = "AUR2611";

function sscc(serial: number): string {
  const body = "30614141" + String(serial).padStart(9, "0");
  return body + String(gs1CheckDigit(body));
}

const NAMES: Record<string, string> = {
  manufacturer: "Aurora Pharmaceuticals",
  distributor: "Meridian Medical Logistics",
  pharmacy: "Harbour Street Pharmacy",
  hospitalB: "Lakeview University Hospital",
};

const indent = (lines: string[]): string => lines.map((l) => `        ${l}`).join("\n");

/** Chapter 3: a drug lot's journey from the factory to a patient, a clone caught, a recall refused. */
export const provenanceChapter: Chapter = async (story) => {
  const { connection, cast } = story;
  story.chapter("A drug pack's journey, a clone caught, a recall");

  const { provenance: deployed } = await connection.ignition.deploy(ProvenanceOnRegistryModule, {
    parameters: { ProvenanceOnRegistry: { registry: await story.contracts.registry!.getAddress() } },
    displayUi: false,
  });
  const provenance = await connection.ethers.getContractAt("DrugProvenance", await deployed.getAddress());
  story.contracts.provenance = provenance;
  // Member ids on chain; names are known off chain to the consortium's members only.
  const names = (id: string): string => {
    const who = Object.entries(story.memberIds).find(([, m]) => m === id)?.[0];
    return (who !== undefined ? NAMES[who] : undefined) ?? `${id.slice(0, 10)}…`;
  };
  const as = (who: "manufacturer" | "distributor" | "pharmacy" | "hospitalB") => provenance.connect(cast[who]);
  story.say(`The consortium deploys the drug-provenance module at ${await provenance.getAddress()}.`);

  // Each institution keeps its own data directory; here they share one temporary folder.
  const data = await mkdtemp(path.join(tmpdir(), "medchain-provenance-"));
  await opRegisterProduct(as("manufacturer"), GTIN);
  story.say(`Aurora Pharmaceuticals registers its product GTIN ${GTIN}; the chain checks the check digit.`);

  const serials = Array.from({ length: 12 }, (_, i) => `AX${String(7001 + i)}`);
  const csv = path.join(data, "serials.csv");
  await writeFile(csv, ["serial", ...serials].join("\n") + "\n");
  await opCommission(as("manufacturer"), {
    gtin: GTIN,
    lot: LOT,
    expiry: "281231",
    serialsFile: csv,
    dataDir: data,
    labels: true,
  });
  const bundle = await readLotBundle(path.join(data, "private", `${GTIN}-${LOT}.bundle.json`));
  story.say(
    `Aurora commissions lot ${LOT} of 12 packs in one transaction: each pack gets a random scratch-off code ` +
      `under its coating, and the chain stores one Merkle root for the whole lot (no serial is readable on chain).`,
  );

  const packLabel = (i: number) => `(01)${GTIN}(10)${LOT}(21)${serials[i]}`;
  await opPack(
    as("manufacturer"),
    data,
    sscc(1),
    serials.slice(0, 6).map((_, i) => packLabel(i)),
  );
  await opPack(
    as("manufacturer"),
    data,
    sscc(2),
    serials.slice(6).map((_, i) => packLabel(i + 6)),
  );
  await opPack(as("manufacturer"), data, sscc(3), [`(00)${sscc(1)}`, `(00)${sscc(2)}`]);
  story.say(
    `Aurora packs the packs into two cases (SSCC ${sscc(1)}, ${sscc(2)}) and the cases onto pallet ${sscc(3)}.`,
  );

  const pallet = `(00)${sscc(3)}`;
  await opShip(as("manufacturer"), data, pallet, "DST-0001");
  await opItem(as("distributor"), data, "receive", pallet);
  story.say(
    "Aurora ships the sealed pallet to Meridian Medical Logistics, which receives it (one transaction each way).",
  );
  await opShip(as("distributor"), data, pallet, "PHA-0001");
  await opItem(as("pharmacy"), data, "receive", pallet);
  story.say("Meridian ships the pallet on to Harbour Street Pharmacy, which receives it.");

  await opItem(as("pharmacy"), data, "unpack", pallet);
  await opItem(as("pharmacy"), data, "unpack", `(00)${sscc(1)}`);
  story.say("The pharmacy unpacks the pallet and the first case; the packs are now on its shelf.");

  const first = bundle.packs[0]!;
  const link = toDigitalLink({ gtin: GTIN, lot: LOT, expiry: "281231", serial: first.serial });
  story.say(`A patient scans pack ${first.serial} (${link}) and types the scratch-off code ${first.code}:`);
  console.log(indent(await opVerify(provenance, data, link, first.code, names)));

  await opDispense(as("pharmacy"), data, link, first.code);
  story.say(`Harbour Street Pharmacy dispenses pack ${first.serial} to the patient.`);

  story.say("A counterfeiter copies that pack's label and code onto a fake; Lakeview University Hospital scans it:");
  console.log(indent(await opDispense(as("hospitalB"), data, link, first.code)));
  story.say("Anyone scanning the copy now sees:");
  console.log(indent(await opVerify(provenance, data, link, first.code, names)));

  const guessed = "ABCD-EFGH-JKMN-PQRS";
  story.say(`A fake with a copied outer label but a made-up code (${guessed}) is simply unknown:`);
  console.log(indent(await opVerify(provenance, data, packLabel(1), guessed)));

  await opRecall(as("manufacturer"), GTIN, LOT);
  story.say(`Aurora finds a quality problem and recalls lot ${LOT}.`);
  const second = bundle.packs[1]!;
  try {
    await opDispense(as("pharmacy"), data, packLabel(1), second.code);
    story.say("(unexpected: the recalled pack was dispensed)");
  } catch (err) {
    story.say(
      `The pharmacy tries to dispense pack ${second.serial}; the chain refuses: ${describeError(err, [provenance])}.`,
    );
  }
  console.log(indent(await opVerify(provenance, data, packLabel(1), second.code, names)));
};
