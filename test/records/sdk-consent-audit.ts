import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { deployRecords, leafFor, now, rejection, treatTerms } from "./fixture.js";
import {
  consentFileOf,
  consentTerms,
  grantConsent,
  newRecordsScope,
  readConsentFile,
  revokeConsent,
  scopeBlindOf,
  scopeProofOf,
  scopeRootOf,
  scopeValues,
  termsOf,
  writeConsentFile,
} from "../../src/records/consent-file.js";
import { recordAccess } from "../../src/records/access.js";
import { COMMITMENT_ALGORITHM } from "../../src/records/commitment.js";
import { subjectOfAccount, verifyInBatch } from "../../src/records/merkle.js";
import { PROOF_FORMAT, type RecordProof } from "../../src/records/proof.js";
import { auditCsv, auditTable, auditTrail, overdueBreakGlass } from "../../src/records/audit.js";
import { consentIdOf, parsePurpose, purposeName, PURPOSES } from "../../src/records/consent.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { parseMemberRef } from "../../src/chain/members.js";
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
      custodian: memberIdFromCode("HOSP-0001"),
      grantee: memberIdFromCode("HOSP-0002"),
      purpose: PURPOSES.TREAT,
      from: 1_800_000_000n,
      days: 30,
    };

    it("spans the given days from the start, with no records root for a category scope", function () {
      const terms = consentTerms({ ...base, categories: 1n << BigInt(CATEGORIES.encounter) });
      expect(terms.validFrom).to.equal(1_800_000_000n);
      expect(terms.validUntil).to.equal(1_800_000_000n + 30n * 86_400n);
      expect(terms.recordsRoot).to.equal("0x" + "00".repeat(32));
      expect(terms.custodian).to.equal(base.custodian);
    });

    it("roots a specific-records scope in the Merkle root of its blinded scope leaves", function () {
      const scope = newRecordsScope(["0x" + "ab".repeat(32)]);
      const terms = consentTerms({ ...base, categories: 0n, scope });
      expect(terms.recordsRoot).to.equal(scopeRootOf(base.patient, scope));
      expect(terms.categories).to.equal(0n);
    });

    it("gives two otherwise equal grants different nonces, hence different consent ids", function () {
      const request = { ...base, categories: 1n };
      const [a, b] = [consentTerms(request), consentTerms(request)];
      expect(a.nonce).to.not.equal(b.nonce);
      expect(consentIdOf(a)).to.not.equal(consentIdOf(b));
    });

    it("refuses a scope that is both or neither, and a validity that is not whole positive days", function () {
      expect(() => consentTerms({ ...base, categories: 0n })).to.throw("exactly one");
      expect(() =>
        consentTerms({ ...base, categories: 1n, scope: newRecordsScope(["0x" + "ab".repeat(32)]) }),
      ).to.throw("exactly one");
      for (const days of [0, -1, 1.5, Number.NaN]) {
        expect(() => consentTerms({ ...base, categories: 1n, days })).to.throw("positive whole number");
      }
    });
  });

  it("writes and reads a consent file whose terms hash to its id, and refuses an edited one", async function () {
    const { records, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
    const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
    const file = path.join(dir, "consent.json");
    await writeConsentFile(file, consentFileOf(terms, undefined, 31337n, await records.getAddress()));
    const back = await readConsentFile(file);
    expect(termsOf(back)).to.deep.equal(terms);
    expect(back.consentId).to.equal(consentIdOf(terms));
    const edited = { ...back, terms: { ...back.terms, validUntil: (terms.validUntil + 1n).toString() } };
    await writeFile(file, JSON.stringify(edited));
    const err = await rejection(readConsentFile(file), `${file}: the consent id does not match the terms`);
    expect(err).to.be.instanceOf(RecordsInputError);
    await writeFile(file, JSON.stringify({ ...back, terms: { ...back.terms, purpose: 9 } }));
    await rejection(readConsentFile(file), `${file}: not a consent file: terms.purpose`);
    await writeFile(
      file,
      JSON.stringify({ ...back, scope: { secret: ethers.id("s"), commitments: [ethers.id("r")] } }),
    );
    await rejection(readConsentFile(file), `${file}: scope: present exactly when the terms name a records root`);
  });

  it("blinds each record of a specific-records scope with its own value and a scope proof for it alone", async function () {
    const patient = "0x" + "22".repeat(20);
    const commitments = [ethers.id("r1"), ethers.id("r2"), ethers.id("r3")];
    const scope = newRecordsScope(commitments);
    const terms = treatTerms(patient, ethers.id("custodian"), ethers.id("grantee"), 0n, {
      categories: 0n,
      recordsRoot: scopeRootOf(patient, scope),
    });
    const file = consentFileOf(terms, scope, 1n, ethers.ZeroAddress);
    const proofs = commitments.map((c) => scopeProofOf(file, c));
    const leaves = commitments.map((c) => leafFor(patient, c));
    for (const [i, p] of proofs.entries()) {
      expect(p.blind).to.equal(scopeBlindOf(scope.secret, leaves[i]!));
      expect(verifyInBatch(terms.recordsRoot, [p.blind, leaves[i]!], p.proof)).to.equal(true);
    }
    // Independent blinding values, and a fourth (padding) value in the tree besides the three records.
    expect(new Set(proofs.map((p) => p.blind)).size).to.equal(3);
    expect(scopeValues(patient, scope)).to.have.length(4);
    // No sibling in any proof is a bare record leaf or a scope leaf computable without the secret.
    const siblings = proofs.flatMap((p) => p.proof);
    for (const leaf of leaves) expect(siblings).to.not.include(leaf);
    // Another secret, the same records: another root.
    expect(scopeRootOf(patient, { ...scope, secret: ethers.id("other") })).to.not.equal(terms.recordsRoot);
    expect(() => scopeProofOf(file, ethers.id("r9"))).to.throw("is not in the scope");
    expect(() => newRecordsScope([])).to.throw("at least one record");
    expect(
      scopeProofOf(
        consentFileOf({ ...terms, categories: 1n, recordsRoot: ethers.ZeroHash }, undefined, 1n, ethers.ZeroAddress),
        ethers.id("x"),
      ),
    ).to.deep.equal({ blind: ethers.ZeroHash, proof: [] });
  });

  it("parses purposes and member references, naming the option on bad input", function () {
    expect(parsePurpose("hpaymt")).to.equal(PURPOSES.HPAYMT);
    expect(purposeName(PURPOSES.ETREAT)).to.equal("ETREAT");
    expect(() => parsePurpose("billing")).to.throw('--purpose: unknown purpose "billing"');
    expect(parseMemberRef("HOSP-0002", "--grantee")).to.equal(memberIdFromCode("HOSP-0002"));
    expect(parseMemberRef(ethers.id("x"), "--grantee")).to.equal(ethers.id("x"));
    expect(() => parseMemberRef("", "--grantee")).to.throw(
      "--grantee: a member id (0x + 64 hex digits) or registration code is required",
    );
  });

  it("lists every consent and break-glass access for the regulator, filtered per member or per patient", async function () {
    const { records, hospitalA, hospitalB, regulator, patientAtA, ids } =
      await networkHelpers.loadFixture(recordsFixture);
    const c = ethers.id("record");
    const leaf = leafFor(patientAtA.address, c);
    await records.connect(hospitalA).anchor(leaf, CATEGORIES.observation);
    const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
    const { consentId } = await grantConsent(records, patientAtA, terms, terms.validUntil);
    await records.connect(hospitalB).access(terms, c, ethers.ZeroHash, [], ethers.ZeroHash, [], PURPOSES.TREAT);
    await records
      .connect(hospitalB)
      .breakGlass(ids.hospitalA, subjectOfAccount(patientAtA.address), c, ethers.ZeroHash, [], 3);
    await records
      .connect(hospitalB)
      .breakGlass(ids.hospitalA, subjectOfAccount(patientAtA.address), c, ethers.ZeroHash, [], 4);
    await records.connect(regulator).markReviewed(1);
    await revokeConsent(records, patientAtA, terms, terms.validUntil);

    expect(await overdueBreakGlass(records)).to.deep.equal([]);
    await networkHelpers.time.increase(72 * 3600);
    expect((await overdueBreakGlass(records, 1n)).map((e) => [e.id, e.issuer, e.leaf, e.reasonCode])).to.deep.equal([
      [2n, ids.hospitalA, leaf, 4n],
    ]);

    const rows = await auditTrail(records);
    expect(
      rows.map((r) => [r.kind, r.member, r.custodian, r.record, r.purpose, r.reference, r.patient, r.review]),
    ).to.deep.equal([
      ["consent", ids.hospitalB, ids.hospitalA, leaf, "TREAT", consentId, patientAtA.address, ""],
      ["break-glass", ids.hospitalB, ids.hospitalA, leaf, "ETREAT (reason 3)", "break-glass #1", "", "reviewed"],
      ["break-glass", ids.hospitalB, ids.hospitalA, leaf, "ETREAT (reason 4)", "break-glass #2", "", "UNREVIEWED"],
    ]);
    expect((await auditTrail(records, { member: ids.hospitalA })).map((r) => r.kind)).to.deep.equal([]);
    expect(await auditTrail(records, { member: ids.hospitalB })).to.have.length(3);
    expect(await auditTrail(records, { patients: [patientAtA.address] })).to.have.length(1);
    expect(await auditTrail(records, { patients: [hospitalA.address] })).to.have.length(0);

    const csv = auditCsv(rows).trimEnd().split("\n");
    expect(csv[0]).to.equal("time,kind,member,custodian,record,batchRoot,purpose,reference,patient,review,tx");
    expect(csv).to.have.length(4);
    expect(csv[2]).to.include("break-glass," + ids.hospitalB + "," + ids.hospitalA);
    const table = auditTable(rows, { [ids.hospitalA]: "Riverside" });
    expect(table.split("\n")).to.have.length(5);
    expect(table).to.include("Riverside").and.include("UNREVIEWED");
  });

  it("refuses, before sending, an access to a record of another custodian or bound to another patient", async function () {
    const { records, hospitalB, patientAtA, patientAtB, ids } = await networkHelpers.loadFixture(recordsFixture);
    const t = await now(networkHelpers);
    const consent = consentFileOf(
      treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, t),
      undefined,
      31337n,
      await records.getAddress(),
    );
    const proof = (issuer: string, subject: string): RecordProof => ({
      format: PROOF_FORMAT,
      algorithm: COMMITMENT_ALGORITHM,
      chainId: "31337",
      registry: ethers.ZeroAddress,
      issuer,
      category: CATEGORIES.observation,
      record: { subject, salt: ethers.id("s"), commitment: ethers.id("c"), batchRoot: ethers.ZeroHash, proof: [] },
    });
    const before = await ethers.provider.getTransactionCount(hospitalB.address);
    const where = { consent: "consent.json", proof: "r.proof.json" };
    await rejection(
      recordAccess(
        records.connect(hospitalB),
        consent,
        proof(ids.hospitalB, subjectOfAccount(patientAtA.address)),
        PURPOSES.TREAT,
        where,
      ),
      `r.proof.json: issuer: the record was anchored by ${ids.hospitalB}, not by the custodian ${ids.hospitalA}`,
    );
    await rejection(
      recordAccess(
        records.connect(hospitalB),
        consent,
        proof(ids.hospitalA, subjectOfAccount(patientAtB.address)),
        PURPOSES.TREAT,
        where,
      ),
      "r.proof.json: record.subject: the record is bound to another patient account",
    );
    expect(await ethers.provider.getTransactionCount(hospitalB.address)).to.equal(before);
  });
});
