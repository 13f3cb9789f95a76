/**
 * The claims attacks of issue 8 (points 7-13) and others found while fixing them, each named as the
 * attack it stops. Every one of them succeeded on f3bfe51 (the comment under each test says what
 * happened there); here the attack fails. They run on the claims module's own fixture.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { NO_BATCH, readClaim } from "../../src/claims/engine.js";
import { ProposalAction } from "../../src/consortium/kinds.js";
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
  type ClaimsFixture,
} from "../claims/fixture.js";
import { recordLeaf } from "../../src/records/merkle.js";
import { NO_DOCUMENTATION, approveClaim, detailsFor, submitClaim } from "../claims/helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

const WHOLE_CLAIM = 2n ** 256n - 1n;
const surgery = (units = 1n) => [{ code: CODES.surgery, units, charged: usd(9000) * units }];
const xray = [{ code: CODES.xray, units: 1n, charged: usd(250) }];

/** A second plan of the fixture insurer that reviews nothing (threshold 1,000,000), patient 1 enrolled. */
async function planWithoutReview(fx: ClaimsFixture): Promise<bigint> {
  await fx.plans
    .connect(fx.insurer)
    .publishPlan({ ...planTerms(fx.now - 400n * DAY), reviewThreshold: usd(1_000_000) }, PLAN_RULES);
  const planId = await fx.plans.planCount();
  await fx.plans.connect(fx.insurer).enrol(planId, patient(1), fx.coverageStart, fx.coverageEnd);
  return planId;
}

/** Two governors pass a proposal (the fixture's threshold is 2 of 3); returns its id. */
async function passProposal(fx: ClaimsFixture, propose: () => Promise<unknown>): Promise<bigint> {
  await propose();
  const id = await fx.registry.proposalCount();
  for (const g of fx.governors.slice(0, 2)) await fx.registry.connect(g).vote(id);
  return id;
}

