import { expect } from "chai";

import { describeInterpretation, evidenceCommitment, submitClassification } from "../../src/genomics/client.js";
import { variantIdOf } from "../../src/genomics/vrs.js";
import { MODULE_IDS, ProposalAction, kindMask } from "../../src/consortium/kinds.js";
import { ZERO, decide, ethers, loadGenomics, ruleVoted, type GenomicsFixture, type Lab } from "./fixture.js";

const VARIANT = "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt";
const CONDITION = 7254; // MONDO:0007254, invented use for the tests
const P = 5;
const LP = 4;
const VUS = 3;
const LB = 2;
const B = 1;

function classify(lab: Lab, significance: number, criteria = true, variantKey = VARIANT) {
  return submitClassification(lab.c, {
    lab: lab.id,
    variantKey,
    condition: CONDITION,
    significance,
    evidenceCodes: ["PS3", "PM2"],
    assertionCriteria: criteria,
  });
}

async function view(fx: GenomicsFixture) {
  return describeInterpretation(fx.labs[0].c, VARIANT, CONDITION);
}

describe("VariantInterpretations", function () {
  it("records a lab's signed classification with its evidence commitment and shows one star", async function () {
    const fx = await loadGenomics();
    const r = await classify(fx.labs[0], P);
    expect(r.revision).to.equal(1n);
    expect(r.evidence).to.equal(evidenceCommitment(["PM2", "PS3"], r.salt));
    const s = await fx.interpretations.submissionOf(fx.labs[0].id, variantIdOf(VARIANT), CONDITION);
    expect([s.significance, s.assertionCriteria, s.evidence]).to.deep.equal([BigInt(P), true, r.evidence]);
    const v = await view(fx);
    expect([v.aggregate, v.stars, v.conflict]).to.deep.equal(["Pathogenic", 1, false]);
  });

  it("shows two stars when several labs with criteria agree, and merges P with LP", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], P);
    await classify(fx.labs[1], LP);
    const v = await view(fx);
    expect([v.aggregate, v.stars, v.conflict]).to.deep.equal(["Pathogenic/Likely pathogenic", 2, false]);
    await classify(fx.labs[2], LP);
    expect((await view(fx)).withCriteria).to.deep.equal(["Likely pathogenic: 2", "Pathogenic: 1"]);
  });

  it("shows a conflict, never a majority, when labs disagree across P/LP, VUS and B/LB", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], P);
    await classify(fx.labs[1], P);
    await classify(fx.labs[2], B);
    const v = await view(fx);
    expect([v.aggregate, v.stars, v.conflict]).to.deep.equal(["Conflicting classifications of pathogenicity", 1, true]);
  });

  it("aggregates without criteria only when no lab gave criteria, at zero stars", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], LB, false);
    await classify(fx.labs[1], B, false);
    let v = await view(fx);
    expect([v.aggregate, v.stars]).to.deep.equal(["Benign/Likely benign", 0]);
    await classify(fx.labs[2], VUS, true);
    v = await view(fx);
    expect([v.aggregate, v.stars, v.conflict]).to.deep.equal(["Uncertain significance", 1, false]);
  });

  it("gives three stars to the expert panel the alliance names by vote, still showing conflicts", async function () {
    const fx = await loadGenomics();
    const vote = await ruleVoted(fx, { rule: "expert-panel", memberId: fx.labs[2].id });
    await expect(vote.execute()).to.emit(fx.interpretations, "ExpertPanelSet").withArgs(fx.labs[2].id, vote.id);
    expect(await fx.interpretations.expertPanel()).to.equal(fx.labs[2].id);
    await classify(fx.labs[0], P);
    await classify(fx.labs[1], B);
    await classify(fx.labs[2], LP);
    const v = await view(fx);
    expect([v.aggregate, v.stars, v.conflict, v.expertPanel]).to.deep.equal([
      "Likely pathogenic",
      3,
      true,
      "Likely pathogenic",
    ]);
    await expect(fx.interpretations.connect(fx.governors[0]!).setExpertPanel(ZERO))
      .to.be.revertedWithCustomError(fx.interpretations, "ConsortiumGuardedNotConsortiumVote")
      .withArgs(fx.governors[0]!.address);
  });

  it("replaces a lab's classification on revision, counting it once", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], VUS);
    const r = await classify(fx.labs[0], LP);
    expect(r.revision).to.equal(2n);
    const v = await view(fx);
    expect([v.aggregate, v.withCriteria]).to.deep.equal(["Likely pathogenic", ["Likely pathogenic: 1"]]);
  });

  it("lets a lab retract its own classification, and nobody else's", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], P);
    const variant = variantIdOf(VARIANT);
    await expect(fx.interpretations.connect(fx.labs[1].account).retract(variant, CONDITION))
      .to.be.revertedWithCustomError(fx.interpretations, "GenomicsNoClassification")
      .withArgs(fx.labs[1].id, variant, CONDITION);
    await expect(fx.interpretations.connect(fx.outsider).retract(variant, CONDITION))
      .to.be.revertedWithCustomError(fx.interpretations, "ConsortiumGuardedUnauthorized")
      .withArgs(fx.outsider.address, kindMask("Laboratory"));
    await expect(fx.interpretations.connect(fx.labs[0].account).retract(variant, CONDITION))
      .to.emit(fx.interpretations, "ClassificationRetracted")
      .withArgs(variant, CONDITION, fx.labs[0].id);
    expect((await view(fx)).aggregate).to.equal("no classification");
  });

  it("refuses retractions and submissions while the module is paused or the lab suspended", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], P);
    const variant = variantIdOf(VARIANT);
    const lab = fx.interpretations.connect(fx.labs[0].account);
    await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.genomics);
    await expect(lab.retract(variant, CONDITION))
      .to.be.revertedWithCustomError(fx.interpretations, "ConsortiumGuardedPaused")
      .withArgs(MODULE_IDS.genomics);
    await expect(classify(fx.labs[0], P)).to.be.revertedWithCustomError(fx.interpretations, "ConsortiumGuardedPaused");
    await decide(fx, ProposalAction.Unpause, MODULE_IDS.genomics);
    // A suspended lab's classification already does not count, so its (possibly leaked) key changes nothing.
    await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[0].id);
    await expect(lab.retract(variant, CONDITION))
      .to.be.revertedWithCustomError(fx.interpretations, "ConsortiumGuardedUnauthorized")
      .withArgs(fx.labs[0].account.address, kindMask("Laboratory"));
    expect((await fx.interpretations.submissionOf(fx.labs[0].id, variant, CONDITION)).significance).to.equal(BigInt(P));
  });

  it("counts only classifications of labs active now: a suspended lab's leave the aggregate and return on reinstatement", async function () {
    const fx = await loadGenomics();
    await classify(fx.labs[0], B);
    await classify(fx.labs[1], P);
    expect((await view(fx)).conflict).to.equal(true);
    await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[1].id);
    let i = await view(fx);
    expect([i.conflict, i.stars, i.inactive, i.withCriteria]).to.deep.equal([false, 1, 1, ["Benign: 1"]]);
    await decide(fx, ProposalAction.Reinstate, fx.labs[1].id);
    i = await view(fx);
    expect([i.conflict, i.inactive]).to.deep.equal([true, 0]);
  });

  it("refuses an empty variant, condition or significance, and a signer of another lab", async function () {
    const fx = await loadGenomics();
    const domain = {
      name: "MedChain VariantInterpretations",
      version: "1",
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: await fx.interpretations.getAddress(),
    };
    const base = {
      lab: fx.labs[0].id,
      variant: variantIdOf(VARIANT),
      condition: CONDITION,
      significance: P,
      assertionCriteria: true,
      evidence: ethers.id("e"),
      nonce: 0n,
      deadline: 2n ** 40n,
    };
    for (const [over, field] of [
      [{ variant: ZERO }, "variant"],
      [{ condition: 0 }, "condition"],
      [{ significance: 0 }, "significance"],
    ] as const) {
      const m = { ...base, ...over };
      await expect(fx.interpretations.submit(m, fx.labs[0].account.address, "0x"))
        .to.be.revertedWithCustomError(fx.interpretations, "GenomicsInvalidClassification")
        .withArgs(m.variant, m.condition, field);
    }
    const types = {
      Classification: [
        { name: "lab", type: "bytes32" },
        { name: "variant", type: "bytes32" },
        { name: "condition", type: "uint32" },
        { name: "significance", type: "uint8" },
        { name: "assertionCriteria", type: "bool" },
        { name: "evidence", type: "bytes32" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    };
    expect(await fx.interpretations.hashClassification(base)).to.equal(
      ethers.TypedDataEncoder.hash(domain, types, base),
    );
    const sig = await fx.labs[1].account.signTypedData(domain, types, base);
    await expect(fx.interpretations.submit(base, fx.labs[1].account.address, sig))
      .to.be.revertedWithCustomError(fx.interpretations, "GenomicsSignerNotOfLab")
      .withArgs(fx.labs[1].account.address, fx.labs[0].id);
  });
});
