import { admit, deployConsortium } from "../test/helpers/consortium.js";
import { proposalIdFrom } from "../src/consortium/governance.js";
import { kindMask } from "../src/consortium/kinds.js";
import { registerDatasetVersion, requestQuery, ruleCall, submitClassification } from "../src/genomics/client.js";
import { asSigner, type GenomicsConnection } from "../src/genomics/connect.js";
import { duoMask } from "../src/genomics/duo.js";
import type { SiteCounts } from "../src/genomics/vcf.js";
import { variantKey } from "../src/genomics/vrs.js";
import { gasOf } from "./measure.js";
import type { Bench, GasRow } from "./types.js";

/** Invented sites (no person behind them). */
function sites(n: number, seed: number): SiteCounts {
  return {
    samples: 950,
    sites: Array.from({ length: n }, (_, i) => {
      const v = { chrom: "17", pos: 43_045_000 + i * 7, ref: "A", alt: "G" };
      return { ...v, key: variantKey(v), ac: (i * 13 + seed) % 300, an: 1900, line: i + 1 };
    }),
  };
}

/**
 * Gas of every genomics write, whole-transaction gasUsed: dataset registration (of 10 and of 10,000
 * sites: O(1)), supersede, withdraw, a governed rule change, a query over three datasets, a
 * contribution, a result, cancel and close, and a classification, its revision and its retraction.
 */
