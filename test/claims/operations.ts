import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";

import type { ClaimsConnection } from "../../src/claims/connect.js";
import {
  appealClaim,
  approvedClaims,
  enrolPatient,
  escalateClaim,
  fundEscrow,
  providerRemittance,
  publishPlan,
  readDocumentationFile,
  settleClaims,
  submitFhirClaim,
  reviewClaim,
  submittedDocumentation,
  voidClaim,
  withdrawCredit,
  writeEob,
} from "../../src/claims/operations.js";
import {
  CODES,
  DAY,
  PLAN_RULES,
  THREE_LINES,
  deployClaims,
  patient,
  planTerms,
  usd,
  type ClaimsFixture,
} from "./fixture.js";
import { NO_BATCH, readClaim } from "../../src/claims/engine.js";
import { COMMITMENT_ALGORITHM } from "../../src/records/commitment.js";
import { buildBatch } from "../../src/records/merkle.js";
import { PROOF_FORMAT } from "../../src/records/proof.js";
import { expectMedChainError, submitClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

const FIXTURES = "test/fixtures/claims";
const SECRET = "0x" + "5e".repeat(16);

function as(fx: ClaimsFixture, signer: HardhatEthersSigner): ClaimsConnection {
  return {
    engine: fx.engine.connect(signer),
    vault: fx.vault.connect(signer),
    plans: fx.plans.connect(signer),
    token: fx.token.connect(signer) as never,
    decimals: 6,
    chainId: 31337n,
    signerAddress: signer.address,
  };
}

describe("Claims operations (what the tasks run)", function () {
  it("publishes a plan file and enrols a patient, refusing an unknown plan before sending anything", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const insurer = as(fx, fx.insurer);
    const { planId } = await publishPlan(insurer, `${FIXTURES}/plan.json`);
    expect(planId).to.equal(2n);
    const { patientRef } = await enrolPatient(insurer, {
      planId,
      patientId: "P-1",
      secret: SECRET,
      start: "2026-01-01",
      end: "2026-12-31",
    });
    const start = BigInt(Date.parse("2026-01-01T00:00:00Z") / 1000);
    expect((await fx.plans.periodOf(planId, patientRef, start)).end).to.equal(
      BigInt(Date.parse("2026-12-31T23:59:59Z") / 1000),
    );
    const nonce = await ethers.provider.getTransactionCount(fx.insurer.address);
    await expectMedChainError(publishPlan(insurer, `${FIXTURES}/plan.json`, 42n), "--plan: plan 42 does not exist");
    await expectMedChainError(
      enrolPatient(insurer, { planId, patientId: "P-1", secret: SECRET, start: "01/01/2026", end: "2026-12-31" }),
      '--start: "01/01/2026" is not a FHIR date',
    );
    await expectMedChainError(fundEscrow(insurer, "-5"), "--amount: negative amount");
    await expectMedChainError(fundEscrow(insurer, "ten"), '--amount: not a non-negative decimal amount: "ten"');
    expect(await ethers.provider.getTransactionCount(fx.insurer.address)).to.equal(nonce);
  });

  it("submits a FHIR Claim file, and refuses a file that is not a Claim or an unknown plan without sending", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const hospital = as(fx, fx.hospital);
    const documentation = fx.claim([]).documentation;
    await expectMedChainError(
      submitFhirClaim(hospital, {
        file: `${FIXTURES}/not-a-claim.json`,
        planId: fx.planId,
        secret: SECRET,
        documentation,
      }),
      /not-a-claim\.json: resourceType: not a FHIR Claim/,
    );
    await expectMedChainError(
      submitFhirClaim(hospital, { file: `${FIXTURES}/visit-claim.json`, planId: 42n, secret: SECRET, documentation }),
      "--plan: plan 42 does not exist",
    );
    expect(await fx.engine.claimCount()).to.equal(0n);
    // The visit's patient is not enrolled in the fixture plan: stored, rejected with CARC 31.
    const { view } = await submitFhirClaim(hospital, {
      file: `${FIXTURES}/visit-claim.json`,
      planId: fx.planId,
      secret: SECRET,
      documentation,
    });
    expect([view.status, view.reason, view.coverageStart]).to.deep.equal(["Rejected", 31, 0n]);
    // The documentation it cited is read back from its transaction (no event names it).
    expect(await submittedDocumentation(hospital, view.claimId)).to.deep.equal(documentation);
  });

  it("refuses a record proof whose billing leaf is bound to another patient, before sending anything", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const documentation = { ...fx.claim([]).documentation, patientRef: patient(2) };
    const nonce = await ethers.provider.getTransactionCount(fx.hospital.address);
    await expectMedChainError(
      submitFhirClaim(as(fx, fx.hospital), {
        file: `${FIXTURES}/visit-claim.json`,
        planId: fx.planId,
        secret: SECRET,
        documentation,
      }),
      `--record: its billing leaf documents patient reference ${patient(2)}`,
    );
    expect(await ethers.provider.getTransactionCount(fx.hospital.address)).to.equal(nonce);
  });

  it("reviews, escalates, voids and decides appeals through the SDK, rebuilding details from events", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];
    const pending = await submitClaim(fx, fx.claim(surgery));
    await reviewClaim(as(fx, fx.insurer), pending.claimId, "approve", 0);
    expect((await readClaim(fx.engine, pending.claimId)).status).to.equal("Paid");
    const late = await submitClaim(fx, fx.claim(surgery, { serviceDate: fx.now - DAY }));
    await networkHelpers.time.increase(8n * DAY);
    await escalateClaim(as(fx, fx.hospital), late.claimId);
    expect((await readClaim(fx.engine, late.claimId)).status).to.equal("Paid");
    const voided = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(2) }));
    await voidClaim(as(fx, fx.hospital), voided.claimId);
    expect((await readClaim(fx.engine, voided.claimId)).status).to.equal("Voided");
    const denied = await submitClaim(fx, fx.claim(surgery, { patientRef: patient(3) }));
    await expectMedChainError(reviewClaim(as(fx, fx.insurer), denied.claimId, "deny", 0), "--reason: a denial needs");
    await reviewClaim(as(fx, fx.insurer), denied.claimId, "deny", 50);
    await appealClaim(as(fx, fx.hospital), denied.claimId, "", 0);
    await expectMedChainError(appealClaim(as(fx, fx.insurer), denied.claimId, "uphold", 0), "--reason: upholding");
    // The overturn re-checks the documentation the claim cited, read back from its transaction.
    await appealClaim(as(fx, fx.insurer), denied.claimId, "overturn", 0);
    expect((await readClaim(fx.engine, denied.claimId)).status).to.equal("Paid");
  });

  it("settles in resumable batches: a second run settles nothing twice", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const ids: bigint[] = [];
    for (const n of [1, 2, 3])
      ids.push((await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(n) }))).claimId);
    const journal = path.join(await mkdtemp(path.join(tmpdir(), "claims-")), "settle.journal");
    const first = await settleClaims(as(fx, fx.insurer), { ids, batchSize: 2, journal });
    expect([first.settled, first.txHashes.length]).to.deep.equal([ids, 2]);
    const again = await settleClaims(as(fx, fx.insurer), { ids, batchSize: 2, journal });
    expect(again.settled).to.deep.equal([]);
    expect((await readFile(journal, "utf8")).trim().split("\n")).to.have.length(3);
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(792));
    const paid = await withdrawCredit(as(fx, fx.hospital));
    expect(paid.amount).to.equal(usd(792));
  });

  it("settles what the chain says is approved even when a stale journal (another chain) names it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const journal = path.join(await mkdtemp(path.join(tmpdir(), "claims-")), "settle.journal");
    await writeFile(journal, JSON.stringify({ key: `settle:${claimId}`, txHash: "0x" + "11".repeat(32) }) + "\n");
    const run = await settleClaims(as(fx, fx.insurer), { ids: [claimId], batchSize: 10, journal });
    expect(run.settled).to.deep.equal([claimId]);
    expect((await readClaim(fx.engine, claimId)).status).to.equal("Paid");
  });

  it("finds only the signing insurer's approved claims to settle", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * 86_400n), PLAN_RULES);
    const plan2 = await fx.plans.planCount();
    await fx.plans.connect(fx.insurer2).enrol(plan2, patient(1), fx.coverageStart, fx.coverageEnd);
    await fundEscrow(as(fx, fx.insurer2), "1000");
    const theirs = await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2 }));
    const mine = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(2) }));
    expect([theirs.view.status, mine.view.status]).to.deep.equal(["Approved", "Approved"]);
    expect(await approvedClaims(as(fx, fx.insurer))).to.deep.equal([mine.claimId]);
    expect(await approvedClaims(as(fx, fx.insurer2))).to.deep.equal([theirs.claimId]);
  });

  it("writes the EOB as FHIR JSON and the provider's remittance as CSV", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const out = path.join(await mkdtemp(path.join(tmpdir(), "claims-")), "eob.json");
    const text = await writeEob(as(fx, fx.insurer), claimId, out);
    expect(text).to.match(/Claim 1 {2}service date .* status Approved/);
    const bundle = JSON.parse(await readFile(out, "utf8")) as { entry: Array<{ resource: { resourceType: string } }> };
    expect(bundle.entry.map((e) => e.resource.resourceType)).to.deep.equal(["ClaimResponse", "ExplanationOfBenefit"]);
    const csv = await providerRemittance(as(fx, fx.insurer), fx.hospitalId);
    expect(csv.split("\n")[1]).to.match(
      /^1,\d{4}-\d{2}-\d{2},Approved,1150\.00,850\.00,0\.00,586\.00,CO-45:300\.00 PR-1:500\.00/,
    );
    await expectMedChainError(
      providerRemittance(as(fx, fx.insurer), "0x1234"),
      /--provider: "0x1234" is not a member id/,
    );
  });

  it("reads the documentation from a record's proof file (its billing leaf) and names the bad field", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "claims-"));
    const leaf = (subject: string, commitment: string) => ({ subject, salt: ethers.id("salt"), commitment });
    const batch = buildBatch([
      [patient(1), ethers.id("b")],
      [patient(2), ethers.id("other")],
    ]);
    const proof = {
      format: PROOF_FORMAT,
      algorithm: COMMITMENT_ALGORITHM,
      chainId: "31337",
      registry: ethers.ZeroAddress,
      issuer: ethers.id("issuer"),
      category: 1,
      record: { ...leaf(ethers.id("s"), ethers.id("c")), batchRoot: NO_BATCH, proof: [] },
      billing: { ...leaf(patient(1), ethers.id("b")), batchRoot: batch.root, proof: batch.proofs[0]! },
    };
    const proofFile = path.join(dir, "record.proof.json");
    await writeFile(proofFile, JSON.stringify(proof));
    expect(await readDocumentationFile(proofFile)).to.deep.equal({
      commitment: ethers.id("b"),
      batchRoot: batch.root,
      proof: batch.proofs[0]!,
      patientRef: patient(1),
    });
    const shared = path.join(dir, "shared.json");
    const { billing: _billing, ...withoutBilling } = proof;
    await writeFile(shared, JSON.stringify(withoutBilling));
    await expectMedChainError(
      readDocumentationFile(shared),
      /billing: the record was anchored without a billing reference/,
    );
    const plain = path.join(dir, "doc.json");
    await writeFile(plain, JSON.stringify({ commitment: ethers.id("r") }));
    expect(await readDocumentationFile(plain)).to.deep.equal({
      commitment: ethers.id("r"),
      batchRoot: NO_BATCH,
      proof: [],
    });
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ commitment: "0x12" }));
    await expectMedChainError(readDocumentationFile(bad), `${bad}: commitment: not a 32-byte hex string`);
    const stray = path.join(dir, "stray.json");
    await writeFile(stray, JSON.stringify({ commitment: ethers.id("r"), proof: [ethers.id("x")] }));
    await expectMedChainError(readDocumentationFile(stray), `${stray}: proof: a leaf anchored alone`);
  });
});
