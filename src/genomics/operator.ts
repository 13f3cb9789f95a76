import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { TypedDataEncoder, getAddress, isHexString, verifyTypedData } from "ethers";

import { parseMember } from "../consortium/args.js";
import { parseKinds } from "../consortium/kinds.js";
import {
  QUERY_STATUS,
  VERSION_STATUS,
  describeInterpretation,
  parseMondo,
  parseRegion,
  parseSignificance,
  proposeRule,
  registerDatasetVersion,
  requestQuery,
  submitClassification,
  type RuleChange,
} from "./client.js";
import type { GenomicsConnection } from "./connect.js";
import { DATASET_VERSION_TYPES, datasetsDomain, type DatasetVersionMessage } from "./dataset.js";
import { describeDuo, duoIds, duoMask, parseDuoId } from "./duo.js";
import { GenomicsInputError } from "./errors.js";
import { MICRO_EPSILON } from "./noise.js";
import { cryptoRandom, type RandomSource } from "./random.js";
import { parseVcf, readVcf, type SiteCounts } from "./vcf.js";
import { normalizeChromosome, variantKey } from "./vrs.js";
import { aggregatorStep, labStep, publishQueryFile, verifyResult } from "./workflow.js";

/**
 * What the `npx hardhat genomics …` commands do, as functions returning the lines to print: the tasks
 * only parse their options and call these. Files: a registration writes a public dataset file
 * (`<out>/<name>-v<n>.dataset.json`: the signed version, for anyone to verify) and a private one
 * (`<out>/private/<name>-v<n>.sites.json`: the site counts and tree secret the lab keeps).
 */

/** `0.05` epsilon to the contracts' micro-epsilon. */
export function parseEpsilon(text: string, option: string): bigint {
  if (!/^\d+(\.\d{1,6})?$/.test(text.trim())) {
    throw new GenomicsInputError(`--${option}: "${text}" is not an epsilon (a decimal with up to 6 places)`);
  }
  const [whole, frac = ""] = text.trim().split(".");
  return BigInt(whole!) * BigInt(MICRO_EPSILON) + BigInt(frac.padEnd(6, "0"));
}

/** Micro-epsilon to `0.05`. */
export function formatEpsilon(micro: bigint): string {
  const whole = micro / BigInt(MICRO_EPSILON);
  const frac = (micro % BigInt(MICRO_EPSILON)).toString().padStart(6, "0").replace(/0+$/, "");
  return frac === "" ? whole.toString() : `${whole}.${frac}`;
}

/** The public file of a registered version. */
export interface DatasetFile {
  chainId: string;
  datasets: string;
  versionId: string;
  datasetKey: string;
  message: Omit<DatasetVersionMessage, "dataUses" | "nonce" | "deadline"> & {
    dataUses: string;
    nonce: string;
    deadline: string;
  };
  signer: string;
  signature: string;
}

/** The lab's private file of a registered version. */
export interface PrivateSitesFile {
  versionId: string;
  secret: string;
  counts: SiteCounts;
}

async function labOf(c: GenomicsConnection, lab: string): Promise<string> {
  if (lab !== "") return parseMember(lab, "lab");
  const id = await c.registry.memberOf(await c.signer.getAddress());
  if (id === "0x" + "00".repeat(32)) throw new GenomicsInputError("--lab: the signing account belongs to no member");
  return id;
}

export async function opRegister(
  c: GenomicsConnection,
  args: { vcf: string; name: string; uses: string; lab: string; out: string },
): Promise<string[]> {
  if (args.uses.trim() === "") throw new GenomicsInputError("--uses: list the allowed DUO terms, e.g. DUO:0000006");
  const dataUses = duoMask(args.uses.split(","));
  const counts = await readVcf(args.vcf);
  const lab = await labOf(c, args.lab);
  const r = await registerDatasetVersion(c, { lab, name: args.name, counts, dataUses });
  const base = `${args.name}-v${r.message.version}`;
  const publicFile = path.join(args.out, `${base}.dataset.json`);
  const privateFile = path.join(args.out, "private", `${base}.sites.json`);
  await mkdir(path.dirname(privateFile), { recursive: true });
  if (!r.alreadyRegistered) {
    const file: DatasetFile = {
      chainId: c.chainId.toString(),
      datasets: await c.datasets.getAddress(),
      versionId: r.versionId,
      datasetKey: r.datasetKey,
      message: {
        ...r.message,
        dataUses: r.message.dataUses.toString(),
        nonce: r.message.nonce.toString(),
        deadline: r.message.deadline.toString(),
      },
      signer: r.signer,
      signature: r.signature,
    };
    await writeFile(publicFile, JSON.stringify(file, null, 2) + "\n");
    const priv: PrivateSitesFile = { versionId: r.versionId, secret: r.tree.secret, counts };
    await writeFile(privateFile, JSON.stringify(priv) + "\n", { mode: 0o600 });
  }
  return [
    r.alreadyRegistered
      ? `already registered: ${args.name} version ${r.message.version} is ${r.versionId} (nothing sent)`
      : `registered ${args.name} version ${r.message.version} as ${r.versionId} (tx ${r.txHash})`,
    `  ${counts.samples} samples, ${r.tree.sites} sites, root ${r.tree.root}`,
    `  allowed uses: ${duoIds(dataUses).map(describeDuo).join("; ")}`,
    ...(r.alreadyRegistered ? [] : [`  public file ${publicFile}; keep private ${privateFile}`]),
  ];
}

