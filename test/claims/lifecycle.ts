import { expect } from "chai";
import { network } from "hardhat";

import { MODULE_IDS, ProposalAction } from "../../src/consortium/kinds.js";
import { readClaim } from "../../src/claims/engine.js";
import {
  CODES,
  DAY,
  PLAN_RULES,
  THREE_LINES,
  claimsLibraries,
  deployClaims,
  patient,
  planTerms,
  usd,
} from "./fixture.js";
import { NO_DOCUMENTATION, approveClaim, detailsFor, submitClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];
/** Status bitmaps of `ClaimStatuses` (bit i: ClaimStatus i). */
const bits = (...statuses: number[]) =>
  "0x" +
  statuses
    .reduce((a, s) => a | (1n << BigInt(s)), 0n)
    .toString(16)
    .padStart(64, "0");
const S = { PendingReview: 1, Approved: 2, Paid: 3, Rejected: 4, Denied: 5, Appealed: 6, AppealDenied: 7 };

describe("Claims: review, appeal and prompt pay", function () {
  it("lets the insurer approve a claim under review: adjudicated again now and credited from free escrow", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId, view } = await submitClaim(fx, fx.claim(surgery));
    expect(view.status).to.equal("PendingReview");
    await expect(approveClaim(fx, claimId))
      .to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(6500))
      .and.to.emit(fx.engine, "ClaimAdjudicated");
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(6500));
    expect((await fx.vault.escrowOf(fx.insurerId)).free).to.equal(usd(100_000 - 6500));
    await expect(approveClaim(fx, claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus")
      .withArgs(claimId, S.Paid, bits(S.PendingReview));
  });

  it("lets the insurer deny a claim under review with a reason; nothing was charged, its keys stay held", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    await expect(fx.engine.connect(fx.insurer).deny(claimId, 0)).to.be.revertedWithCustomError(
      fx.engine,
      "ClaimsMissingReason",
    );
    await expect(fx.engine.connect(fx.insurer).deny(claimId, 50))
      .to.emit(fx.engine, "ClaimDenied")
      .withArgs(claimId, fx.insurerId, 50);
    const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
    expect(totals).to.deep.equal([0n, 0n, 0n, 0n]);
    expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.surgery, fx.serviceDate)).to.equal(claimId);
  });

  it("refuses approval with details that do not match the claim", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    const details = await detailsFor(fx, claimId);
    await expect(fx.engine.connect(fx.insurer).approve(claimId, { ...details, oopApplied: 1n }))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsDetailsMismatch")
      .withArgs(claimId);
  });

  it("overturns a denial on appeal once: the claim passes the checks again and is paid", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const input = fx.claim(surgery);
    const { claimId } = await submitClaim(fx, input);
    await fx.engine.connect(fx.insurer).deny(claimId, 50);
    await expect(fx.engine.connect(fx.hospital).appeal(claimId))
      .to.emit(fx.engine, "ClaimAppealed")
      .withArgs(claimId, fx.hospitalId);
    const details = await detailsFor(fx, claimId);
    await expect(fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, details, input.documentation))
      .to.emit(fx.engine, "AppealDecided")
      .withArgs(claimId, true, 0)
      .and.to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(6500));
    await expect(
      fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 50, await detailsFor(fx, claimId), NO_DOCUMENTATION),
    )
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus")
      .withArgs(claimId, S.Paid, bits(S.Appealed));
    const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
    expect([totals.benefitPaid, totals.lastDecision]).to.deep.equal([usd(6500), claimId]);
  });

  it("overturns a rejection on appeal and registers the claim against duplicates", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const input = fx.claim([{ code: CODES.mri, units: 1n, charged: usd(1200) }]);
    const { claimId, view } = await submitClaim(fx, input);
    expect(view.reason).to.equal(197);
    await fx.engine.connect(fx.hospital).appeal(claimId);
    await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 1, fx.now - 3n * DAY, fx.now + DAY);
    await fx.engine
      .connect(fx.insurer)
      .decideAppeal(claimId, true, 0, await detailsFor(fx, claimId), input.documentation);
    const claim = await fx.engine.claimOf(claimId);
    // 1,200 allowed: 500 deductible, 20 copay, 20% of 680 = 136: the plan pays 544.
    expect([claim.status, claim.planPays, claim.keysHeld]).to.deep.equal([3n, usd(544), true]);
    expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.mri, fx.serviceDate)).to.equal(claimId);
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(1n);
  });

  it("upholds a denial on appeal with a reason, after which the claim is final", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim([{ code: CODES.cosmetic, units: 1n, charged: usd(900) }]));
    await fx.engine.connect(fx.hospital).appeal(claimId);
    const details = await detailsFor(fx, claimId);
    await expect(
      fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 0, details, NO_DOCUMENTATION),
    ).to.be.revertedWithCustomError(fx.engine, "ClaimsMissingReason");
    await expect(fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 204, details, NO_DOCUMENTATION))
      .to.emit(fx.engine, "AppealDecided")
      .withArgs(claimId, false, 204);
    await expect(fx.engine.connect(fx.hospital).appeal(claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus")
      .withArgs(claimId, S.AppealDenied, bits(S.Rejected, S.Denied));
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

  it("lets the provider escalate a claim the insurer did not review in time, and pays it as adjudicated then", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    const details = await detailsFor(fx, claimId);
    const reviewBy = (await fx.engine.claimOf(claimId)).statusAt + 7n * DAY;
    await expect(fx.engine.connect(fx.hospital).escalate(claimId, details))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsReviewWindowOpen")
      .withArgs(claimId, reviewBy);
    await networkHelpers.time.increase(8n * DAY);
    await expect(fx.engine.connect(fx.hospital).escalate(claimId, details))
      .to.emit(fx.engine, "ClaimEscalated")
      .withArgs(claimId, fx.hospitalId, reviewBy)
      .and.to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(6500));
  });

  it("lets the insurer approve or deny only within its review window; after it only the provider's escalation decides", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId, receipt } = await submitClaim(fx, fx.claim(surgery));
    const submittedAt = BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
    const deadline = submittedAt + 7n * DAY;
    await networkHelpers.time.increaseTo(deadline + 1n);
    await expect(fx.engine.connect(fx.insurer).deny(claimId, 50))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsDecisionWindowClosed")
      .withArgs(claimId, deadline);
    await expect(approveClaim(fx, claimId))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsDecisionWindowClosed")
      .withArgs(claimId, deadline);
    await fx.engine.connect(fx.hospital).escalate(claimId, await detailsFor(fx, claimId));
    expect((await readClaim(fx.engine, claimId)).status).to.equal("Paid");
  });

  it("lets the provider settle its own approved claim the insurer did not settle within the review window", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const details = await detailsFor(fx, claimId);
    const deadline = (await fx.engine.claimOf(claimId)).statusAt + 7n * DAY;
    await expect(fx.engine.connect(fx.hospital).escalate(claimId, details))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsReviewWindowOpen")
      .withArgs(claimId, deadline);
    await networkHelpers.time.increase(8n * DAY);
    await expect(fx.engine.connect(fx.hospital).escalate(claimId, details))
      .to.emit(fx.engine, "ClaimPaid")
      .withArgs(claimId, fx.hospitalId, usd(264));
    expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000 - 264), 0n]);
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(264));
  });

  it("holds a claim for review when the insurer's escrow does not cover it, and approves it once funded", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
    const plan2 = await fx.plans.planCount();
    await fx.plans.connect(fx.insurer2).enrol(plan2, patient(1), fx.coverageStart, fx.coverageEnd);
    const { claimId, view } = await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2 }));
    expect(view.status).to.equal("PendingReview");
    await expect(approveClaim(fx, claimId, fx.insurer2))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsInsufficientEscrow")
      .withArgs(fx.insurer2Id, 0n, usd(264));
    await fx.vault.connect(fx.insurer2).fund(usd(264));
    await approveClaim(fx, claimId, fx.insurer2);
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(264));
  });

  it("backs a claim in review with a reservation of its provisional plan share, so the insurer cannot withdraw it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(surgery));
    expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(93_500), usd(6500)]);
    await expect(fx.vault.connect(fx.insurer).withdrawEscrow(usd(100_000)))
      .to.be.revertedWithCustomError(fx.vault, "ClaimsInsufficientEscrow")
      .withArgs(fx.insurerId, usd(93_500), usd(100_000));
    // Denying it gives the backing back.
    await fx.engine.connect(fx.insurer).deny(claimId, 50);
    expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000), 0n]);
  });

  it("approves another provider's claim under the threshold at once from the backing of claims in review; the backed claim's escalation owes what it lost", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
    const plan2 = await fx.plans.planCount();
    for (const n of [1, 2])
      await fx.plans.connect(fx.insurer2).enrol(plan2, patient(n), fx.coverageStart, fx.coverageEnd);
    await fx.vault.connect(fx.insurer2).fund(usd(6500));
    const bait = await submitClaim(fx, fx.claim(surgery, { planId: plan2 }), fx.hospital2);
    expect([bait.view.status, await fx.vault.backingOf(fx.insurer2Id)]).to.deep.equal(["PendingReview", usd(6500)]);
    const small = await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2, patientRef: patient(2) }));
    expect(small.view.status).to.equal("Approved");
    expect(await fx.vault.escrowOf(fx.insurer2Id)).to.deep.equal([0n, usd(6500)]);
    expect(await fx.vault.backingOf(fx.insurer2Id)).to.equal(usd(6236));
    // The insurer still cannot withdraw any of it; prompt pay on the bait pays its backing and owes the rest.
    await networkHelpers.time.increase(7n * DAY + 1n);
    await expect(fx.engine.connect(fx.hospital2).escalate(bait.claimId, await detailsFor(fx, bait.claimId)))
      .to.emit(fx.vault, "PaymentOwed")
      .withArgs(fx.insurer2Id, fx.hospital2Id, usd(264));
    expect(await fx.vault.creditOf(fx.hospital2Id)).to.equal(usd(6236));
    expect([await fx.vault.backingOf(fx.insurer2Id), (await fx.vault.escrowOf(fx.insurer2Id)).reserved]).to.deep.equal([
      0n,
      usd(264),
    ]);
  });

  it("owes the provider an escalated payment the insurer's escrow did not cover, collected once the insurer funds", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
    const plan2 = await fx.plans.planCount();
    await fx.plans.connect(fx.insurer2).enrol(plan2, patient(1), fx.coverageStart, fx.coverageEnd);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2 }));
    await networkHelpers.time.increase(7n * DAY + 1n);
    await expect(fx.engine.connect(fx.hospital).escalate(claimId, await detailsFor(fx, claimId)))
      .to.emit(fx.vault, "PaymentOwed")
      .withArgs(fx.insurer2Id, fx.hospitalId, usd(264));
    expect((await readClaim(fx.engine, claimId)).status).to.equal("Paid");
    expect(await fx.vault.owedOf(fx.insurer2Id, fx.hospitalId)).to.equal(usd(264));
    // What it owes stays out of the insurer's reach; the provider collects it once funded.
    await fx.vault.connect(fx.insurer2).fund(usd(300));
    await expect(fx.vault.connect(fx.insurer2).withdrawEscrow(usd(100)))
      .to.be.revertedWithCustomError(fx.vault, "ClaimsInsufficientEscrow")
      .withArgs(fx.insurer2Id, usd(36), usd(100));
    await expect(fx.vault.connect(fx.outsider).collectOwed(fx.insurer2Id))
      .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedUnauthorized")
      .withArgs(fx.outsider.address, 1 | 2);
    await expect(fx.vault.connect(fx.hospital).collectOwed(fx.insurer2Id))
      .to.emit(fx.vault, "OwedCollected")
      .withArgs(fx.insurer2Id, fx.hospitalId, usd(264));
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(264));
    expect([await fx.vault.owedOf(fx.insurer2Id, fx.hospitalId), await fx.vault.debtOf(fx.insurer2Id)]).to.deep.equal([
      0n,
      0n,
    ]);
    await fx.vault.connect(fx.insurer2).withdrawEscrow(usd(36));
    await expect(fx.vault.connect(fx.outsider).payOrOwe(fx.insurer2Id, fx.hospitalId, 1))
      .to.be.revertedWithCustomError(fx.vault, "ClaimsNotEngine")
      .withArgs(fx.outsider.address);
  });

  it("lets the insurer decide an appeal only within its review window, after which the provider's escalation overturns it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const input = fx.claim(surgery);
    const { claimId } = await submitClaim(fx, input);
    await fx.engine.connect(fx.insurer).deny(claimId, 50);
    const appealed = await (await fx.engine.connect(fx.hospital).appeal(claimId)).wait();
    const deadline = BigInt((await ethers.provider.getBlock(appealed!.blockNumber))!.timestamp) + 7n * DAY;
    await expect(
      fx.engine.connect(fx.hospital).escalateAppeal(claimId, await detailsFor(fx, claimId), input.documentation),
    )
      .to.be.revertedWithCustomError(fx.engine, "ClaimsReviewWindowOpen")
      .withArgs(claimId, deadline);
    await networkHelpers.time.increaseTo(deadline + 1n);
    await expect(
      fx.engine.connect(fx.insurer).decideAppeal(claimId, false, 50, await detailsFor(fx, claimId), NO_DOCUMENTATION),
    )
      .to.be.revertedWithCustomError(fx.engine, "ClaimsDecisionWindowClosed")
      .withArgs(claimId, deadline);
    await expect(
      fx.engine.connect(fx.hospital2).escalateAppeal(claimId, await detailsFor(fx, claimId), input.documentation),
    )
      .to.be.revertedWithCustomError(fx.engine, "ClaimsNotClaimProvider")
      .withArgs(claimId, fx.hospital2Id);
    await expect(
      fx.engine.connect(fx.hospital).escalateAppeal(claimId, await detailsFor(fx, claimId), input.documentation),
    )
      .to.emit(fx.engine, "AppealDecided")
      .withArgs(claimId, true, 0)
      .and.to.emit(fx.engine, "ClaimEscalated")
      .withArgs(claimId, fx.hospitalId, deadline);
    expect((await readClaim(fx.engine, claimId)).status).to.equal("Paid");
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(6500));
  });

  it("finally denies an escalated appeal whose claim fails a re-run check, with that check's CARC", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const mri = fx.claim([{ code: CODES.mri, units: 1n, charged: usd(1200) }]);
    const { claimId, view } = await submitClaim(fx, mri);
    expect(view.reason).to.equal(197); // no authorisation
    await fx.engine.connect(fx.hospital).appeal(claimId);
    await networkHelpers.time.increase(7n * DAY + 1n);
    await expect(
      fx.engine.connect(fx.hospital).escalateAppeal(claimId, await detailsFor(fx, claimId), mri.documentation),
    )
      .to.emit(fx.engine, "AppealDecided")
      .withArgs(claimId, false, 197);
    expect((await readClaim(fx.engine, claimId)).status).to.equal("AppealDenied");
  });

  it("rejects a claim in review at its decision when its authorisation units were used meanwhile (CARC 198)", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 1, fx.now - 5n * DAY, fx.now + DAY);
    // Above the threshold: in review, holding no authorisation units.
    const big = [{ code: CODES.mri, units: 1n, charged: usd(1200) }, ...surgery];
    const pending = await submitClaim(fx, fx.claim(big));
    expect(pending.view.status).to.equal("PendingReview");
    expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(0n);
    const small = await submitClaim(fx, fx.claim([big[0]!], { serviceDate: fx.now - DAY }));
    expect(small.view.status).to.equal("Approved");
    await expect(approveClaim(fx, pending.claimId))
      .to.emit(fx.engine, "ClaimRejected")
      .withArgs(pending.claimId, 198, 0n, 0n);
    const after = await fx.engine.claimOf(pending.claimId);
    expect([after.status, after.reason, after.keysHeld]).to.deep.equal([4n, 198n, false]);
  });
});

