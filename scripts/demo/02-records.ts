import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { RecordsOnRegistryModule } from "../../ignition/modules/Records.js";
import { anchorRecords } from "../../src/records/anchor.js";
import { auditTable, auditTrail } from "../../src/records/audit.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { parseFhir, randomSalt } from "../../src/records/commitment.js";
import { patientAccountFor, PURPOSES } from "../../src/records/consent.js";
import { consentTerms, grantConsent } from "../../src/records/consent-file.js";
import { loadRecords } from "../../src/records/input.js";
import { readProof } from "../../src/records/proof.js";
import { formatVerdict, verifyRecord } from "../../src/records/verify.js";
import type { Chapter } from "./story.js";

const DATA = path.resolve("test/fixtures/records");

/** What the claims chapter needs to show that hospital B's visit was documented. */
export interface RecordForClaims {
  commitment: string;
  batchId: bigint;
  proof: string[];
  /** The patient's pseudonymous account toward hospital B (the only patient reference on chain). */
  patientRef: string;
  category: number;
}

/**
 * Chapter 2: hospital A anchors an invented patient's records, the patient consents to hospital B,
 * B verifies them and catches a tampered copy, B anchors its own visit, and every access shows in
 * the regulator's report.
 */
export const recordsChapter: Chapter = async (story) => {
  const { connection, cast, memberIds } = story;
  const registry = story.contracts.registry!;
  story.chapter("Patient records travel between hospitals, by consent");

  const { records: deployed } = await connection.ignition.deploy(RecordsOnRegistryModule, {
    parameters: { RecordsOnRegistry: { registry: await registry.getAddress() } },
    displayUi: false,
  });
  const address = await deployed.getAddress();
  const records = await connection.ethers.getContractAt("RecordRegistry", address);
  story.contracts.records = records;
  const { chainId } = await connection.ethers.provider.getNetwork();
  story.say(
    `The consortium deploys the record registry at ${address}. It will hold only salted hashes, never records.`,
  );

  const names: Record<string, string> = {
    [memberIds.hospitalA!]: "Riverside General",
    [memberIds.hospitalB!]: "Lakeview University",
    [memberIds.regulator!]: "the Authority",
  };
  const work = await mkdtemp(path.join(tmpdir(), "medchain-demo-records-"));
  try {
    // --- Hospital A anchors the discharge bundle of an invented patient.
    const patientSecret = randomSalt(); // held by the patient's app only
    const bundle = path.join(DATA, "discharge-bundle.json");
    const inputs = await loadRecords(bundle);
    const atA = await anchorRecords(records.connect(cast.hospitalA), inputs, {
      chainId,
      registryAddress: address,
      outDir: path.join(work, "riverside"),
      salts: { kind: "random" },
    });
    story.say(
      `Riverside General discharges Mira Santos (invented). Its operator runs \`npx hardhat records anchor ${path.relative(process.cwd(), bundle)}\`: ` +
        `${inputs.length} FHIR records (an encounter, two lab results, an X-ray report) are anchored in ${atA.sent} transactions ` +
        `(the two lab results as one Merkle batch). Each record gets a proof file; the records stay at Riverside.`,
    );

    // --- The patient consents to hospital B, through her account for B.
    const patientForB = patientAccountFor(patientSecret, memberIds.hospitalB!);
    const now = BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp);
    const terms = consentTerms({
      patient: patientForB.address,
      grantee: memberIds.hospitalB!,
      purpose: PURPOSES.TREAT,
      categories:
        (1n << BigInt(CATEGORIES.encounter)) |
        (1n << BigInt(CATEGORIES.observation)) |
        (1n << BigInt(CATEGORIES.diagnosticReport)),
      scope: [],
      from: now,
      days: 30,
    });
    const { consentId } = await grantConsent(records.connect(cast.hospitalB), patientForB, terms, now + 3600n);
    story.say(
      `Mira moves to Lakeview University Hospital. In her app she consents: Lakeview may read her encounters, lab results and ` +
        `reports for treatment (TREAT) for 30 days. Her app signs it (EIP-712) with an account it derived for Lakeview only ` +
        `(${patientForB.address.slice(0, 10)}…); Lakeview submits it, so Mira pays nothing. Consent ${consentId.slice(0, 10)}… is on chain.`,
    );

    // --- B receives the records and proofs from the patient, verifies them, and records its access.
    for (const input of inputs) {
      const proofFile = path.join(work, "riverside", `${input.name}.proof.json`);
      const proof = await readProof(proofFile);
      const verdict = await verifyRecord(records, input.resource, proof);
      story.say(
        `Lakeview checks ${input.resource.resourceType} "${input.resource.id}": ${formatVerdict(verdict, names)}.`,
      );
      await (
        await records
          .connect(cast.hospitalB)
          .access(terms, proof.commitment, proof.batchId, proof.proof, [], PURPOSES.TREAT)
      ).wait();
    }
    story.say(
      "Every record is genuine, so Lakeview does not repeat the tests. Each read is recorded on chain as an audit entry.",
    );

    const potassium = inputs.find((i) => i.resource.id === "obs-demo-potassium")!;
    const altered = structuredClone(potassium.resource) as unknown as { valueQuantity: { value: number } };
    altered.valueQuantity.value = 5.9;
    const tamperedVerdict = await verifyRecord(
      records,
      altered,
      await readProof(path.join(work, "riverside", `${potassium.name}.proof.json`)),
    );
    story.say(
      `A copy of the potassium result that arrived by e-mail says 5.9 mmol/L instead of 4.2. ` +
        `\`records verify\` says: ${formatVerdict(tamperedVerdict, names)}. Lakeview discards it.`,
    );

    // --- B treats the patient and anchors its own visit (the claims chapter bills for it).
    const visitFile = path.join(DATA, "lakeview-visit-encounter.json");
    const visit = parseFhir(await readFile(visitFile, "utf8"), visitFile);
    await anchorRecords(
      records.connect(cast.hospitalB),
      [{ source: visitFile, name: "lakeview-visit", resource: visit }],
      {
        chainId,
        registryAddress: address,
        outDir: path.join(work, "lakeview"),
        salts: { kind: "random" },
      },
    );
    const visitProof = await readProof(path.join(work, "lakeview", "lakeview-visit.proof.json"));
    const forClaims: RecordForClaims = {
      commitment: visitProof.commitment,
      batchId: BigInt(visitProof.batchId),
      proof: visitProof.proof,
      patientRef: patientForB.address,
      category: visitProof.category,
    };
    story.facts.recordsForClaims = forClaims;
    story.say(
      `Lakeview treats Mira and anchors its own follow-up encounter (${forClaims.commitment.slice(0, 10)}…): the record of the visit it will bill for.`,
    );

    // --- An emergency access without consent, then the regulator's review.
    const emergency = await readProof(path.join(work, "riverside", `${inputs[0]!.name}.proof.json`));
    await (
      await records.connect(cast.hospitalA).breakGlass(emergency.commitment, emergency.batchId, emergency.proof, 1)
    ).wait();
    story.say(
      "Later, Mira is brought unconscious to Riverside's emergency room. A doctor opens her encounter without consent " +
        '("break-glass", reason code 1). The access is flagged UNREVIEWED for the regulator.',
    );
    story.say("The Authority's regulator runs `npx hardhat records audit`:");
    console.log(auditTable(await auditTrail(records), names).replace(/^/gm, "        "));
    const [overdue] = await records.overdueReviews(1, 100);
    await (await records.connect(cast.regulator).markReviewed(1)).wait();
    story.say(
      `The regulator reviews the emergency access (${overdue.length} overdue so far: it is recent) and marks it reviewed. ` +
        "Nobody on chain can tell whose records these were: there are no names, only hashes and per-hospital pseudonyms.",
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};
