/**
 * Attacks of the second adversarial review on the consortium registry (not in consortium.ts). Each
 * test asserts the safe behaviour, so it fails on the reviewed main until the weakness is fixed.
 */
import { expect } from "chai";

import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { ONE_YEAR } from "../helpers/consortium.js";
import {
  ONE_DAY,
  ProposalAction,
  ethers,
  kindMask,
  loadRegistry,
  networkHelpers,
  nextProposalId,
  passProposal,
  proofFor,
  voteBy,
} from "../consortium/fixture.js";

const { time } = networkHelpers;

/** Runs an attack step that a fixed contract may refuse; the test judges the outcome, not the step. */
async function attempt(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch {
    // refused: the safe outcome for this step
  }
}

describe("adversarial review: consortium", function () {
  describe("accounts bound without their key", function () {
    it("a member retires an applicant's announced account so that its admission vote can never execute", async function () {
      const fx = await loadRegistry();
      const applicant = fx.fresh[0]!;
      const memberId = memberIdFromCode("H-NEW");
      const until = BigInt(await time.latest()) + ONE_YEAR;
      const proposalId = await nextProposalId(fx);
      // ApplicantCertified names the applicant's account in public (and the certify call, its proof).
      const applicantProof = await proofFor(fx, applicant.address, memberId);
      await fx.registry
        .connect(fx.certifier)
        .certify(
          memberId,
          metadataCommitment("H-NEW documents"),
          kindMask("Hospital"),
          applicant.address,
          until,
          applicantProof,
        );
      // Another member binds that account to itself and removes it: it would be retired for good. It
      // holds no key of the account, so it offers what it has: the applicant's public proof, or a
      // signature of its own key.
      const rival = fx.registry.connect(fx.hospital.account);
      const ownSignature = await proofFor(fx, fx.hospital.account.address, fx.hospital.id);
      await attempt(async () => (await rival.addAccount(applicant.address, applicantProof)).wait());
      await attempt(async () => (await rival.addAccount(applicant.address, ownSignature)).wait());
      await attempt(async () => (await rival.removeAccount(applicant.address)).wait());
      await voteBy(fx, proposalId, 2);
      await expect(fx.registry.execute(proposalId)).to.emit(fx.registry, "MemberAdmitted");
      expect(await fx.registry.memberOf(applicant.address)).to.equal(memberId);
    });

    it("a member front-runs another member's key rotation and makes the new key its own", async function () {
      const fx = await loadRegistry();
      const newKey = fx.fresh[1]!;
      // The lab's addAccount(newKey, proof) waits in the mempool; the hospital sends the same call first.
      const proof = await proofFor(fx, newKey.address, fx.lab.id);
      await attempt(async () =>
        (await fx.registry.connect(fx.hospital.account).addAccount(newKey.address, proof)).wait(),
      );
      expect(await fx.registry.memberOf(newKey.address)).to.not.equal(fx.hospital.id);
      await fx.registry.connect(fx.lab.account).addAccount(newKey.address, proof);
      expect(await fx.registry.memberOf(newKey.address)).to.equal(fx.lab.id);
    });
  });

  describe("a rogue certifier", function () {
    it("the certifier alone undoes the governors' vote shortening a certification, by renewing it at once", async function () {
      const fx = await loadRegistry();
      const now = BigInt(await time.latest());
      const shortened = now + 10n * ONE_DAY;
      await passProposal(fx, ProposalAction.SetCertification, fx.hospital.id, ethers.ZeroAddress, 0, shortened);
      expect((await fx.registry.getMember(fx.hospital.id)).certifiedUntil).to.equal(shortened);
      await attempt(async () =>
        (await fx.registry.connect(fx.certifier).renewCertification(fx.hospital.id, now + 2n * ONE_YEAR)).wait(),
      );
      expect((await fx.registry.getMember(fx.hospital.id)).certifiedUntil).to.equal(shortened);
    });
  });
});