describe("Claims: corrections", function () {
  it("voids an approved claim, returning the reservation and the totals and freeing its services", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    await fx.engine.connect(fx.hospital).voidClaim(claimId, await detailsFor(fx, claimId));
    expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000), 0n]);
    expect(await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).to.deep.equal([0n, 0n, 0n, 0n]);
    expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.lab, fx.serviceDate)).to.equal(0n);
    expect((await fx.engine.claimOf(claimId)).status).to.equal(8n);
  });

  it("replaces a claim with a correction explicitly, so the correction is not a duplicate", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const original = fx.claim(THREE_LINES);
    const { claimId } = await submitClaim(fx, original);
    const corrected = fx.claim([THREE_LINES[0]!, THREE_LINES[2]!], { documentation: original.documentation });
    await expect(fx.engine.connect(fx.hospital).replace(claimId, await detailsFor(fx, claimId), corrected))
      .to.emit(fx.engine, "ClaimVoided")
      .withArgs(claimId, 2n)
      .and.to.emit(fx.engine, "ClaimAdjudicated");
    expect((await fx.engine.claimOf(claimId)).status).to.equal(9n);
    expect((await fx.engine.claimOf(2n)).status).to.equal(2n);
    expect((await readClaim(fx.engine, 2n)).replaces).to.equal(claimId);
  });

  it("voids a claim under review and a rejected one, but never a paid or a denied one", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const pending = await submitClaim(fx, fx.claim(surgery));
    await fx.engine.connect(fx.hospital).voidClaim(pending.claimId, await detailsFor(fx, pending.claimId));
    expect((await fx.engine.claimOf(pending.claimId)).status).to.equal(8n);
    const rejected = await submitClaim(fx, fx.claim([{ code: CODES.cosmetic, units: 1n, charged: 1n }]));
    await fx.engine.connect(fx.hospital).voidClaim(rejected.claimId, await detailsFor(fx, rejected.claimId));
    const voidable = bits(S.PendingReview, S.Approved, S.Rejected);
    const denied = await submitClaim(fx, fx.claim(surgery, { serviceDate: fx.now - DAY }));
    await fx.engine.connect(fx.insurer).deny(denied.claimId, 50);
    await expect(fx.engine.connect(fx.hospital).voidClaim(denied.claimId, await detailsFor(fx, denied.claimId)))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus")
      .withArgs(denied.claimId, S.Denied, voidable);
    const paid = await submitClaim(fx, fx.claim(surgery, { serviceDate: fx.now }));
    await approveClaim(fx, paid.claimId);
    await expect(fx.engine.connect(fx.hospital).voidClaim(paid.claimId, await detailsFor(fx, paid.claimId)))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus")
      .withArgs(paid.claimId, S.Paid, voidable);
    await expect(fx.engine.connect(fx.hospital).voidClaim(99n, await detailsFor(fx, paid.claimId)))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnknownClaim")
      .withArgs(99n);
  });
});

