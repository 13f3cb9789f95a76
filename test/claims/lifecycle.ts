import { expect } from "chai";
import { network } from "hardhat";

import { MODULE_IDS } from "../../src/consortium/kinds.js";
import {
  CODES,
  DAY,
  PLAN_RULES,
  THREE_LINES,
  billingLeaf,
  deployClaims,
  patient,
  planTerms,
  usd,
  CLAIMS_TEST_NETWORK,
} from "./fixture.js";
import { detailsFor, submitClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create(CLAIMS_TEST_NETWORK);

async function claimsFixture() {
  return deployClaims(ethers);
}

const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];

describe("Claims: review, appeal and prompt pay", function () {
  it("lets the insurer approve a claim under review, crediting the provider from free escrow", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId, view } = await submitClaim(fx, fx.claim(surgery));
    expect(view.status).to.equal("PendingReview");
    await expect(fx.engine.connect(fx.insurer).approve(claimId))
      .to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(6500));
    expect(await fx.engine.creditOf(fx.hospitalId)).to.equal(usd(6500));
    expect((await fx.engine.escrowOf(fx.insurerId)).free).to.equal(usd(100_000 - 6500));
    await expect(fx.engine.connect(fx.insurer).approve(claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsWrongStatus")
      .withArgs(claimId, 3);
  });

  it("lets the insurer deny a claim under review with a reason, releasing the patient's accumulators", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    const details = await detailsFor(fx, claimId);
    await expect(fx.engine.connect(fx.insurer).deny(claimId, 0, details)).to.be.revertedWithCustomError(
      fx.engine,
      "ClaimsMissingReason",
    );
    await expect(fx.engine.connect(fx.insurer).deny(claimId, 50, { ...details, oopApplied: 0n }))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsDetailsMismatch")
      .withArgs(claimId);
    await expect(fx.engine.connect(fx.insurer).deny(claimId, 50, details))
      .to.emit(fx.engine, "ClaimDenied")
      .withArgs(claimId, fx.insurerId, 50);
    const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
    expect([totals.deductibleMet, totals.oopPaid, totals.benefitPaid]).to.deep.equal([0n, 0n, 0n]);
  });

  it("overturns a denial on appeal once: the claim is re-adjudicated and paid", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    await fx.engine.connect(fx.insurer).deny(claimId, 50, await detailsFor(fx, claimId));
    await expect(fx.engine.connect(fx.hospital).appeal(claimId))
      .to.emit(fx.engine, "ClaimAppealed")
      .withArgs(claimId, fx.hospitalId);
    const details = await detailsFor(fx, claimId);
    await expect(fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, details))
      .to.emit(fx.engine, "AppealDecided")
      .withArgs(claimId, true, 0)
      .and.to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(6500));
    await expect(fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 50, details))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsWrongStatus")
      .withArgs(claimId, 3);
    const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
    expect(totals.benefitPaid).to.equal(usd(6500));
  });

  it("overturns a rejection on appeal and registers the claim against duplicates", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 1, fx.now - DAY, fx.now + DAY);
    const { claimId } = await submitClaim(fx, fx.claim([{ code: CODES.mri, units: 1n, charged: usd(1200) }]));
    await fx.engine.connect(fx.hospital).appeal(claimId);
    await fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, await detailsFor(fx, claimId));
    const claim = await fx.engine.claimOf(claimId);
    // 1,200 allowed: 500 deductible, 20 copay, 20% of 680 = 136: the plan pays 544.
    expect([claim.status, claim.planPays, claim.keysHeld]).to.deep.equal([3n, usd(544), true]);
    expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.mri, fx.now - 2n * DAY)).to.equal(claimId);
  });

  it("upholds a denial on appeal with a reason, after which the claim is final", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim([{ code: CODES.cosmetic, units: 1n, charged: usd(900) }]));
    await fx.engine.connect(fx.hospital).appeal(claimId);
    await expect(
      fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 0, await detailsFor(fx, claimId)),
    ).to.be.revertedWithCustomError(fx.engine, "ClaimsMissingReason");
    await expect(fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 204, await detailsFor(fx, claimId)))
      .to.emit(fx.engine, "AppealDecided")
      .withArgs(claimId, false, 204);
    await expect(fx.engine.connect(fx.hospital).appeal(claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsWrongStatus")
      .withArgs(claimId, 7);
  });

  it("refuses an appeal after the plan's appeal window", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim([{ code: CODES.cosmetic, units: 1n, charged: usd(900) }]));
    const at = (await fx.engine.claimOf(claimId)).statusAt;
    await networkHelpers.time.increase(31n * DAY);
    await expect(fx.engine.connect(fx.hospital).appeal(claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsAppealWindowClosed")
      .withArgs(claimId, at + 30n * DAY);
  });

  it("lets the provider escalate a claim the insurer did not review in time, and pays it as adjudicated", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    const reviewBy = (await fx.engine.claimOf(claimId)).statusAt + 7n * DAY;
    await expect(fx.engine.connect(fx.hospital).escalate(claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsReviewWindowOpen")
      .withArgs(claimId, reviewBy);
    await networkHelpers.time.increase(8n * DAY);
    await expect(fx.engine.connect(fx.hospital).escalate(claimId))
      .to.emit(fx.engine, "ClaimEscalated")
      .withArgs(claimId, fx.hospitalId, reviewBy)
      .and.to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(6500));
  });

  it("holds a claim for review when the insurer's escrow does not cover it, and approves it once funded", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
    const plan2 = await fx.plans.planCount();
    await fx.engine.connect(fx.insurer2).enrol(plan2, patient(1), fx.coverageStart, fx.coverageEnd);
    const { claimId, view } = await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2 }));
    expect(view.status).to.equal("PendingReview");
    await expect(fx.engine.connect(fx.insurer2).approve(claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsInsufficientEscrow")
      .withArgs(fx.insurer2Id, 0n, usd(264));
    await fx.engine.connect(fx.insurer2).fund(usd(264));
    await fx.engine.connect(fx.insurer2).approve(claimId);
    expect(await fx.engine.creditOf(fx.hospitalId)).to.equal(usd(264));
  });
});

