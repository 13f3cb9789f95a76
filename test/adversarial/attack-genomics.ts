/**
 * Attacks of the third adversarial review on the genomics module (not in genomics.ts or
 * review-genomics.ts). Each test asserts the safe behaviour, so it fails on the reviewed main until
 * the weakness is fixed. The list, with severities and suggested fixes, is in FINDINGS.md.
 */
import { expect } from "chai";

import { requestQuery } from "../../src/genomics/client.js";
import { releaseTable } from "../../src/genomics/release.js";
import { ProposalAction } from "../../src/consortium/kinds.js";
import { HMB, decide, ethers, loadGenomics, variantList, voteRule, type GenomicsFixture } from "../genomics/fixture.js";

/** Runs an attack step that a fixed contract may refuse; the test judges the outcome, not the step. */
async function attempt<T>(step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch {
    return undefined; // refused: the safe outcome for this step
  }
}

/** The researcher (a Hospital member) asks an HMB query over labs 1 and 2's datasets. */
async function researcherQuery(fx: GenomicsFixture): Promise<bigint> {
  const { queryId } = await requestQuery(fx.researcher.c, {
    versions: [fx.versions[0].versionId, fx.versions[1].versionId],
    purpose: HMB,
    variantKeys: variantList(2),
  });
  return queryId;
}

describe("attack: genomics", function () {
  describe("a vote that withdraws a permission reaches the queries in flight", function () {
    it("stops a query approved for a purpose the alliance then withdrew from being answered and published", async function () {
      const fx = await loadGenomics();
      const queryId = await researcherQuery(fx);
      // The alliance votes that no kind may use HMB any more (e.g. after a consent review).
      await voteRule(fx, { rule: "purpose", purpose: HMB, kinds: 0 });
      expect(await fx.queries.purposeKinds(HMB)).to.equal(0n);
      await attempt(async () =>
        (await fx.labs[0].c.queries.contribute(queryId, fx.versions[0].versionId, ethers.id("masked 0"))).wait(),
      );
      await attempt(async () =>
        (await fx.labs[1].c.queries.contribute(queryId, fx.versions[1].versionId, ethers.id("masked 1"))).wait(),
      );
      await attempt(async () =>
        (await fx.queries.connect(fx.aggregator).publishResult(queryId, ethers.id("agg"), ethers.id("rel"))).wait(),
      );
      expect((await fx.queries.resultOf(queryId)).aggregateDigest).to.equal(ethers.ZeroHash);
    });

    it("stops a result counting toward the minimum of labs a lab the consortium revoked after it contributed", async function () {
      const fx = await loadGenomics();
      const queryId = await researcherQuery(fx);
      await fx.labs[0].c.queries.contribute(queryId, fx.versions[0].versionId, ethers.id("masked 0"));
      await fx.labs[1].c.queries.contribute(queryId, fx.versions[1].versionId, ethers.id("masked 1"));
      // Lab 2 is found to have uploaded fabricated counts and is revoked before the result is published.
      await decide(fx, ProposalAction.Revoke, fx.labs[1].id);
      await attempt(async () =>
        (await fx.queries.connect(fx.aggregator).publishResult(queryId, ethers.id("agg"), ethers.id("rel"))).wait(),
      );
      // One trustworthy lab is below minLabs = 2: the result must not be published as a two-lab answer.
      expect((await fx.queries.resultOf(queryId)).labs).to.equal(0n);
    });
  });
  describe("small cells are suppressed on both sides", function () {
    it("suppresses a cell whose reference-allele count (AN - AC) is below the minimum, not only a small AC", async function () {
      // 300 people, 600 alleles, 598 alternate: the release would tell that exactly two alleles (one or
      // two people of the cohort) carry the reference allele, the same disclosure as AC = 2.
      const [variant] = variantList(1);
      const table = releaseTable({
        queryId: 1n,
        variantKeys: [variant!],
        aggregate: Uint32Array.from([598, 600]),
        rulesVersion: 1,
        minCellCount: 5,
      });
      const cell = table.cells[0]!;
      const complement = cell.ac === null || cell.an === null ? null : cell.an - cell.ac;
      expect(cell.suppressed || (complement !== null && complement >= 5), `released AC ${cell.ac} of AN ${cell.an}`).to
        .be.true;
    });
  });
});
