/**
 * Attacks of the third adversarial review on the claims module (not in claims.ts or review-claims.ts).
 * Each test asserts the safe behaviour, so it fails on the reviewed main until the weakness is fixed.
 * The list, with severities and suggested fixes, is in FINDINGS.md.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { ProposalAction } from "../../src/consortium/kinds.js";
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

/** Two governors pass a proposal (the fixture's threshold is 2 of 3) and it is executed; returns its id. */
async function passAndExecute(fx: ClaimsFixture, propose: () => Promise<unknown>): Promise<bigint> {
  await propose();
  const id = await fx.registry.proposalCount();
  for (const g of fx.governors.slice(0, 2)) await fx.registry.connect(g).vote(id);
  await fx.registry.execute(id);
  return id;
}

async function revoke(fx: ClaimsFixture, memberId: string): Promise<void> {
  await passAndExecute(fx, () =>
    fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Revoke, memberId, ethers.ZeroAddress, 0, 0),
  );
}

async function recoverByVote(fx: ClaimsFixture, memberId: string, to: string): Promise<void> {
  const data = fx.vault.interface.encodeFunctionData("recoverFunds", [memberId, to]);
  const vault = await fx.vault.getAddress();
  await passAndExecute(fx, () => fx.registry.connect(fx.governors[0]!).proposeCall(vault, data));
}

/** Insurer 2 publishes the fixture plan (no escrow yet) and enrols patient 1; returns the plan id. */
async function unfundedPlan(fx: ClaimsFixture): Promise<bigint> {
  await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
  const planId = await fx.plans.planCount();
  await fx.plans.connect(fx.insurer2).enrol(planId, patient(1), fx.coverageStart, fx.coverageEnd);
  return planId;
}

// Six MRI units: the plan pays 5,700 (the patient reaches the out-of-pocket maximum), over the
// review threshold of 5,000, so the claim waits in review.
const sixMri = [{ code: CODES.mri, units: 6n, charged: usd(7200) }];

describe("attack: claims", function () {
  describe("an insurer cannot take back what it granted for a claim already submitted", function () {
    it("stops an insurer replacing a prior authorisation retroactively so a claim in review is rejected at escalation", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      await fx.plans
        .connect(fx.insurer)
        .authorise(fx.planId, patient(1), CODES.mri, 6, fx.serviceDate - DAY, fx.now + 30n * DAY);
      const pending = await submitClaim(fx, fx.claim(sixMri));
      expect([pending.view.status, pending.view.planPays]).to.deep.equal(["PendingReview", usd(5700)]);
      // The insurer stays silent through its review window, and meanwhile replaces the grant the
      // service was rendered under by one that starts after the service date.
      await attempt(async () =>
        (
          await fx.plans
            .connect(fx.insurer)
            .authorise(fx.planId, patient(1), CODES.mri, 6, fx.now + 60n * DAY, fx.now + 90n * DAY)
        ).wait(),
      );
      await networkHelpers.time.increase(7n * DAY + 60n);
      await fx.engine.connect(fx.hospital).escalate(pending.claimId, await detailsFor(fx, pending.claimId));
      const decided = await readClaim(fx.engine, pending.claimId);
      expect([decided.status, decided.reason]).to.deep.equal(["Paid", 0]);
      expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(5700));
    });
  });

  describe("a claim in review does not change another provider's outcome", function () {
    it("stops a provider's claims in review from reserving the insurer's escrow so a rival's small claim is not approved at once", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const planId = await unfundedPlan(fx);
      await fx.vault.connect(fx.insurer2).fund(usd(13_000));
      // Hospital 2 bills two surgeries (each over the review threshold) on two days: each backs its
      // 6,500 with a reservation, and the insurer's free escrow is gone.
      const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];
      for (const serviceDate of [fx.serviceDate, fx.serviceDate - DAY]) {
        const parked = await submitClaim(fx, fx.claim(surgery, { planId, serviceDate }), fx.hospital2);
        expect(parked.view.status).to.equal("PendingReview");
      }
      // Hospital 1's ordinary claim, well under the threshold, would have been approved at once.
      const victim = await submitClaim(fx, fx.claim(THREE_LINES, { planId }));
      expect([victim.view.status, victim.view.planPays]).to.deep.equal(["Approved", usd(264)]);
    });
  });

  describe("no money is stranded in the vault", function () {
    it("lets the consortium recover what an insurer owes a provider it revoked (the debt otherwise locks the insurer's escrow for good)", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const planId = await unfundedPlan(fx);
      const pending = await submitClaim(fx, fx.claim(THREE_LINES, { planId }));
      expect(pending.view.status).to.equal("PendingReview"); // insurer 2 has no escrow
      await networkHelpers.time.increase(7n * DAY + 60n);
      await fx.engine.connect(fx.hospital).escalate(pending.claimId, await detailsFor(fx, pending.claimId));
      const owed = await fx.vault.owedOf(fx.insurer2Id, fx.hospitalId);
      expect(owed).to.be.greaterThan(0n);
      // The hospital is revoked before the insurer funds its escrow: it can never collect.
      await revoke(fx, fx.hospitalId);
      await fx.vault.connect(fx.insurer2).fund(usd(10_000));
      await attempt(async () => recoverByVote(fx, fx.hospitalId, fx.outsider.address));
      // Either the vote collected the debt for the revoked provider, or the debt no longer binds the
      // insurer's escrow: in both cases every token has an owner who can move it.
      const recovered = await fx.token.balanceOf(fx.outsider.address);
      const debt = await fx.vault.debtOf(fx.insurer2Id);
      expect(recovered === owed || debt === 0n, `recovered ${recovered}, debt still ${debt}`).to.equal(true);
    });
  });
});
