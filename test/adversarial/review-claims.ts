/**
 * Attacks of the second adversarial review on the claims module (not in claims.ts). Each test
 * asserts the safe behaviour, so it fails on the reviewed main until the weakness is fixed.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { readClaim } from "../../src/claims/engine.js";
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
} from "../claims/fixture.js";
import { detailsFor, submitClaim } from "../claims/helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

/** Runs an attack step that a fixed contract may refuse; the test judges the outcome, not the step. */
async function attempt(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch {
    // refused: the safe outcome for this step
  }
}

const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];

/** Insurer 2 publishes the fixture plan (no escrow yet) and enrols patient 1; returns the plan id. */
async function unfundedPlan(fx: ClaimsFixture): Promise<bigint> {
  await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
  const planId = await fx.plans.planCount();
  await fx.plans.connect(fx.insurer2).enrol(planId, patient(1), fx.coverageStart, fx.coverageEnd);
  return planId;
}

describe("adversarial review: claims", function () {
  describe("an insurer's denial is never bypassed", function () {
    it("a provider gets a denied claim paid without review by replacing the correction that went to review", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const planId = await unfundedPlan(fx);
      const input = fx.claim(THREE_LINES, { planId });
      const denied = await submitClaim(fx, input);
      expect(denied.view.status).to.equal("PendingReview"); // insurer 2 has no escrow yet
      await fx.engine.connect(fx.insurer2).deny(denied.claimId, 50); // CARC 50: not medically necessary
      await fx.vault.connect(fx.insurer2).fund(usd(10_000));
      // The correction goes to review, as the README promises ...
      await fx.engine.connect(fx.hospital).replace(denied.claimId, await detailsFor(fx, denied.claimId), input);
      const correction = await fx.engine.claimCount();
      expect((await readClaim(fx.engine, correction)).status).to.equal("PendingReview");
      // ... but replacing the correction with the very same claim is a new submission, decided at once.
      await attempt(async () =>
        (await fx.engine.connect(fx.hospital).replace(correction, await detailsFor(fx, correction), input)).wait(),
      );
      const last = await readClaim(fx.engine, await fx.engine.claimCount());
      expect(last.status).to.be.oneOf(["PendingReview", "Rejected", "Replaced"]);
      // Nothing was paid: the escrow is whole (a claim in review backs its provisional plan share
      // with a reservation, so part of it may be reserved) and the provider has no credit.
      const [free, reserved] = await fx.vault.escrowOf(fx.insurer2Id);
      expect(free + reserved).to.equal(usd(10_000));
      expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(0n);
    });

    it("a provider gets a denied claim paid without review by voiding the correction and submitting it afresh", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const planId = await unfundedPlan(fx);
      const input = fx.claim(THREE_LINES, { planId });
      const denied = await submitClaim(fx, input);
      await fx.engine.connect(fx.insurer2).deny(denied.claimId, 50);
      await fx.vault.connect(fx.insurer2).fund(usd(10_000));
      await fx.engine.connect(fx.hospital).replace(denied.claimId, await detailsFor(fx, denied.claimId), input);
      const correction = await fx.engine.claimCount();
      await fx.engine.connect(fx.hospital).voidClaim(correction, await detailsFor(fx, correction));
      const fresh = await submitClaim(fx, { ...input });
      expect(fresh.view.status).to.be.oneOf(["PendingReview", "Rejected"]);
    });
  });

  describe("prompt pay", function () {
    it("an insurer defeats prompt pay by withdrawing the free escrow a claim in review will need", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const pending = await submitClaim(fx, fx.claim(surgery));
      expect([pending.view.status, pending.view.planPays]).to.deep.equal(["PendingReview", usd(6500)]);
      // Just before the review window ends, the insurer takes all its free escrow out.
      await networkHelpers.time.increase(7n * DAY - 60n);
      await attempt(async () => (await fx.vault.connect(fx.insurer).withdrawEscrow(usd(100_000))).wait());
      await networkHelpers.time.increase(120n);
      await attempt(async () =>
        (await fx.engine.connect(fx.hospital).escalate(pending.claimId, await detailsFor(fx, pending.claimId))).wait(),
      );
      const decided = await readClaim(fx.engine, pending.claimId);
      expect(decided.status).to.equal("Paid");
      expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(6500));
    });

    it("an insurer front-runs the provider's escalation with a denial sent after its review window closed", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const pending = await submitClaim(fx, fx.claim(surgery));
      await networkHelpers.time.increase(7n * DAY + 60n); // the review window is over
      await attempt(async () => (await fx.engine.connect(fx.insurer).deny(pending.claimId, 50)).wait());
      await fx.engine.connect(fx.hospital).escalate(pending.claimId, await detailsFor(fx, pending.claimId));
      expect((await readClaim(fx.engine, pending.claimId)).status).to.equal("Paid");
    });
  });

  describe("the review threshold", function () {
    it("a provider splits one day's services into claims each under the review threshold and is paid without review", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      // A plan without cost sharing that reviews claims paying more than 500.
      const terms = { ...planTerms(fx.now - 400n * DAY), deductible: 0n, copay: 0n, coinsuranceBps: 0 };
      await fx.plans.connect(fx.insurer).publishPlan({ ...terms, reviewThreshold: usd(500) }, PLAN_RULES);
      const planId = await fx.plans.planCount();
      await fx.plans.connect(fx.insurer).enrol(planId, patient(1), fx.coverageStart, fx.coverageEnd);
      const whole = await submitClaim(fx, fx.claim(THREE_LINES, { planId }));
      expect([whole.view.status, whole.view.planPays]).to.deep.equal(["PendingReview", usd(850)]);
      await fx.engine.connect(fx.hospital).voidClaim(whole.claimId, await detailsFor(fx, whole.claimId));
      // The same services of the same day, in two claims of 450 and 400.
      const first = await submitClaim(fx, fx.claim(THREE_LINES.slice(0, 2), { planId }));
      const second = await submitClaim(fx, fx.claim(THREE_LINES.slice(2), { planId }));
      expect(first.view.status).to.equal("Approved");
      expect(second.view.status).to.be.oneOf(["PendingReview", "Rejected"]);
    });
  });

  describe("prior authorisations", function () {
    it("units used under last year's authorisation are charged to this year's new one", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const mri = [{ code: CODES.mri, units: 1n, charged: usd(1200) }];
      await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 1, fx.now - 5n * DAY, fx.now);
      const used = await submitClaim(fx, fx.claim(mri));
      expect(used.view.status).to.equal("Approved");
      // A new authorisation of one unit, for services from next month on.
      const from = fx.now + 30n * DAY;
      await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 1, from, from + 30n * DAY);
      await networkHelpers.time.increaseTo(from + DAY);
      const next = await submitClaim(fx, fx.claim(mri, { serviceDate: from }));
      expect([next.view.status, next.view.reason]).to.deep.equal(["Approved", 0]);
    });
  });
});
