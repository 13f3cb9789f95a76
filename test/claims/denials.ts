import { expect } from "chai";
import { network } from "hardhat";

import { NO_BATCH, readClaim } from "../../src/claims/engine.js";
import {
  CODES,
  DAY,
  PLAN_RULES,
  THREE_LINES,
  deployClaims,
  docCommitment,
  patient,
  planTerms,
  usd,
} from "./fixture.js";
import { detailsFor, submitClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

const WHOLE_CLAIM = 2n ** 256n - 1n;
const office = [{ code: CODES.office, units: 1n, charged: usd(100) }];

describe("Claims: checks at submission", function () {
  it("rejects a patient who is not enrolled, or a coverage period that does not exist, with CARC 31", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId, view } = await submitClaim(fx, fx.claim(office, { patientRef: patient(9) }));
    expect([view.status, view.reason]).to.deep.equal(["Rejected", 31]);
    expect(claimId).to.equal(1n);
    const wrongPeriod = await submitClaim(fx, fx.claim(office, { coverageStart: fx.coverageStart + 1n }));
    expect(wrongPeriod.view.reason).to.equal(31);
  });

  it("rejects a service before the coverage period with CARC 26", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const input = fx.claim(office, { serviceDate: fx.coverageStart - DAY });
    await expect(fx.engine.connect(fx.hospital).submit(input))
      .to.emit(fx.engine, "ClaimRejected")
      .withArgs(1n, 26, WHOLE_CLAIM, 0n);
  });

  it("rejects a service before the plan's first version took effect with CARC 26", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer).publishPlan(planTerms(fx.now - DAY), PLAN_RULES);
    const late = await fx.plans.planCount();
    await fx.plans.connect(fx.insurer).enrol(late, patient(1), fx.coverageStart, fx.coverageEnd);
    const { view } = await submitClaim(fx, fx.claim(office, { planId: late }));
    expect([view.status, view.reason]).to.deep.equal(["Rejected", 26]);
  });

  it("rejects a service after the coverage ended with CARC 27", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const start = fx.now - 100n * DAY;
    await fx.plans.connect(fx.insurer).enrol(fx.planId, patient(4), start, fx.now - 10n * DAY);
    const { view } = await submitClaim(fx, fx.claim(office, { patientRef: patient(4), coverageStart: start }));
    expect([view.status, view.reason]).to.deep.equal(["Rejected", 27]);
  });

  it("rejects a duplicate (same patient, provider, code and date) with CARC 18, naming the earlier claim", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await submitClaim(fx, fx.claim(THREE_LINES));
    const again = fx.claim([THREE_LINES[2]!, { code: CODES.xray, units: 1n, charged: usd(300) }]);
    await expect(fx.engine.connect(fx.hospital).submit(again))
      .to.emit(fx.engine, "ClaimRejected")
      .withArgs(2n, 18, 0n, 1n);
    expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.lab, fx.now - 2n * DAY)).to.equal(1n);
  });

  it("does not treat the same service billed by another provider as a duplicate", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await submitClaim(fx, fx.claim(office));
    const { view } = await submitClaim(fx, fx.claim(office), fx.lab);
    // Accepted; the 100 goes to the deductible, so nothing is left for the plan to pay.
    expect([view.status, view.results[0]!.deductible]).to.deep.equal(["Paid", usd(100)]);
  });

  it("rejects phantom billing with CARC 252: documentation never anchored, anchored by another member, or retracted", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const unknown = { commitment: docCommitment("never anchored"), batchRoot: NO_BATCH, proof: [] };
    expect((await submitClaim(fx, fx.claim(office, { documentation: unknown }))).view.reason).to.equal(252);
    const theirs = await fx.document(patient(1), fx.hospital2Id);
    const xray = [{ code: CODES.xray, units: 1n, charged: usd(250) }];
    expect((await submitClaim(fx, fx.claim(xray, { documentation: theirs }))).view.reason).to.equal(252);
    const retracted = await fx.document(patient(1), fx.hospitalId, 3);
    expect((await submitClaim(fx, fx.claim(office, { documentation: retracted }))).view.reason).to.equal(252);
    const wrongPath = fx.claim(office);
    wrongPath.documentation = { ...wrongPath.documentation, proof: wrongPath.documentation.proof.slice(1) };
    expect((await submitClaim(fx, wrongPath)).view.reason).to.equal(252);
  });

  it("accepts documentation that was superseded by an amendment", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const amended = await fx.document(patient(1), fx.hospitalId, 2);
    expect((await submitClaim(fx, fx.claim(THREE_LINES, { documentation: amended }))).view.status).to.equal("Approved");
  });

  it("rejects a code missing from the fee schedule with CARC 96 and an excluded code with CARC 204", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const unknown = fx.claim([...office, { code: CODES.unknown, units: 1n, charged: usd(10) }]);
    await expect(fx.engine.connect(fx.hospital).submit(unknown))
      .to.emit(fx.engine, "ClaimRejected")
      .withArgs(1n, 96, 1n, 0n);
    const excluded = fx.claim([{ code: CODES.cosmetic, units: 1n, charged: usd(900) }]);
    await expect(fx.engine.connect(fx.hospital).submit(excluded))
      .to.emit(fx.engine, "ClaimRejected")
      .withArgs(2n, 204, 0n, 0n);
  });

  it("rejects units above the plan's cap with CARC 151", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { view } = await submitClaim(fx, fx.claim([{ code: CODES.office, units: 3n, charged: usd(300) }]));
    expect([view.status, view.reason, view.rejectedLine]).to.deep.equal(["Rejected", 151, 0]);
  });

  it("rejects a code that needs prior authorisation without one (CARC 197) or beyond its units (CARC 198)", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const mri = (units: bigint) => [{ code: CODES.mri, units, charged: usd(1500) * units }];
    expect((await submitClaim(fx, fx.claim(mri(1n)))).view.reason).to.equal(197);
    await fx.plans
      .connect(fx.insurer)
      .authorise(fx.planId, patient(1), CODES.mri, 2, fx.now - 5n * DAY, fx.now + 30n * DAY);
    expect((await submitClaim(fx, fx.claim(mri(3n)))).view.reason).to.equal(198);
    const ok = await submitClaim(fx, fx.claim(mri(2n)));
    expect(ok.view.status).to.equal("Approved");
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(2n);
    const more = await submitClaim(fx, fx.claim(mri(1n), { serviceDate: fx.now - DAY }));
    expect(more.view.reason).to.equal(198);
    // Voiding the accepted claim gives its units back to the authorisation.
    await fx.engine.connect(fx.hospital).voidClaim(ok.claimId, await detailsFor(fx, ok.claimId));
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(0n);
  });

  it("counts used units per grant: a new grant starts from zero, and a reversal gives units back to its own grant", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const mri = (units: bigint, serviceDate?: bigint) =>
      fx.claim([{ code: CODES.mri, units, charged: usd(1200) * units }], serviceDate ? { serviceDate } : {});
    const grant = (units: number) =>
      fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, units, fx.now - 5n * DAY, fx.now);
    await expect(grant(1))
      .to.emit(fx.plans, "PriorAuthorisationGranted")
      .withArgs(fx.planId, CODES.mri, patient(1), 1, fx.now - 5n * DAY, fx.now, 1);
    const old = await submitClaim(fx, mri(1n));
    expect(old.view.status).to.equal("Approved");
    await grant(2); // replaces grant 1
    expect((await fx.plans.authorisationOf(fx.planId, patient(1), CODES.mri)).grant).to.equal(2n);
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(0n);
    // Voiding the claim decided under grant 1 gives its unit back to grant 1, not to grant 2.
    await fx.engine.connect(fx.hospital).voidClaim(old.claimId, await detailsFor(fx, old.claimId));
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(0n);
    expect((await submitClaim(fx, mri(2n, fx.now - DAY))).view.status).to.equal("Approved");
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(2n);
    expect((await submitClaim(fx, mri(1n))).view.reason).to.equal(198);
  });

  it("decides a claim in review under the grant it was submitted under, whatever grant the insurer issues meanwhile", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const mri = (units: bigint, serviceDate?: bigint) =>
      fx.claim([{ code: CODES.mri, units, charged: usd(1200) * units }], serviceDate ? { serviceDate } : {});
    const p = fx.plans.connect(fx.insurer);
    await p.authorise(fx.planId, patient(1), CODES.mri, 6, fx.serviceDate - DAY, fx.now + 30n * DAY);
    const pending = await submitClaim(fx, mri(6n)); // the plan pays 5,700: over the review threshold
    expect(pending.view.status).to.equal("PendingReview");
    // Grant 2 starts after the service date and has no units: it binds claims submitted from now on only.
    await p.authorise(fx.planId, patient(1), CODES.mri, 0, fx.now + 60n * DAY, fx.now + 90n * DAY);
    expect((await submitClaim(fx, mri(1n, fx.serviceDate - DAY))).view.reason).to.equal(197);
    await fx.engine.connect(fx.insurer).approve(pending.claimId, await detailsFor(fx, pending.claimId));
    const decided = await readClaim(fx.engine, pending.claimId);
    expect([decided.status, decided.planPays]).to.deep.equal(["Paid", usd(5700)]);
    // Its units were charged to grant 1, not to grant 2.
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(0n);
  });

  it("rejects a service outside the authorisation's validity with CARC 197", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 5, fx.now - DAY, fx.now + 30n * DAY);
    const early = fx.claim([{ code: CODES.mri, units: 1n, charged: usd(1200) }], { serviceDate: fx.now - 3n * DAY });
    expect((await submitClaim(fx, early)).view.reason).to.equal(197);
  });

  it("stores a rejected claim but does not let it block a corrected resubmission", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const typo = { commitment: docCommitment("typo"), batchRoot: NO_BATCH, proof: [] };
    const bad = await submitClaim(fx, fx.claim(THREE_LINES, { documentation: typo }));
    expect(bad.view.status).to.equal("Rejected");
    const good = await submitClaim(fx, fx.claim(THREE_LINES));
    expect(good.view.status).to.equal("Approved");
    expect((await fx.engine.claimOf(bad.claimId)).reason).to.equal(252);
  });

  it("refuses malformed claims outright, before storing anything", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const h = fx.engine.connect(fx.hospital);
    await expect(h.submit(fx.claim([])))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsLineCount")
      .withArgs(0n, 50n);
    const many = Array.from({ length: 51 }, (_, i) => ({ code: ethers.id(`code ${i}`), units: 1n, charged: 1n }));
    await expect(h.submit(fx.claim(many)))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsLineCount")
      .withArgs(51n, 50n);
    await expect(h.submit(fx.claim([{ code: CODES.office, units: 0n, charged: 1n }])))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsZeroUnits")
      .withArgs(0n);
    await expect(h.submit(fx.claim([...office, ...office])))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsRepeatedCode")
      .withArgs(CODES.office);
    const future = fx.now + 10n * DAY;
    await expect(h.submit(fx.claim(office, { serviceDate: future })))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsServiceDateInFuture")
      .withArgs(future, (v: bigint) => v < future);
    await expect(h.submit(fx.claim(office, { patientRef: ethers.ZeroHash }))).to.be.revertedWithCustomError(
      fx.engine,
      "ClaimsZeroPatientRef",
    );
    await expect(h.submit(fx.claim(office, { planId: 99n })))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsUnknownPlan")
      .withArgs(99n);
    expect(await fx.engine.claimCount()).to.equal(0n);
  });
});
