import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { GenomicsOnRegistryModule } from "../../ignition/modules/Genomics.js";
import { describeError } from "../../src/chain/errors.js";
import { admitMember } from "../../src/consortium/governance.js";
import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { kindMask } from "../../src/consortium/kinds.js";
import {
  describeInterpretation,
  parseRegion,
  proposeRule,
  registerDatasetVersion,
  requestQuery,
  submitClassification,
  type RuleChange,
} from "../../src/genomics/client.js";
import { asSigner, genomicsInterfaces, type GenomicsConnection } from "../../src/genomics/connect.js";
import { describeDuo, duoMask } from "../../src/genomics/duo.js";
import { formatEpsilon } from "../../src/genomics/operator.js";
import { cryptoRandom, seededRandom } from "../../src/genomics/random.js";
import { readVcf, type SiteCounts } from "../../src/genomics/vcf.js";
import { variantKey } from "../../src/genomics/vrs.js";
import { aggregatorStep, labStep, publishQueryFile, verifyResult } from "../../src/genomics/workflow.js";
import type { Chapter } from "./story.js";

const HMB = 6; // DUO:0000006 health or medical or biomedical research
const GRU = 42; // DUO:0000042 general research use
const DS = 7; // DUO:0000007 disease specific research
const POA = 11; // DUO:0000011 population origins or ancestry research
const EPSILON = 1_000_000n;

/** The three invented testing labs and how many (invented) samples each holds: 2,843 in all. */
const LABS = [
  { name: "Eastbay Genomic Testing Centre", code: "GLAB-0001", samples: 950, uses: [HMB, GRU, POA] },
  { name: "Westfield Molecular Diagnostics", code: "GLAB-0002", samples: 948, uses: [HMB, GRU, POA] },
  { name: "Southport Hereditary Cancer Lab", code: "GLAB-0003", samples: 945, uses: [HMB, DS] },
];

/** Invented variant sites in the BRCA1 region of GRCh38 chromosome 17, with invented frequencies. */
const BRCA1 = "chr17:43044295-43125483";
const SITES = Array.from({ length: 12 }, (_, i) => ({
  pos: 43_045_000 + i * 6_211,
  ref: "ACGT"[i % 4]!,
  alt: "GTAC"[i % 4]!,
  // the last site is very rare: present in one invented sample of one lab only
  freq: i === 11 ? 0 : [0.31, 0.12, 0.05, 0.22, 0.08, 0.41, 0.03, 0.17, 0.26, 0.06, 0.11][i]!,
}));

