import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";

import type { GenomicDatasets, GenomicQueries, VariantInterpretations } from "../../typechain-types/index.js";
import { asSigner, type GenomicsConnection } from "../../src/genomics/connect.js";
import {
  registerDatasetVersion,
  ruleCall,
  type RegisteredVersion,
  type RuleChange,
} from "../../src/genomics/client.js";
import { duoMask } from "../../src/genomics/duo.js";
import type { SiteCount, SiteCounts } from "../../src/genomics/vcf.js";
import { variantKey } from "../../src/genomics/vrs.js";
import { proposalIdFrom, voteAndExecute } from "../../src/consortium/governance.js";
import { kindMask } from "../../src/consortium/kinds.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";

/** The genomics module's one connection and fixture (ESM evaluates this module once). */
export const { ethers, networkHelpers } = await network.create();

export const DAY = 86_400n;
/** Micro-epsilon per epsilon. */
export const EPS = 1_000_000n;
export const HMB = 6; // DUO:0000006 health/medical/biomedical research
export const DS = 7; // DUO:0000007 disease-specific research
export const POA = 11; // DUO:0000011 population origins or ancestry research
export const GRU = 42; // DUO:0000042 general research use
export const ZERO = "0x" + "00".repeat(32);

/** The rules the fixture's alliance voted. */
export const RULES = {
  budget: 10n * EPS, // 10 epsilon per dataset
  costPerQuery: EPS / 10n, // 0.1 epsilon per query
  costPerCell: EPS / 20n, // 0.05 epsilon per variant
  requesterShare: 50, // one requester may hold or spend at most half of each dataset's budget
  minCellCount: 5,
  minLabs: 2,
  window: Number(DAY),
};

/** An invented site list (no real person behind any count). */
export function sites(seed: number, n = 6): SiteCounts {
  const list: SiteCount[] = [];
  for (let i = 0; i < n; i++) {
    const v = { chrom: "17", pos: 43_044_300 + i * 10, ref: "A", alt: i % 2 === 0 ? "G" : "T" };
    list.push({ ...v, key: variantKey(v), ac: (seed * 7 + i * 3) % 40, an: 600 + seed, line: i + 1 });
  }
  return { samples: 300 + seed, sites: list };
}

export interface Lab {
  id: string;
  account: HardhatEthersSigner;
  c: GenomicsConnection;
}

export interface GenomicsFixture extends ConsortiumFixture {
  datasets: GenomicDatasets;
  queries: GenomicQueries;
  interpretations: VariantInterpretations;
  labs: [Lab, Lab, Lab];
  researcher: Lab; // a Hospital member doing research
  insurer: Lab; // a member of a kind no purpose is granted to
  outsider: HardhatEthersSigner; // no member
  aggregator: HardhatEthersSigner; // the central node's aggregation account (named by vote)
  spareAccounts: HardhatEthersSigner[];
  /** Each lab's registered version 1 (lab 3's allows GRU only). */
  versions: [RegisteredVersion, RegisteredVersion, RegisteredVersion];
  /** Connection acting as the first governor (for proposals). */
  governor: GenomicsConnection;
}

/** Proposes a governed call, has two governors vote, and executes it; returns the proposal id. */
export async function govern(fx: ConsortiumFixture, module: string, data: string): Promise<bigint> {
  const receipt = await (await fx.registry.connect(fx.governors[0]!).proposeCall(module, data)).wait();
  const id = proposalIdFrom(fx.registry, receipt!);
  await voteAndExecute(fx.registry, fx.governors.slice(0, 2), id);
  return id;
}

/**
 * Proposes a registry action on a member or module (Reinstate, Revoke, Unpause, ...), has two governors
 * vote, and executes it.
 */
export async function decide(fx: ConsortiumFixture, action: number, target: string): Promise<void> {
  const receipt = await (
    await fx.registry.connect(fx.governors[0]!).propose(action, target, ethers.ZeroAddress, 0, 0)
  ).wait();
  await voteAndExecute(fx.registry, fx.governors.slice(0, 2), proposalIdFrom(fx.registry, receipt!));
}

/** Proposes a rule change and has two governors vote; returns the execute transaction (not yet sent). */
export async function ruleVoted(fx: GenomicsFixture, change: RuleChange) {
  const { module, data } = await ruleCall(fx.governor, change);
  const receipt = await (await fx.registry.connect(fx.governors[0]!).proposeCall(module, data)).wait();
  const id = proposalIdFrom(fx.registry, receipt!);
  for (const g of fx.governors.slice(0, 2)) await (await fx.registry.connect(g).vote(id)).wait();
  return { id, execute: () => fx.registry.execute(id) };
}