export const genomicsBench: Bench = async ({ ethers, networkHelpers }) => {
  const fx = await deployConsortium(ethers);
  const [l1, l2, l3, hospital, aggregator] = fx.spare as [(typeof fx.spare)[0], ...(typeof fx.spare)[0][]];
  const labAccounts = [l1, l2!, l3!];
  const labIds = [];
  for (const [i, a] of labAccounts.entries()) labIds.push(await admit(fx, `BENCH-GLAB-${i}`, ["Laboratory"], a));
  await admit(fx, "BENCH-GHOSP", ["Hospital"], hospital!);
  const registry = await fx.registry.getAddress();
  const datasets = await ethers.deployContract("GenomicDatasets", [registry]);
  const queries = await ethers.deployContract("GenomicQueries", [registry, await datasets.getAddress()], {
    libraries: { QueryBudgets: await (await ethers.deployContract("QueryBudgets")).getAddress() },
  });
  const interpretations = await ethers.deployContract("VariantInterpretations", [registry]);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const base: GenomicsConnection = { registry: fx.registry, datasets, queries, interpretations, signer: l1, chainId };
  const labs = labAccounts.map((a) => asSigner(base, a));
  const receiptGas = async (hash: string | undefined) => (await ethers.provider.getTransactionReceipt(hash!))!.gasUsed;

  const govern = async (change: Parameters<typeof ruleCall>[1]) => {
    const { module, data } = await ruleCall(base, change);
    const receipt = await (await fx.registry.connect(fx.governors[0]!).proposeCall(module, data)).wait();
    const id = proposalIdFrom(fx.registry, receipt!);
    for (const g of fx.governors.slice(0, 2)) await (await fx.registry.connect(g).vote(id)).wait();
    return gasOf(fx.registry.connect(fx.governors[1]!).execute(id));
  };
  const governedRule = await govern({
    rule: "budget",
    budget: 1000n * 1_000_000n,
    costPerQuery: 100_000n,
    costPerCell: 50_000n,
    requesterShare: 50,
  });
  await govern({ rule: "release", minCellCount: 5, minLabs: 2 });
  await govern({ rule: "purpose", purpose: 6, kinds: kindMask("Hospital", "Laboratory") });
  await govern({ rule: "aggregator", account: aggregator!.address });
  await govern({ rule: "window", seconds: 86_400 });

  const uses = duoMask([6, 42]);
  const register10 = await registerDatasetVersion(labs[0]!, {
    lab: labIds[0]!,
    name: "small",
    counts: sites(10, 1),
    dataUses: uses,
  });
  const register10000 = await registerDatasetVersion(labs[0]!, {
    lab: labIds[0]!,
    name: "large",
    counts: sites(10_000, 2),
    dataUses: uses,
  });
  const supersede = await registerDatasetVersion(labs[0]!, {
    lab: labIds[0]!,
    name: "small",
    counts: sites(10, 3),
    dataUses: uses,
  });
  const v2 = await registerDatasetVersion(labs[1]!, {
    lab: labIds[1]!,
    name: "panel",
    counts: sites(10, 4),
    dataUses: uses,
  });
  const v3 = await registerDatasetVersion(labs[2]!, {
    lab: labIds[2]!,
    name: "panel",
    counts: sites(10, 5),
    dataUses: uses,
  });
  const withdrawable = await registerDatasetVersion(labs[2]!, {
    lab: labIds[2]!,
    name: "old",
    counts: sites(10, 6),
    dataUses: uses,
  });
  const withdraw = await gasOf(datasets.connect(l3!).withdraw(withdrawable.versionId));

  const researcher = asSigner(base, hospital!);
  const versions = [supersede.versionId, v2.versionId, v3.versionId];
  const keys = sites(20, 0).sites.map((s) => s.key);
  const q = await requestQuery(researcher, { versions, purpose: 6, variantKeys: keys });
  const request = await receiptGas(q.txHash);
  const contributeFirst = await gasOf(queries.connect(l1).contribute(q.queryId, supersede.versionId, ethers.id("m1")));
  const contribute = await gasOf(queries.connect(l2!).contribute(q.queryId, v2.versionId, ethers.id("m2")));
  const publish = await gasOf(queries.connect(aggregator!).publishResult(q.queryId, ethers.id("a"), ethers.id("r")));
  const q2 = await requestQuery(researcher, { versions, purpose: 6, variantKeys: keys });
  const cancel = await gasOf(queries.connect(hospital!).cancelQuery(q2.queryId));
  const q3 = await requestQuery(researcher, { versions, purpose: 6, variantKeys: keys });
  await networkHelpers.time.increase(86_400);
  const close = await gasOf(queries.closeQuery(q3.queryId));

  const classification = {
    lab: labIds[0]!,
    variantKey: keys[0]!,
    condition: 7254,
    evidenceCodes: ["PS3"],
    assertionCriteria: true,
  };
  const classify = await submitClassification(labs[0]!, { ...classification, significance: 5 });
  const revise = await submitClassification(labs[0]!, { ...classification, significance: 4 });
  const retract = await gasOf(interpretations.connect(l1).retract(ethers.id(keys[0]!), 7254));

  const rows: GasRow[] = [
    { operation: "genomics.register.10sites", gas: await receiptGas(register10.txHash) },
    { operation: "genomics.register.10000sites", gas: await receiptGas(register10000.txHash) },
    { operation: "genomics.register.supersede", gas: await receiptGas(supersede.txHash) },
    { operation: "genomics.withdraw", gas: withdraw },
    { operation: "genomics.rule.governedExecute", gas: governedRule },
    { operation: "genomics.requestQuery.3datasets", gas: request },
    { operation: "genomics.contribute", gas: contributeFirst },
    { operation: "genomics.contribute.second", gas: contribute },
    { operation: "genomics.publishResult", gas: publish },
    { operation: "genomics.cancelQuery", gas: cancel },
    { operation: "genomics.closeQuery", gas: close },
    { operation: "genomics.classify", gas: await receiptGas(classify.txHash) },
    { operation: "genomics.classify.revise", gas: await receiptGas(revise.txHash) },
    { operation: "genomics.retract", gas: retract },
  ];
  // O(1) registration: 10,000 sites must cost what 10 cost (the calldata is the same size).
  rows[1]!.target = rows[0]!.gas + rows[0]!.gas / 100n;
  return rows;
};
