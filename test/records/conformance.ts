import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { deployRecords } from "./fixture.js";
import { anchorRecords } from "../../src/records/anchor.js";
import { parseFhir, type FhirResource } from "../../src/records/commitment.js";
import { recordInput } from "../../src/records/input.js";
import { PATIENTS_FORMAT, patientMapOf } from "../../src/records/patients.js";
import { readProof } from "../../src/records/proof.js";
import { verifyRecord } from "../../src/records/verify.js";

const { ethers, networkHelpers } = await network.create();

const CONFORMANCE = process.env.MEDCHAIN_CONFORMANCE_DIR ?? path.resolve(process.cwd(), "../shared/conformance");
const FHIR = path.join(CONFORMANCE, "fhir");

/** Every way to change exactly one value of a JSON document: each leaf gets a different value. */
function* singleValueChanges(doc: unknown, where = "$"): Generator<{ where: string; apply: (copy: unknown) => void }> {
  if (doc === null || typeof doc !== "object") return;
  const entries = Array.isArray(doc) ? doc.map((v, i) => [i, v] as const) : Object.entries(doc);
  for (const [key, value] of entries) {
    const here = `${where}.${key}`;
    if (value !== null && typeof value === "object") {
      for (const change of singleValueChanges(value, here)) {
        yield { where: change.where, apply: (copy) => change.apply((copy as Record<string | number, unknown>)[key]) };
      }
      continue;
    }
    const changed =
      typeof value === "string"
        ? `${value}x`
        : typeof value === "number"
          ? value + 1
          : typeof value === "boolean"
            ? !value
            : 0;
    yield { where: here, apply: (copy) => ((copy as Record<string | number, unknown>)[key] = changed) };
  }
}

describe("records conformance: the HL7 FHIR R4 examples", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  let files: string[] = [];
  before(async function () {
    if (!existsSync(FHIR)) this.skip();
    files = (await readdir(FHIR)).filter((f) => f.endsWith(".json")).sort();
  });

  it("anchors every example and verifies it VALID; any single changed value verifies TAMPERED", async function () {
    const { records, hospitalA, patientAtA } = await networkHelpers.loadFixture(recordsFixture);
    expect(files.length).to.be.greaterThan(0);
    const inputs = [];
    for (const f of files) {
      const file = path.join(FHIR, f);
      inputs.push(recordInput(file, path.basename(f, ".json"), parseFhir(await readFile(file, "utf8"), file)));
    }
    // Every example names its patient (a Patient itself, subject, patient or beneficiary; a document
    // Bundle through its entries); the hospital's patients file maps each to an account.
    const references = new Set<string>();
    for (const input of inputs) {
      expect(input.patient.ok, `${input.source}: ${JSON.stringify(input.patient)}`).to.equal(true);
      if (input.patient.ok) references.add(input.patient.patient.key);
    }
    const patients = patientMapOf(
      {
        format: PATIENTS_FORMAT,
        patients: [...references].map((reference) => ({ reference, account: patientAtA.address })),
      },
      "patients.json",
    );
    const out = await mkdtemp(path.join(tmpdir(), "medchain-conformance-"));
    try {
      await anchorRecords(records.connect(hospitalA), inputs, {
        chainId: (await ethers.provider.getNetwork()).chainId,
        registryAddress: await records.getAddress(),
        patients,
        outDir: out,
        salts: { kind: "random" },
      });
      let changes = 0;
      for (const input of inputs) {
        const proof = await readProof(path.join(out, `${input.name}.proof.json`));
        expect((await verifyRecord(records, input.resource, proof)).verdict, input.source).to.equal("VALID");
        for (const change of singleValueChanges(input.resource)) {
          const copy = structuredClone(input.resource) as FhirResource;
          change.apply(copy);
          const verdict = await verifyRecord(records, copy, proof);
          expect(verdict.verdict, `${input.source} ${change.where}`).to.equal("TAMPERED");
          changes += 1;
        }
      }
      expect(changes).to.be.greaterThan(files.length);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
