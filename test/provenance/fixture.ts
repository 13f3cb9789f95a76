import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { DrugProvenance } from "../../typechain-types/index.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";
import { voteAndExecute } from "../../src/consortium/governance.js";
import { Catalog, planContainer, writeContainerFile } from "../../src/provenance/catalog.js";
import {
  commissionLot,
  dispensePack,
  packContainer,
  productsOf,
  recallLot,
  receiveItem,
  registerProduct,
  shipItem,
  unpackContainer,
} from "../../src/provenance/client.js";
import { gs1CheckDigit } from "../../src/provenance/gs1/index.js";
import { lotFiles, planLot, type LotPlan } from "../../src/provenance/lot.js";
import { proposePrefixChange, type PrefixAction } from "../../src/provenance/prefixes.js";
import {
  chainLogIndexer,
  resolverApp,
  type ResolverChain,
  type ResolverDeps,
  type ResolverIndexer,
} from "../../src/provenance/resolver/index.js";
import { MemberDirectory } from "../../src/consortium/directory.js";
import { chainHead } from "../../src/records/gateway/chain-head.js";

export const GTIN = "09506000134352";

/** GS1 company prefixes of the fixture's members: the manufacturer's GTINs and SSCCs, the others' SSCCs. */
export const PREFIX = {
  mfrGtin: "9506000",
  mfrSscc: "0614141",
  dist: "0614142",
  pharmacy: "0614143",
  hospital: "0614144",
  mfr2: "9506001",
} as const;

/** An SSCC-18 with a correct check digit: extension 1, company prefix `prefix` (default the manufacturer's), serial `n`. */
export function sscc(n: number, prefix: string = PREFIX.mfrSscc): string {
  const body = "1" + prefix + String(n).padStart(16 - prefix.length, "0");
  return body + String(gs1CheckDigit(body));
}

/** A GTIN-14 with a correct check digit: indicator 0, company prefix `prefix`, item reference `item`. */
export function gtinOf(prefix: string, item: number): string {
  const body = "0" + prefix + String(item).padStart(12 - prefix.length, "0");
  return body + String(gs1CheckDigit(body));
}

/**
 * The consortium assigns (transfers, revokes) a company prefix by vote: the first governor proposes
 * the governed call, two governors vote, the last executes. Returns the proposal id.
 */
export async function prefixByVote(
  consortium: ConsortiumFixture,
  provenance: DrugProvenance,
  action: PrefixAction,
  prefix: string,
  memberId?: string,
): Promise<bigint> {
  const registry = consortium.registry.connect(consortium.governors[0]!);
  const products = await productsOf(provenance);
  const { proposalId } = await proposePrefixChange(registry, products, action, prefix, memberId);
  await voteAndExecute(consortium.registry, consortium.governors.slice(0, 2), proposalId);
  return proposalId;
}

