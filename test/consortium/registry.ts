import { expect } from "chai";

import { VOTING_PERIOD, ONE_YEAR } from "../helpers/consortium.js";
import {
  ONE_DAY,
  PROVENANCE,
  ProposalAction,
  RECORDS,
  Status,
  applicant,
  certify,
  ethers,
  kindMask,
  loadRegistry,
  networkHelpers,
  passProposal,
  propose,
  proposeWithVotes,
  voteBy,
  type RegistryFixture,
} from "./fixture.js";

const { time } = networkHelpers;

/** The three views modules use, asked about one account of one member for one kind mask. */
async function views(fx: RegistryFixture, account: string, memberId: string, mask: number, _kind?: number) {
  const [, activeOf] = await fx.registry.activeMemberOf(account, mask);
  const [, activeAuth] = await fx.registry.authorize(account, mask, RECORDS);
  return {
    activeMemberOf: activeOf,
    authorize: activeAuth,
    isActiveMemberId: await fx.registry.isActiveMemberId(memberId, mask),
  };
}

/** Whether `account` operates for an active member of kind `kind` (a MemberKind number). */
async function activeAs(fx: RegistryFixture, account: string, kind: number): Promise<boolean> {
  const [, active] = await fx.registry.activeMemberOf(account, 1 << kind);
  return active;
}

const allActive = { activeMemberOf: true, authorize: true, isActiveMemberId: true };
const allInactive = { activeMemberOf: false, authorize: false, isActiveMemberId: false };
const HOSPITAL = 0;