describe("Claims: corrections", function () {
  it("voids an approved claim, returning the reservation and the accumulators and freeing its services", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    await fx.engine.connect(fx.hospital).voidClaim(claimId, await detailsFor(fx, claimId));
    expect(await fx.engine.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000), 0n]);
    expect((await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).oopPaid).to.equal(0n);
    expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.lab, fx.now - 2n * DAY)).to.equal(0n);
    expect((await fx.engine.claimOf(claimId)).status).to.equal(8n);
  });

  it("replaces a claim with a correction explicitly, so the correction is not a duplicate", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const corrected = fx.claim([THREE_LINES[0]!, THREE_LINES[2]!]);
    await expect(fx.engine.connect(fx.hospital).replace(claimId, await detailsFor(fx, claimId), corrected))
      .to.emit(fx.engine, "ClaimVoided")
      .withArgs(claimId, 2n)
      .and.to.emit(fx.engine, "ClaimAdjudicated");
    expect((await fx.engine.claimOf(claimId)).status).to.equal(9n);
    expect((await fx.engine.claimOf(2n)).status).to.equal(2n);
  });

  it("voids a claim under review and a denied one, but never a paid one", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const pending = await submitClaim(fx, fx.claim(surgery));
    await fx.engine.connect(fx.hospital).voidClaim(pending.claimId, await detailsFor(fx, pending.claimId));
    expect((await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).benefitPaid).to.equal(0n);
    const denied = await submitClaim(fx, fx.claim(surgery, { serviceDate: fx.now - DAY }));
    await fx.engine.connect(fx.insurer).deny(denied.claimId, 50, await detailsFor(fx, denied.claimId));
    await fx.engine.connect(fx.hospital).voidClaim(denied.claimId, await detailsFor(fx, denied.claimId));
    const rejected = await submitClaim(fx, fx.claim([{ code: CODES.cosmetic, units: 1n, charged: 1n }]));
    await fx.engine.connect(fx.hospital).voidClaim(rejected.claimId, await detailsFor(fx, rejected.claimId));
    const paid = await submitClaim(fx, fx.claim(surgery, { serviceDate: fx.now }));
    await fx.engine.connect(fx.insurer).approve(paid.claimId);
    await expect(fx.engine.connect(fx.hospital).voidClaim(paid.claimId, await detailsFor(fx, paid.claimId)))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsWrongStatus")
      .withArgs(paid.claimId, 3);
    await expect(fx.engine.connect(fx.hospital).voidClaim(99n, await detailsFor(fx, paid.claimId)))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnknownClaim")
      .withArgs(99n);
  });
});

