import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { getAddress } from "ethers";

import { rejection } from "./fixture.js";
import type { FhirResource } from "../../src/records/commitment.js";
import { RecordsInputError } from "../../src/records/errors.js";
import {
  bundleContextOf,
  patientMapOf,
  patientOf,
  PATIENTS_FORMAT,
  readPatientsFile,
} from "../../src/records/patients.js";

const ACCOUNT = "0x" + "ab".repeat(20);
const r = (resource: object): FhirResource => resource as FhirResource;

describe("records SDK: whom a record is about, and the hospital's patients file", function () {
  describe("patientOf", function () {
    it("reads the patient, subject or beneficiary reference, normalising Patient URLs to Patient/<id>", function () {
      const cases: Array<[object, string, string, string]> = [
        [
          { resourceType: "Observation", subject: { reference: "Patient/123" } },
          "subject",
          "Patient/123",
          "Patient/123",
        ],
        [
          { resourceType: "Claim", patient: { reference: "Patient/9/_history/2" } },
          "patient",
          "Patient/9/_history/2",
          "Patient/9",
        ],
        [
          { resourceType: "Coverage", beneficiary: { reference: "https://fhir.example/r4/Patient/x-1" } },
          "beneficiary",
          "https://fhir.example/r4/Patient/x-1",
          "Patient/x-1",
        ],
        [{ resourceType: "Patient", id: "p7" }, "id", "Patient/p7", "Patient/p7"],
        [
          { resourceType: "Observation", subject: { identifier: { system: "urn:oid:1.2", value: "N-1" } } },
          "subject",
          "identifier:urn:oid:1.2|N-1",
          "identifier:urn:oid:1.2|N-1",
        ],
      ];
      for (const [resource, field, reference, key] of cases) {
        expect(patientOf(r(resource))).to.deep.equal({ ok: true, patient: { field, reference, key } });
      }
      // `patient` is tried before `subject`.
      const both = r({
        resourceType: "AllergyIntolerance",
        patient: { reference: "Patient/a" },
        subject: { reference: "Group/g" },
      });
      expect(patientOf(both)).to.deep.include({ ok: true });
    });

    it("says why a record names no patient the patients file could map", function () {
      const cases: Array<[object, string, string]> = [
        [{ resourceType: "Practitioner", id: "d" }, "patient/subject/beneficiary", "the record names no patient"],
        [
          { resourceType: "Observation", subject: { reference: "Group/1" } },
          "subject",
          '"Group/1" is not a Patient reference',
        ],
        [
          { resourceType: "Observation", subject: { reference: "#p1" } },
          "subject",
          '"#p1" is a contained resource, which the patients file cannot name',
        ],
        [{ resourceType: "Observation", subject: "Patient/1" }, "subject", "is not a FHIR Reference"],
        [
          { resourceType: "Observation", subject: { display: "Ada" } },
          "subject",
          "has neither a reference nor an identifier with system and value",
        ],
        [
          { resourceType: "Observation", subject: { type: "Device", identifier: { system: "s", value: "v" } } },
          "subject",
          "the identifier names a Device, not a Patient",
        ],
        [{ resourceType: "Patient" }, "id", "a Patient resource without an id"],
      ];
      for (const [resource, field, problem] of cases) {
        expect(patientOf(r(resource))).to.deep.equal({ ok: false, field, problem });
      }
    });

    it("resolves urn:uuid references inside a Bundle, and a whole Bundle's one patient", function () {
      const bundle = r({
        resourceType: "Bundle",
        entry: [
          { fullUrl: "urn:uuid:1", resource: { resourceType: "Patient", id: "d1" } },
          { fullUrl: "urn:uuid:2", resource: { resourceType: "Observation", subject: { reference: "urn:uuid:1" } } },
          {
            fullUrl: "urn:uuid:3",
            resource: { resourceType: "Encounter", subject: { reference: "https://x/Patient/d1" } },
          },
          { fullUrl: "urn:uuid:4", resource: { resourceType: "Practitioner", id: "doc" } },
          { fullUrl: "urn:uuid:5", resource: { resourceType: "Observation", subject: { reference: "urn:uuid:4" } } },
        ],
      });
      const context = bundleContextOf(bundle);
      const entries = (bundle.entry as Array<{ resource: FhirResource }>).map((e) => patientOf(e.resource, context));
      expect(entries[1]).to.deep.equal({
        ok: true,
        patient: { field: "subject", reference: "urn:uuid:1", key: "Patient/d1" },
      });
      expect(entries[4]).to.deep.equal({
        ok: false,
        field: "subject",
        problem: '"urn:uuid:4" is a Practitioner, not a Patient',
      });
      expect(patientOf(bundle)).to.deep.equal({
        ok: true,
        patient: { field: "entry[0].id", reference: "Patient/d1", key: "Patient/d1" },
      });
      const two = r({
        resourceType: "Bundle",
        entry: [
          { resource: { resourceType: "Observation", subject: { reference: "Patient/a" } } },
          { resource: { resourceType: "Observation", subject: { reference: "Patient/b" } } },
        ],
      });
      expect(patientOf(two)).to.deep.equal({
        ok: false,
        field: "entry",
        problem: "the Bundle names 2 patients (Patient/a, Patient/b): anchor its entries one by one",
      });
      expect(
        patientOf(r({ resourceType: "Bundle", entry: [{ resource: { resourceType: "Practitioner" } }] })),
      ).to.deep.equal({
        ok: false,
        field: "entry",
        problem: "the Bundle names no patient",
      });
    });
  });

  describe("the patients file", function () {
    let dir: string;
    beforeEach(async function () {
      dir = await mkdtemp(path.join(tmpdir(), "medchain-patients-"));
    });
    afterEach(async function () {
      await rm(dir, { recursive: true, force: true });
    });

    it("maps a record's patient by its reference as written, or by its Patient/<id> form", async function () {
      const file = path.join(dir, "patients.json");
      const billingRef = "0x" + "CD".repeat(32);
      await writeFile(
        file,
        JSON.stringify({
          format: PATIENTS_FORMAT,
          patients: [
            { reference: "Patient/123", account: ACCOUNT, billingRef },
            { reference: "identifier:urn:oid:1.2|N-1", account: "0x" + "01".repeat(20) },
          ],
        }),
      );
      const map = await readPatientsFile(file);
      expect(map.size).to.equal(2);
      const absolute = patientOf(r({ resourceType: "Observation", subject: { reference: "https://x/Patient/123" } }));
      expect(absolute.ok && map.find(absolute.patient)).to.deep.equal({
        reference: "Patient/123",
        account: getAddress(ACCOUNT),
        billingRef: billingRef.toLowerCase(),
      });
      const byId = patientOf(
        r({ resourceType: "Observation", subject: { identifier: { system: "urn:oid:1.2", value: "N-1" } } }),
      );
      expect(byId.ok && map.find(byId.patient)?.billingRef).to.equal(undefined);
      const unknown = patientOf(r({ resourceType: "Observation", subject: { reference: "Patient/999" } }));
      expect(unknown.ok && map.find(unknown.patient)).to.equal(undefined);
    });

    it("refuses a bad patients file with one line naming the file and the field", async function () {
      const bad: Array<[unknown, string]> = [
        [{ format: "x", patients: [] }, "not a patients file: format"],
        [
          { format: PATIENTS_FORMAT, patients: [{ reference: "Patient/1", account: "0x12" }] },
          "not a patients file: patients.0.account must be an address",
        ],
        [
          { format: PATIENTS_FORMAT, patients: [{ reference: "Patient/1", account: ACCOUNT, billingRef: "0x1" }] },
          "not a patients file: patients.0.billingRef must be 32 bytes of hex",
        ],
        [
          {
            format: PATIENTS_FORMAT,
            patients: [
              { reference: "Patient/1", account: ACCOUNT },
              { reference: "Patient/1", account: ACCOUNT },
            ],
          },
          'patients[1].reference: "Patient/1" is listed twice',
        ],
        [
          { format: PATIENTS_FORMAT, patients: [{ reference: "Patient/1", account: "0x" + "00".repeat(20) }] },
          "patients[0].account: the zero address",
        ],
        [
          {
            format: PATIENTS_FORMAT,
            patients: [{ reference: "Patient/1", account: ACCOUNT, billingRef: "0x" + "00".repeat(32) }],
          },
          "patients[0].billingRef: zero",
        ],
      ];
      for (const [value, message] of bad) {
        expect(() => patientMapOf(value, "p.json")).to.throw(RecordsInputError, `p.json: ${message}`);
      }
      await writeFile(path.join(dir, "broken.json"), "{");
      await rejection(readPatientsFile(path.join(dir, "broken.json")), "broken.json: is not JSON");
    });
  });
});