describe("Adversarial: claims", function () {
  describe("a pending or reversible claim cannot distort other claims (point 7)", function () {
    it("stops a claim parked in review from making the insurer pay the next claims in full (264, not 850)", async function () {
      // f3bfe51: the parked claim charged the deductible and out-of-pocket maximum at submission, so
      // the real claim after it was paid 850; voiding the parked claim then left the 850 standing.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const parked = await submitClaim(fx, fx.claim(surgery()));
      expect(parked.view.status).to.equal("PendingReview");
      const real = await submitClaim(fx, fx.claim(THREE_LINES, { serviceDate: fx.now - DAY }));
      expect([real.view.status, real.view.planPays]).to.deep.equal(["Approved", usd(264)]);
      await fx.engine.connect(fx.hospital).voidClaim(parked.claimId, await detailsFor(fx, parked.claimId));
      expect(await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).to.deep.equal([
        usd(500),
        usd(586),
        usd(264),
        real.claimId,
      ]);
    });

    it("stops a bait claim in review from using up the annual limit so another provider's claim closes as Paid with 0", async function () {
      // f3bfe51: the bait in review charged 10,000 to the annual limit; the laboratory's claim was
      // then closed as Paid with 0 (final), and the bait was voided.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const bait = await submitClaim(fx, fx.claim(surgery(2n)));
      expect([bait.view.status, bait.view.planPays]).to.deep.equal(["PendingReview", usd(10000)]);
      const theirs = await submitClaim(fx, fx.claim(THREE_LINES), fx.lab);
      expect([theirs.view.status, theirs.view.planPays]).to.deep.equal(["Approved", usd(264)]);
      await fx.engine.connect(fx.hospital).voidClaim(bait.claimId, await detailsFor(fx, bait.claimId));
      expect((await fx.engine.claimOf(theirs.claimId)).planPays).to.equal(usd(264));
    });

    it("stops a decided bait from being voided once another provider's claim was decided against its charges", async function () {
      // f3bfe51: an approved bait that exhausted the limit made the next claim Paid with 0, and could
      // then be voided, giving its charges back while the 0 stayed final.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const planId = await planWithoutReview(fx);
      const bait = await submitClaim(fx, fx.claim(surgery(2n), { planId }));
      expect([bait.view.status, bait.view.planPays]).to.deep.equal(["Approved", usd(10000)]);
      const theirs = await submitClaim(fx, fx.claim(THREE_LINES, { planId }), fx.lab);
      expect([theirs.view.status, theirs.view.planPays]).to.deep.equal(["Paid", 0n]);
      const details = await detailsFor(fx, bait.claimId);
      await expect(fx.engine.connect(fx.hospital).voidClaim(bait.claimId, details))
        .to.be.revertedWithCustomError(fx.engine, "ClaimsDecidedAfter")
        .withArgs(bait.claimId, theirs.claimId);
      await expect(fx.engine.connect(fx.hospital).replace(bait.claimId, details, fx.claim(xray, { planId })))
        .to.be.revertedWithCustomError(fx.engine, "ClaimsDecidedAfter")
        .withArgs(bait.claimId, theirs.claimId);
    });

    it("reverses decided claims only last-first, so every totals state was reached by decided claims", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const first = await submitClaim(fx, fx.claim(THREE_LINES));
      const second = await submitClaim(fx, fx.claim(xray, { serviceDate: fx.now - DAY }));
      expect((await detailsFor(fx, second.claimId)).previousDecision).to.equal(first.claimId);
      await expect(fx.engine.connect(fx.hospital).voidClaim(first.claimId, await detailsFor(fx, first.claimId)))
        .to.be.revertedWithCustomError(fx.engine, "ClaimsDecidedAfter")
        .withArgs(first.claimId, second.claimId);
      await fx.engine.connect(fx.hospital).voidClaim(second.claimId, await detailsFor(fx, second.claimId));
      expect((await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).lastDecision).to.equal(first.claimId);
      await fx.engine.connect(fx.hospital).voidClaim(first.claimId, await detailsFor(fx, first.claimId));
      expect(await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000), 0n]);
    });

    it("adjudicates a claim in review against the totals at its decision, not those at its submission", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const pending = await submitClaim(fx, fx.claim(surgery()));
      const meanwhile = await submitClaim(fx, fx.claim(THREE_LINES, { serviceDate: fx.now - DAY }));
      await approveClaim(fx, pending.claimId);
      const decided = await readClaim(fx.engine, pending.claimId);
      // 8,000 allowed after 500 deductible and 586 patient share were met: copay 20, coinsurance cut
      // to what remains of the 1,500 maximum (914 - 20 = 894); the plan pays 8,000 - 914 = 7,086.
      expect([decided.results[0]!.deductible, decided.results[0]!.coinsurance, decided.planPays]).to.deep.equal([
        0n,
        usd(894),
        usd(7086),
      ]);
      expect(decided.previousDecision).to.equal(meanwhile.claimId);
      expect(await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).to.deep.equal([
        usd(500),
        usd(1500),
        usd(264 + 7086),
        pending.claimId,
      ]);
    });

    it("stops a claim in review from holding prior-authorisation units hostage", async function () {
      // f3bfe51: a claim in review took the authorisation's units at submission, so the next claim
      // under that authorisation was rejected with CARC 198 until the parked one was voided.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      await fx.plans.connect(fx.insurer).authorise(fx.planId, patient(1), CODES.mri, 1, fx.now - 5n * DAY, fx.now);
      const mri = { code: CODES.mri, units: 1n, charged: usd(1200) };
      const parked = await submitClaim(fx, fx.claim([mri, ...surgery()]));
      expect(parked.view.status).to.equal("PendingReview");
      const real = await submitClaim(fx, fx.claim([mri], { serviceDate: fx.now - DAY }));
      expect(real.view.status).to.equal("Approved");
      expect(await fx.engine.authUsedOf(fx.planId, patient(1), CODES.mri)).to.equal(1n);
    });
  });

  describe("one claim per patient, provider, code and UTC day (point 8)", function () {
    it("stops the same services being paid again by moving the service time within the day", async function () {
      // f3bfe51: the duplicate key used the service date in seconds: serviceDate + 1 was paid again.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const dayStart = fx.serviceDate - (fx.serviceDate % DAY);
      const first = await submitClaim(fx, fx.claim(THREE_LINES));
      for (const moment of [fx.serviceDate + 1n, dayStart, dayStart + DAY - 1n]) {
        const again = await submitClaim(fx, fx.claim(THREE_LINES, { serviceDate: moment }));
        expect([again.view.status, again.view.reason, again.view.rejectedLine, again.view.earlierClaim]).to.deep.equal([
          "Rejected",
          18,
          0,
          first.claimId,
        ]);
      }
      const nextDay = await submitClaim(fx, fx.claim(THREE_LINES, { serviceDate: dayStart + DAY }));
      expect(nextDay.view.status).to.equal("Approved");
      expect(await fx.engine.claimForService(patient(1), fx.hospitalId, CODES.xray, dayStart + 5n)).to.equal(
        first.claimId,
      );
    });
  });

  describe("an overturned appeal passes the checks of a submission (point 9)", function () {
    it("stops an overturned appeal from paying a service a second time", async function () {
      // f3bfe51: overturning the duplicate's rejection re-adjudicated and paid it without checking
      // duplicates: the service was paid twice.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const paid = await submitClaim(fx, fx.claim(THREE_LINES));
      await fx.engine.connect(fx.insurer).settle([paid.claimId]);
      const duplicateInput = fx.claim(THREE_LINES);
      const duplicate = await submitClaim(fx, duplicateInput);
      expect(duplicate.view.reason).to.equal(18);
      await fx.engine.connect(fx.hospital).appeal(duplicate.claimId);
      const details = await detailsFor(fx, duplicate.claimId);
      await expect(
        fx.engine.connect(fx.insurer).decideAppeal(duplicate.claimId, true, 0, details, duplicateInput.documentation),
      )
        .to.emit(fx.engine, "ClaimRejected")
        .withArgs(duplicate.claimId, 18, 0n, paid.claimId)
        .and.to.emit(fx.engine, "AppealDecided")
        .withArgs(duplicate.claimId, false, 18);
      expect((await fx.engine.claimOf(duplicate.claimId)).status).to.equal(7n);
      expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(264));
    });

    it("re-checks documentation on an overturn: a retracted record documents nothing", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const documentation = await fx.document(patient(1), fx.hospitalId);
      const { claimId } = await submitClaim(
        fx,
        fx.claim([{ code: CODES.cosmetic, units: 1n, charged: usd(900) }], { documentation }),
      );
      await fx.engine.connect(fx.hospital).appeal(claimId);
      await fx.verifier.setRecord(fx.hospitalId, recordLeaf(patient(1), documentation.commitment), 3);
      await expect(
        fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, await detailsFor(fx, claimId), documentation),
      )
        .to.emit(fx.engine, "AppealDecided")
        .withArgs(claimId, false, 252);
    });

    it("overturns under the coverage period and plan version of the service date, not the current ones", async function () {
      // f3bfe51: an overturn charged the patient's current coverage period.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const documentation = { commitment: docCommitment("anchored after the claim"), batchRoot: NO_BATCH, proof: [] };
      const { claimId, view } = await submitClaim(fx, fx.claim(THREE_LINES, { documentation }));
      expect(view.reason).to.equal(252);
      // A new plan version and a new coverage period start after the service.
      const cut = fx.now + DAY;
      const dearer = PLAN_RULES.map((r) => (r.code === CODES.office ? { ...r, feePerUnit: usd(150) } : r));
      await fx.plans.connect(fx.insurer).revisePlan(fx.planId, planTerms(cut), dearer);
      await fx.plans.connect(fx.insurer).enrol(fx.planId, patient(1), fx.coverageStart, cut);
      await fx.plans.connect(fx.insurer).enrol(fx.planId, patient(1), cut + 1n, cut + 365n * DAY);
      await networkHelpers.time.increase(3n * DAY);
      await fx.verifier.setRecord(fx.hospitalId, recordLeaf(patient(1), documentation.commitment), 1);
      await fx.engine.connect(fx.hospital).appeal(claimId);
      await fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, await detailsFor(fx, claimId), documentation);
      const decided = await readClaim(fx.engine, claimId);
      expect([decided.status, decided.planVersion, decided.planPays]).to.deep.equal(["Paid", 0n, usd(264)]);
      expect((await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).benefitPaid).to.equal(usd(264));
      expect(await fx.engine.totalsOf(fx.planId, patient(1), cut + 1n)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("stops a denial from being bypassed by resubmitting: a correction of a denied claim goes to review", async function () {
      // f3bfe51: a denied claim could be voided and resubmitted, and was then approved automatically.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      await fx.plans.connect(fx.insurer2).publishPlan(planTerms(fx.now - 400n * DAY), PLAN_RULES);
      const plan2 = await fx.plans.planCount();
      await fx.plans.connect(fx.insurer2).enrol(plan2, patient(1), fx.coverageStart, fx.coverageEnd);
      const input = fx.claim(THREE_LINES, { planId: plan2 });
      const short = await submitClaim(fx, input);
      expect(short.view.status).to.equal("PendingReview"); // insurer 2 has no escrow yet
      await fx.engine.connect(fx.insurer2).deny(short.claimId, 50);
      await fx.vault.connect(fx.insurer2).fund(usd(10_000));
      const details = await detailsFor(fx, short.claimId);
      await expect(fx.engine.connect(fx.hospital).voidClaim(short.claimId, details)).to.be.revertedWithCustomError(
        fx.engine,
        "ClaimsUnexpectedStatus",
      );
      expect((await submitClaim(fx, fx.claim(THREE_LINES, { planId: plan2 }))).view.reason).to.equal(18);
      await fx.engine.connect(fx.hospital).replace(short.claimId, details, { ...input });
      const correction = await readClaim(fx.engine, await fx.engine.claimCount());
      expect([correction.status, correction.replaces]).to.deep.equal(["PendingReview", short.claimId]);
    });
  });

  describe("a plan revision never blocks billing (point 10)", function () {
    const lowered: Array<[string, Partial<ReturnType<typeof planTerms>>, bigint]> = [
      // The patient met a deductible of 500, a patient share of 586 and plan payments of 264.
      ["deductible", { deductible: usd(200) }, usd(184)], // 250: copay 20, 20% of 230 = 46: the plan pays 184
      ["out-of-pocket maximum", { deductible: usd(300), oopMax: usd(400) }, usd(250)], // nothing more for the patient
      ["annual limit", { annualLimit: usd(100) }, 0n], // the plan has nothing left to pay
    ];
    for (const [name, terms, planPays] of lowered) {
      it(`saturates a lowered ${name} below what the patient already met, instead of reverting every later claim`, async function () {
        // f3bfe51: every later claim of the patient reverted with an arithmetic panic (0x11).
        const fx = await networkHelpers.loadFixture(claimsFixture);
        await submitClaim(fx, fx.claim(THREE_LINES));
        const effective = fx.now + DAY;
        await fx.plans.connect(fx.insurer).revisePlan(fx.planId, { ...planTerms(effective), ...terms }, PLAN_RULES);
        await networkHelpers.time.increase(2n * DAY);
        const later = await submitClaim(fx, fx.claim(xray, { serviceDate: effective }));
        expect([later.view.planVersion, later.view.planPays]).to.deep.equal([1n, planPays]);
        expect(later.view.status).to.equal(planPays === 0n ? "Paid" : "Approved");
        const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
        expect(totals.benefitPaid).to.equal(usd(264) + planPays);
      });
    }
  });

  describe("a record documents its own service, not any (point 11)", function () {
    it("stops one patient's documentation from documenting another patient's claim", async function () {
      // f3bfe51: any record the provider anchored documented claims for any patient.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const mine = fx.claim(THREE_LINES).documentation;
      const { view } = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(2), documentation: mine }));
      expect(view.reason).to.equal(252);
    });

    it("stops one anchored record from documenting unlimited claims: one accepted claim at a time", async function () {
      // f3bfe51: one anchored record documented any number of claims, dates and codes.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const documentation = await fx.document(patient(1), fx.hospitalId);
      const first = await submitClaim(fx, fx.claim(THREE_LINES, { documentation }));
      await expect(fx.engine.connect(fx.hospital).submit(fx.claim(xray, { serviceDate: fx.now - DAY, documentation })))
        .to.emit(fx.engine, "ClaimRejected")
        .withArgs(first.claimId + 1n, 18, WHOLE_CLAIM, first.claimId);
      const leaf = recordLeaf(patient(1), documentation.commitment);
      expect(await fx.engine.claimForDocumentation(fx.hospitalId, leaf)).to.equal(first.claimId);
      // A void releases it; the next claim takes it over.
      await fx.engine.connect(fx.hospital).voidClaim(first.claimId, await detailsFor(fx, first.claimId));
      expect(await fx.engine.claimForDocumentation(fx.hospitalId, leaf)).to.equal(0n);
      const next = await submitClaim(fx, fx.claim(xray, { serviceDate: fx.now - DAY, documentation }));
      expect(next.view.status).to.equal("Paid"); // accepted: the 250 all goes to the deductible
      expect(await fx.engine.claimForDocumentation(fx.hospitalId, leaf)).to.equal(next.claimId);
    });

    it("stops random bytes a provider anchored, or another member's record, from documenting a claim", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const random = ethers.id("random bytes the provider anchored");
      await fx.verifier.setRecord(fx.hospitalId, random, 1);
      const theirs = await fx.document(patient(1), fx.hospital2Id);
      for (const documentation of [
        { commitment: random, batchRoot: NO_BATCH, proof: [] },
        theirs,
        { ...fx.claim([]).documentation, proof: [] }, // a batched leaf cited without its path
      ]) {
        expect((await submitClaim(fx, fx.claim(THREE_LINES, { documentation }))).view.reason).to.equal(252);
      }
    });
  });

  describe("a suspended or revoked insurer's plans neither adjudicate nor pay (point 12)", function () {
    it("stops a suspended insurer's plan from adjudicating or paying, escalation included", async function () {
      // f3bfe51: claims on a suspended insurer's plan were adjudicated and paid from its escrow, and
      // escalation paid them.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const pending = await submitClaim(fx, fx.claim(surgery()));
      const approved = await submitClaim(fx, fx.claim(THREE_LINES, { serviceDate: fx.now - DAY }));
      await networkHelpers.time.increase(8n * DAY);
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.insurerId);
      await expect(fx.engine.connect(fx.hospital).submit(fx.claim(xray, { serviceDate: fx.now })))
        .to.be.revertedWithCustomError(fx.engine, "ClaimsInsurerNotActive")
        .withArgs(fx.planId, fx.insurerId);
      for (const claimId of [pending.claimId, approved.claimId]) {
        await expect(fx.engine.connect(fx.hospital).escalate(claimId, await detailsFor(fx, claimId)))
          .to.be.revertedWithCustomError(fx.engine, "ClaimsInsurerNotActive")
          .withArgs(fx.planId, fx.insurerId);
      }
      await expect(fx.engine.connect(fx.insurer).settle([approved.claimId]))
        .to.be.revertedWithCustomError(fx.engine, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.insurer.address, 32);
      await expect(fx.vault.connect(fx.insurer).withdrawEscrow(1))
        .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.insurer.address, 32);
      // The provider can still take its claim back: the reservation returns to the insurer's escrow.
      await fx.engine.connect(fx.hospital).voidClaim(approved.claimId, await detailsFor(fx, approved.claimId));
      expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000), 0n]);
    });

    it("recovers a revoked insurer's free escrow only by a consortium vote, naming the vote", async function () {
      // f3bfe51: a revoked insurer's escrow stayed locked for good, with no way out.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const recipient = fx.outsider.address;
      const vault = await fx.vault.getAddress();
      const recover = (memberId: string) =>
        fx.vault.interface.encodeFunctionData("recoverFunds", [memberId, recipient]);
      // Not while the insurer is active, and never by a direct call.
      const early = await passProposal(fx, () =>
        fx.registry.connect(fx.governors[0]!).proposeCall(vault, recover(fx.insurerId)),
      );
      await expect(fx.registry.execute(early))
        .to.be.revertedWithCustomError(fx.vault, "ClaimsMemberNotRevoked")
        .withArgs(fx.insurerId);
      const revoke = await passProposal(fx, () =>
        fx.registry.connect(fx.governors[0]!).propose(ProposalAction.Revoke, fx.insurerId, ethers.ZeroAddress, 0, 0),
      );
      await fx.registry.execute(revoke);
      await expect(fx.vault.connect(fx.governors[0]!).recoverFunds(fx.insurerId, recipient))
        .to.be.revertedWithCustomError(fx.vault, "ConsortiumGuardedNotConsortiumVote")
        .withArgs(fx.governors[0]!.address);
      const vote = await passProposal(fx, () =>
        fx.registry.connect(fx.governors[0]!).proposeCall(vault, recover(fx.insurerId)),
      );
      await expect(fx.registry.execute(vote))
        .to.emit(fx.vault, "FundsRecovered")
        .withArgs(fx.insurerId, recipient, usd(100_000), vote);
      expect(await fx.token.balanceOf(recipient)).to.equal(usd(100_000));
      expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([0n, 0n]);
      const again = await passProposal(fx, () =>
        fx.registry.connect(fx.governors[0]!).proposeCall(vault, recover(fx.insurerId)),
      );
      await expect(fx.registry.execute(again))
        .to.be.revertedWithCustomError(fx.vault, "ClaimsNothingToRecover")
        .withArgs(fx.insurerId);
    });

    it("stops a plan with a zero review or appeal window (instant escalation, no appeal) from being published", async function () {
      // f3bfe51: a zero review window let providers escalate at once; a zero appeal window made every
      // rejection unappealable.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      for (const [reviewWindow, appealWindow] of [
        [0n, 30n * DAY],
        [7n * DAY, 0n],
      ] as Array<[bigint, bigint]>) {
        await expect(
          fx.plans.connect(fx.insurer).publishPlan({ ...planTerms(fx.now), reviewWindow, appealWindow }, PLAN_RULES),
        )
          .to.be.revertedWithCustomError(fx.plans, "ClaimsInvalidWindows")
          .withArgs(reviewWindow, appealWindow);
      }
    });
  });

  describe("claims do not link a patient across hospitals (point 13)", function () {
    it("keeps the documenting record out of every claims event", async function () {
      // f3bfe51: ClaimSubmitted carried the record commitment next to the patient reference, so
      // joining it with RecordAnchored mapped one patient to records at several hospitals.
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const documentation = await fx.document(patient(1), fx.hospitalId);
      const leaf = recordLeaf(patient(1), documentation.commitment);
      const input = fx.claim(surgery(), { documentation });
      const { claimId } = await submitClaim(fx, input);
      await fx.engine.connect(fx.insurer).deny(claimId, 50);
      await fx.engine.connect(fx.hospital).appeal(claimId);
      await fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, await detailsFor(fx, claimId), documentation);
      const logs = await ethers.provider.getLogs({
        address: [await fx.engine.getAddress(), await fx.vault.getAddress(), await fx.plans.getAddress()],
        fromBlock: 0,
      });
      expect(logs.length).to.be.greaterThan(5);
      const secrets = [documentation.commitment, leaf].map((h) => h.slice(2).toLowerCase());
      for (const log of logs) {
        const text = (log.data + log.topics.join("")).toLowerCase();
        for (const secret of secrets) expect(text, `log of ${log.transactionHash}`).to.not.include(secret);
      }
    });
  });

  describe("other attacks found while fixing these", function () {
    it("stops an insurer from resetting a patient's deductible mid-year by enrolling them again", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      await submitClaim(fx, fx.claim(THREE_LINES));
      await expect(fx.plans.connect(fx.insurer).enrol(fx.planId, patient(1), fx.now, fx.now + 365n * DAY))
        .to.be.revertedWithCustomError(fx.plans, "ClaimsOverlappingPeriod")
        .withArgs(fx.now, fx.coverageEnd);
    });

    it("stops an insurer from ending coverage retroactively to refuse claims already submitted", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      await submitClaim(fx, fx.claim(surgery()));
      await expect(fx.plans.connect(fx.insurer).enrol(fx.planId, patient(1), fx.coverageStart, fx.serviceDate - 1n))
        .to.be.revertedWithCustomError(fx.plans, "ClaimsRetroactiveEnd")
        .withArgs(fx.serviceDate - 1n, (v: bigint) => v >= fx.now);
    });

    it("stops an insurer from holding an approved claim unsettled forever: the provider escalates it", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const { claimId } = await submitClaim(fx, fx.claim(THREE_LINES));
      await networkHelpers.time.increase(8n * DAY);
      await fx.engine.connect(fx.hospital).escalate(claimId, await detailsFor(fx, claimId));
      expect(await fx.vault.creditOf(fx.hospitalId)).to.equal(usd(264));
    });

    it("stops forged details from giving back more than a claim charged", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const other = await submitClaim(fx, fx.claim(THREE_LINES, { patientRef: patient(2) }));
      const mine = await submitClaim(fx, fx.claim(THREE_LINES));
      const details = await detailsFor(fx, mine.claimId);
      for (const forged of [
        { ...details, deductibleApplied: details.deductibleApplied + 1n },
        { ...details, patientRef: patient(2) },
        { ...details, previousDecision: other.claimId },
      ]) {
        await expect(fx.engine.connect(fx.hospital).voidClaim(mine.claimId, forged))
          .to.be.revertedWithCustomError(fx.engine, "ClaimsDetailsMismatch")
          .withArgs(mine.claimId);
      }
    });

    it("stops anyone but the engine from moving escrow in the vault, the plan's own insurer included", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      await submitClaim(fx, fx.claim(THREE_LINES));
      await expect(fx.vault.connect(fx.insurer).release(fx.insurerId, usd(264)))
        .to.be.revertedWithCustomError(fx.vault, "ClaimsNotEngine")
        .withArgs(fx.insurer.address);
      await expect(fx.vault.connect(fx.hospital).payFromReserved(fx.insurerId, fx.hospitalId, usd(264)))
        .to.be.revertedWithCustomError(fx.vault, "ClaimsNotEngine")
        .withArgs(fx.hospital.address);
    });

    it("stops a provider from appealing, voiding or escalating another provider's claim", async function () {
      const fx = await networkHelpers.loadFixture(claimsFixture);
      const { claimId } = await submitClaim(fx, fx.claim([{ code: CODES.cosmetic, units: 1n, charged: 1n }]));
      await expect(fx.engine.connect(fx.lab).appeal(claimId))
        .to.be.revertedWithCustomError(fx.engine, "ClaimsNotClaimProvider")
        .withArgs(claimId, fx.labId);
      await expect(
        fx.engine.connect(fx.insurer).decideAppeal(claimId, true, 0, await detailsFor(fx, claimId), NO_DOCUMENTATION),
      ).to.be.revertedWithCustomError(fx.engine, "ClaimsUnexpectedStatus");
    });
  });
});