/** Votes a rule change through the consortium. */
export async function voteRule(fx: GenomicsFixture, change: RuleChange): Promise<bigint> {
  const { module, data } = await ruleCall(fx.governor, change);
  return govern(fx, module, data);
}

/** Deploys the library the query book links (`QueryBudgets`) and returns its address by name. */
export async function genomicsLibraries(): Promise<Record<string, string>> {
  return { QueryBudgets: await (await ethers.deployContract("QueryBudgets")).getAddress() };
}

async function genomicsFixture(): Promise<GenomicsFixture> {
  const base = await deployConsortium(ethers);
  const [l1, l2, l3, hosp, ins, outsider, aggregator, ...spareAccounts] = base.spare as [
    HardhatEthersSigner,
    ...HardhatEthersSigner[],
  ];
  const registryAddress = await base.registry.getAddress();
  const datasets = await ethers.deployContract("GenomicDatasets", [registryAddress]);
  const queries = await ethers.deployContract("GenomicQueries", [registryAddress, await datasets.getAddress()], {
    libraries: await genomicsLibraries(),
  });
  const interpretations = await ethers.deployContract("VariantInterpretations", [registryAddress]);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const conn = (signer: HardhatEthersSigner): GenomicsConnection =>
    asSigner({ registry: base.registry, datasets, queries, interpretations, signer, chainId }, signer);
  const lab = async (code: string, kinds: Parameters<typeof admit>[2], account: HardhatEthersSigner) => ({
    id: await admit(base, code, kinds, account),
    account,
    c: conn(account),
  });
  const labs: [Lab, Lab, Lab] = [
    await lab("GEN-LAB-1", ["Laboratory"], l1),
    await lab("GEN-LAB-2", ["Laboratory"], l2!),
    await lab("GEN-LAB-3", ["Laboratory"], l3!),
  ];
  const researcher = await lab("GEN-HOSP-1", ["Hospital"], hosp!);
  const insurer = await lab("GEN-INS-1", ["Insurer"], ins!);
  const governor = conn(base.governors[0]!);
  const fx = {
    ...base,
    datasets,
    queries,
    interpretations,
    labs,
    researcher,
    insurer,
    outsider: outsider!,
    aggregator: aggregator!,
    spareAccounts,
    governor,
  } as unknown as GenomicsFixture;

  await voteRule(fx, {
    rule: "budget",
    budget: RULES.budget,
    costPerQuery: RULES.costPerQuery,
    costPerCell: RULES.costPerCell,
    requesterShare: RULES.requesterShare,
  });
  await voteRule(fx, { rule: "release", minCellCount: RULES.minCellCount, minLabs: RULES.minLabs });
  await voteRule(fx, { rule: "purpose", purpose: HMB, kinds: kindMask("Hospital", "Laboratory") });
  await voteRule(fx, { rule: "purpose", purpose: GRU, kinds: kindMask("Laboratory") });
  await voteRule(fx, { rule: "purpose", purpose: POA, kinds: kindMask("Hospital", "Laboratory") });
  await voteRule(fx, { rule: "aggregator", account: aggregator!.address });
  await voteRule(fx, { rule: "window", seconds: RULES.window });

  const register = (l: Lab, seed: number, uses: number[]) =>
    registerDatasetVersion(l.c, { lab: l.id, name: "panel-2026", counts: sites(seed), dataUses: duoMask(uses) });
  fx.versions = [
    await register(labs[0], 1, [HMB, GRU, DS]),
    await register(labs[1], 2, [HMB, GRU]),
    await register(labs[2], 3, [GRU]),
  ];
  return fx;
}

/** A fresh snapshot of the genomics fixture for each test. */
export function loadGenomics(): Promise<GenomicsFixture> {
  return networkHelpers.loadFixture(genomicsFixture);
}

/** A variant list of `n` invented variants (the fixture's site keys first). */
export function variantList(n: number): string[] {
  const keys = sites(0, Math.min(n, 6)).sites.map((s) => s.key);
  for (let i = keys.length; i < n; i++) keys.push(variantKey({ chrom: "17", pos: 43_100_000 + i, ref: "C", alt: "T" }));
  return keys;
}