/** Writes a lab's VCF of invented genotypes (seeded, so the demo tells the same story every time). */
async function inventVcf(dir: string, labIndex: number, samples: number): Promise<string> {
  const rng = seededRandom(`demo-lab-${labIndex}`);
  const names = Array.from({ length: samples }, (_, s) => `INVENTED-${labIndex + 1}-${String(s).padStart(4, "0")}`);
  const lines = [
    "##fileformat=VCFv4.2",
    "##reference=GRCh38",
    "##contig=<ID=chr17,length=83257441,assembly=GRCh38>",
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", ...names].join("\t"),
  ];
  for (const [i, site] of SITES.entries()) {
    const gts = names.map((_, s) => {
      if (i === SITES.length - 1) return labIndex === 0 && s === 7 ? "0/1" : "0/0";
      const a = rng.uniform() < site.freq ? 1 : 0;
      const b = rng.uniform() < site.freq ? 1 : 0;
      return `${a}/${b}`;
    });
    lines.push(["chr17", site.pos, ".", site.ref, site.alt, "60", "PASS", ".", "GT", ...gts].join("\t"));
  }
  const file = path.join(dir, `lab-${labIndex + 1}.vcf`);
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

/** Chapter 5: the genomic-variant consortium. */
export const genomicsChapter: Chapter = async (story) => {
  const { connection, cast } = story;
  const { ethers } = connection;
  story.chapter("Genomic variants: usable but invisible");
  const registry = story.contracts.registry!;
  const deployed = await connection.ignition.deploy(GenomicsOnRegistryModule, {
    parameters: { GenomicsOnRegistry: { registry: await registry.getAddress() } },
    displayUi: false,
  });
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const base: GenomicsConnection = {
    registry,
    datasets: await ethers.getContractAt("GenomicDatasets", await deployed.datasets.getAddress()),
    queries: await ethers.getContractAt("GenomicQueries", await deployed.queries.getAddress()),
    interpretations: await ethers.getContractAt("VariantInterpretations", await deployed.interpretations.getAddress()),
    signer: cast.institute,
    chainId,
  };
  const as = (s: HardhatEthersSigner) => asSigner(base, s);
  story.say(
    `The genomics module is deployed: datasets ${await base.datasets.getAddress()}, queries ${await base.queries.getAddress()}, ` +
      `interpretations ${await base.interpretations.getAddress()}. No rule is set yet: only the alliance's votes set them.`,
  );

  // 1. The institute certifies three testing labs.
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const labAccounts = cast.people.slice(0, 3);
  const labs: Array<(typeof LABS)[number] & { id: string; c: GenomicsConnection }> = [];
  for (const [i, lab] of LABS.entries()) {
    const memberId = memberIdFromCode(lab.code);
    await admitMember(registry, cast.institute, cast.governors.slice(0, 2), {
      memberId,
      metadata: metadataCommitment(`${lab.name}|${lab.code}`),
      kinds: kindMask("Laboratory"),
      account: labAccounts[i]!.address,
      certifiedUntil: now + 365n * 86_400n,
    });
    labs.push({ ...lab, id: memberId, c: as(labAccounts[i]!) });
    story.say(`The institute certifies ${lab.name} (${lab.code}) as a testing laboratory; two governors vote it in.`);
  }

  // 2. Each lab registers a signed dataset of invented variants: counts only, the genotypes stay home.
  const work = await mkdtemp(path.join(tmpdir(), "medchain-demo-genomics-"));
  const counts: SiteCounts[] = [];
  const versions: string[] = [];
  for (const [i, lab] of labs.entries()) {
    const vcf = await inventVcf(work, i, lab.samples);
    const c = await readVcf(vcf);
    counts.push(c);
    const r = await registerDatasetVersion(lab.c, {
      lab: lab.id,
      name: "hereditary-cancer-2026",
      counts: c,
      dataUses: duoMask(lab.uses),
    });
    versions.push(r.versionId);
    story.say(
      `${lab.name} reads its VCF (${c.samples} invented samples), keeps only per-site allele counts, and registers ` +
        `version 1 of its dataset, signed (EIP-712): root ${r.tree.root.slice(0, 14)}…, ${r.tree.sites} sites, ` +
        `allowed uses ${lab.uses.map((u) => describeDuo(u).split(" (")[1]!.split(",")[0]).join(", ")}.`,
    );
  }
  story.say(
    `Together the three datasets hold ${counts.reduce((s, c) => s + c.samples, 0).toLocaleString("en-US")} samples, as in the article's phase one.`,
  );

  // 3. The alliance votes its data-use rules.
  const governor = as(cast.governors[0]!);
  const vote = async (change: RuleChange, words: string) => {
    const id = await proposeRule(governor, change);
    for (const g of cast.governors.slice(0, 2)) await (await registry.connect(g).vote(id)).wait();
    await (await registry.connect(cast.governors[1]!).execute(id)).wait();
    story.say(`Proposal ${id}, voted by two governors: ${words}.`);
  };
  await vote(
    {
      rule: "budget",
      budget: 60n * EPSILON,
      costPerQuery: EPSILON / 10n,
      costPerCell: 2n * EPSILON,
      requesterShare: 50,
    },
    "each dataset's privacy budget is 60 epsilon, of which one requester may hold or spend half; a query charges " +
      "0.1 plus 2 per variant to every dataset it reads",
  );
  await vote(
    { rule: "release", minCellCount: 20, minLabs: 2 },
    "an allele count below 20 is never released, and a result needs at least 2 contributing labs",
  );
  await vote(
    { rule: "purpose", purpose: HMB, kinds: kindMask("Hospital", "Laboratory") },
    "hospitals and labs may ask for health/medical/biomedical research (DUO:0000006)",
  );
  await vote(
    { rule: "purpose", purpose: POA, kinds: kindMask("Hospital") },
    "hospitals may ask for population-origins research (DUO:0000011), where a dataset allows it",
  );
  await vote(
    { rule: "aggregator", account: cast.institute.address },
    `the institute's account ${cast.institute.address.slice(0, 10)}… is the only aggregator`,
  );
  await vote({ rule: "window", seconds: 86_400 }, "a query stays open for 24 hours");

  // 4. A researcher asks for allele frequencies in the BRCA1 region.
  const researcher = as(cast.hospitalB);
  const variantKeys = SITES.map((s) => variantKey({ chrom: "17", pos: s.pos, ref: s.ref, alt: s.alt }));
  const exchange = path.join(work, "query-1");
  await mkdir(exchange, { recursive: true });
  const q = await requestQuery(researcher, {
    versions,
    purpose: HMB,
    variantKeys,
    region: parseRegion(BRCA1),
  });
  await publishQueryFile(exchange, q.file);
  story.say(
    `Lakeview University Hospital asks for allele frequencies of ${variantKeys.length} variants in BRCA1 (${BRCA1}) ` +
      `for DUO:0000006. The contract checks the purpose against all three datasets and charges each ` +
      `${formatEpsilon(q.cost)} epsilon at once: query ${q.queryId} is approved.`,
  );

  // 5. Secure aggregation: the labs' masked vectors, the aggregator's sum.
  const aggregator = as(cast.institute);
  const rng = cryptoRandom();
  const lab = (i: number) =>
    labStep(labs[i]!.c, {
      dir: exchange,
      stateDir: path.join(work, `lab-${i + 1}-private`),
      versionId: versions[i]!,
      lab: labs[i]!.id,
      counts: counts[i]!,
      rng,
    });
  for (const i of [0, 1, 2]) await lab(i);
  await aggregatorStep(aggregator, { dir: exchange });
  story.say("Each lab draws fresh X25519 keys for the query; the aggregator fixes the participants.");
  for (const i of [0, 1, 2]) await lab(i);
  await aggregatorStep(aggregator, { dir: exchange });
  story.say("Each lab sends the others Shamir shares of its mask keys (encrypted to them), for dropout recovery.");
  for (const i of [0, 1, 2]) await lab(i);
  await aggregatorStep(aggregator, { dir: exchange });
  story.say(
    "Each lab adds its share of discrete Laplace noise to its counts, masks them with pairwise masks that cancel " +
      "only in the sum, records the masked vector's digest on chain, and hands the vector over: to the aggregator " +
      "each one is indistinguishable from random.",
  );
  for (const i of [0, 1, 2]) await lab(i);
  const published = await aggregatorStep(aggregator, { dir: exchange, rounding: 5 });
  story.say(
    `The labs reveal the shares that remove the masks; the aggregator sums and publishes: ${published.detail}.`,
  );

  // 6. Anyone verifies.
  const v = await verifyResult(as(cast.regulator), exchange);
  story.say(
    `The regulator verifies the result from the published masked inputs: ${v.ok ? "VERIFIED" : "NOT VERIFIED"}.`,
  );
  for (const check of v.checks) console.log(`        ${check.ok ? "ok" : "FAIL"}  ${check.check}`);
  for (const cell of v.table!.cells) {
    const site = SITES[variantKeys.indexOf(cell.variant)]!;
    const where = `chr17:${site.pos} ${site.ref}>${site.alt}`;
    console.log(
      cell.suppressed
        ? `        ${where.padEnd(22)} suppressed: fewer than ${v.table!.minCellCount} alleles (a rare cell is never released)`
        : `        ${where.padEnd(22)} allele count ~${cell.ac} of ~${cell.an} (frequency ${cell.frequency!.toFixed(3)})`,
    );
  }
  if (!v.ok) throw new Error("the demo's result did not verify");
  if (!v.table!.cells.at(-1)!.suppressed) throw new Error("the demo's rare cell was released");

  // 7. Refusals: a purpose a dataset does not allow; a query past the budget.
  const refusal = async (attempt: Promise<unknown>): Promise<string> => {
    try {
      await attempt;
    } catch (err) {
      return describeError(err, genomicsInterfaces());
    }
    throw new Error("the demo expected a refusal and the query was approved");
  };
  story.say(
    `A population-origins query (DUO:0000011) over all three datasets is refused, because Southport's dataset does ` +
      `not allow that use: ${await refusal(requestQuery(researcher, { versions, purpose: POA, variantKeys: variantKeys.slice(0, 2) }))}.`,
  );
  story.say(
    `A second query of 8 variants would charge 16.1 epsilon more, taking Lakeview past its share of each dataset ` +
      `(30 of 60; it used 24.1): refused, nothing charged, and the rest stays open to other researchers: ` +
      `${await refusal(requestQuery(researcher, { versions, purpose: HMB, variantKeys: variantKeys.slice(0, 8) }))}.`,
  );

  // 8. Two labs' conflicting classifications.
  const rare = variantKeys.at(-1)!;
  for (const [i, significance, codes] of [
    [0, 5, ["PVS1", "PM2", "PP3"]],
    [1, 1, ["BA1"]],
  ] as const) {
    await submitClassification(labs[i]!.c, {
      lab: labs[i]!.id,
      variantKey: rare,
      condition: 7254,
      significance,
      evidenceCodes: [...codes],
      assertionCriteria: true,
    });
  }
  const i = await describeInterpretation(base, rare, 7254);
  story.say(
    `Eastbay classifies the rare variant Pathogenic and Westfield Benign, for MONDO:0007254 (each signed, evidence ` +
      `codes committed): the chain shows "${i.aggregate}", ${i.stars} star (${i.reviewStatus}), never a majority vote.`,
  );
  if (!i.conflict) throw new Error("the demo's conflict did not show");
};
