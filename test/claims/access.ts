import { expect } from "chai";
import { network } from "hardhat";

import { CODES, PLAN_RULES, THREE_LINES, deployClaims, patient, planTerms } from "./fixture.js";
import { NO_DOCUMENTATION, detailsFor, submitClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

const INSURER = 32;
const PROVIDERS = 3; // Hospital | Laboratory

describe("Claims: who may do what", function () {
  it("lets only active insurers publish plans", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    for (const who of [fx.outsider, fx.hospital]) {
      await expect(fx.plans.connect(who).publishPlan(planTerms(fx.now), PLAN_RULES))
        .to.be.revertedWithCustomError(fx.plans, "ConsortiumGuardedUnauthorized")
        .withArgs(who.address, INSURER);
    }
  });

  it("lets only the plan's own insurer enrol patients in it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    await expect(fx.plans.connect(fx.insurer2).enrol(fx.planId, patient(5), 1, 2))
      .to.be.revertedWithCustomError(fx.plans, "ClaimsNotPlanInsurer")
      .withArgs(fx.planId, fx.insurer2Id);
    for (const who of [fx.outsider, fx.hospital]) {
      await expect(fx.plans.connect(who).enrol(fx.planId, patient(5), 1, 2))
        .to.be.revertedWithCustomError(fx.plans, "ConsortiumGuardedUnauthorized")
        .withArgs(who.address, INSURER);
    }
  });

  it("lets only the plan's own insurer revise it and grant authorisations", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const calls = (p: typeof fx.plans) => [
      () => p.revisePlan(fx.planId, planTerms(fx.now + 1000n), PLAN_RULES),
      () => p.authorise(fx.planId, patient(1), CODES.mri, 1, 1, 2),
    ];
    for (const call of calls(fx.plans.connect(fx.insurer2))) {
      await expect(call())
        .to.be.revertedWithCustomError(fx.plans, "ClaimsNotPlanInsurer")
        .withArgs(fx.planId, fx.insurer2Id);
    }
    for (const call of calls(fx.plans.connect(fx.outsider))) {
      await expect(call())
        .to.be.revertedWithCustomError(fx.plans, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.outsider.address, INSURER);
    }
  });

  it("lets only active hospitals and laboratories submit, replace, void, appeal, escalate and withdraw", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const details = await detailsFor(fx, claimId);
    for (const who of [fx.outsider, fx.insurer]) {
      const e = fx.engine.connect(who);
      for (const call of [
        () => e.submit(fx.claim(THREE_LINES)),
        () => e.replace(claimId, details, fx.claim(THREE_LINES)),
        () => e.voidClaim(claimId, details),
        () => e.appeal(claimId),
        () => e.escalate(claimId, details),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(fx.engine, "ConsortiumGuardedUnauthorized")
          .withArgs(who.address, PROVIDERS);
      }
      await expect(fx.vault.connect(who).withdraw())
        .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedUnauthorized")
        .withArgs(who.address, PROVIDERS);
    }
  });

  it("lets only the claim's own provider void, replace, appeal or escalate it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const details = await detailsFor(fx, claimId);
    const e = fx.engine.connect(fx.hospital2);
    for (const call of [
      () => e.voidClaim(claimId, details),
      () => e.replace(claimId, details, fx.claim(THREE_LINES)),
      () => e.appeal(claimId),
      () => e.escalate(claimId, details),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(fx.engine, "ClaimsNotClaimProvider")
        .withArgs(claimId, fx.hospital2Id);
    }
  });

  it("lets only active insurers fund, withdraw escrow, settle, approve, deny and decide appeals", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const details = await detailsFor(fx, claimId);
    for (const who of [fx.outsider, fx.hospital]) {
      const e = fx.engine.connect(who);
      for (const call of [
        () => e.settle([claimId]),
        () => e.approve(claimId, details),
        () => e.deny(claimId, 50),
        () => e.decideAppeal(claimId, false, 50, details, NO_DOCUMENTATION),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(fx.engine, "ConsortiumGuardedUnauthorized")
          .withArgs(who.address, INSURER);
      }
      for (const call of [() => fx.vault.connect(who).fund(1), () => fx.vault.connect(who).withdrawEscrow(1)]) {
        await expect(call())
          .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedUnauthorized")
          .withArgs(who.address, INSURER);
      }
    }
  });

  it("lets only the insurer of the claim's plan settle, approve, deny or decide it", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
    const details = await detailsFor(fx, claimId);
    const e = fx.engine.connect(fx.insurer2);
    for (const call of [
      () => e.settle([claimId]),
      () => e.approve(claimId, details),
      () => e.deny(claimId, 50),
      () => e.decideAppeal(claimId, false, 50, details, NO_DOCUMENTATION),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(fx.engine, "ClaimsNotClaimInsurer")
        .withArgs(claimId, fx.insurer2Id);
    }
    await expect(e.approve(999n, details))
      .to.be.revertedWithCustomError(fx.engine, "ClaimsUnknownClaim")
      .withArgs(999n);
  });

  it("lets only the engine that deployed the vault move escrow, even the plan's own insurer or a governor", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const v = fx.vault;
    for (const who of [fx.insurer, fx.hospital, fx.governors[0]!]) {
      for (const call of [
        () => v.connect(who).tryReserve(fx.insurerId, 1),
        () => v.connect(who).release(fx.insurerId, 1),
        () => v.connect(who).tryBack(fx.insurerId, 1),
        () => v.connect(who).releaseBacking(fx.insurerId, 1),
        () => v.connect(who).payFromFree(fx.insurerId, fx.hospitalId, 1),
        () => v.connect(who).payFromReserved(fx.insurerId, fx.hospitalId, 1),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(v, "ClaimsNotEngine").withArgs(who.address);
      }
    }
    expect(await v.engine()).to.equal(await fx.engine.getAddress());
  });

  it("lets only a consortium vote recover a member's funds", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    for (const who of [fx.insurer, fx.governors[0]!, fx.certifier]) {
      await expect(fx.vault.connect(who).recoverFunds(fx.insurerId, who.address))
        .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedNotConsortiumVote")
        .withArgs(who.address);
    }
  });
});