describe("Claims: settlement vault", function () {
  it("collects what insurers owe a revoked provider into its recovery by vote, as far as their free escrow covers it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
    const plan2 = await fx.plans.planCount();
    await fx.plans.connect(fx.insurer2).enrol(plan2, patient(1), fx.coverageStart, fx.coverageEnd);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2 }));
    await networkHelpers.time.increase(7n * DAY + 1n);
    await fx.engine.connect(fx.hospital).escalate(claimId, await detailsFor(fx, claimId));
    expect(await fx.vault.owedOf(fx.insurer2Id, fx.hospitalId)).to.equal(usd(264));
    const vote = async (propose: () => Promise<unknown>) => {
      await propose();
      const id = await fx.registry.proposalCount();
      for (const g of fx.governors.slice(0, 2)) await fx.registry.connect(g).vote(id);
      return id;
    };
    const revoke = await vote(() =>
      fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Revoke, fx.hospitalId, ethers.ZeroAddress, 0, 0),
    );
    await fx.registry.execute(revoke);
    const to = fx.outsider.address;
    const recover = async () => {
      const data = fx.vault.interface.encodeFunctionData("recoverFunds", [fx.hospitalId, to]);
      return vote(() => fx.registry.connect(fx.governors[0]!).proposeCall(fx.vault.getAddress(), data));
    };
    await fx.vault.connect(fx.insurer2).fund(usd(100));
    const first = await recover();
    await expect(fx.registry.execute(first))
      .to.emit(fx.vault, "OwedCollected")
      .withArgs(fx.insurer2Id, fx.hospitalId, usd(100))
      .and.to.emit(fx.vault, "FundsRecovered")
      .withArgs(fx.hospitalId, to, usd(100), first);
    expect(await fx.vault.debtOf(fx.insurer2Id)).to.equal(usd(164));
    // The rest once the insurer funds again; the insurer's escrow above it is its own.
    await fx.vault.connect(fx.insurer2).fund(usd(1000));
    const second = await recover();
    await expect(fx.registry.execute(second))
      .to.emit(fx.vault, "FundsRecovered")
      .withArgs(fx.hospitalId, to, usd(164), second);
    expect([await fx.token.balanceOf(to), await fx.vault.debtOf(fx.insurer2Id)]).to.deep.equal([usd(264), 0n]);
    await fx.vault.connect(fx.insurer2).withdrawEscrow(usd(836));
    expect((await fx.vault.escrowOf(fx.insurer2Id)).free).to.equal(0n);
  });

  it("settles many approved claims in one transaction, crediting each provider once per run", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const ids: bigint[] = [];
    for (const n of [1, 2, 3])
      ids.push((await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(n) }))).claimId);
    await expect(fx.engine.connect(fx.insurer).settle(ids))
      .to.emit(fx.engine, "ClaimsSettled")
      .withArgs(fx.insurerId, 3n, usd(3 * 264));
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(792));
    expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000 - 792), 0n]);
    await expect(fx.engine.connect(fx.insurer).settle([ids[1]!]))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus")
      .withArgs(ids[1]!, S.Paid, bits(S.Approved));
    await expect(fx.engine.connect(fx.insurer).settle([77n]))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnknownClaim")
      .withArgs(77n);
  });

  it("sums credits per provider across a batch mixing providers", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const first = await submitClaim(fx, fx.claim(THREE_LINES));
    const lab = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(2) }), fx.lab);
    const third = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(3) }));
    await fx.engine.connect(fx.insurer).settle([first.claimId, lab.claimId, third.claimId]);
    expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(528));
    expect(await fx.vault.creditOf(fx.labId)).to.equal(usd(264));
  });

  it("pays the provider's credit on withdrawal, exactly once", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    await fx.engine.connect(fx.insurer).settle([claimId]);
    await expect(fx.vault.connect(fx.hospital).withdraw()).to.changeTokenBalances(
      ethers,
      fx.token,
      [fx.hospital, fx.vault],
      [usd(264), -usd(264)],
    );
    await expect(fx.vault.connect(fx.hospital).withdraw())
      .to.be.revertedWithCustomError(fx.vault, "ClaimsNothingToWithdraw")
      .withArgs(fx.hospitalId);
  });

  it("lets an insurer withdraw free escrow but not reserved funds, and refuses zero amounts", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await submitClaim(fx, fx.claim(THREE_LINES));
    const free = usd(100_000 - 264);
    await expect(fx.vault.connect(fx.insurer).withdrawEscrow(free + 1n))
      .to.be.revertedWithCustomError(fx.vault, "ClaimsInsufficientEscrow")
      .withArgs(fx.insurerId, free, free + 1n);
    await expect(fx.vault.connect(fx.insurer).withdrawEscrow(free))
      .to.emit(fx.vault, "EscrowWithdrawn")
      .withArgs(fx.insurerId, fx.insurer.address, free);
    expect(await fx.token.balanceOf(await fx.vault.getAddress())).to.equal(usd(264));
    await expect(fx.vault.connect(fx.insurer).withdrawEscrow(0)).to.be.revertedWithCustomError(
      fx.vault,
      "ClaimsZeroAmount",
    );
    await expect(fx.vault.connect(fx.insurer).fund(0)).to.be.revertedWithCustomError(fx.vault, "ClaimsZeroAmount");
  });
});