/** Verifies a public dataset file against the chain: signature, root, fields, status. */
export async function opVerifyDataset(
  c: GenomicsConnection,
  fileName: string,
): Promise<{ ok: boolean; lines: string[] }> {
  let file: DatasetFile;
  try {
    file = JSON.parse(await readFile(fileName, "utf8")) as DatasetFile;
  } catch (err) {
    throw new GenomicsInputError(`${fileName}: not a dataset file (${(err as Error).message})`);
  }
  const m = {
    ...file.message,
    dataUses: BigInt(file.message.dataUses),
    nonce: BigInt(file.message.nonce),
    deadline: BigInt(file.message.deadline),
  };
  const domain = datasetsDomain(BigInt(file.chainId), file.datasets);
  const lines: string[] = [];
  if (BigInt(file.chainId) !== c.chainId || getAddress(file.datasets) !== getAddress(await c.datasets.getAddress())) {
    return { ok: false, lines: [`WRONG CHAIN: ${fileName} is for chain ${file.chainId}, contract ${file.datasets}`] };
  }
  const record = await c.datasets.versionOf(file.versionId);
  const status = VERSION_STATUS[Number(record.status)];
  let signer = "";
  try {
    signer = verifyTypedData(domain, DATASET_VERSION_TYPES, m, file.signature);
  } catch {
    signer = "";
  }
  const problems: string[] = [];
  if (status === "None") problems.push("not registered on this chain");
  if (signer.toLowerCase() !== file.signer.toLowerCase()) problems.push("the signature is not the signer's");
  if (record.root !== m.root || record.lab !== m.lab || Number(record.version) !== m.version) {
    problems.push("the file's root, lab or version differ from the chain's");
  }
  if ((await c.registry.memberOf(file.signer)) !== m.lab)
    lines.push("  note: the signer no longer operates for the lab");
  if (problems.length > 0) return { ok: false, lines: [`INVALID: ${problems.join("; ")}`, ...lines] };
  return {
    ok: status === "Active",
    lines: [
      `${status === "Active" ? "VALID" : status!.toUpperCase()}: version ${m.version} of dataset ${file.datasetKey}, signed by ${file.signer} for lab ${m.lab}`,
      `  digest ${TypedDataEncoder.hash(domain, DATASET_VERSION_TYPES, m)}, root ${m.root}`,
      `  ${record.samples} samples, ${record.sites} sites, uses ${duoIds(m.dataUses).map(describeDuo).join("; ")}`,
      ...(record.next !== "0x" + "00".repeat(32) ? [`  superseded by ${record.next}`] : []),
      ...lines,
    ],
  };
}

/** The rules in force, in words. */
export async function opRules(c: GenomicsConnection): Promise<string[]> {
  const r = await c.queries.rules();
  const aggregator = await c.queries.aggregator();
  const grants: string[] = [];
  for (const id of [4, 6, 7, 11, 42]) {
    const kinds = Number(await c.queries.purposeKinds(id));
    if (kinds !== 0) grants.push(`${describeDuo(id)} -> kinds mask ${kinds}`);
  }
  return [
    `rules version ${r.version}`,
    `  budget per dataset ${formatEpsilon(r.budget)} epsilon; each query charges ${formatEpsilon(r.costPerQuery)} + ${formatEpsilon(r.costPerCell)} per variant`,
    `  counts below ${r.minCellCount} suppressed; at least ${r.minLabs} contributing labs; window ${Number(r.answerWindow) / 3600} h`,
    `  aggregator ${aggregator}`,
    ...grants.map((g) => `  purpose ${g}`),
  ];
}

