import { expect } from "chai";
import { network } from "hardhat";

import { claimDetails, readClaim, submittedClaimId } from "../../src/claims/engine.js";
import { CODES, DAY, THREE_LINES, deployClaims, patient, usd } from "./fixture.js";
import { approveClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

type Fx = Awaited<ReturnType<typeof claimsFixture>>;

async function submit(fx: Fx, input: ReturnType<Fx["claim"]>, signer = fx.hospital) {
  const receipt = (await (await fx.engine.connect(signer).submit(input)).wait())!;
  const claimId = submittedClaimId(fx.engine, receipt);
  return { claimId, receipt, view: await readClaim(fx.engine, claimId) };
}

describe("Claims: auto-adjudication (worked examples)", function () {
  it("meets the deductible partly within one three-line claim and approves the plan share", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId, view } = await submit(fx, fx.claim(THREE_LINES));
    expect(view.status).to.equal("Approved");
    // Line 1: 2 x OFFICE at 100 = 200 allowed of 250 charged; all 200 to the deductible.
    // Line 2: XRAY 250 allowed of 400; all 250 to the deductible (450 of 500 met).
    // Line 3: 10 x LAB at 40 = 400: 50 deductible, 20 copay, 20% of 330 = 66 coinsurance, plan 264.
    expect(view.results).to.deep.equal([
      {
        submitted: usd(250),
        eligible: usd(200),
        deductible: usd(200),
        copay: 0n,
        coinsurance: 0n,
        benefit: 0n,
        overLimit: 0n,
      },
      {
        submitted: usd(400),
        eligible: usd(250),
        deductible: usd(250),
        copay: 0n,
        coinsurance: 0n,
        benefit: 0n,
        overLimit: 0n,
      },
      {
        submitted: usd(500),
        eligible: usd(400),
        deductible: usd(50),
        copay: usd(20),
        coinsurance: usd(66),
        benefit: usd(264),
        overLimit: 0n,
      },
    ]);
    expect(view.planPays).to.equal(usd(264));
    const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
    expect(totals).to.deep.equal([usd(500), usd(586), usd(264), claimId]);
    expect(await fx.vault.escrowOf(fx.insurerId)).to.deep.equal([usd(100_000 - 264), usd(264)]);
    expect(claimId).to.equal(1n);
  });

  it("caps the patient's share at the out-of-pocket maximum, cutting coinsurance first, once the claim is decided", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId, view } = await submit(fx, fx.claim([{ code: CODES.surgery, units: 1n, charged: usd(9000) }]));
    // 8,000 allowed: 500 deductible, 20 copay, 20% of 7,480 = 1,496 coinsurance = 2,016 > OOP max 1,500:
    // coinsurance is cut by 516 to 980; the plan pays 8,000 - 1,500 = 6,500 (above the 5,000 review threshold).
    expect(view.results[0]).to.deep.equal({
      submitted: usd(9000),
      eligible: usd(8000),
      deductible: usd(500),
      copay: usd(20),
      coinsurance: usd(980),
      benefit: usd(6500),
      overLimit: 0n,
    });
    expect(view.status).to.equal("PendingReview");
    // In review the claim is only provisionally adjudicated: nothing is charged yet.
    expect((await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).oopPaid).to.equal(0n);
    await approveClaim(fx, claimId);
    const decided = await readClaim(fx.engine, claimId);
    expect([decided.status, decided.results[0]!.coinsurance, decided.planPays]).to.deep.equal([
      "Paid",
      usd(980),
      usd(6500),
    ]);
    expect((await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart)).oopPaid).to.equal(usd(1500));
  });

  it("pays nothing beyond the annual benefit limit once it is exhausted", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const first = await submit(fx, fx.claim([{ code: CODES.surgery, units: 1n, charged: usd(8000) }]));
    await approveClaim(fx, first.claimId);
    const later = fx.claim([{ code: CODES.surgery, units: 1n, charged: usd(8000) }], { serviceDate: fx.now - DAY });
    const { view } = await submit(fx, later);
    // OOP max already reached: the patient owes nothing more; the plan has 10,000 - 6,500 = 3,500 left,
    // so it pays 3,500 and 4,500 is over the limit (CARC 119).
    expect(view.results[0]).to.deep.equal({
      submitted: usd(8000),
      eligible: usd(8000),
      deductible: 0n,
      copay: 0n,
      coinsurance: 0n,
      benefit: usd(3500),
      overLimit: usd(4500),
    });
    const totals = await fx.engine.totalsOf(fx.planId, patient(1), fx.coverageStart);
    expect([totals.deductibleMet, totals.oopPaid, totals.benefitPaid]).to.deep.equal([usd(500), usd(1500), usd(10000)]);
    expect(totals.lastDecision).to.equal(view.claimId);
    const third = await submit(
      fx,
      fx.claim([{ code: CODES.office, units: 1n, charged: usd(100) }], { serviceDate: fx.now }),
    );
    expect(third.view.results[0]!.benefit).to.equal(0n);
    expect(third.view.results[0]!.overLimit).to.equal(usd(100));
    expect(third.view.status).to.equal("Paid");
  });

  it("rebuilds a claim's details from its events so that they match the stored hash", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const { claimId } = await submit(fx, fx.claim(THREE_LINES));
    const details = await claimDetails(fx.engine, claimId);
    expect(details.deductibleApplied).to.equal(usd(500));
    expect(details.oopApplied).to.equal(usd(586));
    expect(details.previousDecision).to.equal(0n);
    await expect(fx.engine.connect(fx.hospital).voidClaim(claimId, details))
      .to.emit(fx.engine, "ClaimVoided")
      .withArgs(claimId, 0n);
  });
});