describe("Claims: settlement vault", function () {
  it("settles many approved claims in one transaction, crediting each provider once per run", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const ids: bigint[] = [];
    for (const n of [1, 2, 3])
      ids.push((await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(n) }))).claimId);
    await expect(fx.engine.connect(fx.insurer).settle(ids))
      .to.emit(fx.engine, "ClaimsSettled")
      .withArgs(fx.insurerId, 3n, usd(3 * 264));
    expect(await fx.engine.creditOf(fx.hospitalId)).to.equal(usd(792));
    expect(await fx.engine.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000 - 792), 0n]);
    await expect(fx.engine.connect(fx.insurer).settle([ids[1]!]))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsWrongStatus")
      .withArgs(ids[1]!, 3);
    await expect(fx.engine.connect(fx.insurer).settle([77n]))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnknownClaim")
      .withArgs(77n);
  });

  it("sums credits per provider across a batch mixing providers", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const first = await submitClaim(fx, fx.claim(THREE_LINES));
    const labRecord = ethers.id("lab record");
    await fx.verifier.setRecord(fx.labId, billingLeaf(patient(2), labRecord), 1);
    const lab = await submitClaim(
      fx,
      fx.claim(THREE_LINES, { patientRef: patient(2), recordCommitment: labRecord }),
      fx.lab,
    );
    const third = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(3) }));
    await fx.engine.connect(fx.insurer).settle([first.claimId, lab.claimId, third.claimId]);
    expect(await fx.engine.creditOf(fx.hospitalId)).to.equal(usd(528));
    expect(await fx.engine.creditOf(fx.labId)).to.equal(usd(264));
  });

  it("pays the provider's credit on withdrawal, exactly once", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    await fx.engine.connect(fx.insurer).settle([claimId]);
    await expect(fx.engine.connect(fx.hospital).withdraw()).to.changeTokenBalances(
      ethers,
      fx.token,
      [fx.hospital, fx.engine],
      [usd(264), -usd(264)],
    );
    await expect(fx.engine.connect(fx.hospital).withdraw())
      .to.be.revertedWithCustomError(fx.engine, "ClaimsNothingToWithdraw")
      .withArgs(fx.hospitalId);
  });

  it("lets an insurer withdraw free escrow but not reserved funds, and refuses zero amounts", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await submitClaim(fx, fx.claim(THREE_LINES));
    const free = usd(100_000 - 264);
    await expect(fx.engine.connect(fx.insurer).withdrawEscrow(free + 1n))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsInsufficientEscrow")
      .withArgs(fx.insurerId, free, free + 1n);
    await expect(fx.engine.connect(fx.insurer).withdrawEscrow(free))
      .to.emit(fx.engine, "EscrowWithdrawn")
      .withArgs(fx.insurerId, fx.insurer.address, free);
    expect(await fx.token.balanceOf(await fx.engine.getAddress())).to.equal(usd(264));
    await expect(fx.engine.connect(fx.insurer).withdrawEscrow(0)).to.be.revertedWithCustomError(
      fx.engine,
      "ClaimsZeroAmount",
    );
    await expect(fx.engine.connect(fx.insurer).fund(0)).to.be.revertedWithCustomError(fx.engine, "ClaimsZeroAmount");
  });
});