describe("ConsortiumRegistry", function () {
  describe("deployment", function () {
    async function deployArgs() {
      const [certifier, g1, g2, g3] = await ethers.getSigners();
      return { certifier: certifier!.address, governors: [g1!.address, g2!.address, g3!.address] };
    }

    it("starts with the given certifier, governors, threshold and voting period, and announces them", async function () {
      const fx = await loadRegistry();
      expect(await fx.registry.certifier()).to.equal(fx.certifier.address);
      expect(await fx.registry.governors()).to.deep.equal(fx.governors.map((g) => g.address));
      expect(await fx.registry.threshold()).to.equal(2n);
      expect(await fx.registry.votingPeriod()).to.equal(VOTING_PERIOD);
      const { certifier, governors } = await deployArgs();
      const fresh = await ethers.deployContract("ConsortiumRegistry", [certifier, governors, 3n, 60n]);
      const deployment = fresh.deploymentTransaction()!;
      await expect(deployment).to.emit(fresh, "GovernorAdded").withArgs(governors[2]);
      await expect(deployment).to.emit(fresh, "CertifierChanged").withArgs(ethers.ZeroAddress, certifier);
      await expect(deployment).to.emit(fresh, "ThresholdChanged").withArgs(0n, 3n);
      expect(await fresh.threshold()).to.equal(3n);
      expect(await fresh.votingPeriod()).to.equal(60n);
    });

    it("refuses a zero certifier", async function () {
      const fx = await loadRegistry();
      const { governors } = await deployArgs();
      await expect(
        ethers.deployContract("ConsortiumRegistry", [ethers.ZeroAddress, governors, 2n, VOTING_PERIOD]),
      ).to.be.revertedWithCustomError(fx.registry, "ConsortiumZeroAddress");
    });

    it("refuses a zero governor", async function () {
      const fx = await loadRegistry();
      const { certifier, governors } = await deployArgs();
      await expect(
        ethers.deployContract("ConsortiumRegistry", [certifier, [governors[0], ethers.ZeroAddress], 1n, VOTING_PERIOD]),
      ).to.be.revertedWithCustomError(fx.registry, "ConsortiumZeroAddress");
    });

    it("refuses a governor listed twice", async function () {
      const fx = await loadRegistry();
      const { certifier, governors } = await deployArgs();
      await expect(
        ethers.deployContract("ConsortiumRegistry", [
          certifier,
          [governors[0], governors[1], governors[0]],
          2n,
          VOTING_PERIOD,
        ]),
      )
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAlreadyGovernor")
        .withArgs(governors[0]);
    });

    it("refuses a threshold of zero", async function () {
      const fx = await loadRegistry();
      const { certifier, governors } = await deployArgs();
      await expect(ethers.deployContract("ConsortiumRegistry", [certifier, governors, 0n, VOTING_PERIOD]))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
        .withArgs(0n, 3n);
    });

    it("refuses a threshold above the number of governors", async function () {
      const fx = await loadRegistry();
      const { certifier, governors } = await deployArgs();
      await expect(ethers.deployContract("ConsortiumRegistry", [certifier, governors, 4n, VOTING_PERIOD]))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
        .withArgs(4n, 3n);
    });

    it("refuses an empty governor set", async function () {
      const fx = await loadRegistry();
      const { certifier } = await deployArgs();
      await expect(ethers.deployContract("ConsortiumRegistry", [certifier, [], 1n, VOTING_PERIOD]))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
        .withArgs(1n, 0n);
    });

    it("refuses a zero voting period", async function () {
      const fx = await loadRegistry();
      const { certifier, governors } = await deployArgs();
      await expect(ethers.deployContract("ConsortiumRegistry", [certifier, governors, 2n, 0n]))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidVotingPeriod")
        .withArgs(0n);
    });

    it("refuses a voting period longer than a year, which could overflow proposal expiries", async function () {
      const fx = await loadRegistry();
      const { certifier, governors } = await deployArgs();
      const max = await fx.registry.MAX_VOTING_PERIOD();
      expect(max).to.equal(365n * 24n * 3600n);
      await expect(ethers.deployContract("ConsortiumRegistry", [certifier, governors, 2n, max + 1n]))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidVotingPeriod")
        .withArgs(max + 1n);
      await expect(ethers.deployContract("ConsortiumRegistry", [certifier, governors, 2n, 2n ** 64n - 1n]))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidVotingPeriod")
        .withArgs(2n ** 64n - 1n);
      const longest = await ethers.deployContract("ConsortiumRegistry", [certifier, governors, 2n, max]);
      expect(await longest.votingPeriod()).to.equal(max);
    });
  });

  describe("admission", function () {
    it("certifies an applicant and opens an admission proposal without admitting it yet", async function () {
      const fx = await loadRegistry();
      const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
      const id = (await fx.registry.proposalCount()) + 1n;
      const tx = fx.registry
        .connect(fx.certifier)
        .certify(a.memberId, a.metadata, a.kinds, a.account, a.certifiedUntil);
      await expect(tx)
        .to.emit(fx.registry, "ApplicantCertified")
        .withArgs(id, a.memberId, a.kinds, a.account, a.certifiedUntil, a.metadata);
      const expiresAt = BigInt(await time.latest()) + VOTING_PERIOD;
      await expect(tx)
        .to.emit(fx.registry, "ProposalCreated")
        .withArgs(
          id,
          ProposalAction.Admit,
          a.memberId,
          a.account,
          a.kinds,
          a.certifiedUntil,
          fx.certifier.address,
          expiresAt,
        );
      const proposal = await fx.registry.getProposal(id);
      expect(proposal.action).to.equal(BigInt(ProposalAction.Admit));
      expect(proposal.metadata).to.equal(a.metadata);
      expect(proposal.proposer).to.equal(fx.certifier.address);
      expect(proposal.expiresAt).to.equal(expiresAt);
      expect(proposal.executed).to.equal(false);
      expect((await fx.registry.getMember(a.memberId)).status).to.equal(Status.None);
      expect(await fx.registry.memberOf(a.account)).to.equal(ethers.ZeroHash);
      expect(await fx.registry.isActiveMemberId(a.memberId, a.kinds)).to.equal(false);
    });

    it("admits the applicant once k governors voted and someone executes the proposal", async function () {
      const fx = await loadRegistry();
      const account = fx.fresh[0]!;
      const a = await applicant("H-900", "Hospital", account.address);
      const id = await certify(fx, a);
      const countBefore = BigInt((await fx.registry.memberIds()).length);
      await expect(fx.registry.connect(fx.governors[0]!).vote(id))
        .to.emit(fx.registry, "ProposalVoted")
        .withArgs(id, fx.governors[0]!.address, 1n);
      await expect(fx.registry.connect(fx.governors[1]!).vote(id))
        .to.emit(fx.registry, "ProposalVoted")
        .withArgs(id, fx.governors[1]!.address, 2n);
      expect(await fx.registry.hasVoted(id, fx.governors[1]!.address)).to.equal(true);
      expect(await fx.registry.hasVoted(id, fx.governors[2]!.address)).to.equal(false);
      expect(await fx.registry.votesOf(id)).to.equal(2n);

      const tx = fx.registry.connect(fx.governors[2]!).execute(id);
      await expect(tx)
        .to.emit(fx.registry, "MemberAdmitted")
        .withArgs(a.memberId, a.kinds, a.account, a.certifiedUntil, a.metadata);
      await expect(tx).to.emit(fx.registry, "AccountAdded").withArgs(a.memberId, a.account);
      await expect(tx)
        .to.emit(fx.registry, "ProposalExecuted")
        .withArgs(id, ProposalAction.Admit, fx.governors[2]!.address);

      const m = await fx.registry.getMember(a.memberId);
      expect(m.status).to.equal(Status.Active);
      expect(m.kinds).to.equal(BigInt(a.kinds));
      expect(m.metadata).to.equal(a.metadata);
      expect(m.certifiedUntil).to.equal(a.certifiedUntil);
      expect(m.admittedAt).to.equal(BigInt(await time.latest()));
      expect(BigInt((await fx.registry.memberIds()).length)).to.equal(countBefore + 1n);
      expect((await fx.registry.memberIds()).at(-1)).to.equal(a.memberId);
      expect(await fx.registry.accountsOf(a.memberId)).to.deep.equal([a.account]);
      expect(await fx.registry.memberOf(a.account)).to.equal(a.memberId);
      expect(await views(fx, a.account, a.memberId, a.kinds, HOSPITAL)).to.deep.equal(allActive);
      expect((await fx.registry.getProposal(id)).executed).to.equal(true);
    });

    it("lets an outsider execute a proposal that has enough votes", async function () {
      const fx = await loadRegistry();
      const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
      const id = await certify(fx, a);
      await voteBy(fx, id, 2);
      await expect(fx.registry.connect(fx.outsider).execute(id))
        .to.emit(fx.registry, "ProposalExecuted")
        .withArgs(id, ProposalAction.Admit, fx.outsider.address);
      expect(await fx.registry.memberOf(a.account)).to.equal(a.memberId);
    });

    it("refuses execution below k votes, naming the votes and the threshold", async function () {
      const fx = await loadRegistry();
      const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
      const id = await certify(fx, a);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(id, 0n, 2n);
      await voteBy(fx, id, 1);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(id, 1n, 2n);
      expect((await fx.registry.getMember(a.memberId)).status).to.equal(Status.None);
    });

    it("refuses a second vote by the same governor", async function () {
      const fx = await loadRegistry();
      const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      const g = fx.governors[0]!;
      await fx.registry.connect(g).vote(id);
      await expect(fx.registry.connect(g).vote(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAlreadyVoted")
        .withArgs(id, g.address);
      expect(await fx.registry.votesOf(id)).to.equal(1n);
    });

    it("stops counting the vote of a governor removed after voting", async function () {
      const fx = await loadRegistry();
      const [g1, g2, g3] = [fx.governors[0]!, fx.governors[1]!, fx.governors[2]!];
      const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
      const admission = await certify(fx, a);
      await fx.registry.connect(g1).vote(admission);
      expect(await fx.registry.votesOf(admission)).to.equal(1n);

      const removal = await propose(fx, ProposalAction.RemoveGovernor, ethers.ZeroHash, g1.address);
      await fx.registry.connect(g2).vote(removal);
      await fx.registry.connect(g3).vote(removal);
      await fx.registry.execute(removal);
      expect(await fx.registry.isGovernor(g1.address)).to.equal(false);
      expect(await fx.registry.votesOf(admission)).to.equal(0n);

      await expect(fx.registry.connect(g2).vote(admission))
        .to.emit(fx.registry, "ProposalVoted")
        .withArgs(admission, g2.address, 1n);
      await expect(fx.registry.execute(admission))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(admission, 1n, 2n);
      await fx.registry.connect(g3).vote(admission);
      await fx.registry.execute(admission);
      expect(await fx.registry.memberOf(a.account)).to.equal(a.memberId);
    });

    it("does not revive the old vote of a governor removed and added again; it votes afresh", async function () {
      const fx = await loadRegistry();
      const [g1, g2, g3] = [fx.governors[0]!, fx.governors[1]!, fx.governors[2]!];
      const admission = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      await fx.registry.connect(g1).vote(admission);

      await passProposal(fx, ProposalAction.RemoveGovernor, undefined, g1.address);
      expect(await fx.registry.votesOf(admission)).to.equal(0n);
      const readd = (await fx.registry.proposalCount()) + 1n;
      await fx.registry.connect(g2).propose(ProposalAction.AddGovernor, ethers.ZeroHash, g1.address, 0, 0n);
      await fx.registry.connect(g2).vote(readd);
      await fx.registry.connect(g3).vote(readd);
      await fx.registry.execute(readd);
      expect(await fx.registry.isGovernor(g1.address)).to.equal(true);

      expect(await fx.registry.votesOf(admission)).to.equal(0n);
      expect(await fx.registry.hasVoted(admission, g1.address)).to.equal(false);
      await expect(fx.registry.connect(g1).vote(admission))
        .to.emit(fx.registry, "ProposalVoted")
        .withArgs(admission, g1.address, 1n);
      expect(await fx.registry.hasVoted(admission, g1.address)).to.equal(true);
      await expect(fx.registry.connect(g1).vote(admission))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAlreadyVoted")
        .withArgs(admission, g1.address);
    });

    it("accepts votes and execution until the second before the proposal expires", async function () {
      const fx = await loadRegistry();
      const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      const { expiresAt } = await fx.registry.getProposal(id);
      await voteBy(fx, id, 1);
      await time.setNextBlockTimestamp(expiresAt - 2n);
      await fx.registry.connect(fx.governors[1]!).vote(id);
      await time.setNextBlockTimestamp(expiresAt - 1n);
      await expect(fx.registry.execute(id)).to.emit(fx.registry, "MemberAdmitted");
    });

    it("refuses votes and execution from the instant the proposal expires", async function () {
      const fx = await loadRegistry();
      const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      await voteBy(fx, id, 2);
      const { expiresAt } = await fx.registry.getProposal(id);
      await time.increaseTo(expiresAt);
      await expect(fx.registry.connect(fx.governors[2]!).vote(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalExpired")
        .withArgs(id, expiresAt);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalExpired")
        .withArgs(id, expiresAt);
    });

    it("refuses to execute or vote on an executed proposal again", async function () {
      const fx = await loadRegistry();
      const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      await voteBy(fx, id, 2);
      await fx.registry.execute(id);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalAlreadyExecuted")
        .withArgs(id);
      await expect(fx.registry.connect(fx.governors[2]!).vote(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalAlreadyExecuted")
        .withArgs(id);
    });

    it("still refuses an executed proposal as executed after its voting period is over", async function () {
      const fx = await loadRegistry();
      const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      await voteBy(fx, id, 2);
      await fx.registry.execute(id);
      await time.increase(VOTING_PERIOD);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalAlreadyExecuted")
        .withArgs(id);
    });

    it("refuses to vote on or execute an unknown proposal", async function () {
      const fx = await loadRegistry();
      const unknown = (await fx.registry.proposalCount()) + 1n;
      await expect(fx.registry.connect(fx.governors[0]!).vote(unknown))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownProposal")
        .withArgs(unknown);
      await expect(fx.registry.execute(unknown))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownProposal")
        .withArgs(unknown);
      await expect(fx.registry.execute(0n))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownProposal")
        .withArgs(0n);
    });

    it("refuses admission proposals that do not come through certify", async function () {
      const fx = await loadRegistry();
      await expect(
        fx.registry
          .connect(fx.governors[0]!)
          .propose(ProposalAction.Admit, ethers.id("x"), fx.fresh[0]!.address, kindMask("Hospital"), 0n),
      ).to.be.revertedWithCustomError(fx.registry, "ConsortiumAdmitThroughCertify");
    });

    describe("certification refusals", function () {
      it("refuses a zero member id", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
        await expect(
          fx.registry.connect(fx.certifier).certify(ethers.ZeroHash, a.metadata, a.kinds, a.account, a.certifiedUntil),
        ).to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidMemberId");
      });

      it("refuses an id that is already a member", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
        await expect(
          fx.registry.connect(fx.certifier).certify(fx.hospital.id, a.metadata, a.kinds, a.account, a.certifiedUntil),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumMemberExists")
          .withArgs(fx.hospital.id);
      });

      for (const kinds of [0, 0x80, 0xff]) {
        it(`refuses the kinds mask 0x${kinds.toString(16)}`, async function () {
          const fx = await loadRegistry();
          const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
          await expect(
            fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, kinds, a.account, a.certifiedUntil),
          )
            .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidKinds")
            .withArgs(kinds);
        });
      }

      it("accepts every kind at once (mask 0x7f)", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
        await expect(
          fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, 0x7f, a.account, a.certifiedUntil),
        ).to.emit(fx.registry, "ApplicantCertified");
      });

      it("refuses a zero account", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", ethers.ZeroAddress);
        await expect(
          fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, a.kinds, a.account, a.certifiedUntil),
        ).to.be.revertedWithCustomError(fx.registry, "ConsortiumZeroAddress");
      });

      it("refuses an account that operates for another member", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.lab.account.address);
        await expect(
          fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, a.kinds, a.account, a.certifiedUntil),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountTaken")
          .withArgs(fx.lab.account.address, fx.lab.id);
      });

      it("refuses a retired account", async function () {
        const fx = await loadRegistry();
        const spareKey = fx.fresh[0]!;
        await fx.registry.connect(fx.hospital.account).addAccount(spareKey.address);
        await fx.registry.connect(fx.hospital.account).removeAccount(spareKey.address);
        const a = await applicant("H-900", "Hospital", spareKey.address);
        await expect(
          fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, a.kinds, a.account, a.certifiedUntil),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountRetired")
          .withArgs(spareKey.address);
      });

      it("refuses a certification expiry that is not in the future", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
        const at = BigInt(await time.latest()) + 10n;
        await time.setNextBlockTimestamp(at);
        await expect(fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, a.kinds, a.account, at))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidExpiry")
          .withArgs(at, at);
      });
    });

    describe("checks again at execution", function () {
      it("refuses an admission whose member id was admitted meanwhile", async function () {
        const fx = await loadRegistry();
        const first = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
        const second = { ...first, account: fx.fresh[1]!.address };
        const p1 = await certify(fx, first);
        const p2 = await certify(fx, second);
        await voteBy(fx, p1, 2);
        await voteBy(fx, p2, 2);
        await fx.registry.execute(p1);
        await expect(fx.registry.execute(p2))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumMemberExists")
          .withArgs(first.memberId);
        expect(await fx.registry.memberOf(second.account)).to.equal(ethers.ZeroHash);
      });

      it("refuses an admission whose account another member took meanwhile", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
        const id = await certify(fx, a);
        await voteBy(fx, id, 2);
        await fx.registry.connect(fx.hospital.account).addAccount(a.account);
        await expect(fx.registry.execute(id))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountTaken")
          .withArgs(a.account, fx.hospital.id);
        expect((await fx.registry.getMember(a.memberId)).status).to.equal(Status.None);
      });

      it("refuses an admission whose certification lapsed during the vote", async function () {
        const fx = await loadRegistry();
        const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address, 3600n);
        const id = await certify(fx, a);
        await voteBy(fx, id, 2);
        await time.setNextBlockTimestamp(a.certifiedUntil);
        await expect(fx.registry.execute(id))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidExpiry")
          .withArgs(a.certifiedUntil, a.certifiedUntil);
      });
    });
  });

  describe("governance actions", function () {
    it("announces a governor's proposal with everything voters need", async function () {
      const fx = await loadRegistry();
      const id = (await fx.registry.proposalCount()) + 1n;
      const mask = kindMask("Hospital", "Laboratory");
      const tx = await fx.registry
        .connect(fx.governors[1]!)
        .propose(ProposalAction.SetKinds, fx.hospital.id, ethers.ZeroAddress, mask, 0n);
      await expect(tx)
        .to.emit(fx.registry, "ProposalCreated")
        .withArgs(
          id,
          ProposalAction.SetKinds,
          fx.hospital.id,
          ethers.ZeroAddress,
          mask,
          0n,
          fx.governors[1]!.address,
          BigInt(await time.latest()) + VOTING_PERIOD,
        );
      expect(await fx.registry.proposalCount()).to.equal(id);
      expect((await fx.registry.getProposal(id)).proposer).to.equal(fx.governors[1]!.address);
    });

    describe("every action", function () {
      type Case = {
        action: keyof typeof ProposalAction;
        args: (fx: RegistryFixture) => [string, string, number, bigint];
        before?: (fx: RegistryFixture) => Promise<unknown>;
      };
      const none = ethers.ZeroAddress;
      const CASES: Case[] = [
        { action: "SetKinds", args: (fx) => [fx.hospital.id, none, kindMask("Hospital", "Laboratory"), 0n] },
        { action: "Suspend", args: (fx) => [fx.hospital.id, none, 0, 0n] },
        { action: "Reinstate", args: (fx) => [fx.suspended.id, none, 0, 0n] },
        { action: "Revoke", args: (fx) => [fx.hospital.id, none, 0, 0n] },
        { action: "AddGovernor", args: (fx) => [ethers.ZeroHash, fx.fresh[0]!.address, 0, 0n] },
        { action: "RemoveGovernor", args: (fx) => [ethers.ZeroHash, fx.governors[2]!.address, 0, 0n] },
        { action: "SetThreshold", args: () => [ethers.ZeroHash, none, 0, 3n] },
        { action: "SetCertifier", args: (fx) => [ethers.ZeroHash, fx.fresh[0]!.address, 0, 0n] },
        {
          action: "Unpause",
          args: () => [RECORDS, none, 0, 0n],
          before: (fx) => fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS),
        },
        { action: "Pause", args: () => [RECORDS, none, 0, 0n] },
        {
          action: "SetCertification",
          args: (fx) => [fx.hospital.id, none, 0, 2n ** 40n],
        },
      ];
      for (const c of CASES) {
        it(`executes a proposal to ${c.action} once, announcing who executed it`, async function () {
          const fx = await loadRegistry();
          await c.before?.(fx);
          const id = await proposeWithVotes(fx, ProposalAction[c.action], ...c.args(fx));
          await expect(fx.registry.connect(fx.outsider).execute(id))
            .to.emit(fx.registry, "ProposalExecuted")
            .withArgs(id, ProposalAction[c.action], fx.outsider.address);
          const proposal = await fx.registry.getProposal(id);
          expect(proposal.action).to.equal(BigInt(ProposalAction[c.action]));
          expect(proposal.executed).to.equal(true);
          await expect(fx.registry.execute(id))
            .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalAlreadyExecuted")
            .withArgs(id);
        });
      }
    });

    describe("SetKinds", function () {
      it("replaces a member's kinds", async function () {
        const fx = await loadRegistry();
        const mask = kindMask("Hospital", "Laboratory");
        const id = await proposeWithVotes(fx, ProposalAction.SetKinds, fx.hospital.id, undefined, mask);
        const tx = fx.registry.execute(id);
        await expect(tx)
          .to.emit(fx.registry, "MemberKindsChanged")
          .withArgs(fx.hospital.id, kindMask("Hospital"), mask);
        await expect(tx)
          .to.emit(fx.registry, "ProposalExecuted")
          .withArgs(id, ProposalAction.SetKinds, fx.certifier.address);
        expect((await fx.registry.getMember(fx.hospital.id)).kinds).to.equal(BigInt(mask));
        expect(await activeAs(fx, fx.hospital.account.address, 1)).to.equal(true);
      });

      it("takes kinds away", async function () {
        const fx = await loadRegistry();
        await passProposal(fx, ProposalAction.SetKinds, fx.hospital.id, undefined, kindMask("Regulator"));
        expect(await activeAs(fx, fx.hospital.account.address, HOSPITAL)).to.equal(false);
        expect(await fx.registry.isActiveMemberId(fx.hospital.id, kindMask("Regulator"))).to.equal(true);
      });

      it("refuses an unknown member when proposed", async function () {
        const fx = await loadRegistry();
        const unknown = ethers.id("nobody");
        await expect(
          fx.registry.connect(fx.governors[0]!).propose(ProposalAction.SetKinds, unknown, ethers.ZeroAddress, 1, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownMember")
          .withArgs(unknown);
      });

      for (const kinds of [0, 0x80]) {
        it(`refuses the kinds mask 0x${kinds.toString(16)} when proposed`, async function () {
          const fx = await loadRegistry();
          await expect(
            fx.registry
              .connect(fx.governors[0]!)
              .propose(ProposalAction.SetKinds, fx.hospital.id, ethers.ZeroAddress, kinds, 0n),
          )
            .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidKinds")
            .withArgs(kinds);
        });
      }

      it("refuses to change a member revoked while the vote ran", async function () {
        const fx = await loadRegistry();
        const id = await proposeWithVotes(fx, ProposalAction.SetKinds, fx.hospital.id, undefined, 3);
        await passProposal(fx, ProposalAction.Revoke, fx.hospital.id);
        await expect(fx.registry.execute(id))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
          .withArgs(fx.hospital.id, Status.Revoked);
      });
    });

    describe("Suspend", function () {
      it("checks again at execution: a member suspended in an emergency while the vote ran", async function () {
        const fx = await loadRegistry();
        const id = await proposeWithVotes(fx, ProposalAction.Suspend, fx.hospital.id);
        await fx.registry.connect(fx.certifier).emergencySuspend(fx.hospital.id);
        await expect(fx.registry.execute(id))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
          .withArgs(fx.hospital.id, Status.Suspended);
      });

      it("suspends an active member, who is then inactive everywhere", async function () {
        const fx = await loadRegistry();
        const id = await proposeWithVotes(fx, ProposalAction.Suspend, fx.hospital.id);
        const executor = fx.governors[2]!;
        await expect(fx.registry.connect(executor).execute(id))
          .to.emit(fx.registry, "MemberSuspended")
          .withArgs(fx.hospital.id, false, executor.address);
        expect((await fx.registry.getMember(fx.hospital.id)).status).to.equal(Status.Suspended);
        expect(await views(fx, fx.hospital.account.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(
          allInactive,
        );
      });

      it("refuses an unknown member when proposed", async function () {
        const fx = await loadRegistry();
        const unknown = ethers.id("nobody");
        await expect(
          fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Suspend, unknown, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownMember")
          .withArgs(unknown);
      });

      it("refuses to suspend a member that is already suspended when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.Suspend, fx.suspended.id, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
          .withArgs(fx.suspended.id, Status.Suspended);
      });
    });

    describe("Reinstate", function () {
      it("reinstates a suspended member", async function () {
        const fx = await loadRegistry();
        const id = await proposeWithVotes(fx, ProposalAction.Reinstate, fx.suspended.id);
        await expect(fx.registry.execute(id)).to.emit(fx.registry, "MemberReinstated").withArgs(fx.suspended.id);
        expect((await fx.registry.getMember(fx.suspended.id)).status).to.equal(Status.Active);
        expect(await fx.registry.isActiveMemberId(fx.suspended.id, fx.suspended.kinds)).to.equal(true);
      });

      it("refuses to reinstate a member that is not suspended when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.Reinstate, fx.hospital.id, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
          .withArgs(fx.hospital.id, Status.Active);
      });

      it("refuses to reinstate a revoked member when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.Reinstate, fx.revoked.id, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
          .withArgs(fx.revoked.id, Status.Revoked);
      });
    });

    describe("Revoke", function () {
      it("revokes an active member for good, keeping its accounts bound and inactive", async function () {
        const fx = await loadRegistry();
        const id = await proposeWithVotes(fx, ProposalAction.Revoke, fx.hospital.id);
        await expect(fx.registry.execute(id)).to.emit(fx.registry, "MemberRevoked").withArgs(fx.hospital.id);
        expect((await fx.registry.getMember(fx.hospital.id)).status).to.equal(Status.Revoked);
        expect(await fx.registry.memberOf(fx.hospital.account.address)).to.equal(fx.hospital.id);
        expect(await views(fx, fx.hospital.account.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(
          allInactive,
        );
      });

      it("revokes a suspended member", async function () {
        const fx = await loadRegistry();
        await passProposal(fx, ProposalAction.Revoke, fx.suspended.id);
        expect((await fx.registry.getMember(fx.suspended.id)).status).to.equal(Status.Revoked);
      });

      it("refuses to revoke a member twice when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.Revoke, fx.revoked.id, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
          .withArgs(fx.revoked.id, Status.Revoked);
      });

      it("refuses an unknown member when proposed", async function () {
        const fx = await loadRegistry();
        const unknown = ethers.id("nobody");
        await expect(
          fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Revoke, unknown, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownMember")
          .withArgs(unknown);
      });
    });

    describe("AddGovernor", function () {
      it("adds a governor, whose vote then counts", async function () {
        const fx = await loadRegistry();
        const newcomer = fx.fresh[0]!;
        const id = await proposeWithVotes(fx, ProposalAction.AddGovernor, undefined, newcomer.address);
        await expect(fx.registry.execute(id)).to.emit(fx.registry, "GovernorAdded").withArgs(newcomer.address);
        expect(await fx.registry.isGovernor(newcomer.address)).to.equal(true);
        expect(await fx.registry.governors()).to.include(newcomer.address);
        const next = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[1]!.address));
        await fx.registry.connect(newcomer).vote(next);
        expect(await fx.registry.votesOf(next)).to.equal(1n);
      });

      it("refuses to add an account that is already a governor when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.AddGovernor, ethers.ZeroHash, fx.governors[2]!.address, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumAlreadyGovernor")
          .withArgs(fx.governors[2]!.address);
      });

      it("refuses the zero address when proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.AddGovernor, ethers.ZeroHash, ethers.ZeroAddress, 0, 0n),
        ).to.be.revertedWithCustomError(fx.registry, "ConsortiumZeroAddress");
      });
    });

    describe("RemoveGovernor", function () {
      it("removes a governor, who can no longer propose or vote", async function () {
        const fx = await loadRegistry();
        const leaving = fx.governors[2]!;
        const id = await proposeWithVotes(fx, ProposalAction.RemoveGovernor, undefined, leaving.address);
        await expect(fx.registry.execute(id)).to.emit(fx.registry, "GovernorRemoved").withArgs(leaving.address);
        expect(await fx.registry.isGovernor(leaving.address)).to.equal(false);
        expect(await fx.registry.governors()).to.have.lengthOf(2);
        await expect(fx.registry.connect(leaving).pauseModule(RECORDS))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotGovernor")
          .withArgs(leaving.address);
      });

      it("refuses a removal that would leave fewer governors than the threshold when it is proposed", async function () {
        const fx = await loadRegistry();
        await passProposal(fx, ProposalAction.RemoveGovernor, undefined, fx.governors[2]!.address);
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.RemoveGovernor, ethers.ZeroHash, fx.governors[1]!.address, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
          .withArgs(2n, 1n);
        expect(await fx.registry.isGovernor(fx.governors[1]!.address)).to.equal(true);
      });

      it("checks again at execution: a removal that became one too many is refused", async function () {
        const fx = await loadRegistry();
        const second = await proposeWithVotes(fx, ProposalAction.RemoveGovernor, undefined, fx.governors[1]!.address);
        await passProposal(fx, ProposalAction.RemoveGovernor, undefined, fx.governors[2]!.address);
        await expect(fx.registry.execute(second))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
          .withArgs(2n, 1n);
        expect(await fx.registry.isGovernor(fx.governors[1]!.address)).to.equal(true);
      });

      it("refuses to remove an account that is not a governor when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.RemoveGovernor, ethers.ZeroHash, fx.outsider.address, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotGovernor")
          .withArgs(fx.outsider.address);
      });

      it("refuses the zero address when proposed, as no governor", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.RemoveGovernor, ethers.ZeroHash, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotGovernor")
          .withArgs(ethers.ZeroAddress);
      });
    });

    describe("SetThreshold", function () {
      it("changes the number of votes needed", async function () {
        const fx = await loadRegistry();
        const id = await proposeWithVotes(fx, ProposalAction.SetThreshold, undefined, undefined, undefined, 3n);
        await expect(fx.registry.execute(id)).to.emit(fx.registry, "ThresholdChanged").withArgs(2n, 3n);
        expect(await fx.registry.threshold()).to.equal(3n);
        const next = await proposeWithVotes(fx, ProposalAction.Suspend, fx.hospital.id);
        await expect(fx.registry.execute(next))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
          .withArgs(next, 2n, 3n);
        await fx.registry.connect(fx.governors[2]!).vote(next);
        await expect(fx.registry.execute(next)).to.emit(fx.registry, "MemberSuspended");
      });

      it("lowers the threshold to one", async function () {
        const fx = await loadRegistry();
        await passProposal(fx, ProposalAction.SetThreshold, undefined, undefined, undefined, 1n);
        const next = await propose(fx, ProposalAction.Suspend, fx.hospital.id);
        await voteBy(fx, next, 1);
        await expect(fx.registry.execute(next)).to.emit(fx.registry, "MemberSuspended");
      });

      it("refuses a zero threshold when proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.SetThreshold, ethers.ZeroHash, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
          .withArgs(0n, 3n);
      });

      it("refuses a threshold above the number of governors when it is proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.SetThreshold, ethers.ZeroHash, ethers.ZeroAddress, 0, 4n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidThreshold")
          .withArgs(4n, 3n);
      });
    });

    describe("SetCertifier", function () {
      it("hands the certifier role to another account", async function () {
        const fx = await loadRegistry();
        const next = fx.fresh[0]!;
        const id = await proposeWithVotes(fx, ProposalAction.SetCertifier, undefined, next.address);
        await expect(fx.registry.execute(id))
          .to.emit(fx.registry, "CertifierChanged")
          .withArgs(fx.certifier.address, next.address);
        expect(await fx.registry.certifier()).to.equal(next.address);
        await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.hospital.id))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotCertifier")
          .withArgs(fx.certifier.address);
        await expect(fx.registry.connect(next).emergencySuspend(fx.hospital.id))
          .to.emit(fx.registry, "MemberSuspended")
          .withArgs(fx.hospital.id, true, next.address);
      });

      it("refuses the zero address when proposed", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry
            .connect(fx.governors[0]!)
            .propose(ProposalAction.SetCertifier, ethers.ZeroHash, ethers.ZeroAddress, 0, 0n),
        ).to.be.revertedWithCustomError(fx.registry, "ConsortiumZeroAddress");
      });
    });

    describe("Unpause", function () {
      it("lifts a module's pause", async function () {
        const fx = await loadRegistry();
        await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
        const id = await proposeWithVotes(fx, ProposalAction.Unpause, RECORDS);
        await expect(fx.registry.execute(id)).to.emit(fx.registry, "ModuleUnpaused").withArgs(RECORDS);
        expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      });

      it("refuses to propose lifting the pause of a module that is not paused", async function () {
        const fx = await loadRegistry();
        await expect(
          fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Unpause, RECORDS, ethers.ZeroAddress, 0, 0n),
        )
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumModuleNotPaused")
          .withArgs(RECORDS);
      });

      it("refuses to lift a pause that another proposal lifted meanwhile", async function () {
        const fx = await loadRegistry();
        await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
        const first = await proposeWithVotes(fx, ProposalAction.Unpause, RECORDS);
        const second = await proposeWithVotes(fx, ProposalAction.Unpause, RECORDS);
        await fx.registry.execute(first);
        await expect(fx.registry.execute(second))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumModuleNotPaused")
          .withArgs(RECORDS);
      });
    });
  });

  describe("emergency suspension", function () {
    it("lets the certifier alone suspend an active member at once", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.hospital.id))
        .to.emit(fx.registry, "MemberSuspended")
        .withArgs(fx.hospital.id, true, fx.certifier.address);
      expect((await fx.registry.getMember(fx.hospital.id)).status).to.equal(Status.Suspended);
      expect(await views(fx, fx.hospital.account.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(
        allInactive,
      );
    });

    it("reinstates an emergency-suspended member only through a vote", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.hospital.id);
      const id = await propose(fx, ProposalAction.Reinstate, fx.hospital.id);
      await voteBy(fx, id, 1);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(id, 1n, 2n);
      await fx.registry.connect(fx.governors[1]!).vote(id);
      await fx.registry.execute(id);
      expect(await views(fx, fx.hospital.account.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(
        allActive,
      );
    });

    it("refuses to suspend an unknown member", async function () {
      const fx = await loadRegistry();
      const unknown = ethers.id("nobody");
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(unknown))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownMember")
        .withArgs(unknown);
    });

    it("refuses to suspend a suspended member again", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.suspended.id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
        .withArgs(fx.suspended.id, Status.Suspended);
    });

    it("refuses to suspend a revoked member", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.certifier).emergencySuspend(fx.revoked.id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
        .withArgs(fx.revoked.id, Status.Revoked);
    });
  });

  describe("certification renewal", function () {
    it("extends a member's certification", async function () {
      const fx = await loadRegistry();
      const old = (await fx.registry.getMember(fx.hospital.id)).certifiedUntil;
      const renewed = old + ONE_YEAR;
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, renewed))
        .to.emit(fx.registry, "CertificationRenewed")
        .withArgs(fx.hospital.id, old, renewed);
      await time.increaseTo(old);
      expect(await fx.registry.isActiveMemberId(fx.hospital.id, fx.hospital.kinds)).to.equal(true);
      expect((await fx.registry.getMember(fx.hospital.id)).certifiedUntil).to.equal(renewed);
    });

    it("brings a lapsed member back to active only by a SetCertification vote", async function () {
      const fx = await loadRegistry();
      expect(await fx.registry.isActiveMemberId(fx.expired.id, fx.expired.kinds)).to.equal(false);
      const old = (await fx.registry.getMember(fx.expired.id)).certifiedUntil;
      const renewed = BigInt(await time.latest()) + ONE_YEAR;
      const id = await proposeWithVotes(
        fx,
        ProposalAction.SetCertification,
        fx.expired.id,
        ethers.ZeroAddress,
        0,
        renewed,
      );
      await expect(fx.registry.execute(id))
        .to.emit(fx.registry, "CertificationSet")
        .withArgs(fx.expired.id, old, renewed);
      expect(await fx.registry.isActiveMemberId(fx.expired.id, fx.expired.kinds)).to.equal(true);
    });

    it("shortens a certification by a SetCertification vote", async function () {
      const fx = await loadRegistry();
      const sooner = BigInt(await time.latest()) + 10n * ONE_DAY;
      await passProposal(fx, ProposalAction.SetCertification, fx.hospital.id, ethers.ZeroAddress, 0, sooner);
      expect((await fx.registry.getMember(fx.hospital.id)).certifiedUntil).to.equal(sooner);
      await time.increaseTo(sooner);
      expect(await fx.registry.isActiveMemberId(fx.hospital.id, fx.hospital.kinds)).to.equal(false);
    });

    it("refuses a SetCertification vote for an expiry in the past, a revoked or an unknown member", async function () {
      const fx = await loadRegistry();
      const g = fx.registry.connect(fx.governors[0]!);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(g.propose(ProposalAction.SetCertification, fx.hospital.id, ethers.ZeroAddress, 0, now))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidExpiry")
        .withArgs(now, now);
      await expect(g.propose(ProposalAction.SetCertification, fx.revoked.id, ethers.ZeroAddress, 0, 2n ** 40n))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
        .withArgs(fx.revoked.id, Status.Revoked);
      const unknown = ethers.id("nobody");
      await expect(g.propose(ProposalAction.SetCertification, unknown, ethers.ZeroAddress, 0, 2n ** 40n))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownMember")
        .withArgs(unknown);
    });

    it("renews a suspended member's certification without reactivating it", async function () {
      const fx = await loadRegistry();
      const renewed = BigInt(await time.latest()) + ONE_YEAR;
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.suspended.id, renewed)).to.emit(
        fx.registry,
        "CertificationRenewed",
      );
      expect(await fx.registry.isActiveMemberId(fx.suspended.id, fx.suspended.kinds)).to.equal(false);
    });

    it("refuses to renew a revoked member", async function () {
      const fx = await loadRegistry();
      const renewed = BigInt(await time.latest()) + ONE_YEAR;
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.revoked.id, renewed))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidStatus")
        .withArgs(fx.revoked.id, Status.Revoked);
    });

    it("refuses to renew an unknown member", async function () {
      const fx = await loadRegistry();
      const unknown = ethers.id("nobody");
      await expect(fx.registry.connect(fx.certifier).renewCertification(unknown, 2n ** 40n))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumUnknownMember")
        .withArgs(unknown);
    });

    it("refuses, alone, an expiry that does not extend the current one", async function () {
      const fx = await loadRegistry();
      const old = (await fx.registry.getMember(fx.hospital.id)).certifiedUntil;
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, at))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumRenewalNeedsVote")
        .withArgs(fx.hospital.id, old, at, at + 3n * ONE_YEAR);
    });

    it("extends, alone, up to exactly three years ahead and no further", async function () {
      const fx = await loadRegistry();
      const old = (await fx.registry.getMember(fx.hospital.id)).certifiedUntil;
      const at = BigInt(await time.latest()) + 10n;
      const latest = at + 3n * ONE_YEAR;
      await time.setNextBlockTimestamp(at);
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, latest))
        .to.emit(fx.registry, "CertificationRenewed")
        .withArgs(fx.hospital.id, old, latest);
      expect(await fx.registry.MAX_RENEWAL()).to.equal(3n * ONE_YEAR);
      await time.setNextBlockTimestamp(at + 20n);
      await expect(fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, latest + 21n))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumRenewalNeedsVote")
        .withArgs(fx.hospital.id, latest, latest + 21n, latest + 20n);
    });
  });

  describe("certification expiry", function () {
    it("keeps a member active in every view until the second before its expiry", async function () {
      const fx = await loadRegistry();
      const { certifiedUntil } = await fx.registry.getMember(fx.hospital.id);
      await time.increaseTo(certifiedUntil - 1n);
      expect(await views(fx, fx.hospital.account.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(
        allActive,
      );
    });

    it("makes a member inactive in every view at its expiry, without any transaction", async function () {
      const fx = await loadRegistry();
      const { certifiedUntil, status } = await fx.registry.getMember(fx.hospital.id);
      await time.increaseTo(certifiedUntil);
      expect(await views(fx, fx.hospital.account.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(
        allInactive,
      );
      expect(status).to.equal(Status.Active);
      expect((await fx.registry.getMember(fx.hospital.id)).status).to.equal(Status.Active);
      const [memberId] = await fx.registry.activeMemberOf(fx.hospital.account.address, fx.hospital.kinds);
      expect(memberId).to.equal(fx.hospital.id);
      expect(await fx.registry.memberOf(fx.hospital.account.address)).to.equal(fx.hospital.id);
    });

    it("refuses key rotation by a member whose certification lapsed", async function () {
      const fx = await loadRegistry();
      const { certifiedUntil } = await fx.registry.getMember(fx.expired.id);
      await expect(fx.registry.connect(fx.expired.account).addAccount(fx.fresh[0]!.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumMemberNotActive")
        .withArgs(fx.expired.id, Status.Active, certifiedUntil);
    });
  });

  describe("views", function () {
    it("answers activeMemberOf, authorize, isActiveMember and isActiveMemberId alike for kinds", async function () {
      const fx = await loadRegistry();
      const { account, id } = fx.hospital;
      expect(await views(fx, account.address, id, kindMask("Hospital", "Pharmacy"), HOSPITAL)).to.deep.equal(allActive);
      expect(await views(fx, account.address, id, kindMask("Laboratory"), 1)).to.deep.equal(allInactive);
      expect(await fx.registry.activeMemberOf(account.address, 0)).to.deep.equal([id, false]);
    });

    it("answers zero and inactive for an account of no member", async function () {
      const fx = await loadRegistry();
      expect(await fx.registry.activeMemberOf(fx.outsider.address, 0x7f)).to.deep.equal([ethers.ZeroHash, false]);
      expect(await fx.registry.authorize(fx.outsider.address, 0x7f, RECORDS)).to.deep.equal([
        ethers.ZeroHash,
        false,
        false,
      ]);
      expect(await activeAs(fx, fx.outsider.address, HOSPITAL)).to.equal(false);
      expect(await fx.registry.isActiveMemberId(ethers.id("nobody"), 0x7f)).to.equal(false);
      expect(await fx.registry.memberOf(fx.outsider.address)).to.equal(ethers.ZeroHash);
    });

    it("reports an unknown member and proposal as empty records", async function () {
      const fx = await loadRegistry();
      const m = await fx.registry.getMember(ethers.id("nobody"));
      expect(m.status).to.equal(Status.None);
      expect(m.certifiedUntil).to.equal(0n);
      const p = await fx.registry.getProposal(10_000n);
      expect(p.expiresAt).to.equal(0n);
      expect(await fx.registry.votesOf(10_000n)).to.equal(0n);
      expect(await fx.registry.accountsOf(ethers.id("nobody"))).to.deep.equal([]);
    });
  });

  describe("key rotation", function () {
    it("lets a suspended member retire a leaked key before it is reinstated", async function () {
      const fx = await loadRegistry();
      const leaked = fx.fresh[0]!;
      await fx.registry.connect(fx.hospital.account).addAccount(leaked.address);
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.hospital.id);
      await expect(fx.registry.connect(fx.hospital.account).removeAccount(leaked.address))
        .to.emit(fx.registry, "AccountRemoved")
        .withArgs(fx.hospital.id, leaked.address);
      await passProposal(fx, ProposalAction.Reinstate, fx.hospital.id);
      expect(await fx.registry.memberOf(leaked.address)).to.equal(ethers.ZeroHash);
      expect(await activeAs(fx, fx.hospital.account.address, 0)).to.equal(true);
    });

    it("lets a member whose certification lapsed retire a key, but never add one", async function () {
      const fx = await loadRegistry();
      const spareKey = fx.fresh[1]!;
      await fx.registry.connect(fx.hospital.account).addAccount(spareKey.address);
      await networkHelpers.time.increaseTo((await fx.registry.getMember(fx.hospital.id)).certifiedUntil);
      await expect(fx.registry.connect(fx.hospital.account).removeAccount(spareKey.address)).to.emit(
        fx.registry,
        "AccountRemoved",
      );
      const { status, certifiedUntil } = await fx.registry.getMember(fx.hospital.id);
      await expect(fx.registry.connect(fx.hospital.account).addAccount(fx.fresh[2]!.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumMemberNotActive")
        .withArgs(fx.hospital.id, status, certifiedUntil);
    });

    it("lets a member add its own account without a vote, with full rights at once", async function () {
      const fx = await loadRegistry();
      const key = fx.fresh[0]!;
      await expect(fx.registry.connect(fx.hospital.account).addAccount(key.address))
        .to.emit(fx.registry, "AccountAdded")
        .withArgs(fx.hospital.id, key.address);
      expect(await fx.registry.accountsOf(fx.hospital.id)).to.deep.equal([fx.hospital.account.address, key.address]);
      expect(await fx.registry.memberOf(key.address)).to.equal(fx.hospital.id);
      expect(await views(fx, key.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL)).to.deep.equal(allActive);
      await expect(fx.registry.connect(key).addAccount(fx.fresh[1]!.address)).to.emit(fx.registry, "AccountAdded");
    });

    it("removes an account, which loses every right at once and is retired", async function () {
      const fx = await loadRegistry();
      const key = fx.fresh[0]!;
      await fx.registry.connect(fx.hospital.account).addAccount(key.address);
      await expect(fx.registry.connect(fx.hospital.account).removeAccount(key.address))
        .to.emit(fx.registry, "AccountRemoved")
        .withArgs(fx.hospital.id, key.address);
      expect(await fx.registry.memberOf(key.address)).to.equal(ethers.ZeroHash);
      expect(await fx.registry.isRetired(key.address)).to.equal(true);
      expect(await fx.registry.accountsOf(fx.hospital.id)).to.deep.equal([fx.hospital.account.address]);
      const v = await views(fx, key.address, fx.hospital.id, fx.hospital.kinds, HOSPITAL);
      expect(v).to.deep.equal({ ...allInactive, isActiveMemberId: true });
      await expect(fx.registry.connect(key).addAccount(fx.fresh[1]!.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotMember")
        .withArgs(key.address);
    });

    it("lets an account remove itself while another account remains", async function () {
      const fx = await loadRegistry();
      const key = fx.fresh[0]!;
      await fx.registry.connect(fx.hospital.account).addAccount(key.address);
      await fx.registry.connect(fx.hospital.account).removeAccount(fx.hospital.account.address);
      expect(await fx.registry.accountsOf(fx.hospital.id)).to.deep.equal([key.address]);
      expect(await activeAs(fx, fx.hospital.account.address, HOSPITAL)).to.equal(false);
      expect(await activeAs(fx, key.address, HOSPITAL)).to.equal(true);
    });

    it("never removes a member's last account", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.hospital.account).removeAccount(fx.hospital.account.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumLastAccount")
        .withArgs(fx.hospital.id);
    });

    it("never lets the same member add a retired account back", async function () {
      const fx = await loadRegistry();
      const key = fx.fresh[0]!;
      await fx.registry.connect(fx.hospital.account).addAccount(key.address);
      await fx.registry.connect(fx.hospital.account).removeAccount(key.address);
      await expect(fx.registry.connect(fx.hospital.account).addAccount(key.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountRetired")
        .withArgs(key.address);
    });

    it("never lets another member add a retired account", async function () {
      const fx = await loadRegistry();
      const key = fx.fresh[0]!;
      await fx.registry.connect(fx.hospital.account).addAccount(key.address);
      await fx.registry.connect(fx.hospital.account).removeAccount(key.address);
      await expect(fx.registry.connect(fx.lab.account).addAccount(key.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountRetired")
        .withArgs(key.address);
      expect(await fx.registry.memberOf(key.address)).to.equal(ethers.ZeroHash);
    });

    it("refuses an account that already operates for another member", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.lab.account).addAccount(fx.hospital.account.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountTaken")
        .withArgs(fx.hospital.account.address, fx.hospital.id);
    });

    it("refuses an account the member already has", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.hospital.account).addAccount(fx.hospital.account.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountTaken")
        .withArgs(fx.hospital.account.address, fx.hospital.id);
    });

    it("refuses the zero address as a new account", async function () {
      const fx = await loadRegistry();
      await expect(
        fx.registry.connect(fx.hospital.account).addAccount(ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(fx.registry, "ConsortiumZeroAddress");
    });

    it("refuses to remove another member's account", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.lab.account).addAccount(fx.fresh[0]!.address);
      await expect(fx.registry.connect(fx.hospital.account).removeAccount(fx.lab.account.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountNotOwned")
        .withArgs(fx.lab.account.address, fx.hospital.id);
      expect(await fx.registry.memberOf(fx.lab.account.address)).to.equal(fx.lab.id);
    });

    it("refuses to remove an account that belongs to no member", async function () {
      const fx = await loadRegistry();
      await expect(fx.registry.connect(fx.hospital.account).removeAccount(fx.outsider.address))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumAccountNotOwned")
        .withArgs(fx.outsider.address, fx.hospital.id);
    });
  });

  describe("module pause", function () {
    it("lets any governor pause a module at once", async function () {
      const fx = await loadRegistry();
      const g = fx.governors[2]!;
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      await expect(fx.registry.connect(g).pauseModule(RECORDS))
        .to.emit(fx.registry, "ModulePaused")
        .withArgs(RECORDS, g.address, at + VOTING_PERIOD);
      expect(await fx.registry.pausedUntil(RECORDS)).to.equal(at + VOTING_PERIOD);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(true);
      const [, , paused] = await fx.registry.authorize(fx.hospital.account.address, fx.hospital.kinds, RECORDS);
      expect(paused).to.equal(true);
    });

    it("pauses one module only", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      expect(await fx.registry.isPaused(PROVENANCE)).to.equal(false);
      const [, active, paused] = await fx.registry.authorize(
        fx.hospital.account.address,
        fx.hospital.kinds,
        PROVENANCE,
      );
      expect([active, paused]).to.deep.equal([true, false]);
    });

    it("refuses to pause a paused module again", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      await expect(fx.registry.connect(fx.governors[1]!).pauseModule(RECORDS))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumModuleAlreadyPaused")
        .withArgs(RECORDS);
    });

    it("lifts the pause only through a vote", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      const id = await propose(fx, ProposalAction.Unpause, RECORDS);
      await voteBy(fx, id, 1);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(id, 1n, 2n);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(true);
      await fx.registry.connect(fx.governors[1]!).vote(id);
      await fx.registry.execute(id);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      await expect(fx.registry.connect(fx.governors[1]!).pauseModule(RECORDS)).to.emit(fx.registry, "ModulePaused");
    });

    it("lifts an unconfirmed emergency pause by itself after one voting period", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      const lapsesAt = await fx.registry.pausedUntil(RECORDS);
      await time.increaseTo(lapsesAt - 1n);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(true);
      await time.increaseTo(lapsesAt);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      const [, , paused] = await fx.registry.authorize(fx.hospital.account.address, fx.hospital.kinds, RECORDS);
      expect(paused).to.equal(false);
    });

    it("holds a pause the governors confirmed by vote past the voting period, until an Unpause vote", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      const id = await proposeWithVotes(fx, ProposalAction.Pause, RECORDS);
      await expect(fx.registry.execute(id)).to.emit(fx.registry, "ModulePauseConfirmed").withArgs(RECORDS);
      await time.increase(3n * VOTING_PERIOD);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(true);
      await passProposal(fx, ProposalAction.Unpause, RECORDS);
      expect(await fx.registry.isPaused(RECORDS)).to.equal(false);
      expect(await fx.registry.pausedUntil(RECORDS)).to.equal(0n);
    });

    it("pauses a module by vote without an emergency pause first", async function () {
      const fx = await loadRegistry();
      await passProposal(fx, ProposalAction.Pause, PROVENANCE);
      expect(await fx.registry.pausedUntil(PROVENANCE)).to.equal(2n ** 64n - 1n);
      expect(await fx.registry.isPaused(PROVENANCE)).to.equal(true);
    });

    it("refuses a Pause vote for a module a vote already holds paused", async function () {
      const fx = await loadRegistry();
      await passProposal(fx, ProposalAction.Pause, RECORDS);
      await expect(
        fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Pause, RECORDS, ethers.ZeroAddress, 0, 0n),
      )
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumModuleAlreadyPaused")
        .withArgs(RECORDS);
      await expect(fx.registry.connect(fx.governors[1]!).pauseModule(RECORDS))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumModuleAlreadyPaused")
        .withArgs(RECORDS);
    });

    it("lets another governor pause a module whose first pause lapsed", async function () {
      const fx = await loadRegistry();
      await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
      await time.increase(VOTING_PERIOD + ONE_DAY);
      await expect(fx.registry.connect(fx.governors[1]!).pauseModule(RECORDS)).to.emit(fx.registry, "ModulePaused");
    });
  });

  describe("governed calls", function () {
    async function proposeRule(fx: RegistryFixture, value: bigint) {
      const id = (await fx.registry.proposalCount()) + 1n;
      const data = fx.guarded.interface.encodeFunctionData("setRule", [value]);
      await fx.registry.connect(fx.governors[0]!).proposeCall(await fx.guarded.getAddress(), data);
      return { id, data };
    }

    it("runs a module's vote-only function once k governors vote, naming the proposal to the module", async function () {
      const fx = await loadRegistry();
      const module = await fx.guarded.getAddress();
      const id = (await fx.registry.proposalCount()) + 1n;
      const data = fx.guarded.interface.encodeFunctionData("setRule", [42n]);
      await expect(fx.registry.connect(fx.governors[0]!).proposeCall(module, data))
        .to.emit(fx.registry, "CallProposed")
        .withArgs(id, module, data.slice(0, 10), data);
      expect(await fx.registry.callOf(id)).to.deep.equal([module, data]);
      await voteBy(fx, id, 2);
      await expect(fx.registry.execute(id)).to.emit(fx.guarded, "RuleSet").withArgs(42n, id);
      expect(await fx.guarded.rule()).to.equal(42n);
      expect(await fx.registry.executingProposal()).to.equal(0n);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumProposalAlreadyExecuted")
        .withArgs(id);
    });

    it("does not run with fewer than k votes", async function () {
      const fx = await loadRegistry();
      const { id } = await proposeRule(fx, 5n);
      await voteBy(fx, id, 1);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(id, 1n, 2n);
      expect(await fx.guarded.rule()).to.equal(0n);
    });

    it("undoes the execution when the module refuses, so it can be retried before expiry", async function () {
      const fx = await loadRegistry();
      const { id } = await proposeRule(fx, 0n);
      await voteBy(fx, id, 2);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.guarded, "GuardedModuleMockRefused")
        .withArgs(0n);
      expect((await fx.registry.getProposal(id)).executed).to.equal(false);
    });

    it("refuses a call to the registry itself, to an account without code, or without a selector", async function () {
      const fx = await loadRegistry();
      const g = fx.registry.connect(fx.governors[0]!);
      const self = await fx.registry.getAddress();
      const pause = fx.registry.interface.encodeFunctionData("pauseModule", [RECORDS]);
      await expect(g.proposeCall(self, pause))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidCall")
        .withArgs(self, 36n);
      await expect(g.proposeCall(fx.outsider.address, "0x12345678"))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidCall")
        .withArgs(fx.outsider.address, 4n);
      await expect(g.proposeCall(await fx.guarded.getAddress(), "0x1234"))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumInvalidCall")
        .withArgs(await fx.guarded.getAddress(), 2n);
    });

    it("is proposed through proposeCall only, and reports no call for other proposals", async function () {
      const fx = await loadRegistry();
      await expect(
        fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Call, ethers.ZeroHash, ethers.ZeroAddress, 0, 4n),
      ).to.be.revertedWithCustomError(fx.registry, "ConsortiumCallThroughProposeCall");
      const id = await propose(fx, ProposalAction.Suspend, fx.hospital.id);
      expect(await fx.registry.callOf(id)).to.deep.equal([ethers.ZeroAddress, "0x"]);
    });

    it("is the only way into a vote-only function: a governor or member calling it directly is refused", async function () {
      const fx = await loadRegistry();
      for (const caller of [fx.governors[0]!, fx.certifier, fx.hospital.account]) {
        await expect(fx.guarded.connect(caller).setRule(1n))
          .to.be.revertedWithCustomError(fx.guarded, "ConsortiumGuardedNotConsortiumVote")
          .withArgs(caller.address);
      }
    });
  });
});
