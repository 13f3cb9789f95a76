import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { deployRecords, rejection } from "./fixture.js";
import { anchorRecords, planAnchors } from "../../src/records/anchor.js";
import { loadRecords } from "../../src/records/input.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { verifyRecord } from "../../src/records/verify.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { recordCommitment } from "../../src/records/commitment.js";
import type { RecordRegistry } from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const FIXTURES = path.resolve("test/fixtures/records");

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

  async function setup() {
    const fx = await networkHelpers.loadFixture(recordsFixture);
    const records = fx.records.connect(fx.hospitalA);
    const opts = {
      chainId: (await ethers.provider.getNetwork()).chainId,
      registryAddress: await records.getAddress(),
      outDir: path.join(dir, "proofs"),
      salts: { kind: "random" as const },
    };
    return { fx, records, opts };
  }

  it("loads a folder's files, a Bundle's entries, or one file", async function () {
    expect((await loadRecords(path.join(FIXTURES, "visit"))).map((r) => r.resource.resourceType)).to.deep.equal([
      "Encounter",
      "Observation",
      "Observation",
    ]);
    const bundle = await loadRecords(path.join(FIXTURES, "discharge-bundle.json"));
    expect(bundle.map((r) => r.name)).to.deep.equal([
      "discharge-bundle-0-Encounter",
      "discharge-bundle-1-Observation",
      "discharge-bundle-2-Observation",
      "discharge-bundle-3-DiagnosticReport",
    ]);
    expect(await loadRecords(path.join(FIXTURES, "discharge-bundle.json"), true)).to.have.length(1);
  });

  it("refuses an empty folder, a file that is not JSON and JSON that is not FHIR, naming the file", async function () {
    expect(await rejection(loadRecords(dir), `${dir}: the folder has no .json files`)).to.be.instanceOf(
      RecordsInputError,
    );
    await writeFile(path.join(dir, "a.json"), "{ nope");
    expect(await rejection(loadRecords(dir), `${path.join(dir, "a.json")}: not JSON`)).to.be.instanceOf(
      RecordsInputError,
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

  it("sends nothing when any input is bad", async function () {
    const { fx, records, opts } = await setup();
    await mkdir(path.join(dir, "in"));
    await writeFile(path.join(dir, "in", "a.json"), '{"resourceType":"Observation","id":"1"}');
    await writeFile(path.join(dir, "in", "b.json"), '{"id":"2"}');
    const before = await ethers.provider.getTransactionCount(fx.hospitalA.address);
    await rejection(loadRecords(path.join(dir, "in")).then((inputs) => anchorRecords(records, inputs, opts)));
    expect(await ethers.provider.getTransactionCount(fx.hospitalA.address)).to.equal(before);
  });

  it("anchors a Bundle as one batch per category and writes a proof per record that verifies VALID", async function () {
    const { fx, records, opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "discharge-bundle.json"));
    const result = await anchorRecords(records, inputs, opts);
    // Encounter and DiagnosticReport alone, the two Observations in one batch
    expect([result.steps, result.sent, result.skipped, result.proofs.length]).to.deep.equal([3, 3, 0, 4]);
    for (const input of inputs) {
      const file = result.proofs.find((p) => p.includes(input.name))!;
      const own = await readProof(file);
      expect(own.registry).to.equal(opts.registryAddress);
      const verdict = await verifyRecord(records, input.resource, own);
      expect(verdict.verdict).to.equal("VALID");
      expect(verdict.memberId).to.equal(fx.ids.hospitalA);
      expect(own.chainId).to.equal(opts.chainId.toString());
    }
  });

  it("says TAMPERED when any value of the record changed, NOT ANCHORED for an unknown commitment", async function () {
    const { records, opts } = await setup();
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
    const badPath = { ...proof, proof: proof.proof.map((p) => p.slice(0, -1) + (p.endsWith("0") ? "1" : "0")) };
    expect((await verifyRecord(records, original, badPath)).verdict).to.equal("TAMPERED");
    const salt = "0x" + "77".repeat(32);
    const stray = { ...proof, salt, batchId: "0", proof: [], commitment: recordCommitment(original, salt) };
    stray.root = stray.commitment;
    expect((await verifyRecord(records, original, stray)).verdict).to.equal("NOT ANCHORED");
  });

  it("says SUPERSEDED and RETRACTED with when, after the hospital amends or retracts", async function () {
    const { records, opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const result = await anchorRecords(records, inputs, opts);
    const enc = await readProof(result.proofs.find((p) => p.includes("encounter"))!);
    const obs = await readProof(result.proofs.find((p) => p.includes("glucose"))!);
    await records.amend(enc.commitment, 0, [], ethers.id("v2"), enc.category);
    await records.retract(obs.commitment, obs.batchId, obs.proof);
    const t = BigInt(await networkHelpers.time.latest());
    const superseded = await verifyRecord(records, inputs[0]!.resource, enc);
    expect([superseded.verdict, superseded.supersededBy]).to.deep.equal(["SUPERSEDED", ethers.id("v2")]);
    const retracted = await verifyRecord(records, inputs.find((i) => i.name.includes("glucose"))!.resource, obs);
    expect([retracted.verdict, retracted.changedAt]).to.deep.equal(["RETRACTED", t]);
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
    await writeFile(path.join(dir, "bad.proof.json"), JSON.stringify({ ...proof, salt: "0x12" }));
    expect(
      await rejection(
        readProof(path.join(dir, "bad.proof.json")),
        "bad.proof.json: not a record proof: salt must be 32 bytes of hex",
      ),
    ).to.be.instanceOf(RecordsInputError);
  });

  it("resumes after a crash without anchoring anything twice (journal, then the chain)", async function () {
    const { records, opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    // The first run dies when it reaches the batch: the single anchor before it is journalled.
    const crashing = new Proxy(records, {
      get(target, prop, receiver) {
        if (prop === "anchorBatch") return () => Promise.reject(new Error("power cut"));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as RecordRegistry;
    await rejection(anchorRecords(crashing, inputs, opts), "power cut");
    const second = await anchorRecords(records, inputs, opts);
    expect([second.sent, second.skipped]).to.deep.equal([1, 1]);
    // Without the journal, the chain still knows both steps.
    await rm(path.join(opts.outDir, ".medchain-anchor-journal.jsonl"));
    const third = await anchorRecords(records, inputs, opts);
    expect([third.sent, third.skipped]).to.deep.equal([0, 2]);
    const plan = JSON.parse(await readFile(path.join(opts.outDir, ".medchain-anchor-plan.json"), "utf8")) as object;
    expect(Object.keys(plan)).to.have.length(3);
  });

  it("derives salts from a hospital key instead, reproducing the same commitments on every run", async function () {
    const { opts } = await setup();
    const inputs = await loadRecords(path.join(FIXTURES, "visit"));
    const keyed = { ...opts, salts: { kind: "key" as const, key: "0x" + "cd".repeat(32) } };
    const a = await planAnchors(inputs, keyed);
    const b = await planAnchors(inputs, { ...keyed, outDir: path.join(dir, "elsewhere") });
    expect(a.map((s) => s.root)).to.deep.equal(b.map((s) => s.root));
  });
});
