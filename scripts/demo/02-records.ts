import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { RecordsOnRegistryModule } from "../../ignition/modules/Records.js";
import { patientReference } from "../../src/claims/codes.js";
import { breakGlassAccess, recordAccess } from "../../src/records/access.js";
import { anchorRecords, SHARE_DIR } from "../../src/records/anchor.js";
import { auditTable, auditTrail } from "../../src/records/audit.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { parseFhir, randomSalt } from "../../src/records/commitment.js";
import { patientAccountFor, PURPOSES } from "../../src/records/consent.js";
import { consentFileOf, consentTerms, grantConsent } from "../../src/records/consent-file.js";
import { loadRecords, recordInput } from "../../src/records/input.js";
import { PATIENTS_FORMAT, readPatientsFile } from "../../src/records/patients.js";
import { readBillingCitation, readProof } from "../../src/records/proof.js";
import { formatVerdict, verifyRecord } from "../../src/records/verify.js";
import { DEMO_INSURANCE_CARD, type Chapter } from "./story.js";

const DATA = path.resolve("test/fixtures/records");
/** The invented patient's id in both hospitals' systems (the fixtures' `subject`). */
const PATIENT_REF = "Patient/demo-patient-0001";

/** What the claims chapter needs to show that hospital B's visit was documented: its billing leaf. */
export interface RecordForClaims {
  /** The billing documentation commitment (not the record's own commitment). */
  commitment: string;
  /** The batch holding the billing leaf (zero: anchored alone). */
  batchRoot: string;
  proof: string[];
  /** The claims patient reference the billing leaf is bound to. */
  patientRef: string;
}

/** A hospital's patients file with one patient, written to `file`. */
async function writePatientsFile(file: string, account: string, billingRef?: string): Promise<void> {
  const patient = { reference: PATIENT_REF, account, ...(billingRef === undefined ? {} : { billingRef }) };
  await writeFile(file, JSON.stringify({ format: PATIENTS_FORMAT, patients: [patient] }, null, 2));
}

