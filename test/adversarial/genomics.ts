/**
 * Attacks on the genomics module, each named as the attack it stops (issue 13, with the patterns of
 * issue 8: issuer-bound keys, nothing pending changes others' outcomes, one rogue key bounded).
 */
import { expect } from "chai";

import { registerDatasetVersion, requestQuery, submitClassification } from "../../src/genomics/client.js";
import { asSigner } from "../../src/genomics/connect.js";
import {
  DATASET_VERSION_TYPES,
  buildDatasetTree,
  datasetKeyOf,
  datasetsDomain,
  versionTuple,
  type DatasetVersionMessage,
} from "../../src/genomics/dataset.js";
import { duoMask } from "../../src/genomics/duo.js";
import { cellsRootOf } from "../../src/genomics/release.js";
import { variantIdOf } from "../../src/genomics/vrs.js";
import { kindMask } from "../../src/consortium/kinds.js";
import {
  DAY,
  GRU,
  HMB,
  RULES,
  ethers,
  loadGenomics,
  networkHelpers,
  ruleVoted,
  sites,
  variantList,
  voteRule,
  type GenomicsFixture,
  type Lab,
} from "../genomics/fixture.js";

const cost = (cells: number) => RULES.costPerQuery + RULES.costPerCell * BigInt(cells);
const sortIds = (ids: string[]) => [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

async function signed(fx: GenomicsFixture, signer: Lab, over: Partial<DatasetVersionMessage>) {
  const tree = buildDatasetTree(sites(21).sites);
  const m: DatasetVersionMessage = {
    lab: signer.id,
    name: fx.versions[0].message.name,
    version: 1,
    root: tree.root,
    previous: "0x" + "00".repeat(32),
    assembly: 1,
    samples: 10,
    sites: tree.sites,
    dataUses: duoMask([HMB]),
    nonce: await fx.datasets.nonces(signer.account.address),
    deadline: 2n ** 40n,
    ...over,
  };
  const domain = datasetsDomain((await ethers.provider.getNetwork()).chainId, await fx.datasets.getAddress());
  return { m, signature: await signer.account.signTypedData(domain, DATASET_VERSION_TYPES, m) };
}

function ask(fx: GenomicsFixture, who: Lab, labs: number[], cells: number, purpose = HMB) {
  return requestQuery(who.c, {
    versions: labs.map((i) => fx.versions[i]!.versionId),
    purpose,
    variantKeys: variantList(cells),
  });
}

describe("adversarial: genomics", function () {
  describe("dataset ownership", function () {
    it("another lab cannot supersede your dataset, neither signing as you nor chaining onto your version", async function () {
      const fx = await loadGenomics();
      const [victim, attacker] = [fx.labs[0], fx.labs[1]];
      const v1 = fx.versions[0];
      const asVictim = await signed(fx, attacker, { lab: victim.id, version: 2, previous: v1.versionId });
      await expect(fx.datasets.register(versionTuple(asVictim.m), attacker.account.address, asVictim.signature))
        .to.be.revertedWithCustomError(fx.datasets, "GenomicsSignerNotOfLab")
        .withArgs(attacker.account.address, victim.id);
      const own = await signed(fx, attacker, { version: 2, previous: v1.versionId });
      await expect(fx.datasets.register(versionTuple(own.m), attacker.account.address, own.signature))
        .to.be.revertedWithCustomError(fx.datasets, "GenomicsNotNextVersion")
        .withArgs(datasetKeyOf(attacker.id, own.m.name), 2, 2, v1.versionId); // its own dataset is at version 1
      expect((await fx.datasets.versionOf(v1.versionId)).status).to.equal(1n);
    });

    it("another lab cannot withdraw your dataset", async function () {
      const fx = await loadGenomics();
      await expect(fx.datasets.connect(fx.labs[1].account).withdraw(fx.versions[0].versionId))
        .to.be.revertedWithCustomError(fx.datasets, "GenomicsNotDatasetLab")
        .withArgs(fx.versions[0].versionId, fx.labs[1].id);
      await expect(fx.datasets.connect(fx.outsider).withdraw(fx.versions[0].versionId))
        .to.be.revertedWithCustomError(fx.datasets, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.outsider.address, kindMask("Laboratory"));
    });

    it("a forged dataset signature is refused", async function () {
      const fx = await loadGenomics();
      const { m } = await signed(fx, fx.labs[0], { name: ethers.encodeBytes32String("forged") });
      const domain = datasetsDomain((await ethers.provider.getNetwork()).chainId, await fx.datasets.getAddress());
      const forgery = await fx.outsider.signTypedData(domain, DATASET_VERSION_TYPES, m);
      await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, forgery))
        .to.be.revertedWithCustomError(fx.datasets, "GenomicsInvalidSignature")
        .withArgs(fx.labs[0].account.address);
    });

    it("a replayed dataset signature is refused: its nonce is spent and another deployment's domain differs", async function () {
      const fx = await loadGenomics();
      const name = ethers.encodeBytes32String("replayed");
      const { m, signature } = await signed(fx, fx.labs[0], { name });
      await fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature);
      const other = { ...m, name: ethers.encodeBytes32String("replayed-2") };
      const domain = datasetsDomain((await ethers.provider.getNetwork()).chainId, await fx.datasets.getAddress());
      const sameNonce = await fx.labs[0].account.signTypedData(domain, DATASET_VERSION_TYPES, other);
      await expect(fx.datasets.register(versionTuple(other), fx.labs[0].account.address, sameNonce))
        .to.be.revertedWithCustomError(fx.datasets, "InvalidAccountNonce")
        .withArgs(fx.labs[0].account.address, m.nonce + 1n);
      const twin = await ethers.deployContract("GenomicDatasets", [await fx.registry.getAddress()]);
      await expect(twin.register(versionTuple(m), fx.labs[0].account.address, signature))
        .to.be.revertedWithCustomError(twin, "GenomicsInvalidSignature")
        .withArgs(fx.labs[0].account.address);
    });

    it("a key the lab removed signs for nobody", async function () {
      const fx = await loadGenomics();
      const spare = fx.spareAccounts[1]!;
      await fx.registry.connect(fx.labs[0].account).addAccount(spare.address);
      const { m, signature } = await signed(fx, fx.labs[0], { name: ethers.encodeBytes32String("old-key") });
      await fx.registry.connect(spare).removeAccount(fx.labs[0].account.address);
      await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature))
        .to.be.revertedWithCustomError(fx.datasets, "GenomicsSignerNotOfLab")
        .withArgs(fx.labs[0].account.address, fx.labs[0].id);
    });
  });

  describe("privacy budget", function () {
    it("a query cannot dodge the budget or the share by splitting it into smaller queries", async function () {
      const fx = await loadGenomics();
      // One requester's share (5 epsilon) buys (5 - 0.1) / 0.05 = 98 variants in one query; split, fewer.
      const share = (RULES.budget * BigInt(RULES.requesterShare)) / 100n;
      const whole = Number((share - RULES.costPerQuery) / RULES.costPerCell);
      const first = sortIds(fx.versions.slice(0, 2).map((v) => v.versionId))[0]!;
      const firstKey = fx.versions.find((v) => v.versionId === first)!.datasetKey;
      await expect(ask(fx, fx.researcher, [0, 1], whole + 1))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsRequesterShareExhausted")
        .withArgs(firstKey, fx.researcher.id, 0n, cost(whole + 1), share);
      const half = Math.ceil(whole / 2);
      await ask(fx, fx.researcher, [0, 1], half);
      await expect(ask(fx, fx.researcher, [0, 1], whole - half))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsRequesterShareExhausted")
        .withArgs(firstKey, fx.researcher.id, cost(half), cost(whole - half), share);
    });

    it("several members together cannot spend a dataset past its budget", async function () {
      const fx = await loadGenomics();
      const share = (RULES.budget * BigInt(RULES.requesterShare)) / 100n;
      const whole = Number((share - RULES.costPerQuery) / RULES.costPerCell);
      await ask(fx, fx.labs[1], [0, 2], whole, GRU);
      await ask(fx, fx.labs[2], [0, 1], whole, GRU);
      // The budget belongs to the dataset: a third member finds lab 0's dataset spent.
      await expect(ask(fx, fx.researcher, [0, 1], 1))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsBudgetExhausted")
        .withArgs(fx.versions[0].datasetKey, 2n * cost(whole), cost(1), RULES.budget);
    });

    it("a new version of a dataset does not reset its privacy budget", async function () {
      const fx = await loadGenomics();
      await ask(fx, fx.labs[1], [0, 2], 98, GRU); // spends lab 0's dataset (and lab 2's), not lab 1's
      await ask(fx, fx.labs[2], [0, 1], 98, GRU); // lab 0's dataset is now spent
      const v2 = await registerDatasetVersion(fx.labs[0].c, {
        lab: fx.labs[0].id,
        name: "panel-2026",
        counts: sites(30),
        dataUses: duoMask([HMB]),
      });
      expect(v2.datasetKey).to.equal(fx.versions[0].datasetKey);
      const versions = sortIds([v2.versionId, fx.versions[1].versionId]);
      await expect(
        fx.researcher.c.queries.requestQuery({
          versions,
          purpose: HMB,
          cellsRoot: cellsRootOf(variantList(1)),
          cells: 1,
          region: 0,
        }),
      )
        .to.be.revertedWithCustomError(fx.queries, "GenomicsBudgetExhausted")
        .withArgs(v2.datasetKey, 2n * cost(98), cost(1), RULES.budget);
    });

    it("a query approved but never answered keeps no one's budget once its window closes", async function () {
      const fx = await loadGenomics();
      const share = (RULES.budget * BigInt(RULES.requesterShare)) / 100n;
      const whole = Number((share - RULES.costPerQuery) / RULES.costPerCell);
      const { queryId } = await ask(fx, fx.labs[2], [0, 1], whole, GRU); // reserves its whole share
      await ask(fx, fx.researcher, [0, 1], whole); // and the researcher the rest
      await expect(ask(fx, fx.labs[2], [0, 1], 1, GRU)).to.be.revertedWithCustomError(
        fx.queries,
        "GenomicsBudgetExhausted",
      );
      await networkHelpers.time.increase(DAY);
      await fx.queries.connect(fx.outsider).closeQuery(queryId);
      expect((await fx.queries.budgetOf(fx.versions[0].datasetKey)).remaining).to.equal(share);
      const { queryId: next } = await ask(fx, fx.labs[2], [0, 1], 1, GRU);
      expect((await fx.queries.queryOf(next)).status).to.equal(1n);
    });

    it("listing a dataset twice neither charges it twice nor counts its lab twice", async function () {
      const fx = await loadGenomics();
      const v = fx.versions[0].versionId;
      await expect(
        fx.researcher.c.queries.requestQuery({
          versions: [v, v],
          purpose: HMB,
          cellsRoot: cellsRootOf(variantList(2)),
          cells: 2,
          region: 0,
        }),
      )
        .to.be.revertedWithCustomError(fx.queries, "GenomicsInvalidVersionList")
        .withArgs(1);
    });
  });

  describe("purposes", function () {
    it("purpose laundering: a requester kind cannot use a purpose the alliance granted only to others", async function () {
      const fx = await loadGenomics();
      await expect(ask(fx, fx.researcher, [0, 1], 2, GRU))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.researcher.account.address, kindMask("Laboratory"));
    });

    it("purpose laundering: a dataset that disallows the purpose cannot ride along with ones that allow it", async function () {
      const fx = await loadGenomics();
      await expect(ask(fx, fx.researcher, [0, 1, 2], 2, HMB))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsPurposeNotAllowedByDataset")
        .withArgs(fx.versions[2].versionId, HMB);
    });

    it("purpose laundering: a data use modifier (DUO:0000021, ethics approval) is not a purpose anyone may name", async function () {
      const fx = await loadGenomics();
      await expect(ask(fx, fx.labs[0], [0, 1], 2, 21))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsPurposeNotGranted")
        .withArgs(21);
    });
  });

  describe("results", function () {
    it("aggregator impersonation: only the account the alliance voted may publish, and it contributes for no lab", async function () {
      const fx = await loadGenomics();
      const { queryId } = await ask(fx, fx.researcher, [0, 1], 2);
      await fx.labs[0].c.queries.contribute(queryId, fx.versions[0].versionId, ethers.id("a"));
      await fx.labs[1].c.queries.contribute(queryId, fx.versions[1].versionId, ethers.id("b"));
      for (const impostor of [fx.researcher.account, fx.labs[0].account, fx.certifier, fx.governors[1]!]) {
        await expect(fx.queries.connect(impostor).publishResult(queryId, ethers.id("x"), ethers.id("y")))
          .to.be.revertedWithCustomError(fx.queries, "GenomicsNotAggregator")
          .withArgs(impostor.address, fx.aggregator.address);
      }
      await expect(fx.queries.connect(fx.aggregator).contribute(queryId, fx.versions[2].versionId, ethers.id("z")))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.aggregator.address, kindMask("Laboratory"));
    });

    it("a result posted with too few labs is refused, even when one lab contributes for two datasets", async function () {
      const fx = await loadGenomics();
      const second = await registerDatasetVersion(fx.labs[0].c, {
        lab: fx.labs[0].id,
        name: "second-panel",
        counts: sites(40),
        dataUses: duoMask([HMB]),
      });
      const versions = sortIds([fx.versions[0].versionId, second.versionId, fx.versions[1].versionId]);
      const { queryId } = await requestQuery(fx.researcher.c, { versions, purpose: HMB, variantKeys: variantList(2) });
      await fx.labs[0].c.queries.contribute(queryId, fx.versions[0].versionId, ethers.id("a"));
      await fx.labs[0].c.queries.contribute(queryId, second.versionId, ethers.id("b"));
      await expect(fx.queries.connect(fx.aggregator).publishResult(queryId, ethers.id("x"), ethers.id("y")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsTooFewLabs")
        .withArgs(queryId, 1n, 2n);
    });

    it("a rogue aggregator key is replaced by vote and then publishes nothing", async function () {
      const fx = await loadGenomics();
      const { queryId } = await ask(fx, fx.researcher, [0, 1], 2);
      await fx.labs[0].c.queries.contribute(queryId, fx.versions[0].versionId, ethers.id("a"));
      await fx.labs[1].c.queries.contribute(queryId, fx.versions[1].versionId, ethers.id("b"));
      const fresh = fx.spareAccounts[2]!;
      await voteRule(fx, { rule: "aggregator", account: fresh.address });
      await expect(fx.queries.connect(fx.aggregator).publishResult(queryId, ethers.id("x"), ethers.id("y")))
        .to.be.revertedWithCustomError(fx.queries, "GenomicsNotAggregator")
        .withArgs(fx.aggregator.address, fresh.address);
      await expect(fx.queries.connect(fresh).publishResult(queryId, ethers.id("x"), ethers.id("y"))).to.emit(
        fx.queries,
        "ResultPublished",
      );
    });

    it("a suspended lab contributes nothing more", async function () {
      const fx = await loadGenomics();
      const { queryId } = await ask(fx, fx.researcher, [0, 1], 2);
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[1].id);
      await expect(fx.labs[1].c.queries.contribute(queryId, fx.versions[1].versionId, ethers.id("b")))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.labs[1].account.address, kindMask("Laboratory"));
    });
  });

  describe("governance", function () {
    it("one rogue governor cannot change a rule alone", async function () {
      const fx = await loadGenomics();
      const data = fx.queries.interface.encodeFunctionData("setReleaseRule", [1, 2]);
      const rogue = fx.governors[2]!;
      const id = (await fx.registry.proposalCount()) + 1n;
      await fx.registry.connect(rogue).proposeCall(await fx.queries.getAddress(), data);
      await fx.registry.connect(rogue).vote(id);
      await expect(fx.registry.execute(id))
        .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
        .withArgs(id, 1n, 2n);
      await expect(fx.queries.connect(rogue).setReleaseRule(1, 2))
        .to.be.revertedWithCustomError(fx.queries, "ConsortiumGuardedNotConsortiumVote")
        .withArgs(rogue.address);
      expect((await fx.queries.rules()).minCellCount).to.equal(BigInt(RULES.minCellCount));
    });

    it("a rule change waits for its vote: a proposal does not alter the rule before it executes", async function () {
      const fx = await loadGenomics();
      const pending = await ruleVoted(fx, { rule: "release", minCellCount: 1, minLabs: 2 });
      expect((await fx.queries.rules()).minCellCount).to.equal(BigInt(RULES.minCellCount));
      await pending.execute();
      expect((await fx.queries.rules()).minCellCount).to.equal(1n);
    });
  });

  describe("interpretations", function () {
    it("double classification: a lab submitting again for the same variant and condition, from another key, counts once", async function () {
      const fx = await loadGenomics();
      const spare = fx.spareAccounts[3]!;
      await fx.registry.connect(fx.labs[0].account).addAccount(spare.address);
      const other = asSigner(fx.labs[0].c, spare);
      const args = {
        lab: fx.labs[0].id,
        variantKey: "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt",
        condition: 7254,
        evidenceCodes: ["PVS1"],
        assertionCriteria: true,
      };
      await submitClassification(fx.labs[0].c, { ...args, significance: 5 });
      await submitClassification(other, { ...args, significance: 5 });
      const i = await fx.interpretations.interpretationOf(variantIdOf(args.variantKey), 7254);
      expect(i.withCriteria[4]).to.equal(1n);
      expect(i.stars).to.equal(1n); // still a single submitter
    });

    it("a lab cannot classify in another lab's name", async function () {
      const fx = await loadGenomics();
      await expect(
        submitClassification(fx.labs[1].c, {
          lab: fx.labs[0].id,
          variantKey: "GRCh38:17-1-A-G",
          condition: 1,
          significance: 1,
          evidenceCodes: [],
          assertionCriteria: false,
        }),
      )
        .to.be.revertedWithCustomError(fx.interpretations, "GenomicsSignerNotOfLab")
        .withArgs(fx.labs[1].account.address, fx.labs[0].id);
    });
  });
});
