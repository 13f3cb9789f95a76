import { existsSync } from "node:fs";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { ZeroHash } from "ethers";

import { deployRecords, FIXTURE_PATIENT, patientsFor, rejection } from "./fixture.js";
import { MedChainError } from "../../src/chain/errors.js";
import { leafOfPair } from "../../src/chain/merkle-leaf.js";
import { anchorRecords, planAnchors, SHARE_DIR } from "../../src/records/anchor.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { recordCommitment } from "../../src/records/commitment.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { loadRecords } from "../../src/records/input.js";
import { amendRecord, retractRecord } from "../../src/records/lifecycle.js";
import { recordLeaf, subjectOfAccount } from "../../src/records/merkle.js";
import { billingCitationOf, checkProofTarget, readBillingCitation, readProof } from "../../src/records/proof.js";
import { verifyRecord } from "../../src/records/verify.js";
import type { RecordRegistry } from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const FIXTURES = path.resolve("test/fixtures/records");
/** An invented billing reference (what the claims SDK derives from the patient's insurance card). */
const BILLING_REF = ethers.id("invented insurance-card patient reference");

describe("records SDK: loading, anchoring and verifying", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "medchain-records-"));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function setup(billingRef?: string) {
    const fx = await networkHelpers.loadFixture(recordsFixture);
    const records = fx.records.connect(fx.hospitalA);
    const opts = {
      chainId: (await ethers.provider.getNetwork()).chainId,
      registryAddress: await records.getAddress(),
      patients: patientsFor(fx.patientAtA.address, billingRef),
      outDir: path.join(dir, "proofs"),
      salts: { kind: "random" as const },
    };
    return { fx, records, opts };
  }

  it("loads a folder's files, a Bundle's entries, or one file, each with the patient it names", async function () {
    const visit = await loadRecords(path.join(FIXTURES, "visit"));
    expect(visit.map((r) => r.resource.resourceType)).to.deep.equal(["Encounter", "Observation", "Observation"]);
    expect(visit.map((r) => r.patient)).to.deep.equal(
      visit.map(() => ({ ok: true, patient: { field: "subject", reference: FIXTURE_PATIENT, key: FIXTURE_PATIENT } })),
    );
    const bundle = await loadRecords(path.join(FIXTURES, "discharge-bundle.json"));
    expect(bundle.map((r) => r.name)).to.deep.equal([
      "discharge-bundle-0-Encounter",
      "discharge-bundle-1-Observation",
      "discharge-bundle-2-Observation",
      "discharge-bundle-3-DiagnosticReport",
    ]);
    const whole = await loadRecords(path.join(FIXTURES, "discharge-bundle.json"), true);
    expect(whole).to.have.length(1);
    expect(whole[0]!.patient).to.deep.include({ ok: true });
  });

  it("refuses an empty folder, a file that is not JSON and JSON that is not FHIR, naming the file", async function () {
    expect(await rejection(loadRecords(dir), `${dir}: the folder has no .json files`)).to.be.instanceOf(
      RecordsInputError,
    );
    await writeFile(path.join(dir, "a.json"), "{ nope");
    expect(await rejection(loadRecords(dir), `${path.join(dir, "a.json")}: is not JSON`)).to.be.instanceOf(
      MedChainError,
    );
    await writeFile(path.join(dir, "a.json"), '{"id":"x"}');
    expect(
      await rejection(loadRecords(dir), `${path.join(dir, "a.json")}: not a FHIR resource (no "resourceType")`),
    ).to.be.instanceOf(RecordsInputError);
    expect(await rejection(loadRecords(path.join(dir, "missing.json")), "no such file")).to.be.instanceOf(
      RecordsInputError,
    );
    await writeFile(path.join(dir, "a.json"), '{"resourceType":"Bundle","entry":[]}');
    expect(await rejection(loadRecords(path.join(dir, "a.json")), "the Bundle has no entries")).to.be.instanceOf(
      RecordsInputError,
    );
  });

  it("sends nothing when any input is bad, or names a patient the patients file does not map", async function () {
    const { fx, records, opts } = await setup();
    await mkdir(path.join(dir, "in"));
    const subject = `"subject":{"reference":"${FIXTURE_PATIENT}"}`;
    const obs = `"resourceType":"Observation","status":"final","code":{"text":"glucose"}`;
    await writeFile(path.join(dir, "in", "a.json"), `{${obs},"id":"1",${subject}}`);
    await writeFile(path.join(dir, "in", "b.json"), '{"id":"2"}');
    const before = await ethers.provider.getTransactionCount(fx.hospitalA.address);
    await rejection(loadRecords(path.join(dir, "in")).then((inputs) => anchorRecords(records, inputs, opts)));
    const file = path.join(dir, "in", "b.json");
    await writeFile(file, `{${obs},"id":"2","subject":{"reference":"Patient/somebody-else"}}`);
    const err = await rejection(
      loadRecords(path.join(dir, "in")).then((inputs) => anchorRecords(records, inputs, opts)),
      `${file}: subject: the patient "Patient/somebody-else" is not in the patients file patients.json`,
    );
    expect(err).to.be.instanceOf(RecordsInputError);
    await writeFile(file, '{"resourceType":"Practitioner","id":"2"}');
    await rejection(
      loadRecords(path.join(dir, "in")).then((inputs) => anchorRecords(records, inputs, opts)),
      `${file}: patient/subject/beneficiary: the record names no patient`,
    );
    expect(await ethers.provider.getTransactionCount(fx.hospitalA.address)).to.equal(before);
  });

  it("anchors a Bundle as one batch per category, bound to the patient's account, with proofs that verify VALID", async function () {
    const { fx, records, opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "discharge-bundle.json"));
    const result = await anchorRecords(records, inputs, opts);
    // Encounter and DiagnosticReport alone, the two Observations in one batch
    expect([result.steps, result.sent, result.skipped, result.proofs.length]).to.deep.equal([3, 3, 0, 4]);
    for (const input of inputs) {
      const own = await readProof(result.proofs.find((p) => p.endsWith(`${input.name}.proof.json`))!);
      expect([own.registry, own.chainId, own.issuer]).to.deep.equal([
        opts.registryAddress,
        opts.chainId.toString(),
        fx.ids.hospitalA,
      ]);
      expect(own.record.subject).to.equal(subjectOfAccount(fx.patientAtA.address));
      expect(own.billing).to.equal(undefined);
      const verdict = await verifyRecord(records, input.resource, own);
      expect([verdict.verdict, verdict.memberId]).to.deep.equal(["VALID", fx.ids.hospitalA]);
    }
  });

  it("anchors a billing documentation leaf in its own batch when the patient has a billing reference", async function () {
    const { fx, records, opts } = await setup(BILLING_REF);
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const plan = await planAnchors(fx.ids.hospitalA, inputs, opts);
    expect(plan.steps.map((s) => [s.purpose, s.kind, s.count])).to.deep.equal([
      ["record", "single", 1],
      ["record", "batch", 2],
      ["billing", "batch", 3],
    ]);
    expect(plan.steps[2]!.category).to.equal(CATEGORIES.financial);
    const result = await anchorRecords(records, inputs, opts);
    expect(result.sent).to.equal(3);
    for (const [i, input] of inputs.entries()) {
      const proof = await readProof(result.proofs[i]!);
      const citation = billingCitationOf(proof, result.proofs[i]!);
      // The claim's leaf shares neither commitment nor subject with the record's own leaf.
      expect(citation.patientRef).to.equal(BILLING_REF);
      expect(citation.docCommitment).to.not.equal(proof.record.commitment);
      expect(citation.docCommitment).to.equal(recordCommitment(input.resource, proof.billing!.salt));
      expect(citation.batchRoot).to.not.equal(proof.record.batchRoot);
      expect(citation).to.deep.equal(await readBillingCitation(result.proofs[i]!));
      const [, status] = await records.recordStatus(
        fx.ids.hospitalA,
        leafOfPair(citation.patientRef, citation.docCommitment),
        citation.batchRoot,
        citation.proof,
      );
      expect(status).to.equal(1n);
      // The copy for the patient and other hospitals has no billing part.
      const shared = await readProof(result.shared[i]!);
      expect(result.shared[i]).to.equal(path.join(opts.outDir, SHARE_DIR, `${input.name}.proof.json`));
      expect(shared.billing).to.equal(undefined);
      expect(shared.record).to.deep.equal(proof.record);
      await rejection(readBillingCitation(result.shared[i]!), "billing: the record was anchored without a billing");
    }
  });

  it("says TAMPERED when any value of the record changed, NOT ANCHORED for an unknown leaf", async function () {
    const { fx, records, opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const result = await anchorRecords(records, inputs, opts);
    const proof = await readProof(result.proofs.find((p) => p.includes("observation-hba1c"))!);
    const original = inputs.find((i) => i.name === "observation-hba1c")!.resource;
    const tampered = structuredClone(original) as unknown as { valueQuantity: { value: number } };
    tampered.valueQuantity.value = 7.9;
    const verdict = await verifyRecord(records, tampered, proof);
    expect([verdict.verdict, verdict.reason]).to.deep.equal([
      "TAMPERED",
      "the record does not match the commitment in its proof",
    ]);
    const badPath = {
      ...proof,
      record: { ...proof.record, proof: proof.record.proof.map((p) => p.slice(0, -1) + (p.endsWith("0") ? "1" : "0")) },
    };
    expect((await verifyRecord(records, original, badPath)).verdict).to.equal("TAMPERED");
    const salt = "0x" + "77".repeat(32);
    const stray = {
      ...proof,
      record: { ...proof.record, salt, batchRoot: ZeroHash, proof: [], commitment: recordCommitment(original, salt) },
    };
    expect((await verifyRecord(records, original, stray)).verdict).to.equal("NOT ANCHORED");
    // Bound to another patient, the same record is another leaf: not anchored.
    const otherPatient = { ...proof, record: { ...proof.record, subject: subjectOfAccount(fx.patientAtB.address) } };
    expect((await verifyRecord(records, original, otherPatient)).verdict).to.equal("TAMPERED");
    // Claimed by another member than its issuer: not anchored by that member.
    const otherIssuer = { ...proof, issuer: fx.ids.hospitalB };
    expect((await verifyRecord(records, original, otherIssuer)).verdict).to.equal("NOT ANCHORED");
  });

  it("retracts and amends a record's leaves together, SUPERSEDED and RETRACTED with when", async function () {
    const { fx, records, opts } = await setup(BILLING_REF);
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const result = await anchorRecords(records, inputs, opts);
    const encFile = result.proofs.find((p) => p.endsWith("encounter.proof.json"))!;
    const obsFile = result.proofs.find((p) => p.includes("glucose"))!;
    const [enc, obs] = [await readProof(encFile), await readProof(obsFile)];
    const status = async (section: NonNullable<typeof enc.billing>) =>
      (
        await records.recordStatus(
          fx.ids.hospitalA,
          recordLeaf(section.subject, section.commitment),
          section.batchRoot,
          section.proof,
        )
      )[1];

    const retracted = await retractRecord(records, obs, obsFile);
    expect([retracted.sent.length, retracted.skipped]).to.deep.equal([2, 0]);
    expect([await status(obs.record), await status(obs.billing!)]).to.deep.equal([3n, 3n]);
    expect((await retractRecord(records, obs, obsFile)).skipped).to.equal(2);
    const firstTx = await ethers.provider.getTransactionReceipt(retracted.sent[0]!);
    const t = BigInt((await ethers.provider.getBlock(firstTx!.blockNumber))!.timestamp);
    const glucose = inputs.find((i) => i.name.includes("glucose"))!.resource;
    const r = await verifyRecord(records, glucose, obs);
    expect([r.verdict, r.changedAt]).to.deep.equal(["RETRACTED", t]);

    const v2 = { ...inputs[0]!.resource, status: "entered-in-error" };
    const outFile = path.join(dir, "encounter-v2.proof.json");
    const amended = await amendRecord(records, enc, encFile, v2, { outFile, salts: { kind: "random" } });
    expect(amended.sent).to.have.length(2);
    expect([await status(enc.record), await status(enc.billing!)]).to.deep.equal([2n, 2n]);
    const next = await readProof(outFile);
    expect((await verifyRecord(records, v2, next)).verdict).to.equal("VALID");
    expect(await status(next.billing!)).to.equal(1n);
    const superseded = await verifyRecord(records, inputs[0]!.resource, enc);
    expect([superseded.verdict, superseded.supersededBy]).to.deep.equal([
      "SUPERSEDED",
      recordLeaf(next.record.subject, next.record.commitment),
    ]);
    // Run again (after a crash, or by mistake), nothing is sent twice.
    const again = await amendRecord(records, enc, encFile, v2, { outFile, salts: { kind: "random" } });
    expect([again.sent.length, again.skipped]).to.deep.equal([0, 2]);
    expect(await readProof(outFile)).to.deep.equal(next);
  });

  it("refuses to retract or amend a record another member issued, before sending anything", async function () {
    const { fx, records, opts } = await setup();
    const result = await anchorRecords(
      records,
      await loadRecords(path.join(FIXTURES, "visit", "encounter.json")),
      opts,
    );
    const proof = await readProof(result.proofs[0]!);
    const asB = fx.records.connect(fx.hospitalB);
    const before = await ethers.provider.getTransactionCount(fx.hospitalB.address);
    await rejection(
      retractRecord(asB, proof, "enc.proof.json"),
      `enc.proof.json: issuer: the record was anchored by ${fx.ids.hospitalA}, not by your member ${fx.ids.hospitalB}`,
    );
    await rejection(
      amendRecord(
        asB,
        proof,
        "enc.proof.json",
        { resourceType: "Encounter" },
        { outFile: path.join(dir, "x.json"), salts: { kind: "random" } },
      ),
      "issuer: the record was anchored by",
    );
    expect(await ethers.provider.getTransactionCount(fx.hospitalB.address)).to.equal(before);
  });

  it("refuses a proof made for another chain or another registry", async function () {
    const { records, opts } = await setup();
    const result = await anchorRecords(
      records,
      await loadRecords(path.join(FIXTURES, "visit", "encounter.json")),
      opts,
    );
    const proof = await readProof(result.proofs[0]!);
    expect(() => checkProofTarget(proof, opts.chainId, opts.registryAddress, "p.json")).to.not.throw();
    expect(() => checkProofTarget(proof, 1n, opts.registryAddress, "p.json")).to.throw(
      RecordsInputError,
      `p.json: the proof is for chain ${opts.chainId}, but the network is chain 1`,
    );
    expect(() => checkProofTarget(proof, opts.chainId, ethers.ZeroAddress, "p.json")).to.throw(
      RecordsInputError,
      "p.json: the proof is for registry",
    );
    await writeFile(
      path.join(dir, "bad.proof.json"),
      JSON.stringify({ ...proof, record: { ...proof.record, salt: "0x12" } }),
    );
    expect(
      await rejection(
        readProof(path.join(dir, "bad.proof.json")),
        "bad.proof.json: not a record proof: record.salt must be 32 bytes of hex",
      ),
    ).to.be.instanceOf(RecordsInputError);
  });

  it("resumes after a crash without anchoring anything twice (journal, then the chain)", async function () {
    const { records, opts } = await setup(BILLING_REF);
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    // The first run dies right after its first transaction is mined (the others may be in flight).
    let lines = 0;
    const dying = {
      ...opts,
      log: () => {
        if (++lines === 1) throw new Error("power cut");
      },
    };
    await rejection(anchorRecords(records, inputs, dying), "power cut");
    const second = await anchorRecords(records, inputs, opts);
    expect(second.steps).to.equal(3);
    expect(second.sent + second.skipped).to.equal(3);
    expect(second.skipped).to.be.at.least(1);
    // Without the journal, the chain still knows every step.
    await rm(path.join(opts.outDir, ".medchain-anchor-job.jsonl"));
    const third = await anchorRecords(records, inputs, opts);
    expect([third.sent, third.skipped]).to.deep.equal([0, 3]);
    const plan = (await readFile(path.join(opts.outDir, ".medchain-anchor-plan.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { record?: string[]; billing?: string[]; steps?: unknown[] });
    expect(plan.filter((l) => l.record !== undefined).map((l) => [l.record!.length, l.billing!.length])).to.deep.equal([
      [3, 3],
      [3, 3],
      [3, 3],
    ]);
    const runs = plan.filter((l) => l.steps !== undefined) as Array<{ steps: Array<{ kind: string; root: string }> }>;
    expect(runs).to.have.length(1);
    // One lone record, one batch of 2 records, one batch of 3 billing leaves: each on chain exactly once.
    const singles = await records.queryFilter(records.filters.RecordAnchored());
    const batches = await records.queryFilter(records.filters.RecordBatchAnchored());
    for (const step of runs[0]!.steps) {
      const found =
        step.kind === "single"
          ? singles.filter((e) => e.args.leaf === step.root)
          : batches.filter((e) => e.args.root === step.root);
      expect(found, `${step.kind} ${step.root}`).to.have.length(1);
    }
    expect(third.proofs).to.have.length(3);
    for (const file of third.proofs) {
      const proof = await readProof(file);
      const input = inputs.find((r) => file.endsWith(`${r.name}.proof.json`))!;
      expect((await verifyRecord(records, input.resource, proof)).verdict).to.equal("VALID");
    }
  });

  it("refuses a plan file whose record line was edited to write a proof outside --out, or is not a record line, sending nothing", async function () {
    const { records, opts } = await setup(BILLING_REF);
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    await anchorRecords(records, inputs, opts);
    const planFile = path.join(opts.outDir, ".medchain-anchor-plan.jsonl");
    const original = await readFile(planFile, "utf8");
    const escaped = `../escaped-${path.basename(opts.outDir)}`;
    for (const edit of [
      (l: Record<string, unknown>) => (l.record !== undefined ? { ...l, name: escaped } : l),
      (l: Record<string, unknown>) => (l.record !== undefined ? { ...l, record: ["0x12"] } : l),
      (l: Record<string, unknown>) => (l.record !== undefined ? null : l),
    ]) {
      const lines = original
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const first = lines.findIndex((l) => l.record !== undefined);
      lines[first] = edit(lines[first]!) as Record<string, unknown>;
      await writeFile(planFile, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
      await rm(path.join(opts.outDir, `${inputs[0]!.name}.proof.json`), { force: true });
      const err = await anchorRecords(records, inputs, opts).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).to.include(".medchain-anchor-plan.jsonl").and.include("the plan file is damaged");
    }
    expect(
      existsSync(path.join(path.dirname(opts.outDir), `escaped-${path.basename(opts.outDir)}.proof.json`)),
    ).to.equal(false);
  });

  it("never takes another member's anchor of the same leaves for its own when resuming", async function () {
    const { fx, records, opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const plan = await planAnchors(fx.ids.hospitalA, inputs, opts);
    // Hospital B saw the plan's leaf and root (a mempool, a shared folder) and anchors them first.
    const asB = fx.records.connect(fx.hospitalB);
    for (const step of plan.steps) {
      if (step.kind === "single") await asB.anchor(step.root, step.category);
      else await asB.anchorBatch(step.root, step.count, step.category);
    }
    const result = await anchorRecords(records, inputs, opts);
    expect([result.sent, result.skipped]).to.deep.equal([2, 0]);
    for (const file of result.proofs) {
      const proof = await readProof(file);
      const leaf = recordLeaf(proof.record.subject, proof.record.commitment);
      expect(
        (await records.recordStatus(fx.ids.hospitalA, leaf, proof.record.batchRoot, proof.record.proof))[1],
      ).to.equal(1n);
    }
  });

  it("derives salts from a hospital key instead, reproducing the same leaves on every run", async function () {
    const { fx, opts } = await setup(BILLING_REF);
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const keyed = { ...opts, salts: { kind: "key" as const, key: "0x" + "cd".repeat(32) } };
    const a = await planAnchors(fx.ids.hospitalA, inputs, keyed);
    const b = await planAnchors(fx.ids.hospitalA, inputs, { ...keyed, outDir: path.join(dir, "elsewhere") });
    expect(a.steps.map((s) => s.root)).to.deep.equal(b.steps.map((s) => s.root));
    // The billing salt is independent of the record's own salt.
    for (const item of a.items) expect(item.billing!.salt).to.not.equal(item.record.salt);
  });
});