/** The rule change the options describe. */
export function parseRuleChange(o: {
  rule: string;
  budget: string;
  perQuery: string;
  perCell: string;
  minCellCount: string;
  minLabs: string;
  purpose: string;
  kinds: string;
  account: string;
  hours: string;
  member: string;
}): RuleChange {
  const int = (v: string, option: string) => {
    if (!/^\d+$/.test(v)) throw new GenomicsInputError(`--${option}: "${v}" is not a whole number`);
    return Number(v);
  };
  switch (o.rule) {
    case "budget":
      return {
        rule: "budget",
        budget: parseEpsilon(o.budget, "budget"),
        costPerQuery: parseEpsilon(o.perQuery, "per-query"),
        costPerCell: parseEpsilon(o.perCell, "per-cell"),
      };
    case "release":
      return {
        rule: "release",
        minCellCount: int(o.minCellCount, "min-cell-count"),
        minLabs: int(o.minLabs, "min-labs"),
      };
    case "purpose":
      return { rule: "purpose", purpose: parseDuoId(o.purpose), kinds: o.kinds === "none" ? 0 : parseKinds(o.kinds) };
    case "aggregator":
      if (!/^0x[0-9a-fA-F]{40}$/.test(o.account))
        throw new GenomicsInputError(`--account: "${o.account}" is not an address`);
      return { rule: "aggregator", account: o.account };
    case "window":
      return { rule: "window", seconds: int(o.hours, "hours") * 3600 };
    case "expert-panel":
      return { rule: "expert-panel", memberId: o.member === "none" ? "0x" + "00".repeat(32) : parseMember(o.member) };
    default:
      throw new GenomicsInputError(
        `--rule: "${o.rule}" is not one of budget, release, purpose, aggregator, window, expert-panel`,
      );
  }
}

export async function opProposeRule(c: GenomicsConnection, change: RuleChange): Promise<string[]> {
  const id = await proposeRule(c, change);
  return [
    `proposed ${change.rule} rule change as proposal ${id}`,
    `  governors: npx hardhat consortium vote --proposal ${id}; then: npx hardhat consortium execute --proposal ${id}`,
  ];
}

/** A variant list: a VCF (its sites) or a text file of keys (`ga4gh:VA.…`, `GRCh38:17-…`, `17-43045712-G-A`). */
export async function readVariantList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new GenomicsInputError(`${file}: cannot read (${(err as Error).message})`);
  }
  if (text.startsWith("##fileformat=VCF")) return parseVcf(text, file).sites.map((s) => s.key);
  return text
    .split(/\r?\n/)
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l !== "" && !l.startsWith("#"))
    .map(([l, lineNo]) => {
      const key = parseVariant(l);
      if (key === undefined) throw new GenomicsInputError(`${file}:${lineNo}: "${l}" is not a variant`);
      return key;
    });
}

export async function opRequest(
  c: GenomicsConnection,
  args: { versions: string; purpose: string; variants: string; region: string; exchange: string },
): Promise<string[]> {
  const versions = args.versions.split(",").map((v) => v.trim());
  for (const v of versions)
    if (!isHexString(v, 32)) throw new GenomicsInputError(`--versions: "${v}" is not a version id`);
  const purpose = parseDuoId(args.purpose);
  const region = args.region === "" ? 0n : parseRegion(args.region);
  const variantKeys = await readVariantList(args.variants);
  const { queryId, cost, file, txHash } = await requestQuery(c, { versions, purpose, variantKeys, region });
  await publishQueryFile(args.exchange, file);
  return [
    `query ${queryId} approved (tx ${txHash}): ${variantKeys.length} variants over ${versions.length} datasets for ${describeDuo(purpose)}`,
    `  charged ${formatEpsilon(cost)} epsilon to each dataset; query file ${path.join(args.exchange, "query.json")}`,
  ];
}

const LAB_STEP_WORDS = {
  joined: "advertised this lab's keys",
  shared: "sent this lab's encrypted key shares",
  contributed: "recorded the masked vector's digest on chain and handed the vector to the aggregator",
  unmasked: "sent this lab's unmasking shares",
  done: "nothing left to do for this query",
} as const;

export async function opContribute(
  c: GenomicsConnection,
  args: { exchange: string; version: string; sites: string; state: string },
  rng: RandomSource = cryptoRandom(),
): Promise<string[]> {
  let priv: PrivateSitesFile;
  try {
    priv = JSON.parse(await readFile(args.sites, "utf8")) as PrivateSitesFile;
  } catch (err) {
    throw new GenomicsInputError(`${args.sites}: not a private sites file (${(err as Error).message})`);
  }
  const versionId = args.version === "" ? priv.versionId : args.version;
  const lab = (await c.datasets.versionOf(versionId)).lab;
  const step = await labStep(c, { dir: args.exchange, stateDir: args.state, versionId, lab, counts: priv.counts, rng });
  return [`${step}: ${LAB_STEP_WORDS[step]}`];
}

