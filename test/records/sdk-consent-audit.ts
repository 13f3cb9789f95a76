import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { deployRecords, now, rejection, treatTerms } from "./fixture.js";
import {
  blindedScope,
  consentFileOf,
  consentTerms,
  grantConsent,
  readConsentFile,
  revokeConsent,
  scopeProofOf,
  scopeRootOf,
  termsOf,
  writeConsentFile,
} from "../../src/records/consent-file.js";
import { auditCsv, auditTable, auditTrail, overdueBreakGlass } from "../../src/records/audit.js";
import { consentIdOf, parsePurpose, purposeName, PURPOSES } from "../../src/records/consent.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { parseMemberRef } from "../../src/records/secrets.js";
import { memberIdFromCode } from "../../src/consortium/ids.js";

const { ethers, networkHelpers } = await network.create();

describe("records SDK: consent files and the audit report", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "medchain-consent-"));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  describe("consentTerms", function () {
    const base = {
      patient: "0x" + "11".repeat(20),
      grantee: memberIdFromCode("HOSP-0002"),
      purpose: PURPOSES.TREAT,
      from: 1_800_000_000n,
      days: 30,
    };

    it("spans the given days from the start, with no records root for a category scope", function () {
      const terms = consentTerms({ ...base, categories: 1n << BigInt(CATEGORIES.encounter), scope: [] });
      expect(terms.validFrom).to.equal(1_800_000_000n);
      expect(terms.validUntil).to.equal(1_800_000_000n + 30n * 86_400n);
      expect(terms.recordsRoot).to.equal("0x" + "00".repeat(32));
    });

    it("roots a specific-records scope in the Merkle root of its blinded commitments", function () {
      const scope = blindedScope(["0x" + "ab".repeat(32)]);
      const terms = consentTerms({ ...base, categories: 0n, scope });
      expect(terms.recordsRoot).to.equal(scopeRootOf(scope));
      expect(terms.categories).to.equal(0n);
    });

    it("gives two otherwise equal grants different nonces, hence different consent ids", function () {
      const request = { ...base, categories: 1n, scope: [] };
      const [a, b] = [consentTerms(request), consentTerms(request)];
      expect(a.nonce).to.not.equal(b.nonce);
      expect(consentIdOf(a)).to.not.equal(consentIdOf(b));
    });

    it("refuses a scope that is both or neither, and a validity that is not whole positive days", function () {
      expect(() => consentTerms({ ...base, categories: 0n, scope: [] })).to.throw("exactly one");
      expect(() => consentTerms({ ...base, categories: 1n, scope: blindedScope(["0x" + "ab".repeat(32)]) })).to.throw(
        "exactly one",
      );
      for (const days of [0, -1, 1.5, Number.NaN]) {
        expect(() => consentTerms({ ...base, categories: 1n, scope: [], days })).to.throw("positive whole number");
      }
    });
  });

  it("writes and reads a consent file whose terms hash to its id, and refuses an edited one", async function () {
    const { records, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
    const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
    const file = path.join(dir, "consent.json");
    await writeConsentFile(file, consentFileOf(terms, [], 31337n, await records.getAddress()));
    const back = await readConsentFile(file);
    expect(termsOf(back)).to.deep.equal(terms);
    expect(back.consentId).to.equal(consentIdOf(terms));
    const edited = { ...back, terms: { ...back.terms, validUntil: (terms.validUntil + 1n).toString() } };
    await writeFile(file, JSON.stringify(edited));
    const err = await rejection(readConsentFile(file), `${file}: the consent id does not match the terms`);
    expect(err).to.be.instanceOf(RecordsInputError);
    await writeFile(file, JSON.stringify({ ...back, terms: { ...back.terms, purpose: 9 } }));
    await rejection(readConsentFile(file), `${file}: not a consent file: terms.purpose`);
  });

  it("computes the scope root and each record's scope proof for a specific-records consent", async function () {
    const scope = [ethers.id("r1"), ethers.id("r2"), ethers.id("r3")];
    const terms = treatTerms(ethers.ZeroAddress, ethers.ZeroHash, 0n, {
      categories: 0n,
      recordsRoot: scopeRootOf(scope),
    });
    const file = consentFileOf(terms, scope, 1n, ethers.ZeroAddress);
    expect(scopeProofOf(file, ethers.id("r2"))).to.have.length.greaterThan(0);
    expect(() => scopeProofOf(file, ethers.id("r9"))).to.throw("is not in the scope");
    expect(() => scopeRootOf([])).to.throw("at least one record");
    const blinded = blindedScope(scope);
    expect(blinded.slice(0, 3)).to.deep.equal(scope);
    expect(scopeRootOf(blinded)).to.not.equal(scopeRootOf(scope));
    expect(scopeRootOf(blindedScope(scope))).to.not.equal(scopeRootOf(blinded));
  });

  it("parses purposes and member references, naming the option on bad input", function () {
    expect(parsePurpose("hpaymt")).to.equal(PURPOSES.HPAYMT);
    expect(purposeName(PURPOSES.ETREAT)).to.equal("ETREAT");
    expect(() => parsePurpose("billing")).to.throw('--purpose: unknown purpose "billing"');
    expect(parseMemberRef("HOSP-0002", "grantee")).to.equal(memberIdFromCode("HOSP-0002"));
    expect(parseMemberRef(ethers.id("x"), "grantee")).to.equal(ethers.id("x"));
    expect(() => parseMemberRef("", "grantee")).to.throw("--grantee: a member id or registration code is required");
  });

  it("lists every consent and break-glass access for the regulator, filtered per member or per patient", async function () {
    const { records, hospitalA, hospitalB, regulator, patientForB, ids } =
      await networkHelpers.loadFixture(recordsFixture);
    const c = ethers.id("record");
    await records.connect(hospitalA).anchor(c, CATEGORIES.observation);
    const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
    const { consentId } = await grantConsent(records, patientForB, terms, terms.validUntil);
    await records.connect(hospitalB).access(terms, c, 0, [], [], PURPOSES.TREAT);
    await records.connect(hospitalA).breakGlass(c, 0, [], 3);
    await records.connect(hospitalA).breakGlass(c, 0, [], 4);
    await records.connect(regulator).markReviewed(1);
    await revokeConsent(records, patientForB, terms, terms.validUntil);

    expect(await overdueBreakGlass(records)).to.deep.equal([]);
    await networkHelpers.time.increase(72 * 3600);
    expect((await overdueBreakGlass(records, 1n)).map((e) => [e.id, e.reasonCode])).to.deep.equal([[2n, 4n]]);

    const rows = await auditTrail(records);
    expect(rows.map((r) => [r.kind, r.member, r.record, r.purpose, r.reference, r.patient, r.review])).to.deep.equal([
      ["consent", ids.hospitalB, c, "TREAT", consentId, patientForB.address, ""],
      ["break-glass", ids.hospitalA, c, "ETREAT (reason 3)", "break-glass #1", "", "reviewed"],
      ["break-glass", ids.hospitalA, c, "ETREAT (reason 4)", "break-glass #2", "", "UNREVIEWED"],
    ]);
    expect((await auditTrail(records, { member: ids.hospitalB })).map((r) => r.kind)).to.deep.equal(["consent"]);
    expect(await auditTrail(records, { patients: [patientForB.address] })).to.have.length(1);
    expect(await auditTrail(records, { patients: [hospitalA.address] })).to.have.length(0);

    const csv = auditCsv(rows).trimEnd().split("\n");
    expect(csv[0]).to.equal("time,kind,member,record,batchId,purpose,reference,patient,review,tx");
    expect(csv).to.have.length(4);
    expect(csv[2]).to.include("break-glass," + ids.hospitalA);
    const table = auditTable(rows, { [ids.hospitalA]: "Riverside" });
    expect(table.split("\n")).to.have.length(5);
    expect(table).to.include("Riverside").and.include("UNREVIEWED");
  });
});