/** The provenance module's one fixture (for `networkHelpers.loadFixture`), on the given connection. */
export function provenanceFixtureFor(ethers: HardhatEthers) {
  /**
   * A consortium with every kind of member and their GS1 prefixes assigned by vote, a registered
   * product, a lot of 8 packs, two cases of 4 packs (A, B) packed from the lot by reference and a
   * pallet holding both cases (packed by list), all at the manufacturer.
   */
  async function provenanceFixture() {
    const consortium = await deployConsortium(ethers);
    const [mfr, mfr2, dist, pharmacy, pharmacy2, hospital, regulator, lab, outsider] = consortium.spare as [
      (typeof consortium.spare)[0],
      ...(typeof consortium.spare)[0][],
    ];
    const ids = {
      mfr: await admit(consortium, "MFR-1", ["Manufacturer"], mfr),
      mfr2: await admit(consortium, "MFR-2", ["Manufacturer"], mfr2!),
      dist: await admit(consortium, "DST-1", ["Distributor"], dist!),
      pharmacy: await admit(consortium, "PHA-1", ["Pharmacy"], pharmacy!),
      pharmacy2: await admit(consortium, "PHA-2", ["Pharmacy"], pharmacy2!),
      hospital: await admit(consortium, "HOS-1", ["Hospital"], hospital!),
      regulator: await admit(consortium, "REG-1", ["Regulator"], regulator!),
      lab: await admit(consortium, "LAB-1", ["Laboratory"], lab!),
    };
    // Waited for: on a node in another process (anvil) the deployment may not be mined when the call returns.
    const provenance = await (
      await ethers.deployContract("DrugProvenance", [await consortium.registry.getAddress()], {
        libraries: { SupplyLinks: await (await ethers.deployContract("SupplyLinks")).getAddress() },
      })
    ).waitForDeployment();
    const products = await ethers.getContractAt("ProductRegistry", await provenance.products());
    for (const [prefix, member] of [
      [PREFIX.mfrGtin, ids.mfr],
      [PREFIX.mfrSscc, ids.mfr],
      [PREFIX.dist, ids.dist],
      [PREFIX.pharmacy, ids.pharmacy],
      [PREFIX.hospital, ids.hospital],
      [PREFIX.mfr2, ids.mfr2],
    ] as const) {
      await prefixByVote(consortium, provenance, "assign", prefix, member);
    }
    const asMfr = provenance.connect(mfr);
    await registerProduct(asMfr, GTIN);
    const plan = planLot({
      gtin: GTIN,
      lot: "LOT-42",
      expiry: "301231",
      serials: Array.from({ length: 8 }, (_, i) => `SN${1000 + i}`),
    });
    await commissionLot(asMfr, plan);
    const catalog = new Catalog();
    catalog.addLotPlan(plan);
    const packIds = plan.bundle.packs.map((p) => p.packId);
    const caseA = await packContainer(asMfr, catalog, sscc(1), packIds.slice(0, 4));
    const caseB = await packContainer(asMfr, catalog, sscc(2), packIds.slice(4));
    const pallet = await packContainer(asMfr, catalog, sscc(3), [
      caseA.container.containerId,
      caseB.container.containerId,
    ]);
    return {
      ...consortium,
      provenance,
      products,
      plan,
      catalog,
      packIds,
      signers: {
        mfr,
        mfr2: mfr2!,
        dist: dist!,
        pharmacy: pharmacy!,
        pharmacy2: pharmacy2!,
        hospital: hospital!,
        regulator: regulator!,
        lab: lab!,
        outsider: outsider!,
      },
      ids,
      caseA: caseA.container.containerId,
      caseB: caseB.container.containerId,
      pallet: pallet.container.containerId,
    };
  }

  return provenanceFixture;
}

/**
 * The scan scenario the resolver's tests share (built on {@link provenanceFixtureFor}): the fixture's
 * lot with its pallet delivered to the pharmacy and opened, pack 1 dispensed and then presented again
 * at the hospital (a clone alert), pack 2 dispensed once; a second lot recalled for contamination; a third lot expired.
 * Pack 0 stays genuine (in case A, at the pharmacy). Codes come from the lot bundles.
 */
