import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";

import { patientReference, toFhirDate } from "../../src/claims/codes.js";
import type { ClaimsConnection } from "../../src/claims/connect.js";
import { readClaim } from "../../src/claims/engine.js";
import {
  CLAIMS_BATCH_FORMAT,
  enrolPatient,
  fundEscrow,
  mintTestToken,
  publishPlan,
  readClaimsBatch,
  settleClaims,
  submitClaimBatch,
} from "../../src/claims/operations.js";
import { DAY, deployClaims, type ClaimsFixture } from "./fixture.js";
import { expectMedChainError } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

const SECRET = "invented-member-secret-batch";
const FIXTURES = "test/fixtures/claims";

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

async function claimsFixture() {
  return deployClaims(ethers);
}

/**
 * The fixture plus the plan file's plan (id 2) with four invented patients enrolled under the batch's
 * member secret, and a folder with one FHIR Claim and one documentation file per patient (claim 4
 * bills patient 1's visit again) and the batch file listing them.
 */
async function batchFixture() {
  const fx = await deployClaims(ethers);
  const insurer = as(fx, fx.insurer);
  const { planId } = await publishPlan(insurer, `${FIXTURES}/plan.json`);
  const dir = await mkdtemp(path.join(tmpdir(), "claims-batch-"));
  const visit = JSON.parse(await readFile(`${FIXTURES}/visit-claim.json`, "utf8")) as {
    patient: { reference: string };
    item: Array<{ servicedDate: string }>;
  };
  const day = toFhirDate(fx.now - 2n * DAY);
  const entries: Array<{ fhir: string; record: string }> = [];
  for (const n of [1, 2, 3, 1]) {
    const patientId = `Patient/invented-batch-${n}`;
    const i = entries.length + 1;
    const claim = { ...visit, id: `batch-${i}`, patient: { reference: patientId } };
    claim.item = visit.item.map((item) => ({ ...item, servicedDate: day }));
    await writeFile(path.join(dir, `claim-${i}.json`), JSON.stringify(claim));
    if (i <= 3)
      await enrolPatient(insurer, {
        planId,
        patientId,
        secret: SECRET,
        start: toFhirDate(fx.now - 30n * DAY),
        end: toFhirDate(fx.now + 300n * DAY),
      });
    const doc = await fx.document(patientReference(patientId, SECRET), fx.hospitalId);
    await writeFile(path.join(dir, `claim-${i}.doc.json`), JSON.stringify(doc));
    entries.push({ fhir: `claim-${i}.json`, record: `claim-${i}.doc.json` });
  }
  const batch = path.join(dir, "batch.json");
  await writeFile(batch, JSON.stringify({ format: CLAIMS_BATCH_FORMAT, claims: entries }));
  return { fx, planId, dir, batch };
}

