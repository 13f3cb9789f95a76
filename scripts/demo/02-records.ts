import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";

import { RecordsOnRegistryModule } from "../../ignition/modules/Records.js";
import { patientReference } from "../../src/claims/codes.js";
import { breakGlassAccess } from "../../src/records/access.js";
import { anchorRecords, SHARE_DIR } from "../../src/records/anchor.js";
import { auditTable, auditTrail } from "../../src/records/audit.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { parseFhir, randomSalt } from "../../src/records/commitment.js";
import { patientAccountFor, PURPOSES } from "../../src/records/consent.js";
import { consentFileOf, consentTerms, grantConsent, revokeConsent } from "../../src/records/consent-file.js";
import { fetchRecords, formatFetchReport, startGateway } from "../../src/records/gateway/index.js";
import { loadRecords, recordInput } from "../../src/records/input.js";
import { PATIENTS_FORMAT, readPatientsFile } from "../../src/records/patients.js";
import { readBillingCitation, readProof } from "../../src/records/proof.js";
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
 * consents to hospital B for A's records; A serves them from its record gateway on a loopback port and
 * B fetches them over HTTP, each read audited on chain; B's verification catches a tampered copy from
 * a misbehaving gateway; after she revokes, B's fetch is refused. B anchors its own visit (with a
 * billing leaf for the claims chapter), and every access shows in the regulator's report.
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

    // --- A serves the records from its gateway; B fetches them over HTTP, each read audited on chain.
    const gateway = await startGateway({
      records: records.connect(cast.hospitalA),
      source: { folder: bundle, proofs: riverside },
      stateDir: path.join(work, "riverside-gateway"),
    });
    const misbehaving = await tamperingProxy(gateway.url, "obs-demo-potassium");
    try {
      story.say(
        `Riverside runs its record gateway (\`npx hardhat records gateway --export ${path.relative(process.cwd(), bundle)}\`) ` +
          `at ${gateway.url}: FHIR REST in front of its own records, which leave it only when a consent on chain covers them.`,
      );
      const report = await fetchRecords({
        gateway: gateway.url,
        consent,
        records,
        signer: cast.hospitalB,
        outDir: path.join(work, "lakeview-fetched"),
      });
      story.say(
        `Lakeview runs \`npx hardhat records fetch --gateway ${gateway.url} --consent consent.json\`. The request is signed ` +
          `with Lakeview's operating key (EIP-712, a one-time nonce, a two-minute deadline); the gateway checks it against the ` +
          `consortium registry and the consent, and the chain writes the audit entry (tx ${report.auditTx.slice(0, 10)}…) ` +
          `before a single record leaves. Lakeview verifies each record against the chain:`,
      );
      for (const line of formatFetchReport(report).split("\n")) console.log(`        ${line}`);
      story.say(
        "Every record is genuine and was audited in Lakeview's name, so Lakeview does not repeat the tests. The chain let " +
          "the audit through only because Riverside had bound each record to the account that signed the consent.",
      );

      const tampered = await fetchRecords({
        gateway: misbehaving.url,
        consent,
        records,
        signer: cast.hospitalB,
        outDir: path.join(work, "lakeview-tampered"),
      });
      const caught = tampered.records.find((r) => r.reference === "Observation/obs-demo-potassium")!;
      story.say(
        `A misbehaving gateway in the middle passes on a copy of the potassium result that says 5.9 mmol/L instead of 4.2. ` +
          `Lakeview's verification says ${caught.verdict}: ${caught.reason}. The copy goes to quarantine and the fetch ` +
          `fails (\`records fetch\` exits non-zero); the three other records verify.`,
      );

      const t = BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp);
      await revokeConsent(records.connect(cast.hospitalB), atA, terms, t + 3600n);
      const refusal = await fetchRecords({
        gateway: gateway.url,
        consent,
        records,
        signer: cast.hospitalB,
        outDir: path.join(work, "lakeview-after-revocation"),
      }).catch((err: Error) => err);
      if (!(refusal instanceof Error)) throw new Error("the gateway served a revoked consent");
      story.say(
        `Mira later revokes her consent in her app. Lakeview's next fetch is refused with a FHIR OperationOutcome and no ` +
          `record, and nothing is audited: ${refusal.message}.`,
      );
    } finally {
      await misbehaving.close();
      await gateway.close();
    }

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

/**
 * A misbehaving gateway for the demo: it forwards to the real one and changes one record's value in
 * the Bundles it passes on (the kind of copy the requester's verification must catch).
 */
async function tamperingProxy(upstream: string, id: string): Promise<{ url: string; close(): Promise<void> }> {
  const origin = new URL(upstream).origin;
  const app = new Hono();
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const response = await fetch(origin + url.pathname + url.search, { headers: c.req.raw.headers });
    const body = (await response.json()) as {
      entry?: Array<{ resource: { id?: string; valueQuantity?: { value: number } } }>;
    };
    for (const entry of body.entry ?? []) {
      if (entry.resource.id === id && entry.resource.valueQuantity !== undefined)
        entry.resource.valueQuantity.value = 5.9;
    }
    const headers = Object.fromEntries(response.headers);
    delete headers["content-length"]; // the body changed
    return c.body(JSON.stringify(body), response.status as 200, headers);
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
