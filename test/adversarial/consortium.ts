import { expect } from "chai";

import { VOTING_PERIOD, ONE_YEAR } from "../helpers/consortium.js";
import {
  ONE_DAY,
  ProposalAction,
  RECORDS,
  Status,
  ethers,
  loadRegistry,
  networkHelpers,
  passProposal,
} from "../consortium/fixture.js";

const { time } = networkHelpers;

/**
 * Attacks by one rogue key on the consortium (issue 8, point 16): a governor that pauses a module
 * over and over, and a certifier that shortens, revives or re-suspends members alone. Each would
 * have succeeded on f3bfe51 and is stopped now.
 */
describe("adversarial: one rogue key cannot hold the consortium hostage", function () {
  describe("a rogue governor", function () {
    it("stops a single governor re-pausing a module the others lifted", async function () {
      const fx = await loadRegistry();
      const rogue = fx.registry.connect(fx.governors[0]!);
      await rogue.pauseModule(RECORDS);
      const lapsesAt = await fx.registry.pausedUntil(RECORDS);
      await passProposal(fx, ProposalAction.Unpause, RECORDS);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      await expect(rogue.pauseModule(RECORDS))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumPauseCoolingDown")
        .withArgs(RECORDS, fx.governors[0]!.address, lapsesAt + VOTING_PERIOD);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
    });

    it("stops a single governor renewing its own pause when it lapses", async function () {
      const fx = await loadRegistry();
      const rogue = fx.registry.connect(fx.governors[0]!);
      await rogue.pauseModule(RECORDS);
      const lapsesAt = await fx.registry.pausedUntil(RECORDS);
      await time.increaseTo(lapsesAt);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      await expect(rogue.pauseModule(RECORDS))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumPauseCoolingDown")
        .withArgs(RECORDS, fx.governors[0]!.address, lapsesAt + VOTING_PERIOD);
      // a voting period after the lapse it may pause again: the others had that long to remove it
      await time.increaseTo(lapsesAt + VOTING_PERIOD);
      await expect(rogue.pauseModule(RECORDS)).to.emit(fx.registry, "ModulePaused");
    });

    it("stops a single governor's pause from lasting beyond one voting period without a vote", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      await time.increase(VOTING_PERIOD);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      const [, active, paused] = await fx.registry.authorize(fx.hospital.account.address, fx.hospital.kinds, RECORDS);
      expect([active, paused]).to.deep.equal([true, false]);
    });

    it("stops a governor removed by vote from pausing at all", async function () {
      const fx = await loadRegistry();
      const rogue = fx.governors[2]!;
      await fx.registry.connect(rogue).pauseModule(RECORDS);
      await passProposal(fx, ProposalAction.Unpause, RECORDS);
      await passProposal(fx, ProposalAction.RemoveGovernor, ethers.ZeroHash, rogue.address);
      await time.increase(3n * VOTING_PERIOD);
      await expect(fx.registry.connect(rogue).pauseModule(RECORDS))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotGovernor")
        .withArgs(rogue.address);
    });
  });

  describe("a rogue certifier", function () {
    it("stops the certifier alone shortening a certification", async function () {
      const fx = await loadRegistry();
      const old = (await fx.registry.getMember(fx.hospital.id)).certifiedUntil;
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, now + ONE_DAY))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumRenewalNeedsVote")
        .withArgs(fx.hospital.id, old, now + ONE_DAY, now + 3n * ONE_YEAR);
      expect((await fx.registry.getMember(fx.hospital.id)).certifiedUntil).to.equal(old);
    });

    it("stops the certifier alone reviving a lapsed certification", async function () {
      const fx = await loadRegistry();
      const old = (await fx.registry.getMember(fx.expired.id)).certifiedUntil;
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.expired.id, now + ONE_YEAR))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumRenewalNeedsVote")
        .withArgs(fx.expired.id, old, now + ONE_YEAR, now + 3n * ONE_YEAR);
      expect(await fx.registry.isActiveMemberId(fx.expired.id, fx.expired.kinds)).to.equal(false);
    });

    it("stops the certifier alone certifying a member for longer than three years ahead", async function () {
      const fx = await loadRegistry();
      const old = (await fx.registry.getMember(fx.hospital.id)).certifiedUntil;
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      const forever = 2n ** 63n;
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, forever))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumRenewalNeedsVote")
        .withArgs(fx.hospital.id, old, forever, now + 3n * ONE_YEAR);
    });

    it("stops the certifier re-suspending a member the governors reinstated", async function () {
      const fx = await loadRegistry();
      const reinstate = await passProposal(fx, ProposalAction.Reinstate, fx.suspended.id);
      const block = await ethers.provider.getBlock("latest");
      const allowedFrom = BigInt(block!.timestamp) + VOTING_PERIOD;
      expect((await fx.registry.getProposal(reinstate)).executed).to.equal(true);
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.suspended.id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumSuspensionCoolingDown")
        .withArgs(fx.suspended.id, allowedFrom);
      expect((await fx.registry.getMember(fx.suspended.id)).status).to.equal(Status.Active);
      // the governors may still suspend it by vote at once
      await passProposal(fx, ProposalAction.Suspend, fx.suspended.id);
      expect((await fx.registry.getMember(fx.suspended.id)).status).to.equal(Status.Suspended);
    });

    it("lets the certifier suspend in an emergency again once the voting period after a reinstatement passed", async function () {
      const fx = await loadRegistry();
      await passProposal(fx, ProposalAction.Reinstate, fx.suspended.id);
      const block = await ethers.provider.getBlock("latest");
      const allowedFrom = BigInt(block!.timestamp) + VOTING_PERIOD;
      await time.setNextBlockTimestamp(allowedFrom - 1n);
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.suspended.id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumSuspensionCoolingDown")
        .withArgs(fx.suspended.id, allowedFrom);
      await time.setNextBlockTimestamp(allowedFrom);
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.suspended.id))
        .to.emit(fx.registry, "MemberSuspended")
        .withArgs(fx.suspended.id, true, fx.certifier.address);
    });
  });
});