describe("Claims batch jobs (submission and settlement on the pipelined sender)", function () {
  it("submits a batch file as one job in its order, and a re-run with its journal sends nothing", async function () {
    const { fx, planId, batch, dir } = await networkHelpers.loadFixture(batchFixture);
    const hospital = as(fx, fx.hospital);
    const journal = path.join(dir, "submit.journal");
    const entries = await readClaimsBatch(batch);
    const first = await submitClaimBatch(hospital, { entries, planId, secret: SECRET, journal, window: 2 });
    expect(first.claims.map((c) => [c.claimId, c.status, c.reason])).to.deep.equal([
      [1n, "Approved", 0],
      [2n, "Approved", 0],
      [3n, "Approved", 0],
      [4n, "Rejected", 18], // patient 1's visit billed again: a duplicate of claim 1
    ]);
    expect((await readClaim(fx.engine, 4n)).earlierClaim).to.equal(1n);
    expect(first.report.sent).to.equal(4);
    const nonce = await ethers.provider.getTransactionCount(fx.hospital.address);
    const again = await submitClaimBatch(hospital, { entries, planId, secret: SECRET, journal });
    expect([again.report.sent, again.report.skipped]).to.deep.equal([0, 4]);
    expect(again.claims.map((c) => c.claimId)).to.deep.equal([1n, 2n, 3n, 4n]);
    expect(await ethers.provider.getTransactionCount(fx.hospital.address)).to.equal(nonce);
    expect(await fx.engine.claimCount()).to.equal(4n);
  });

  it("checks every claim of a batch before the first transaction: one bad entry sends nothing", async function () {
    const { fx, planId, batch, dir } = await networkHelpers.loadFixture(batchFixture);
    const json = JSON.parse(await readFile(batch, "utf8")) as { claims: Array<{ fhir: string; record: string }> };
    const bad = path.join(dir, "bad.json");
    await writeFile(
      bad,
      JSON.stringify({
        ...json,
        claims: [...json.claims.slice(0, 3), { fhir: "not-a-claim.json", record: "claim-1.doc.json" }],
      }),
    );
    await writeFile(path.join(dir, "not-a-claim.json"), JSON.stringify({ resourceType: "Patient" }));
    const nonce = await ethers.provider.getTransactionCount(fx.hospital.address);
    await expectMedChainError(
      submitClaimBatch(as(fx, fx.hospital), {
        entries: await readClaimsBatch(bad),
        planId,
        secret: SECRET,
        journal: path.join(dir, "bad.journal"),
      }),
      /not-a-claim\.json: resourceType: not a FHIR Claim/,
    );
    const twice = path.join(dir, "twice.json");
    await writeFile(twice, JSON.stringify({ ...json, claims: [json.claims[0], json.claims[0]] }));
    await expectMedChainError(
      readClaimsBatch(twice),
      `twice.json: claims[1].fhir: claim-1.json is listed twice (also claims[0])`,
    );
    await writeFile(twice, JSON.stringify({ format: "other", claims: [] }));
    await expectMedChainError(readClaimsBatch(twice), 'twice.json: format: not "medchain.claims-batch.v1"');
    expect(await ethers.provider.getTransactionCount(fx.hospital.address)).to.equal(nonce);
    expect(await fx.engine.claimCount()).to.equal(0n);
  });

  it("settles the approved claims as one job and a re-run pays nothing twice", async function () {
    const { fx, planId, batch, dir } = await networkHelpers.loadFixture(batchFixture);
    const entries = await readClaimsBatch(batch);
    await submitClaimBatch(as(fx, fx.hospital), {
      entries,
      planId,
      secret: SECRET,
      journal: path.join(dir, "s.journal"),
    });
    const journal = path.join(dir, "settle.journal");
    const credit = await fx.vault.creditOf(fx.hospitalId);
    const run = await settleClaims(as(fx, fx.insurer), { ids: [1n, 2n, 3n, 4n], batchSize: 2, journal });
    expect(run.settled).to.deep.equal([1n, 2n, 3n]); // the rejected claim 4 is not approved
    expect(run.txHashes).to.have.length(2);
    for (const id of [1n, 2n, 3n]) expect((await readClaim(fx.engine, id)).status).to.equal("Paid");
    const paid = (await fx.vault.creditOf(fx.hospitalId)) - credit;
    expect(paid > 0n).to.equal(true);
    const again = await settleClaims(as(fx, fx.insurer), { ids: [1n, 2n, 3n, 4n], batchSize: 2, journal });
    expect(again.report.sent).to.equal(0);
    expect((await fx.vault.creditOf(fx.hospitalId)) - credit).to.equal(paid);
  });

  it("refuses a fund the vault would refuse before approving anything: no allowance is left behind", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const vault = await fx.vault.getAddress();
    // An outsider (not an insurer) holding tokens: the vault refuses it, so nothing is approved.
    await fx.token.mint(fx.outsider.address, 1_000_000_000n);
    const outsider = as(fx, fx.outsider);
    const nonce = await ethers.provider.getTransactionCount(fx.outsider.address);
    await expectMedChainError(fundEscrow(outsider, "100"), /the contract refused: Consortium|NotMember|Claims/);
    expect(await fx.token.allowance(fx.outsider.address, vault)).to.equal(0n);
    expect(await ethers.provider.getTransactionCount(fx.outsider.address)).to.equal(nonce);
    // More than the insurer holds: refused with the balance, before any approval.
    const insurer = as(fx, fx.insurer);
    const before = await fx.token.allowance(fx.insurer.address, vault);
    await expectMedChainError(fundEscrow(insurer, "1000000000"), /--amount: .* less than 1000000000/);
    expect(await fx.token.allowance(fx.insurer.address, vault)).to.equal(before);
    // A fund that passes uses the allowance it needs, and no more.
    await fundEscrow(insurer, "10");
    expect(await fx.token.allowance(fx.insurer.address, vault)).to.equal(
      before >= 10_000_000n ? before - 10_000_000n : 0n,
    );
  });

  it("mints the test token on a test chain only, and only the test token", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const insurer = as(fx, fx.insurer);
    const balance = await fx.token.balanceOf(fx.insurer.address);
    const minted = await mintTestToken(insurer, "250.5");
    expect(minted.amount).to.equal(250_500_000n);
    expect(await fx.token.balanceOf(fx.insurer.address)).to.equal(balance + 250_500_000n);
    await expectMedChainError(
      mintTestToken({ ...insurer, chainId: 2025n }, "1"),
      "--network: chain 2025 is not a test chain (31337, 1337): the test token is never minted there",
    );
    await expectMedChainError(mintTestToken(insurer, "0"), "--amount: must be more than 0");
    await expectMedChainError(mintTestToken(insurer, "-1"), "--amount: negative amount");
    expect(await fx.token.balanceOf(fx.insurer.address)).to.equal(balance + 250_500_000n);
  });
});
