/**
 * Attacks of the second adversarial review on the genomics module (not in genomics.ts). Each test
 * asserts the safe behaviour, so it fails on the reviewed main until the weakness is fixed.
 */
import { expect } from "chai";

import { requestQuery, submitClassification } from "../../src/genomics/client.js";
import { variantIdOf } from "../../src/genomics/vrs.js";
import { proposalIdFrom, voteAndExecute } from "../../src/consortium/governance.js";
import { ProposalAction } from "../../src/consortium/kinds.js";
import {
  DAY,
  HMB,
  RULES,
  ethers,
  loadGenomics,
  networkHelpers,
  variantList,
  type GenomicsFixture,
  type Lab,
} from "../genomics/fixture.js";

function ask(fx: GenomicsFixture, who: Lab, labs: number[], cells: number) {
  return requestQuery(who.c, {
    versions: labs.map((i) => fx.versions[i]!.versionId),
    purpose: HMB,
    variantKeys: variantList(cells),
  });
}

/** Runs an attack step that a fixed contract may refuse; the test judges the outcome, not the step. */
async function attempt<T>(step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch {
    return undefined; // refused: the safe outcome for this step
  }
}

describe("adversarial review: genomics", function () {
  it("a researcher locks every dataset's whole budget with a query no lab answers, and renews it each time its window closes", async function () {
    const fx = await loadGenomics();
    const attacker = fx.labs[2]; // a Laboratory member: HMB is granted to its kind
    const whole = Number((RULES.budget - RULES.costPerQuery) / RULES.costPerCell);
    const first = await attempt(() => ask(fx, attacker, [0, 1], whole));
    // Nobody answers; when the window closes the attacker closes it and asks again in the next block.
    await networkHelpers.time.increase(DAY);
    if (first !== undefined) await attempt(async () => (await fx.queries.closeQuery(first.queryId)).wait());
    await attempt(() => ask(fx, attacker, [0, 1], whole));
    // Another researcher's one-variant query on the same datasets is still approved.
    const { queryId } = await ask(fx, fx.researcher, [0, 1], 1);
    expect((await fx.queries.queryOf(queryId)).status).to.equal(1n);
  });

  it("a lab asks a two-lab query over its own dataset and one other, so the aggregate minus its own input (and noise share) is the other lab's counts", async function () {
    const fx = await loadGenomics();
    const asker = fx.labs[1]; // owns dataset 1, and is the requester
    // minLabs = 2 should mean two labs besides the one that reads the result. A fixed contract may refuse
    // the query at approval (then nothing is reserved or read) or its result at publication.
    const asked = await attempt(() => ask(fx, asker, [0, 1], 2));
    if (asked === undefined) {
      for (const v of fx.versions.slice(0, 2)) {
        const b = await fx.queries.budgetOf(v.datasetKey);
        expect([b.consumed, b.reserved]).to.deep.equal([0n, 0n]);
      }
      return;
    }
    const { queryId } = asked;
    await fx.labs[0].c.queries.contribute(queryId, fx.versions[0].versionId, ethers.id("masked 0"));
    await asker.c.queries.contribute(queryId, fx.versions[1].versionId, ethers.id("masked 1"));
    await attempt(async () =>
      (await fx.queries.connect(fx.aggregator).publishResult(queryId, ethers.id("agg"), ethers.id("rel"))).wait(),
    );
    expect((await fx.queries.resultOf(queryId)).aggregateDigest).to.equal(ethers.ZeroHash);
  });

  it("a lab the consortium revoked keeps its classifications counted, holding a variant in conflict for good", async function () {
    const fx = await loadGenomics();
    const topic = { variantKey: "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt", condition: 7254 };
    const common = { ...topic, evidenceCodes: ["PS3"], assertionCriteria: true };
    await submitClassification(fx.labs[0].c, { ...common, lab: fx.labs[0].id, significance: 1 }); // Benign
    await submitClassification(fx.labs[1].c, { ...common, lab: fx.labs[1].id, significance: 1 }); // Benign
    // A rogue lab's key files Pathogenic; the governors revoke that lab.
    await submitClassification(fx.labs[2].c, { ...common, lab: fx.labs[2].id, significance: 5 });
    const variant = variantIdOf(topic.variantKey);
    expect((await fx.interpretations.interpretationOf(variant, topic.condition)).conflict).to.equal(true);
    const receipt = await (
      await fx.registry
        .connect(fx.governors[0]!)
        .propose(ProposalAction.Revoke, fx.labs[2].id, ethers.ZeroAddress, 0, 0)
    ).wait();
    await voteAndExecute(fx.registry, fx.governors.slice(0, 2), proposalIdFrom(fx.registry, receipt!));
    const after = await fx.interpretations.interpretationOf(variant, topic.condition);
    expect(after.withCriteria[4]).to.equal(0n); // no Pathogenic from an active submitter
    expect(after.conflict).to.equal(false);
  });
});