describe("Claims: plans and coverage periods", function () {
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

  it("refuses inconsistent terms, zero or overlong windows, zero codes, zero patients and inverted periods", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const p = fx.plans.connect(fx.insurer);
    await expect(p.publishPlan({ ...planTerms(fx.now), coinsuranceBps: 10_001 }, PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidCoinsurance")
      .withArgs(10_001);
    await expect(p.publishPlan({ ...planTerms(fx.now), deductible: usd(2000) }, PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsDeductibleAboveOopMax")
      .withArgs(usd(2000), usd(1500));
    const windows: Array<[bigint, bigint]> = [
      [0n, 30n * DAY],
      [7n * DAY, 0n],
      [366n * DAY, 30n * DAY],
      [7n * DAY, 366n * DAY],
    ];
    for (const [reviewWindow, appealWindow] of windows) {
      await expect(p.publishPlan({ ...planTerms(fx.now), reviewWindow, appealWindow }, PLAN_RULES))
        .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidWindows")
        .withArgs(reviewWindow, appealWindow);
      await expect(p.revisePlan(fx.planId, { ...planTerms(fx.now + DAY), reviewWindow, appealWindow }, PLAN_RULES))
        .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidWindows")
        .withArgs(reviewWindow, appealWindow);
    }
    await expect(
      p.publishPlan(planTerms(fx.now), [{ ...PLAN_RULES[0]!, code: ethers.ZeroHash }]),
    ).to.be.revertedWithCustomError(fx.plans, "ClaimsZeroCode");
    await expect(p.enrol(fx.planId, ethers.ZeroHash, 1, 2)).to.be.revertedWithCustomError(
      fx.plans,
      "ClaimsZeroPatientRef",
    );
    await expect(p.enrol(fx.planId, patient(5), 2, 1))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidPeriod")
      .withArgs(2, 1);
    await expect(p.enrol(fx.planId, patient(5), 0, 1))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidPeriod")
      .withArgs(0, 1);
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
    await expect(p.enrol(42, patient(5), 1, 2))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsUnknownPlan")
      .withArgs(42);
    await expect(p.revisePlan(42, planTerms(fx.now + DAY), PLAN_RULES))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsUnknownPlan")
      .withArgs(42);
  });

  it("keeps coverage periods apart: a new one starts after the latest ends, and an end never moves into the past", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const p = fx.plans.connect(fx.insurer);
    await expect(p.enrol(fx.planId, patient(1), fx.coverageEnd, fx.coverageEnd + 365n * DAY))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsOverlappingPeriod")
      .withArgs(fx.coverageEnd, fx.coverageEnd);
    await expect(p.enrol(fx.planId, patient(1), fx.coverageStart - 10n * DAY, fx.coverageStart - DAY))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsOverlappingPeriod")
      .withArgs(fx.coverageStart - 10n * DAY, fx.coverageEnd);
    await expect(p.enrol(fx.planId, patient(1), fx.coverageStart, fx.now - DAY))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsRetroactiveEnd")
      .withArgs(fx.now - DAY, (v: bigint) => v > fx.now);
    // Cutting coverage short from now on, then a next period after it.
    const cut = fx.now + 10n * DAY;
    await expect(p.enrol(fx.planId, patient(1), fx.coverageStart, cut))
      .to.emit(fx.plans, "PatientEnrolled")
      .withArgs(fx.planId, patient(1), fx.coverageStart, cut);
    await p.enrol(fx.planId, patient(1), cut + 1n, cut + 365n * DAY);
    expect(await fx.plans.latestPeriodOf(fx.planId, patient(1))).to.equal(cut + 1n);
    expect(await fx.plans.periodOf(fx.planId, patient(1), cut + 1n)).to.deep.equal([
      cut + 365n * DAY,
      fx.coverageStart,
    ]);
    expect(await fx.plans.coverageOn(fx.planId, patient(1), fx.serviceDate)).to.equal(fx.coverageStart);
    expect(await fx.plans.coverageOn(fx.planId, patient(1), cut + 5n)).to.equal(cut + 1n);
    expect(await fx.plans.coverageOn(fx.planId, patient(1), fx.coverageStart - 1n)).to.equal(0n);
    expect(await fx.plans.coverageOn(fx.planId, patient(1), cut + 366n * DAY)).to.equal(0n);
  });

  it("answers what a plan says: its insurer, versions, rules and periods", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    expect(await fx.plans.planOf(fx.planId)).to.deep.equal([fx.insurerId, 1n]);
    expect([await fx.engine.providerAt(0), await fx.engine.providerAt(9)]).to.deep.equal([
      ethers.ZeroHash,
      ethers.ZeroHash,
    ]);
    const rule = await fx.plans.ruleOf(fx.planId, 0, CODES.xray);
    expect([rule.feePerUnit, rule.unitCap, rule.listed]).to.deep.equal([usd(250), 1n, true]);
    expect(await fx.plans.periodOf(fx.planId, patient(1), fx.coverageStart)).to.deep.equal([fx.coverageEnd, 0n]);
    expect((await fx.plans.termsOf(fx.planId, 0)).appealWindow).to.equal(30n * DAY);
    const auth = await fx.plans.authorisationOf(fx.planId, patient(1), CODES.mri);
    expect(auth.units).to.equal(0n);
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
    await expect(fx.vault.connect(fx.insurer).fund(1))
      .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedPaused")
      .withArgs(MODULE_IDS.claims);
  });

  it("refuses to deploy with a zero plan book, record registry or token", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const registry = await fx.registry.getAddress();
    const ok = await fx.plans.getAddress();
    const Engine = await ethers.getContractFactory("ClaimsEngine", { libraries: await claimsLibraries(ethers) });
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