export async function opAggregate(
  c: GenomicsConnection,
  args: { exchange: string; rounding: number },
): Promise<string[]> {
  const s = await aggregatorStep(c, { dir: args.exchange, rounding: args.rounding });
  return [`${s.step}: ${s.detail}`];
}

export async function opVerify(c: GenomicsConnection, exchange: string): Promise<{ ok: boolean; lines: string[] }> {
  const v = await verifyResult(c, exchange);
  const lines = [
    v.ok ? "VERIFIED: the published result is the aggregate of the recorded contributions" : "NOT VERIFIED",
  ];
  for (const x of v.checks) lines.push(`  ${x.ok ? "ok  " : "FAIL"} ${x.check}`);
  if (v.ok && v.table) {
    for (const cell of v.table.cells) {
      lines.push(
        cell.suppressed
          ? `  ${cell.variant}: suppressed (fewer than ${v.table.minCellCount})`
          : `  ${cell.variant}: AC ${cell.ac} / AN ${cell.an} = ${cell.frequency?.toFixed(4) ?? "n/a"}`,
      );
    }
  }
  return { ok: v.ok, lines };
}

export async function opQueryStatus(c: GenomicsConnection, queryId: bigint): Promise<string[]> {
  const q = await c.queries.queryOf(queryId);
  return [`query ${queryId}: ${QUERY_STATUS[Number(q.status)]}, ${q.contributedLabs}/${q.labs} labs contributed`];
}

export async function opInterpret(
  c: GenomicsConnection,
  args: { variant: string; condition: string; significance: string; evidence: string; criteria: boolean; lab: string },
): Promise<string[]> {
  const variantKey = await singleVariant(args.variant);
  const r = await submitClassification(c, {
    lab: await labOf(c, args.lab),
    variantKey,
    condition: parseMondo(args.condition),
    significance: parseSignificance(args.significance),
    evidenceCodes: args.evidence === "" ? [] : args.evidence.split(",").map((e) => e.trim()),
    assertionCriteria: args.criteria,
  });
  return [
    `classification revision ${r.revision} recorded (tx ${r.txHash})`,
    `  evidence commitment ${r.evidence}; keep its salt ${r.salt} to open it`,
  ];
}

export async function opInterpretations(c: GenomicsConnection, args: { variant: string; condition: string }) {
  const variantKey = await singleVariant(args.variant);
  const i = await describeInterpretation(c, variantKey, parseMondo(args.condition));
  return [
    `${variantKey} for MONDO:${String(parseMondo(args.condition)).padStart(7, "0")}: ${i.aggregate}`,
    `  review status: ${"★".repeat(i.stars)}${"☆".repeat(4 - i.stars)} ${i.reviewStatus}`,
    ...(i.conflict ? ["  CONFLICT: submitters disagree (shown as is, never settled by majority)"] : []),
    `  with criteria: ${i.withCriteria.join(", ") || "none"}; without: ${i.withoutCriteria.join(", ") || "none"}`,
    ...(i.expertPanel !== "None" ? [`  expert panel: ${i.expertPanel}`] : []),
  ];
}

/** A variant key from `ga4gh:VA.…`, `GRCh38:…` or `chr17-43045712-G-A` (undefined if none of these). */
export function parseVariant(text: string): string | undefined {
  const t = text.trim();
  if (/^ga4gh:VA\.[A-Za-z0-9_-]{32}$/.test(t) || /^GRCh38:/.test(t)) return t;
  const m = /^(?:chr)?([0-9XYMT]+)[-:](\d+)[-:]([ACGTN]+)[-:]([ACGTN]+)$/i.exec(t);
  const chrom = m === null ? undefined : normalizeChromosome(m[1]!);
  if (m === null || chrom === undefined) return undefined;
  return variantKey({ chrom, pos: Number(m[2]), ref: m[3]!.toUpperCase(), alt: m[4]!.toUpperCase() });
}

async function singleVariant(text: string): Promise<string> {
  const key = parseVariant(text);
  if (key === undefined)
    throw new GenomicsInputError(`--variant: "${text}" is not a variant (ga4gh:VA.… or 17-43045712-G-A)`);
  return key;
}