/**
 * Chapter 2: hospital A anchors an invented patient's records, bound to her account at A; she
 * consents to hospital B for A's records; B verifies them and catches a tampered copy, B anchors its
 * own visit (with a billing leaf for the claims chapter), and every access shows in the regulator's
 * report.
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
    // --- The patient registers at hospital A with her account there; A anchors her discharge bundle.
    const patientSecret = randomSalt(); // held by the patient's app only
    const atA = patientAccountFor(patientSecret, memberIds.hospitalA!);
    const riversidePatients = path.join(work, "riverside-patients.json");
    await writePatientsFile(riversidePatients, atA.address);
    story.say(
      `Mira Santos (invented) registers at Riverside General. Her app derives an account for Riverside only ` +
        `(${atA.address.slice(0, 10)}…) from a secret that never leaves her phone; Riverside's patients file maps ` +
        `${PATIENT_REF} to it.`,
    );
    const bundle = path.join(DATA, "discharge-bundle.json");
    const inputs = await loadRecords(bundle);
    const riverside = path.join(work, "riverside");
    const anchored = await anchorRecords(records.connect(cast.hospitalA), inputs, {
      chainId,
      registryAddress: address,
      patients: await readPatientsFile(riversidePatients),
      outDir: riverside,
      salts: { kind: "random" },
    });
    story.say(
      `At discharge its operator runs \`npx hardhat records anchor ${path.relative(process.cwd(), bundle)} --patients patients.json\`: ` +
        `${inputs.length} FHIR records (an encounter, two lab results, an X-ray report) are anchored in ${anchored.sent} transactions ` +
        `(the two lab results as one Merkle batch), each bound to Mira's Riverside account inside its hash. ` +
        `Each record gets a proof file; the records stay at Riverside.`,
    );

    // --- The patient consents to hospital B for her records at A, signing with her account at A.
    const now = BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp);
    const terms = consentTerms({
      patient: atA.address,
      custodian: memberIds.hospitalA!,
      grantee: memberIds.hospitalB!,
      purpose: PURPOSES.TREAT,
      categories:
        (1n << BigInt(CATEGORIES.encounter)) |
        (1n << BigInt(CATEGORIES.observation)) |
        (1n << BigInt(CATEGORIES.diagnosticReport)),
      from: now,
      days: 30,
    });
    const { consentId } = await grantConsent(records.connect(cast.hospitalB), atA, terms, now + 3600n);
    const consent = consentFileOf(terms, undefined, chainId, address);
    story.say(
      `Mira moves to Lakeview University Hospital. In her app she consents: Lakeview may read her encounters, lab results and ` +
        `reports held by Riverside, for treatment (TREAT), for 30 days. Her app signs it (EIP-712) with her Riverside account, ` +
        `the one Riverside bound the records to; Lakeview submits it, so Mira pays nothing. Consent ${consentId.slice(0, 10)}… is on chain.`,
    );

    // --- B receives the records and their shareable proofs, verifies them, and records its access.
    for (const input of inputs) {
      const proofFile = path.join(riverside, SHARE_DIR, `${input.name}.proof.json`);
      const proof = await readProof(proofFile);
      const verdict = await verifyRecord(records, input.resource, proof);
      story.say(
        `Lakeview checks ${input.resource.resourceType} "${input.resource.id}": ${formatVerdict(verdict, names)}.`,
      );
      await recordAccess(records.connect(cast.hospitalB), consent, proof, PURPOSES.TREAT, {
        consent: "consent",
        proof: proofFile,
      });
    }
    story.say(
      "Every record is genuine, so Lakeview does not repeat the tests. Each read is recorded on chain as an audit entry; " +
        "the contract let it through only because Riverside had bound each record to the account that signed the consent.",
    );

    const potassium = inputs.find((i) => i.resource.id === "obs-demo-potassium")!;
    const altered = structuredClone(potassium.resource) as unknown as { valueQuantity: { value: number } };
    altered.valueQuantity.value = 5.9;
    const tamperedVerdict = await verifyRecord(
      records,
      altered,
      await readProof(path.join(riverside, SHARE_DIR, `${potassium.name}.proof.json`)),
    );
    story.say(
      `A copy of the potassium result that arrived by e-mail says 5.9 mmol/L instead of 4.2. ` +
        `\`records verify\` says: ${formatVerdict(tamperedVerdict, names)}. Lakeview discards it.`,
    );

    // --- B treats the patient and anchors its own visit, with a billing leaf for the claims chapter.
    const atB = patientAccountFor(patientSecret, memberIds.hospitalB!);
    const billingRef = patientReference(DEMO_INSURANCE_CARD.patientId, DEMO_INSURANCE_CARD.memberSecret);
    const lakeviewPatients = path.join(work, "lakeview-patients.json");
    await writePatientsFile(lakeviewPatients, atB.address, billingRef);
    const visitFile = path.join(DATA, "lakeview-visit-encounter.json");
    const visit = parseFhir(await readFile(visitFile, "utf8"), visitFile);
    const lakeview = path.join(work, "lakeview");
    await anchorRecords(records.connect(cast.hospitalB), [recordInput(visitFile, "lakeview-visit", visit)], {
      chainId,
      registryAddress: address,
      patients: await readPatientsFile(lakeviewPatients),
      outDir: lakeview,
      salts: { kind: "random" },
    });
    const citation = await readBillingCitation(path.join(lakeview, "lakeview-visit.proof.json"));
    const forClaims: RecordForClaims = {
      commitment: citation.docCommitment,
      batchRoot: citation.batchRoot,
      proof: citation.proof,
      patientRef: citation.patientRef,
    };
    story.facts.recordsForClaims = forClaims;
    story.say(
      `Lakeview treats Mira and anchors its own follow-up encounter, bound to her Lakeview account (${atB.address.slice(0, 10)}…, ` +
        `which nobody can link to her Riverside one). Its patients file also holds the billing reference from her insurance card, ` +
        `so the encounter gets a second, independently salted billing leaf: the one the claim will cite, sharing no hash with the record's own.`,
    );

    // --- An emergency access without consent, then the regulator's review.
    const emergency = await readProof(path.join(riverside, `${inputs[0]!.name}.proof.json`));
    const { breakGlassId } = await breakGlassAccess(records.connect(cast.hospitalA), emergency, 1);
    story.say(
      "Later, Mira is brought unconscious to Riverside's emergency room. A doctor opens her encounter without consent " +
        `("break-glass" #${breakGlassId}, reason code 1). The access is flagged UNREVIEWED for the regulator.`,
    );
    story.say("The Authority's regulator runs `npx hardhat records audit`:");
    console.log(auditTable(await auditTrail(records), names).replace(/^/gm, "        "));
    const [overdue] = await records.overdueReviews(1, 100);
    await (await records.connect(cast.regulator).markReviewed(breakGlassId)).wait();
    story.say(
      `The regulator reviews the emergency access (${overdue.length} overdue so far: it is recent) and marks it reviewed ` +
        "(no member may review its own break-glass access). Nobody on chain can tell whose records these were: there are " +
        "no names, only hashes and per-hospital pseudonyms.",
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};