export function resolverScenarioFor(
  ethers: HardhatEthers,
  networkHelpers: {
    loadFixture<T>(f: () => Promise<T>): Promise<T>;
    time: { latest(): Promise<number>; increaseTo(t: bigint | number): Promise<void> };
  },
) {
  const provenanceFixture = provenanceFixtureFor(ethers);
  async function resolverScenario() {
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    const { provenance, catalog, signers, ids, plan, pallet, caseA } = fx;
    await shipItem(provenance.connect(signers.mfr), catalog, pallet, ids.pharmacy);
    await receiveItem(provenance.connect(signers.pharmacy), pallet);
    await unpackContainer(provenance.connect(signers.pharmacy), catalog, pallet);
    await unpackContainer(provenance.connect(signers.pharmacy), catalog, caseA);
    const scan = (p: LotPlan, i: number) => ({
      gtin: p.gtin,
      lot: p.lot,
      serial: p.bundle.packs[i]!.serial,
      code: p.bundle.packs[i]!.code,
    });
    await dispensePack(provenance.connect(signers.pharmacy), catalog, scan(plan, 1));
    await dispensePack(provenance.connect(signers.pharmacy), catalog, scan(plan, 2));
    // the same label and code presented again elsewhere: the chain keeps a clone alert
    const hospitalCopy = await dispensePack(provenance.connect(signers.hospital), catalog, scan(plan, 1));
    const asMfr = provenance.connect(signers.mfr);
    const recalled = planLot({ gtin: GTIN, lot: "RCL-7", expiry: "301231", serials: ["R1", "R2"] });
    await commissionLot(asMfr, recalled);
    catalog.addLotPlan(recalled);
    await recallLot(asMfr, recalled.lotId, "contamination");
    const soon = new Date((await networkHelpers.time.latest()) * 1000 + 30 * 24 * 3600 * 1000);
    const expired = planLot({
      gtin: GTIN,
      lot: "EXP-1",
      expiry: soon.toISOString().slice(2, 10).replace(/-/g, ""),
      serials: ["E1"],
    });
    await commissionLot(asMfr, expired);
    catalog.addLotPlan(expired);
    await networkHelpers.time.increaseTo(expired.expiresAt);
    return { ...fx, recalled, expired, scan, cloneAlert: hospitalCopy.cloneAlert };
  }
  return resolverScenario;
}

/**
 * Publishes what the scenario's manufacturer and packers publish into a data directory: the lot trees
 * (pack tags only) and the container files; never the private bundles with the codes.
 */
export async function publishScenario(
  fx: { plan: LotPlan; recalled: LotPlan; expired: LotPlan; catalog: Catalog },
  dataDir: string,
): Promise<void> {
  for (const plan of [fx.plan, fx.recalled, fx.expired]) {
    const { tree } = lotFiles(dataDir, plan.gtin, plan.lot);
    await mkdir(path.dirname(tree), { recursive: true });
    await writeFile(tree, JSON.stringify(plan.treeFile) + "\n");
  }
  for (const c of fx.catalog.containers.values()) await writeContainerFile(dataDir, planContainer(c.sscc, c.children));
}

/**
 * The resolver app over the scenario's chain, as a deployment runs it (the contracts, the chain's
 * head, the catalog, the on-chain log indexer), with what a test replaces.
 */
export async function scenarioResolver(
  ethers: HardhatEthers,
  fx: { provenance: DrugProvenance; catalog: Catalog },
  options: {
    publicBase: string;
    directory?: MemberDirectory;
    chain?: Partial<ResolverChain>;
    indexer?: (base: ResolverIndexer) => ResolverIndexer;
    log?: (line: string) => void;
    /** The scan caps and who a request is from. */
    limits?: Pick<ResolverDeps, "maxConcurrentChecks" | "maxChecksPerClient" | "clientOf">;
  },
): Promise<{ app: ReturnType<typeof resolverApp>; chain: ResolverChain }> {
  const chain: ResolverChain = {
    provenance: fx.provenance,
    products: await productsOf(fx.provenance),
    head: chainHead(ethers.provider, 0),
    catalog: async () => fx.catalog,
    ...options.chain,
  };
  const onChain = chainLogIndexer(fx.provenance, chain.catalog);
  const app = resolverApp({
    chain,
    indexer: options.indexer ? options.indexer(onChain) : onChain,
    directory: options.directory ?? new MemberDirectory(FIXTURE_MEMBER_CODES),
    publicBase: options.publicBase,
    ...(options.log ? { log: options.log } : {}),
    ...options.limits,
  });
  return { app, chain };
}

/** The registration codes of the fixture's members, for a member directory. */
export const FIXTURE_MEMBER_CODES = ["MFR-1", "MFR-2", "DST-1", "PHA-1", "PHA-2", "HOS-1", "REG-1", "LAB-1"];
