import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import ProvenanceOnRegistryModule from "../../ignition/modules/ProvenanceOnRegistry.js";
import { decodeRevert, describeError } from "../../src/chain/errors.js";
import { voteAndExecute } from "../../src/consortium/governance.js";
import { planContainer } from "../../src/provenance/catalog.js";
import { gs1CheckDigit, toDigitalLink } from "../../src/provenance/gs1/index.js";
import { checkLinkBase } from "../../src/provenance/labels.js";
import { readLotBundle } from "../../src/provenance/lot.js";
import {
  opCommission,
  opDispense,
  opItem,
  opPack,
  opPrefix,
  opRecall,
  opRegisterProduct,
  opShip,
  opVerify,
} from "../../src/provenance/ops.js";
import { containerIdOf, lotIdOf } from "../../src/provenance/ids.js";
import type { Chapter } from "./story.js";

const GTIN = "09506000134352"; // an invented product of the invented Aurora Pharmaceuticals
const LOT = "AUR2611";
/** GS1 company prefixes (invented holders): Aurora's, for its GTINs and SSCCs; Meridian's, for its SSCCs. */
const AURORA_PREFIX = "9506000";
const MERIDIAN_PREFIX = "0614141";

/** An SSCC-18: extension digit 3, the company prefix, a serial reference, the check digit. */
function sscc(serial: number, prefix = AURORA_PREFIX): string {
  const body = "3" + prefix + String(serial).padStart(16 - prefix.length, "0");
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
  /** The custom error of an expected refusal (anything else is a real failure of the demo). */
  const refusal = (err: unknown): string => {
    const decoded = decodeRevert(err, [provenance]);
    if (decoded === undefined) throw err;
    return decoded;
  };

  // GS1 company prefixes belong to their owners: the governors assign them by vote (a governed call).
  const registry = story.contracts.registry!;
  for (const [prefix, who] of [
    [AURORA_PREFIX, "manufacturer"],
    [MERIDIAN_PREFIX, "distributor"],
  ] as const) {
    const {
      lines: [proposed],
    } = await opPrefix(provenance.connect(cast.governors[0]!), {
      assign: prefix,
      transfer: "",
      revoke: "",
      member: story.memberIds[who]!,
    });
    const proposalId = BigInt(/proposal (\d+)/.exec(proposed!)![1]!);
    await voteAndExecute(registry, cast.governors.slice(0, 2), proposalId);
    story.say(
      `A governor proposes that GS1 company prefix ${prefix} belong to ${NAMES[who]}; two governors vote and it is ` +
        `assigned (proposal ${proposalId}). From now on only ${NAMES[who]} registers GTINs and packs SSCCs under it.`,
    );
  }

  // Each institution keeps its own data directory; here they share one temporary folder.
  const data = await mkdtemp(path.join(tmpdir(), "medchain-provenance-"));
  await opRegisterProduct(as("manufacturer"), GTIN);
  story.say(
    `Aurora Pharmaceuticals registers its product GTIN ${GTIN} under its prefix ${AURORA_PREFIX}; the chain checks ` +
      `the check digit and that the prefix is Aurora's.`,
  );

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
      `under its coating, and the chain stores one Merkle root for the whole lot (no serial is readable on chain). ` +
      `A pack's on-chain id is derived from its lot, so no other lot, of another brand or of Aurora's, can claim it.`,
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
    `Aurora packs the packs at its packaging line into two cases (SSCC ${sscc(1)}, ${sscc(2)}: one root each, ` +
      `nothing per pack) and the cases onto pallet ${sscc(3)} (its cases' places recorded with it).`,
  );

  const pallet = `(00)${sscc(3)}`;
  await opShip(as("manufacturer"), data, pallet, "DST-0001");
  try {
    await as("manufacturer").reportStolen.staticCall(containerIdOf(sscc(3)), []);
    story.say("(unexpected: the chain let Aurora report stolen a pallet it had shipped)");
  } catch (err) {
    story.say(
      `Aurora ships the sealed pallet to Meridian Medical Logistics. While it is on the road Aurora tries to report ` +
        `it stolen (to disown a delivery in dispute): the chain refuses with ${refusal(err)}: goods in transit ` +
        `are reported stolen only by the member waiting for them, or by a regulator.`,
    );
  }
  await opItem(as("distributor"), data, "receive", pallet);
  story.say("Meridian receives the pallet: one transaction to ship it, one to receive it.");

  const sold = bundle.packs[0]!;
  try {
    await as("manufacturer").ship.staticCall(sold.packId, story.memberIds.hospitalB!, [
      { child: sold.tag, parent: lotIdOf(GTIN, LOT), proof: sold.proof },
    ]);
    story.say("(unexpected: the chain let Aurora move a pack it sold)");
  } catch (err) {
    story.say(
      `Aurora tries to ship one of the packs it sold straight from its lot (it knows the pack's public id): the chain ` +
        `refuses with ${refusal(err)}: once cases were packed from the lot, only whoever holds a ` +
        `pack's case acts on it.`,
    );
  }

  await opItem(as("distributor"), data, "unpack", pallet);
  const meridianPallet = sscc(1, MERIDIAN_PREFIX);
  await opPack(as("distributor"), data, meridianPallet, [`(00)${sscc(1)}`]);
  try {
    const theirs = planContainer(sscc(9), [`0x${"0".repeat(64)}`]);
    await as("distributor").pack.staticCall(BigInt(theirs.sscc), AURORA_PREFIX.length, theirs.root, 1, []);
    story.say("(unexpected: the chain let Meridian use Aurora's SSCC)");
  } catch (err) {
    story.say(
      `Meridian unpacks Aurora's pallet and repacks the first case onto its own pallet ${meridianPallet} under its ` +
        `prefix ${MERIDIAN_PREFIX}; an SSCC under Aurora's prefix is refused with ${refusal(err)}.`,
    );
  }
  await opShip(as("distributor"), data, `(00)${meridianPallet}`, "PHA-0001");
  await opItem(as("pharmacy"), data, "receive", `(00)${meridianPallet}`);
  story.say(
    "Meridian ships its pallet to Harbour Street Pharmacy, which receives it; the second case stays with Meridian.",
  );
  try {
    await as("distributor").ship.staticCall(containerIdOf(sscc(1)), story.memberIds.hospitalB!, []);
    story.say("(unexpected: the chain let Meridian move a case it sold)");
  } catch (err) {
    story.say(
      `Meridian, which opened the pallet the case came in, tries to ship that case again: the chain refuses with ` +
        `${refusal(err)}: the case is recorded inside the pallet it left in.`,
    );
  }

  await opItem(as("pharmacy"), data, "unpack", `(00)${meridianPallet}`);
  await opItem(as("pharmacy"), data, "unpack", `(00)${sscc(1)}`);
  story.say("The pharmacy unpacks the pallet and the first case; the packs are now on its shelf.");

  const first = bundle.packs[0]!;
  const link = toDigitalLink({ gtin: GTIN, lot: LOT, expiry: "281231", serial: first.serial });
  story.say(`A patient scans pack ${first.serial} (${link}) and types the scratch-off code ${first.code}:`);
  console.log(indent((await opVerify(provenance, data, link, first.code, names)).lines));

  await opDispense(as("pharmacy"), data, link, first.code);
  story.say(`Harbour Street Pharmacy dispenses pack ${first.serial} to the patient.`);

  story.say("A counterfeiter copies that pack's label and code onto a fake; Lakeview University Hospital scans it:");
  console.log(indent((await opDispense(as("hospitalB"), data, link, first.code)).lines));
  story.say("Anyone scanning the copy now sees:");
  console.log(indent((await opVerify(provenance, data, link, first.code, names)).lines));

  const guessed = "ABCD-EFGH-JKMN-PQRS";
  story.say(`A fake with a copied outer label but a made-up code (${guessed}) is simply unknown:`);
  console.log(indent((await opVerify(provenance, data, packLabel(1), guessed)).lines));

  await opRecall(as("manufacturer"), GTIN, LOT, "quality-defect");
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
  console.log(indent((await opVerify(provenance, data, packLabel(1), second.code, names)).lines));

  // The labels' QR codes carry the consortium resolver's domain (MEDCHAIN_RESOLVER_BASE, else the
  // resolver task's default address); the scratch-off code stays under the coating, so a patient's
  // scan adds it by typing, and these URLs carry it for the demo's invented packs.
  const resolverBase = checkLinkBase(process.env.MEDCHAIN_RESOLVER_BASE || "http://127.0.0.1:8090");
  story.say(
    `The verify page of each pack (npx hardhat provenance resolver --data <dir> serves them on a running chain; ` +
      `npm run resolver:demo starts one):`,
  );
  for (const [i, pack] of bundle.packs.slice(0, 3).entries()) {
    const url = toDigitalLink({ gtin: GTIN, lot: LOT, expiry: "281231", serial: pack.serial }, resolverBase);
    console.log(indent([`${url}&code=${pack.code}${i === 0 ? "   (dispensed, then cloned)" : "   (recalled)"}`]));
  }
};