describe("Claims: plans", function () {
  it("applies a plan revision only to services on or after its effective date", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const effective = fx.now + 10n * DAY;
    const dearer = PLAN_RULES.map((r) => (r.code === CODES.lab ? { ...r, feePerUnit: usd(50) } : r));
    await expect(fx.plans.connect(fx.insurer).revisePlan(fx.planId, planTerms(effective), dearer))
      .to.emit(fx.plans, "PlanPublished")
      .withArgs(fx.planId, fx.insurerId, 1, (t: unknown) => t !== undefined, BigInt(dearer.length));
    await networkHelpers.time.increase(20n * DAY);
    const lab = [{ code: CODES.lab, units: 10n, charged: usd(1000) }];
    const before = await submitClaim(fx, fx.claim(lab, { serviceDate: effective - DAY }));
    const after = await submitClaim(fx, fx.claim(lab, { serviceDate: effective }));
    expect(before.view.results[0]!.eligible).to.equal(usd(400));
    expect(after.view.results[0]!.eligible).to.equal(usd(500));
    expect([before.view.planVersion, after.view.planVersion]).to.deep.equal([0n, 1n]);
  });

  it("refuses a revision that would take effect in the past or before the current version", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await expect(fx.plans.connect(fx.insurer).revisePlan(fx.planId, planTerms(fx.now - DAY), PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidEffectiveDate")
      .withArgs(fx.now - DAY, (v: bigint) => v > fx.now);
    await fx.plans.connect(fx.insurer).revisePlan(fx.planId, planTerms(fx.now + 100n * DAY), PLAN_RULES);
    await expect(fx.plans.connect(fx.insurer).revisePlan(fx.planId, planTerms(fx.now + 50n * DAY), PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidEffectiveDate")
      .withArgs(fx.now + 50n * DAY, fx.now + 100n * DAY + 1n);
  });

  it("refuses inconsistent terms, zero codes, zero patients and inverted periods", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const p = fx.plans.connect(fx.insurer);
    await expect(p.publishPlan({ ...planTerms(fx.now), coinsuranceBps: 10_001 }, PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidCoinsurance")
      .withArgs(10_001);
    await expect(p.publishPlan({ ...planTerms(fx.now), deductible: usd(2000) }, PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsDeductibleAboveOopMax")
      .withArgs(usd(2000), usd(1500));
    await expect(
      p.publishPlan(planTerms(fx.now), [{ ...PLAN_RULES[0]!, code: ethers.ZeroHash }]),
    ).to.be.revertedWithCustomError(fx.plans, "ClaimsZeroCode");
    const e = fx.engine.connect(fx.insurer);
    await expect(e.enrol(fx.planId, ethers.ZeroHash, 1, 2)).to.be.revertedWithCustomError(
      fx.engine,
      "ClaimsZeroPatientRef",
    );
    await expect(e.enrol(fx.planId, patient(5), 2, 1))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsInvalidPeriod")
      .withArgs(2, 1);
    await expect(p.authorise(fx.planId, ethers.ZeroHash, CODES.mri, 1, 1, 2)).to.be.revertedWithCustomError(
      fx.plans,
      "ClaimsZeroPatientRef",
    );
    await expect(p.authorise(fx.planId, patient(1), ethers.ZeroHash, 1, 1, 2)).to.be.revertedWithCustomError(
      fx.plans,
      "ClaimsZeroCode",
    );
    await expect(p.authorise(fx.planId, patient(1), CODES.mri, 1, 2, 1))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidPeriod")
      .withArgs(2, 1);
    await expect(e.enrol(42, patient(5), 1, 2))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnknownPlan")
      .withArgs(42);
    await expect(p.revisePlan(42, planTerms(fx.now + DAY), PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsUnknownPlan")
      .withArgs(42);
  });

  it("answers what a plan says: its insurer, versions, rules and coverage", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    expect(await fx.plans.planOf(fx.planId)).to.deep.equal([fx.insurerId, 1n]);
    const rule = await fx.plans.ruleOf(fx.planId, 0, CODES.xray);
    expect([rule.feePerUnit, rule.unitCap, rule.listed]).to.deep.equal([usd(250), 1n, true]);
    expect(await fx.engine.coverageOf(fx.planId, patient(1))).to.deep.equal([fx.coverageStart, fx.coverageEnd]);
    expect((await fx.plans.termsOf(fx.planId, 0)).appealWindow).to.equal(30n * DAY);
  });

  it("stops all claims business while the consortium pauses the module", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.claims);
    await expect(fx.engine.connect(fx.hospital).submit(fx.claim(THREE_LINES)))
      .to.be.revertedWithCustomError(fx.engine, "ConsortiumGuardedPaused")
      .withArgs(MODULE_IDS.claims);
    await expect(fx.plans.connect(fx.insurer).authorise(fx.planId, patient(7), CODES.mri, 1, 1, 2))
      .to.be.revertedWithCustomError(fx.plans, "ConsortiumGuardedPaused")
      .withArgs(MODULE_IDS.claims);
  });

  it("refuses to deploy with a zero plan book, record registry or token", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const registry = await fx.registry.getAddress();
    const ok = await fx.plans.getAddress();
    const Engine = await ethers.getContractFactory("ClaimsEngine");
    for (const args of [
      [registry, ethers.ZeroAddress, ok, ok],
      [registry, ok, ethers.ZeroAddress, ok],
      [registry, ok, ok, ethers.ZeroAddress],
    ]) {
      await expect(Engine.deploy(...(args as [string, string, string, string]))).to.be.revertedWithCustomError(
        fx.engine,
        "ClaimsZeroAddress",
      );
    }
  });
});
