import { expect } from "chai";

import { requestQuery, ruleCall } from "../../src/genomics/client.js";
import { cellsRootOf } from "../../src/genomics/release.js";
import { MODULE_IDS, ProposalAction, kindMask } from "../../src/consortium/kinds.js";
import {
  DAY,
  EPS,
  GRU,
  HMB,
  RULES,
  ZERO,
  ethers,
  decide,
  genomicsLibraries,
  govern,
  loadGenomics,
  networkHelpers,
  ruleVoted,
  variantList,
  voteRule,
  type GenomicsFixture,
  type Lab,
} from "./fixture.js";

const costOf = (cells: number) => RULES.costPerQuery + RULES.costPerCell * BigInt(cells);

/** Versions of the given labs' datasets, ascending as the contract wants them. */
function versionsOf(fx: GenomicsFixture, ...labs: number[]): string[] {
  return labs.map((i) => fx.versions[i]!.versionId).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

function request(fx: GenomicsFixture, who: Lab, versions: string[], purpose = HMB, cells = 4, region = 0n) {
  return who.c.queries.requestQuery({ versions, purpose, cellsRoot: cellsRootOf(variantList(cells)), cells, region });
}

async function approved(fx: GenomicsFixture, labs = [0, 1], cells = 4): Promise<bigint> {
  const { queryId } = await requestQuery(fx.researcher.c, {
    versions: versionsOf(fx, ...labs),
    purpose: HMB,
    variantKeys: variantList(cells),
  });
  return queryId;
}

describe("GenomicQueries", function () {
  describe("alliance rules", function () {
    it("changes a rule only by an executed vote, naming the vote and the new rule version in its event", async function () {
      const fx = await loadGenomics();
      const before = await fx.queries.rules();
      const { module, data } = await ruleCall(fx.governor, { rule: "release", minCellCount: 10, minLabs: 3 });
      const id = (await fx.registry.proposalCount()) + 1n;
      await fx.registry.connect(fx.governors[0]!).proposeCall(module, data);
      await fx.registry.connect(fx.governors[0]!).vote(id);
      await fx.registry.connect(fx.governors[1]!).vote(id);
      await expect(fx.registry.execute(id))
        .to.emit(fx.queries, "ReleaseRuleSet")
        .withArgs(10, 3, before.version + 1n, id);
      const after = await fx.queries.rules();
      expect([after.minCellCount, after.minLabs, after.budget]).to.deep.equal([10n, 3n, before.budget]);
    });

    it("emits each rule's own event with its proposal", async function () {
      const fx = await loadGenomics();
      const v = (await fx.queries.rules()).version;
      let r = await ruleVoted(fx, {
        rule: "budget",
        budget: 5n,
        costPerQuery: 1n,
        costPerCell: 0n,
        requesterShare: 25,
      });
      await expect(r.execute())
        .to.emit(fx.queries, "BudgetRuleSet")
        .withArgs(5n, 1n, 0n, 25, v + 1n, r.id);
      r = await ruleVoted(fx, { rule: "purpose", purpose: 7, kinds: kindMask("Hospital") });
      await expect(r.execute())
        .to.emit(fx.queries, "PurposeKindsSet")
        .withArgs(7, kindMask("Hospital"), v + 2n, r.id);
      r = await ruleVoted(fx, { rule: "aggregator", account: fx.outsider.address });
      await expect(r.execute())
        .to.emit(fx.queries, "AggregatorSet")
        .withArgs(fx.aggregator.address, fx.outsider.address, v + 3n, r.id);
      r = await ruleVoted(fx, { rule: "window", seconds: 7200 });
      await expect(r.execute())
        .to.emit(fx.queries, "AnswerWindowSet")
        .withArgs(7200, v + 4n, r.id);
      expect(await fx.queries.purposeKinds(7)).to.equal(BigInt(kindMask("Hospital")));
      expect(await fx.queries.aggregator()).to.equal(fx.outsider.address);
    });

    it("refuses every rule setter called directly, by a governor, the certifier, a lab or an outsider", async function () {
      const fx = await loadGenomics();
      for (const caller of [fx.governors[0]!, fx.certifier, fx.labs[0].account, fx.outsider]) {
        const q = fx.queries.connect(caller);
        for (const call of [
          () => q.setBudgetRule(1, 1, 1, 1),
          () => q.setReleaseRule(1, 2),
          () => q.setPurposeKinds(HMB, 1),
          () => q.setAggregator(caller.address),
          () => q.setAnswerWindow(7200),
        ]) {
          await expect(call())
            .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedNotConsortiumVote")
            .withArgs(caller.address);
        }
      }
    });

    it("refuses out-of-range rules at execution, naming the rule and value", async function () {
      const fx = await loadGenomics();
      const q = fx.queries.interface;
      const at = await fx.queries.getAddress();
      const cases: Array<[string, unknown[], string, unknown[]]> = [
        ["setBudgetRule", [0, 1, 1, 50], "GenomicsInvalidRule", ["budget", 0]],
        ["setBudgetRule", [10, 0, 0, 50], "GenomicsInvalidRule", ["cost", 0]],
        ["setBudgetRule", [10, 1, 1, 0], "GenomicsInvalidRule", ["requesterShare", 0]],
        ["setBudgetRule", [10, 1, 1, 51], "GenomicsInvalidRule", ["requesterShare", 51]],
        ["setReleaseRule", [0, 2], "GenomicsInvalidRule", ["minCellCount", 0]],
        ["setReleaseRule", [5, 1], "GenomicsInvalidRule", ["minLabs", 1]],
        ["setReleaseRule", [5, 33], "GenomicsInvalidRule", ["minLabs", 33]],
        ["setAggregator", [ethers.ZeroAddress], "GenomicsInvalidRule", ["aggregator", 0]],
        ["setAnswerWindow", [60], "GenomicsInvalidRule", ["answerWindow", 60]],
        ["setAnswerWindow", [31 * 86400], "GenomicsInvalidRule", ["answerWindow", 31 * 86400]],
        ["setPurposeKinds", [0, 1], "GenomicsInvalidDuoTerm", [0]],
        ["setPurposeKinds", [256, 1], "GenomicsInvalidDuoTerm", [256]],
        ["setPurposeKinds", [HMB, kindMask("Insurer")], "GenomicsInvalidRequesterKinds", [kindMask("Insurer")]],
      ];
      for (const [fn, args, error, values] of cases) {
        await expect(govern(fx, at, q.encodeFunctionData(fn as never, args as never)))
          .to.be.revertedWithCustomError(fx.queries, error)
          .withArgs(...values);
      }
    });

    it("approves nothing until the alliance has voted budget, release and window rules", async function () {
      const fx = await loadGenomics();
      const libraries = await genomicsLibraries();
      const bare = await ethers.deployContract(
        "GenomicQueries",
        [await fx.registry.getAddress(), await fx.datasets.getAddress()],
        { libraries },
      );
      await expect(
        bare.connect(fx.researcher.account).requestQuery({
          versions: versionsOf(fx, 0, 1),
          purpose: HMB,
          cellsRoot: ethers.id("x"),
          cells: 1,
          region: 0,
        }),
      ).to.be.revertedWithCustomError(bare, "GenomicsRulesNotSet");
      await expect(
        ethers.deployContract("GenomicQueries", [await fx.registry.getAddress(), ethers.ZeroAddress], { libraries }),
      ).to.be.revertedWithCustomError(bare, "ConsortiumGuardedZeroRegistry");
    });
  });

  describe("requesting", function () {
    it("approves a query and reserves its cost on every dataset at once", async function () {
      const fx = await loadGenomics();
      const versions = versionsOf(fx, 0, 1);
      const keys = variantList(4);
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      const rulesVersion = (await fx.queries.rules()).version;
      await networkHelpers.time.setNextBlockTimestamp(now + 10n);
      await expect(request(fx, fx.researcher, versions))
        .to.emit(fx.queries, "QueryApproved")
        .withArgs(
          1n,
          fx.researcher.id,
          HMB,
          4,
          costOf(4),
          rulesVersion,
          now + 10n + DAY,
          cellsRootOf(keys),
          0n,
          versions,
        );
      for (const i of [0, 1]) {
        const b = await fx.queries.budgetOf(fx.versions[i]!.datasetKey);
        expect([b.consumed, b.reserved, b.remaining]).to.deep.equal([0n, costOf(4), RULES.budget - costOf(4)]);
      }
      const q = await fx.queries.queryOf(1n);
      expect([q.status, q.labs, q.cost, q.requester]).to.deep.equal([1n, 2n, costOf(4), fx.researcher.id]);
      expect(await fx.queries.versionsOf(1n)).to.deep.equal(versions);
      expect(await fx.queries.queryCount()).to.equal(1n);
      expect(await fx.queries.costOf(4)).to.equal(costOf(4));
    });

    it("refuses a purpose the alliance granted to nobody, or not to the requester's kind", async function () {
      const fx = await loadGenomics();
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), 7))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsPurposeNotGranted")
        .withArgs(7);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), GRU))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.researcher.account.address, kindMask("Laboratory"));
      await expect(request(fx, fx.insurer, versionsOf(fx, 0, 1)))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.insurer.account.address, kindMask("Hospital", "Laboratory"));
      await expect(
        fx.queries.connect(fx.outsider).requestQuery({
          versions: versionsOf(fx, 0, 1),
          purpose: 300,
          cellsRoot: ethers.id("x"),
          cells: 1,
          region: 0,
        }),
      )
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidDuoTerm")
        .withArgs(300);
    });

    it("refuses a purpose one of the datasets does not allow, charging none", async function () {
      const fx = await loadGenomics();
      const versions = versionsOf(fx, 0, 1, 2);
      await expect(request(fx, fx.researcher, versions, HMB))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsPurposeNotAllowedByDataset")
        .withArgs(fx.versions[2].versionId, HMB);
      for (const i of [0, 1]) expect((await fx.queries.budgetOf(fx.versions[i]!.datasetKey)).reserved).to.equal(0n);
    });

    it("refuses empty, unsorted or repeated version lists and empty cells", async function () {
      const fx = await loadGenomics();
      const [a, b] = versionsOf(fx, 0, 1) as [string, string];
      await expect(request(fx, fx.researcher, []))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidVersionList")
        .withArgs(0);
      await expect(request(fx, fx.researcher, [b, a]))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidVersionList")
        .withArgs(1);
      await expect(request(fx, fx.researcher, [a, a]))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidVersionList")
        .withArgs(1);
      await expect(request(fx, fx.researcher, Array(33).fill(a)))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidVersionList")
        .withArgs(33);
      await expect(
        fx.researcher.c.queries.requestQuery({ versions: [a, b], purpose: HMB, cellsRoot: ZERO, cells: 3, region: 0 }),
      )
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidCells")
        .withArgs(ZERO, 3);
    });

    it("refuses a malformed region and accepts a well-formed one", async function () {
      const fx = await loadGenomics();
      const bad = 26n | (1n << 8n) | (5n << 48n); // chromosome 26 does not exist
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB, 4, bad))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidRule")
        .withArgs("region", bad);
      const reversed = 17n | (100n << 8n) | (5n << 48n);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB, 4, reversed)).to.be.revertedWithCustomError(
        fx.queries,
        "GenomicsInvalidRule",
      );
      const good = 17n | (43_044_000n << 8n) | (43_125_483n << 48n);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB, 4, good)).to.emit(fx.queries, "QueryApproved");
    });

    it("refuses a superseded or withdrawn version", async function () {
      const fx = await loadGenomics();
      const v = fx.versions[1].versionId;
      await fx.datasets.connect(fx.labs[1].account).withdraw(v);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1)))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsDatasetNotQueryable")
        .withArgs(v, 3);
    });

    it("refuses a query over fewer labs than a result needs", async function () {
      const fx = await loadGenomics();
      await expect(request(fx, fx.researcher, versionsOf(fx, 0)))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(1n, 1n, 2n);
    });

    it("does not count the requester's own dataset toward the labs a result needs", async function () {
      const fx = await loadGenomics();
      // Lab 1 knows its own counts: a two-lab result over its dataset and one other would reveal the other's.
      await expect(request(fx, fx.labs[1], versionsOf(fx, 0, 1), GRU))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(1n, 1n, 2n);
      await expect(request(fx, fx.labs[1], versionsOf(fx, 0, 1, 2), GRU)).to.emit(fx.queries, "QueryApproved");
    });

    it("caps what one requester holds of each dataset at its share, leaving the rest to the others", async function () {
      const fx = await loadGenomics();
      const cap = (RULES.budget * BigInt(RULES.requesterShare)) / 100n; // 5 epsilon
      const full = Number((cap - RULES.costPerQuery) / RULES.costPerCell); // 98 variants cost exactly the share
      await approved(fx, [0, 1], full);
      const [first] = versionsOf(fx, 0, 1);
      const key = fx.versions.find((v) => v.versionId === first)!.datasetKey;
      const mine = await fx.queries.requesterBudgetOf(key, fx.researcher.id);
      expect([mine.consumed, mine.reserved, mine.remaining]).to.deep.equal([0n, costOf(full), 0n]);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB, 1))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsRequesterShareExhausted")
        .withArgs(key, fx.researcher.id, costOf(full), costOf(1), cap);
      // Another member still has its own share of the same datasets.
      const other = await fx.queries.requesterBudgetOf(key, fx.labs[2].id);
      expect(other.remaining).to.equal(cap);
      await expect(request(fx, fx.labs[2], versionsOf(fx, 0, 1), HMB, full)).to.emit(fx.queries, "QueryApproved");
      expect((await fx.queries.budgetOf(key)).remaining).to.equal(0n);
    });

    it("refuses a dataset whose lab is suspended, charging none", async function () {
      const fx = await loadGenomics();
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[1].id);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsDatasetLabNotActive")
        .withArgs(fx.versions[1].versionId, fx.labs[1].id);
      expect((await fx.queries.budgetOf(fx.versions[0].datasetKey)).reserved).to.equal(0n);
    });

    it("refuses a query that would take any dataset past its budget, charging none", async function () {
      const fx = await loadGenomics();
      // Two labs each take their whole share (98 variants, 5 epsilon) of lab 0's dataset: it is spent.
      await requestQuery(fx.labs[1].c, { versions: versionsOf(fx, 0, 2), purpose: GRU, variantKeys: variantList(98) });
      await requestQuery(fx.labs[2].c, { versions: versionsOf(fx, 0, 1), purpose: GRU, variantKeys: variantList(98) });
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB, 1))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsBudgetExhausted")
        .withArgs(fx.versions[0].datasetKey, 2n * costOf(98), costOf(1), RULES.budget);
      expect((await fx.queries.budgetOf(fx.versions[1].datasetKey)).reserved).to.equal(costOf(98));
      const researcher = await fx.queries.requesterBudgetOf(fx.versions[1].datasetKey, fx.researcher.id);
      expect(researcher.reserved).to.equal(0n);
    });

    it("leaves nothing to spend, never less than nothing, when the alliance lowers the budget", async function () {
      const fx = await loadGenomics();
      await approved(fx, [0, 1], 20);
      await voteRule(fx, { rule: "budget", budget: 1n, costPerQuery: 1n, costPerCell: 1n, requesterShare: 50 });
      const b = await fx.queries.budgetOf(fx.versions[0].datasetKey);
      expect(b.remaining).to.equal(0n);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1), HMB, 1)).to.be.revertedWithCustomError(
        fx.queries,
        "GenomicsBudgetExhausted",
      );
    });
  });

  describe("contributions and results", function () {
    it("makes a dataset's charge final when its lab records its masked contribution", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx);
      const v = fx.versions[0];
      await expect(fx.labs[0].c.queries.contribute(q, v.versionId, ethers.id("masked")))
        .to.emit(fx.queries, "ContributionRecorded")
        .withArgs(q, v.versionId, fx.labs[0].id, ethers.id("masked"))
        .and.to.emit(fx.queries, "BudgetCharged")
        .withArgs(v.datasetKey, q, 1, costOf(4), costOf(4), 0n);
      expect(await fx.queries.contributionOf(q, v.versionId)).to.equal(ethers.id("masked"));
      const info = await fx.queries.queryOf(q);
      expect([info.status, info.contributedLabs]).to.deep.equal([2n, 1n]);
    });

    it("refuses contributions from another lab, for a version not queried, twice, zero, or after the window", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx);
      const v0 = fx.versions[0].versionId;
      await expect(fx.labs[1].c.queries.contribute(q, v0, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsNotContributingLab")
        .withArgs(q, v0, fx.labs[1].id);
      await expect(fx.labs[2].c.queries.contribute(q, fx.versions[2].versionId, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsVersionNotInQuery")
        .withArgs(q, fx.versions[2].versionId);
      await expect(fx.labs[0].c.queries.contribute(q, v0, ZERO)).to.be.revertedWithCustomError(
        fx.queries,
        "GenomicsZeroDigest",
      );
      await fx.labs[0].c.queries.contribute(q, v0, ethers.id("m"));
      await expect(fx.labs[0].c.queries.contribute(q, v0, ethers.id("m2")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsAlreadyContributed")
        .withArgs(q, v0);
      await expect(fx.researcher.c.queries.contribute(q, v0, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.researcher.account.address, kindMask("Laboratory"));
      await expect(fx.labs[0].c.queries.contribute(99n, v0, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsUnknownQuery")
        .withArgs(99n);
      const deadline = (await fx.queries.queryOf(q)).deadline;
      await networkHelpers.time.increaseTo(deadline);
      await expect(fx.labs[1].c.queries.contribute(q, fx.versions[1].versionId, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryWindowClosed")
        .withArgs(q, deadline);
    });

    it("refuses a contribution for a version withdrawn after approval, and releases its reservation at the end", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx, [0, 1, 2].slice(0, 2));
      const v1 = fx.versions[1];
      await fx.datasets.connect(fx.labs[1].account).withdraw(v1.versionId);
      await expect(fx.labs[1].c.queries.contribute(q, v1.versionId, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsDatasetNotQueryable")
        .withArgs(v1.versionId, 3);
      await networkHelpers.time.increase(DAY);
      await fx.queries.closeQuery(q);
      expect((await fx.queries.budgetOf(v1.datasetKey)).reserved).to.equal(0n);
    });

    it("publishes a result only from the aggregator and with enough labs, recording the rule version used", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx, [0, 1]);
      await fx.labs[0].c.queries.contribute(q, fx.versions[0].versionId, ethers.id("m0"));
      const agg = fx.queries.connect(fx.aggregator);
      await expect(agg.publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(q, 1n, 2n);
      await fx.labs[1].c.queries.contribute(q, fx.versions[1].versionId, ethers.id("m1"));
      for (const impostor of [fx.outsider, fx.labs[0].account, fx.governors[0]!]) {
        await expect(fx.queries.connect(impostor).publishResult(q, ethers.id("a"), ethers.id("r")))
          .to.be.revertedWithCustomError(fx.queries, "GenomicsNotAggregator")
          .withArgs(impostor.address, fx.aggregator.address);
      }
      await expect(agg.publishResult(q, ZERO, ethers.id("r"))).to.be.revertedWithCustomError(
        fx.queries,
        "GenomicsZeroDigest",
      );
      const rules = await fx.queries.rules();
      await expect(agg.publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.emit(fx.queries, "ResultPublished")
        .withArgs(q, ethers.id("a"), ethers.id("r"), 2, rules.version, rules.minCellCount);
      const r = await fx.queries.resultOf(q);
      expect([r.labs, r.rulesVersion, r.minCellCount]).to.deep.equal([2n, rules.version, rules.minCellCount]);
      expect((await fx.queries.queryOf(q)).status).to.equal(3n);
      await expect(agg.publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryInvalidStatus")
        .withArgs(q, 3, 4);
    });

    it("releases the reservations of datasets whose lab did not contribute when the result is published", async function () {
      const fx = await loadGenomics();
      const { queryId: q } = await requestQuery(fx.labs[0].c, {
        versions: versionsOf(fx, 0, 1, 2),
        purpose: GRU,
        variantKeys: variantList(4),
      });
      await fx.labs[1].c.queries.contribute(q, fx.versions[1].versionId, ethers.id("m1"));
      await fx.labs[2].c.queries.contribute(q, fx.versions[2].versionId, ethers.id("m2"));
      await expect(fx.queries.connect(fx.aggregator).publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.emit(fx.queries, "BudgetCharged")
        .withArgs(fx.versions[0].datasetKey, q, 2, costOf(4), 0n, 0n);
      expect((await fx.queries.budgetOf(fx.versions[1].datasetKey)).consumed).to.equal(costOf(4));
      const share = await fx.queries.requesterBudgetOf(fx.versions[1].datasetKey, fx.labs[0].id);
      expect([share.consumed, share.reserved]).to.deep.equal([costOf(4), 0n]);
      const released = await fx.queries.requesterBudgetOf(fx.versions[0].datasetKey, fx.labs[0].id);
      expect([released.consumed, released.reserved]).to.deep.equal([0n, 0n]);
    });

    it("charges the requester's own lab for its contribution but counts only the other labs", async function () {
      const fx = await loadGenomics();
      const { queryId: q } = await requestQuery(fx.labs[0].c, {
        versions: versionsOf(fx, 0, 1, 2),
        purpose: GRU,
        variantKeys: variantList(4),
      });
      await fx.labs[0].c.queries.contribute(q, fx.versions[0].versionId, ethers.id("m0"));
      await fx.labs[1].c.queries.contribute(q, fx.versions[1].versionId, ethers.id("m1"));
      const agg = fx.queries.connect(fx.aggregator);
      await expect(agg.publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(q, 1n, 2n);
      expect((await fx.queries.budgetOf(fx.versions[0].datasetKey)).consumed).to.equal(costOf(4));
      await fx.labs[2].c.queries.contribute(q, fx.versions[2].versionId, ethers.id("m2"));
      await expect(agg.publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.emit(fx.queries, "ResultPublished")
        .withArgs(q, ethers.id("a"), ethers.id("r"), 2, (await fx.queries.rules()).version, RULES.minCellCount);
    });
  });

  describe("a query's secure-aggregation rounds and the rules it was approved under", function () {
    it("keeps the epsilon per cell charged at approval when the alliance reprices cells", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx, [0, 1]);
      await voteRule(fx, {
        rule: "budget",
        budget: RULES.budget,
        costPerQuery: RULES.costPerQuery,
        costPerCell: 100n * EPS,
        requesterShare: RULES.requesterShare,
      });
      expect((await fx.queries.queryOf(q)).cellCost).to.equal(RULES.costPerCell);
    });

    it("lets only the aggregator fix U1, once, before any contribution", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx, [0, 1]);
      const agg = fx.queries.connect(fx.aggregator);
      for (const impostor of [fx.outsider, fx.labs[0].account, fx.governors[0]!]) {
        await expect(fx.queries.connect(impostor).fixParticipants(q, ethers.id("u1")))
          .to.be.revertedWithCustomError(fx.queries, "GenomicsNotAggregator")
          .withArgs(impostor.address, fx.aggregator.address);
      }
      await expect(agg.fixParticipants(q, ZERO)).to.be.revertedWithCustomError(fx.queries, "GenomicsZeroDigest");
      await expect(agg.fixParticipants(q, ethers.id("u1")))
        .to.emit(fx.queries, "ParticipantsFixed")
        .withArgs(q, ethers.id("u1"));
      expect((await fx.queries.queryOf(q)).participantsDigest).to.equal(ethers.id("u1"));
      await expect(agg.fixParticipants(q, ethers.id("other")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsParticipantsAlreadyFixed")
        .withArgs(q, ethers.id("u1"));
      const late = await approved(fx, [0, 1]);
      await fx.labs[0].c.queries.contribute(late, fx.versions[0].versionId, ethers.id("m0"));
      await expect(agg.fixParticipants(late, ethers.id("u1")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryInvalidStatus")
        .withArgs(late, 2, 2);
    });

    it("lets only the aggregator close contributions, with enough labs, and refuses contributions after", async function () {
      const fx = await loadGenomics();
      const { queryId: q } = await requestQuery(fx.labs[0].c, {
        versions: versionsOf(fx, 0, 1, 2),
        purpose: GRU,
        variantKeys: variantList(4),
      });
      const agg = fx.queries.connect(fx.aggregator);
      await fx.labs[1].c.queries.contribute(q, fx.versions[1].versionId, ethers.id("m1"));
      await expect(agg.closeContributions(q))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(q, 1n, 2n);
      await fx.labs[2].c.queries.contribute(q, fx.versions[2].versionId, ethers.id("m2"));
      for (const impostor of [fx.outsider, fx.labs[0].account, fx.governors[0]!]) {
        await expect(fx.queries.connect(impostor).closeContributions(q))
          .to.be.revertedWithCustomError(fx.queries, "GenomicsNotAggregator")
          .withArgs(impostor.address, fx.aggregator.address);
      }
      await expect(agg.closeContributions(q)).to.emit(fx.queries, "ContributionsClosed").withArgs(q, 2);
      expect((await fx.queries.queryOf(q)).contributionsClosed).to.equal(true);
      await expect(agg.closeContributions(q))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsContributionsClosed")
        .withArgs(q);
      await expect(fx.labs[0].c.queries.contribute(q, fx.versions[0].versionId, ethers.id("m0")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsContributionsClosed")
        .withArgs(q);
      await expect(agg.publishResult(q, ethers.id("a"), ethers.id("r"))).to.emit(fx.queries, "ResultPublished");
    });

    it("refuses contributions and the result once the alliance withdrew the query's purpose", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx, [0, 1]);
      await fx.labs[0].c.queries.contribute(q, fx.versions[0].versionId, ethers.id("m0"));
      await fx.labs[1].c.queries.contribute(q, fx.versions[1].versionId, ethers.id("m1"));
      const other = await approved(fx, [0, 1]);
      await voteRule(fx, { rule: "purpose", purpose: HMB, kinds: 0 });
      await expect(fx.labs[0].c.queries.contribute(other, fx.versions[0].versionId, ethers.id("m0")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsPurposeWithdrawn")
        .withArgs(other, HMB);
      await expect(fx.queries.connect(fx.aggregator).publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsPurposeWithdrawn")
        .withArgs(q, HMB);
    });

    it("counts at publication only the contributing labs still active", async function () {
      const fx = await loadGenomics();
      const { queryId: q } = await requestQuery(fx.labs[0].c, {
        versions: versionsOf(fx, 0, 1, 2),
        purpose: GRU,
        variantKeys: variantList(4),
      });
      for (const i of [0, 1, 2]) await fx.labs[i]!.c.queries.contribute(q, fx.versions[i]!.versionId, ethers.id("m"));
      expect((await fx.queries.queryOf(q)).contributedLabs).to.equal(2n);
      await decide(fx, ProposalAction.Revoke, fx.labs[1].id);
      await expect(fx.queries.connect(fx.aggregator).publishResult(q, ethers.id("a"), ethers.id("r")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(q, 1n, 2n);
    });
  });

  describe("ending a query without a result", function () {
    it("lets only the requesting member cancel, before any contribution, and returns every reservation", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx);
      await expect(fx.labs[0].c.queries.cancelQuery(q))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsNotRequester")
        .withArgs(q, fx.labs[0].id);
      await expect(fx.queries.connect(fx.outsider).cancelQuery(q))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsNotRequester")
        .withArgs(q, ZERO);
      await expect(fx.researcher.c.queries.cancelQuery(q)).to.emit(fx.queries, "QueryCancelled").withArgs(q);
      for (const i of [0, 1]) expect((await fx.queries.budgetOf(fx.versions[i]!.datasetKey)).reserved).to.equal(0n);
      await expect(fx.researcher.c.queries.cancelQuery(q))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryInvalidStatus")
        .withArgs(q, 4, 2);
      await expect(fx.researcher.c.queries.cancelQuery(42n))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsUnknownQuery")
        .withArgs(42n);
    });

    it("refuses contributions once the requester is no longer active, and lets anyone close its query at once", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx);
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.researcher.id);
      await expect(fx.labs[0].c.queries.contribute(q, fx.versions[0].versionId, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsRequesterNotActive")
        .withArgs(q, fx.researcher.id);
      await expect(fx.queries.connect(fx.outsider).closeQuery(q)).to.emit(fx.queries, "QueryClosed").withArgs(q, 5);
      for (const i of [0, 1]) expect((await fx.queries.budgetOf(fx.versions[i]!.datasetKey)).reserved).to.equal(0n);
    });

    it("cannot be cancelled once a lab contributed", async function () {
      const fx = await loadGenomics();
      const q = await approved(fx);
      await fx.labs[0].c.queries.contribute(q, fx.versions[0].versionId, ethers.id("m"));
      await expect(fx.researcher.c.queries.cancelQuery(q))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryInvalidStatus")
        .withArgs(q, 2, 2);
    });

    it("closes after the window: Expired without contributions (all returned), Unanswered with some (theirs kept)", async function () {
      const fx = await loadGenomics();
      const quiet = await approved(fx);
      const partial = await approved(fx);
      await fx.labs[0].c.queries.contribute(partial, fx.versions[0].versionId, ethers.id("m"));
      await expect(fx.queries.closeQuery(quiet))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryWindowOpen")
        .withArgs(quiet, (await fx.queries.queryOf(quiet)).deadline);
      await networkHelpers.time.increase(DAY);
      await expect(fx.queries.connect(fx.outsider).closeQuery(quiet))
        .to.emit(fx.queries, "QueryClosed")
        .withArgs(quiet, 5);
      await expect(fx.queries.closeQuery(partial)).to.emit(fx.queries, "QueryClosed").withArgs(partial, 6);
      const b0 = await fx.queries.budgetOf(fx.versions[0].datasetKey);
      const b1 = await fx.queries.budgetOf(fx.versions[1].datasetKey);
      expect([b0.consumed, b0.reserved, b1.consumed, b1.reserved]).to.deep.equal([costOf(4), 0n, 0n, 0n]);
      await expect(fx.queries.closeQuery(quiet))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsQueryInvalidStatus")
        .withArgs(quiet, 5, 6);
    });
  });

  describe("pause", function () {
    it("stops requests, contributions and results, but not cancelling or closing", async function () {
      const fx = await loadGenomics();
      const q1 = await approved(fx);
      const q2 = await approved(fx);
      await fx.labs[0].c.queries.contribute(q2, fx.versions[0].versionId, ethers.id("m"));
      await fx.labs[1].c.queries.contribute(q2, fx.versions[1].versionId, ethers.id("m"));
      await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.genomics);
      await expect(request(fx, fx.researcher, versionsOf(fx, 0, 1)))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.genomics);
      await expect(fx.labs[0].c.queries.contribute(q1, fx.versions[0].versionId, ethers.id("m")))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.genomics);
      await expect(fx.queries.connect(fx.aggregator).publishResult(q2, ethers.id("a"), ethers.id("r")))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.genomics);
      await expect(fx.researcher.c.queries.cancelQuery(q1)).to.emit(fx.queries, "QueryCancelled");
      await networkHelpers.time.increase(DAY);
      await expect(fx.queries.closeQuery(q2)).to.emit(fx.queries, "QueryClosed");
    });
  });
});
