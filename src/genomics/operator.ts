import { constants } from "node:fs";
import { access, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { TypedDataEncoder, ZeroAddress, getAddress, isHexString, verifyTypedData } from "ethers";

import { readJsonFile, readTextFile } from "../chain/files.js";
import { mined } from "../chain/send.js";
import { parseAddress } from "../chain/values.js";
import { parseMember } from "../consortium/args.js";
import { kindMask, kindNames, parseKinds } from "../consortium/kinds.js";
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
import { GenomicsInputError, inOption } from "./errors.js";
import { MICRO_EPSILON } from "./noise.js";
import { cryptoRandom, type RandomSource } from "./random.js";
import { MAX_VCF_BYTES, parseVcf, readVcf, type SiteCounts } from "./vcf.js";
import { normalizeChromosome, variantKey } from "./vrs.js";
import { aggregatorStep, exchangePaths, labStep, publishQueryFile, verifyResult } from "./workflow.js";

/**
 * What the `npx hardhat genomics …` commands do, as functions returning an {@link OpReport}: the lines
 * a person reads and the result a program reads (`--json`); the tasks only parse their options, call
 * these and print. Every input is checked before anything is sent. Files: a registration writes a
 * public dataset file (`<out>/<name>-v<n>.dataset.json`: the signed version, for anyone to verify) and
 * a private one (`<out>/private/<name>-v<n>.sites.json`: the site counts and tree secret the lab keeps).
 */

/** What a command did: lines for a person, a result for a program, and whether the answer is no. */
export interface OpReport<R = Record<string, unknown>> {
  lines: string[];
  result: R;
  /** `negative`: the command worked and the answer is no (a dataset file or a result that does not verify). */
  verdict?: "negative";
}

/** Unix seconds as an ISO 8601 UTC time, for output (`2026-12-02T01:00:00Z`). */
export function isoTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** Refuses unless `dir` exists (or can be made) and is writable: checked before anything is sent. */
async function writableFolder(dir: string, option: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new GenomicsInputError(`--${option}: cannot write to ${dir} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

const UINT48_MAX = 2n ** 48n - 1n;
const UINT32_MAX = 2 ** 32 - 1;

/** `0.05` epsilon to the contracts' micro-epsilon (at most what 48 bits hold, about 281 million). */
export function parseEpsilon(text: string, option: string): bigint {
  if (!/^\d+(\.\d{1,6})?$/.test(text)) {
    throw new GenomicsInputError(`--${option}: "${text}" is not an epsilon (a decimal with up to 6 places)`);
  }
  const [whole, frac = ""] = text.split(".");
  const micro = BigInt(whole!) * BigInt(MICRO_EPSILON) + BigInt(frac.padEnd(6, "0"));
  if (micro > UINT48_MAX) {
    throw new GenomicsInputError(
      `--${option}: ${text} epsilon is more than the contracts hold (${formatEpsilon(UINT48_MAX)})`,
    );
  }
  return micro;
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
  if (lab !== "") {
    const id = parseMember(lab, "lab");
    const member = await c.registry.getMember(id);
    if (!(await c.registry.isActiveMemberId(id, kindMask("Laboratory")))) {
      throw new GenomicsInputError(
        `--lab: ${lab} is ${Number(member.status) === 0 ? "no member" : "not an active Laboratory member"}`,
      );
    }
    if ((await c.registry.memberOf(await c.signer.getAddress())) !== id) {
      throw new GenomicsInputError(`--lab: the signing account does not operate for ${lab}`);
    }
    return id;
  }
  const id = await c.registry.memberOf(await c.signer.getAddress());
  if (id === "0x" + "00".repeat(32)) throw new GenomicsInputError("--lab: the signing account belongs to no member");
  return id;
}

/** The options of `genomics register` that need no chain and no file (the task checks them before connecting). */
/** A dataset name: it names files too (see `checkRegisterOptions`). */
const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/;

export function checkRegisterOptions(args: { vcf: string; name: string; uses: string }): { dataUses: bigint } {
  if (args.vcf === "") throw new GenomicsInputError("--vcf: give the lab's VCF file");
  if (Buffer.byteLength(args.name, "utf8") > 31 || args.name.trim() === "") {
    throw new GenomicsInputError(`--name: "${args.name}" must be 1 to 31 bytes`);
  }
  // The name is also the dataset files' name (`<name>-v<n>.dataset.json` in --out): letters, digits,
  // dot, dash and underscore only, so a name can never reach outside the folder or hide a character.
  if (!DATASET_NAME.test(args.name)) {
    throw new GenomicsInputError(
      `--name: "${args.name}" may hold only letters, digits, ".", "-" and "_" (starting with a letter or digit)`,
    );
  }
  if (args.uses.trim() === "") throw new GenomicsInputError("--uses: list the allowed DUO terms, e.g. DUO:0000006");
  return { dataUses: inOption("uses", () => duoMask(args.uses.split(","))) };
}

export async function opRegister(
  c: GenomicsConnection,
  args: { vcf: string; name: string; uses: string; lab: string; out: string },
): Promise<OpReport> {
  const { dataUses } = checkRegisterOptions(args);
  const counts = await readVcf(args.vcf);
  const lab = await labOf(c, args.lab);
  // The private file keeps the tree secret: the folders must take it before the version is on chain.
  await writableFolder(path.join(args.out, "private"), "out");
  const r = await registerDatasetVersion(c, { lab, name: args.name, counts, dataUses });
  const base = `${args.name}-v${r.message.version}`;
  const publicFile = path.join(args.out, `${base}.dataset.json`);
  const privateFile = path.join(args.out, "private", `${base}.sites.json`);
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
  const uses = duoIds(dataUses);
  return {
    lines: [
      r.alreadyRegistered
        ? `already registered: ${args.name} version ${r.message.version} is ${r.versionId} (nothing sent)`
        : `registered ${args.name} version ${r.message.version} as ${r.versionId} (tx ${r.txHash})`,
      `  ${counts.samples} samples, ${r.tree.sites} sites, root ${r.tree.root}`,
      `  allowed uses: ${uses.map(describeDuo).join("; ")}`,
      ...(r.alreadyRegistered ? [] : [`  public file ${publicFile}; keep private ${privateFile}`]),
    ],
    result: {
      name: args.name,
      version: r.message.version,
      versionId: r.versionId,
      datasetKey: r.datasetKey,
      lab,
      alreadyRegistered: r.alreadyRegistered,
      txHash: r.txHash ?? null,
      samples: counts.samples,
      sites: r.tree.sites,
      root: r.tree.root,
      dataUses: uses.map(duoTerm),
      ...(r.alreadyRegistered ? {} : { publicFile, privateFile }),
    },
  };
}

/** 42 as `DUO:0000042`. */
function duoTerm(id: number): string {
  return `DUO:${String(id).padStart(7, "0")}`;
}

/** Withdraws the lab's current version of a dataset, after checking it is one the signer's lab may withdraw. */
export async function opWithdraw(c: GenomicsConnection, versionId: string): Promise<OpReport> {
  if (!isHexString(versionId, 32)) throw new GenomicsInputError(`--version-id: "${versionId}" is not a version id`);
  const record = await c.datasets.versionOf(versionId);
  const status = VERSION_STATUS[Number(record.status)]!;
  if (status === "None")
    throw new GenomicsInputError(`--version-id: no dataset version ${versionId} on chain ${c.chainId}`);
  if (status !== "Active") throw new GenomicsInputError(`--version-id: ${versionId} is ${status}, not active`);
  const me = await c.registry.memberOf(await c.signer.getAddress());
  if (me !== record.lab) {
    throw new GenomicsInputError(`--version-id: ${versionId} belongs to lab ${record.lab}, not the signer's`);
  }
  const receipt = await mined(c.datasets.withdraw(versionId));
  return {
    lines: [`withdrew ${versionId}: it can no longer be queried (tx ${receipt.hash})`],
    result: { versionId, status: "Withdrawn", txHash: receipt.hash },
  };
}

/** Reads a public dataset file, refusing one that is not JSON or lacks a field, with the field named. */
async function readDatasetFile(fileName: string): Promise<DatasetFile> {
  const file = (await readJsonFile(fileName)) as DatasetFile;
  const bad = (field: string, problem: string) =>
    new GenomicsInputError(`${fileName}: ${field}: ${problem}`, { file: fileName, field });
  if (file === null || typeof file !== "object" || Array.isArray(file)) throw bad("(root)", "not a JSON object");
  if (!/^\d+$/.test(String(file.chainId))) throw bad("chainId", "not a chain id");
  if (typeof file.datasets !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(file.datasets))
    throw bad("datasets", "not an address");
  if (!isHexString(file.versionId, 32)) throw bad("versionId", "not a 32-byte id");
  if (!isHexString(file.datasetKey, 32)) throw bad("datasetKey", "not a 32-byte key");
  if (typeof file.signer !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(file.signer))
    throw bad("signer", "not an address");
  if (!isHexString(file.signature)) throw bad("signature", "not hex");
  const m = file.message as unknown as Record<string, unknown> | undefined;
  if (m === undefined || m === null || typeof m !== "object") throw bad("message", "missing");
  for (const f of ["lab", "name", "root", "previous"]) {
    if (!isHexString(m[f], 32)) throw bad(`message.${f}`, "not 32 bytes of hex");
  }
  for (const f of ["version", "assembly", "samples", "sites"]) {
    if (!Number.isSafeInteger(m[f]) || (m[f] as number) < 0) throw bad(`message.${f}`, "not a whole number");
  }
  for (const f of ["dataUses", "nonce", "deadline"]) {
    if (!/^\d+$/.test(String(m[f]))) throw bad(`message.${f}`, "not a decimal string");
  }
  return file;
}

/** Verifies a public dataset file against the chain: signature, root, fields, status. */
export async function opVerifyDataset(c: GenomicsConnection, fileName: string): Promise<OpReport> {
  const file = await readDatasetFile(fileName);
  const m = {
    ...file.message,
    dataUses: BigInt(file.message.dataUses),
    nonce: BigInt(file.message.nonce),
    deadline: BigInt(file.message.deadline),
  };
  const domain = datasetsDomain(BigInt(file.chainId), file.datasets);
  const lines: string[] = [];
  const verdict = (word: string, problems: string[] = []) => ({
    verdict: word,
    versionId: file.versionId,
    datasetKey: file.datasetKey,
    problems,
  });
  if (BigInt(file.chainId) !== c.chainId || getAddress(file.datasets) !== getAddress(await c.datasets.getAddress())) {
    return {
      lines: [`WRONG CHAIN: ${fileName} is for chain ${file.chainId}, contract ${file.datasets}`],
      result: verdict("WRONG CHAIN"),
      verdict: "negative",
    };
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
  if (problems.length > 0) {
    return {
      lines: [`INVALID: ${problems.join("; ")}`, ...lines],
      result: verdict("INVALID", problems),
      verdict: "negative",
    };
  }
  const word = status === "Active" ? "VALID" : status!.toUpperCase();
  return {
    result: {
      ...verdict(word),
      status,
      version: m.version,
      lab: m.lab,
      signer: file.signer,
      root: m.root,
      samples: Number(record.samples),
      sites: Number(record.sites),
      dataUses: duoIds(m.dataUses).map(duoTerm),
      next: record.next !== "0x" + "00".repeat(32) ? record.next : null,
    },
    ...(status === "Active" ? {} : { verdict: "negative" as const }),
    lines: [
      `${word}: version ${m.version} of dataset ${file.datasetKey}, signed by ${file.signer} for lab ${m.lab}`,
      `  digest ${TypedDataEncoder.hash(domain, DATASET_VERSION_TYPES, m)}, root ${m.root}`,
      `  ${record.samples} samples, ${record.sites} sites, uses ${duoIds(m.dataUses).map(describeDuo).join("; ")}`,
      ...(record.next !== "0x" + "00".repeat(32) ? [`  superseded by ${record.next}`] : []),
      ...lines,
    ],
  };
}

/** The rules in force, in words. */
export async function opRules(c: GenomicsConnection): Promise<OpReport> {
  const r = await c.queries.rules();
  const aggregator = await c.queries.aggregator();
  const grants: Array<{ purpose: string; kinds: string[] }> = [];
  for (const id of [4, 6, 7, 11, 42]) {
    const kinds = kindNames(await c.queries.purposeKinds(id));
    if (kinds.length > 0) grants.push({ purpose: duoTerm(id), kinds });
  }
  const panel = await c.interpretations.expertPanel();
  return {
    lines: [
      `rules version ${r.version}`,
      `  budget per dataset ${formatEpsilon(r.budget)} epsilon; each query charges ${formatEpsilon(r.costPerQuery)} + ${formatEpsilon(r.costPerCell)} per variant`,
      `  one requester may spend or hold at most ${r.requesterShare}% of each dataset's budget`,
      `  counts below ${r.minCellCount} suppressed; at least ${r.minLabs} contributing labs besides the requester's; window ${Number(r.answerWindow) / 3600} h`,
      `  aggregator ${aggregator === ZeroAddress ? "none voted yet" : aggregator}`,
      ...grants.map((g) => `  purpose ${describeDuo(parseDuoId(g.purpose))} -> ${g.kinds.join(", ")}`),
      ...(panel !== "0x" + "00".repeat(32) ? [`  expert panel ${panel}`] : []),
    ],
    result: {
      version: Number(r.version),
      budget: formatEpsilon(r.budget),
      costPerQuery: formatEpsilon(r.costPerQuery),
      costPerCell: formatEpsilon(r.costPerCell),
      requesterSharePercent: Number(r.requesterShare),
      minCellCount: Number(r.minCellCount),
      minLabs: Number(r.minLabs),
      answerWindowHours: Number(r.answerWindow) / 3600,
      aggregator: aggregator === ZeroAddress ? null : aggregator,
      purposes: grants,
      expertPanel: panel !== "0x" + "00".repeat(32) ? panel : null,
    },
  };
}

/**
 * The largest requester share the contract accepts (`AllianceRules.MAX_REQUESTER_SHARE`, percent), so a
 * bad `--requester-share` is refused before a proposal is sent; a test checks the two agree.
 */
export const MAX_REQUESTER_SHARE = 50;

/** The most labs a release rule may require (`AllianceRules.MAX_LABS`); a test checks the two agree. */
export const MAX_LABS = 32;

/** The member kinds that may request queries (`AllianceRules.REQUESTER_KINDS`). */
const REQUESTER_KINDS = kindMask("Hospital", "Laboratory");

/** The rule change the options describe. */
export function parseRuleChange(o: {
  rule: string;
  budget: string;
  perQuery: string;
  perCell: string;
  requesterShare: string;
  minCellCount: string;
  minLabs: string;
  purpose: string;
  kinds: string;
  account: string;
  hours: string;
  member: string;
}): RuleChange {
  const int = (v: string, option: string, min = 0, max = UINT32_MAX) => {
    if (!/^\d+$/.test(v)) throw new GenomicsInputError(`--${option}: "${v}" is not a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw new GenomicsInputError(`--${option}: ${v} is not between ${min} and ${max}`);
    return n;
  };
  const percent = (v: string, option: string) => {
    const n = int(v.replace(/%$/, ""), option);
    if (n < 1 || n > MAX_REQUESTER_SHARE) {
      throw new GenomicsInputError(`--${option}: ${n}% is not a share of 1% to ${MAX_REQUESTER_SHARE}%`);
    }
    return n;
  };
  switch (o.rule) {
    case "budget": {
      // The contract's bounds (AllianceRules.setBudgetRule), checked before a proposal is sent.
      const budget = parseEpsilon(o.budget, "budget");
      if (budget === 0n) throw new GenomicsInputError("--budget: must be more than 0 epsilon");
      const costPerQuery = parseEpsilon(o.perQuery, "per-query");
      const costPerCell = parseEpsilon(o.perCell, "per-cell");
      if (costPerQuery + costPerCell === 0n) {
        throw new GenomicsInputError("--per-query: a query must cost something (--per-query or --per-cell above 0)");
      }
      return {
        rule: "budget",
        budget,
        costPerQuery,
        costPerCell,
        requesterShare: percent(o.requesterShare, "requester-share"),
      };
    }
    case "release":
      return {
        rule: "release",
        minCellCount: int(o.minCellCount, "min-cell-count", 1),
        minLabs: int(o.minLabs, "min-labs", 2, MAX_LABS),
      };
    case "purpose": {
      const purpose = inOption("purpose", () => parseDuoId(o.purpose));
      const kinds = o.kinds === "none" ? 0 : inOption("kinds", () => parseKinds(o.kinds));
      if ((kinds & ~REQUESTER_KINDS) !== 0) {
        throw new GenomicsInputError(
          `--kinds: only Hospital and Laboratory members may request (not ${kindNames(kinds & ~REQUESTER_KINDS).join(", ")})`,
        );
      }
      return { rule: "purpose", purpose, kinds };
    }
    case "aggregator": {
      const account = parseAddress(o.account, "--account");
      if (account === ZeroAddress) throw new GenomicsInputError("--account: the zero address cannot aggregate");
      return { rule: "aggregator", account };
    }
    case "window":
      return { rule: "window", seconds: int(o.hours, "hours", 1, 720) * 3600 };
    case "expert-panel":
      return { rule: "expert-panel", memberId: o.member === "none" ? "0x" + "00".repeat(32) : parseMember(o.member) };
    default:
      throw new GenomicsInputError(
        `--rule: "${o.rule}" is not one of budget, release, purpose, aggregator, window, expert-panel`,
      );
  }
}

export async function opProposeRule(c: GenomicsConnection, change: RuleChange): Promise<OpReport> {
  const governor = await c.signer.getAddress();
  if (!(await c.registry.isGovernor(governor))) {
    throw new GenomicsInputError(`--as: ${governor} is not a governor; only governors propose rule changes`, {
      field: "--as",
    });
  }
  const id = await proposeRule(c, change);
  return {
    lines: [
      `proposed ${change.rule} rule change as proposal ${id}`,
      `  governors: npx hardhat consortium vote --proposal ${id}; then: npx hardhat consortium execute --proposal ${id}`,
    ],
    result: { proposalId: id, change },
  };
}

/** A variant list: a VCF (its sites) or a text file of keys (`ga4gh:VA.…`, `GRCh38:17-…`, `17-43045712-G-A`). */
export async function readVariantList(file: string): Promise<string[]> {
  const text = await readTextFile(file, { maxBytes: MAX_VCF_BYTES });
  if (text.startsWith("##fileformat=VCF")) return parseVcf(text, file).sites.map((s) => s.key);
  const keys = text
    .split(/\r?\n/)
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l !== "" && !l.startsWith("#"))
    .map(([l, lineNo]) => {
      const key = parseVariant(l);
      if (key === undefined) {
        throw new GenomicsInputError(`${file}:${lineNo}: "${l}" is not a variant`, { file, field: `line ${lineNo}` });
      }
      return key;
    });
  if (keys.length === 0) throw new GenomicsInputError(`${file}: lists no variants`, { file });
  const seen = new Map<string, number>();
  keys.forEach((k, i) => {
    if (seen.has(k)) throw new GenomicsInputError(`${file}: variant ${k} is listed twice`, { file });
    seen.set(k, i);
  });
  return keys;
}

/** The most dataset versions one query may list (`GenomicQueries.MAX_VERSIONS`). */
const MAX_VERSIONS = 32;

/**
 * The options of `genomics request` that need no chain: the version list, purpose, region, the variant
 * list file and the exchange folder (which must be new and writable: a query approved without its
 * file could not be answered). The task checks them before connecting.
 */
export async function checkRequestOptions(args: {
  versions: string;
  purpose: string;
  variants: string;
  region: string;
  exchange: string;
}): Promise<{ versions: string[]; purpose: number; region: bigint; variantKeys: string[] }> {
  for (const o of ["versions", "purpose", "variants", "exchange"] as const) {
    if (args[o] === "") throw new GenomicsInputError(`--${o}: required`);
  }
  const versions = args.versions.split(",").map((v) => v.trim());
  for (const v of versions)
    if (!isHexString(v, 32)) throw new GenomicsInputError(`--versions: "${v}" is not a version id`);
  if (new Set(versions.map((v) => v.toLowerCase())).size !== versions.length) {
    throw new GenomicsInputError("--versions: a version is listed twice");
  }
  if (versions.length > MAX_VERSIONS) {
    throw new GenomicsInputError(`--versions: ${versions.length} versions, at most ${MAX_VERSIONS} per query`);
  }
  const purpose = inOption("purpose", () => parseDuoId(args.purpose));
  const region = args.region === "" ? 0n : inOption("region", () => parseRegion(args.region));
  const variantKeys = await readVariantList(args.variants);
  const existing = exchangePaths(args.exchange).query;
  if (
    await access(existing).then(
      () => true,
      () => false,
    )
  ) {
    throw new GenomicsInputError(`--exchange: ${args.exchange} already holds a query (${existing}); use a new folder`);
  }
  await writableFolder(args.exchange, "exchange");
  return { versions, purpose, region, variantKeys };
}

export async function opRequest(
  c: GenomicsConnection,
  args: { versions: string; purpose: string; variants: string; region: string; exchange: string },
): Promise<OpReport> {
  const { versions, purpose, region, variantKeys } = await checkRequestOptions(args);
  const me = await c.registry.memberOf(await c.signer.getAddress());
  for (const v of versions) {
    const view = await c.datasets.queryView(v);
    const status = VERSION_STATUS[Number(view.status)]!;
    if (status === "None") throw new GenomicsInputError(`--versions: no dataset version ${v} on chain ${c.chainId}`);
    if (status !== "Active")
      throw new GenomicsInputError(`--versions: ${v} is ${status}, not the dataset's current version`);
    if (((view.dataUses >> BigInt(purpose)) & 1n) === 0n) {
      throw new GenomicsInputError(`--purpose: dataset version ${v} does not allow ${describeDuo(purpose)}`);
    }
  }
  const { queryId, cost, file, txHash } = await requestQuery(c, { versions, purpose, variantKeys, region });
  await publishQueryFile(args.exchange, file);
  let left: bigint | undefined;
  for (const v of file.versions) {
    const b = await c.queries.requesterBudgetOf((await c.datasets.queryView(v)).datasetKey, me);
    if (left === undefined || b.remaining < left) left = b.remaining;
  }
  const deadline = isoTime((await c.queries.queryOf(queryId)).deadline);
  const queryFile = path.join(args.exchange, "query.json");
  return {
    lines: [
      `query ${queryId} approved (tx ${txHash}): ${variantKeys.length} variants over ${versions.length} datasets for ${describeDuo(purpose)}`,
      `  charged ${formatEpsilon(cost)} epsilon to each dataset; query file ${queryFile}`,
      `  you may still reserve ${formatEpsilon(left!)} epsilon on these datasets (your share, or what is left of a budget)`,
      `  labs contribute until ${deadline}`,
    ],
    result: {
      queryId,
      txHash,
      purpose: duoTerm(purpose),
      variants: variantKeys.length,
      versions: file.versions,
      costPerDataset: formatEpsilon(cost),
      remainingShare: formatEpsilon(left!),
      deadline,
      queryFile,
    },
  };
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
): Promise<OpReport> {
  const priv = (await readJsonFile(args.sites, { maxBytes: MAX_VCF_BYTES })) as PrivateSitesFile;
  if (priv === null || typeof priv !== "object" || !isHexString(priv.versionId, 32)) {
    throw new GenomicsInputError(`${args.sites}: versionId: not a 32-byte id`, {
      file: args.sites,
      field: "versionId",
    });
  }
  if (priv === null || typeof priv !== "object" || Array.isArray(priv)) {
    throw new GenomicsInputError(`${args.sites}: not a private sites file (a JSON object)`, { file: args.sites });
  }
  if (!Array.isArray(priv.counts?.sites)) {
    throw new GenomicsInputError(`${args.sites}: counts.sites: not a list of sites`, {
      file: args.sites,
      field: "counts.sites",
    });
  }
  if (args.version !== "" && !isHexString(args.version, 32)) {
    throw new GenomicsInputError(`--version-id: "${args.version}" is not a version id`);
  }
  const versionId = args.version === "" ? priv.versionId : args.version;
  const record = await c.datasets.versionOf(versionId);
  if (Number(record.status) === 0) {
    throw new GenomicsInputError(`${args.sites}: versionId: no dataset version ${versionId} on chain ${c.chainId}`, {
      file: args.sites,
      field: "versionId",
    });
  }
  const lab = record.lab;
  const step = await labStep(c, { dir: args.exchange, stateDir: args.state, versionId, lab, counts: priv.counts, rng });
  return { lines: [`${step}: ${LAB_STEP_WORDS[step]}`], result: { step, versionId, lab } };
}

export async function opAggregate(
  c: GenomicsConnection,
  args: { exchange: string; rounding: number },
): Promise<OpReport> {
  const s = await aggregatorStep(c, { dir: args.exchange, rounding: args.rounding });
  return { lines: [`${s.step}: ${s.detail}`], result: { step: s.step, detail: s.detail } };
}

export async function opVerify(c: GenomicsConnection, exchange: string): Promise<OpReport> {
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
  return {
    lines,
    result: { verified: v.ok, checks: v.checks, table: v.ok ? (v.table ?? null) : null },
    ...(v.ok ? {} : { verdict: "negative" as const }),
  };
}

export async function opQueryStatus(c: GenomicsConnection, queryId: bigint): Promise<OpReport> {
  const q = await c.queries.queryOf(queryId);
  const status = QUERY_STATUS[Number(q.status)]!;
  return {
    lines: [
      `query ${queryId}: ${status}, ${q.contributedLabs}/${q.labs} labs contributed; window ends ${isoTime(q.deadline)}`,
    ],
    result: {
      queryId,
      status,
      labs: Number(q.labs),
      contributedLabs: Number(q.contributedLabs),
      deadline: isoTime(q.deadline),
    },
  };
}

/** The options of `genomics interpret` (no chain needed; the task checks them before connecting). */
export function checkInterpretOptions(args: {
  variant: string;
  condition: string;
  significance: string;
  evidence: string;
}) {
  for (const o of ["variant", "condition", "significance"] as const) {
    if (args[o] === "") throw new GenomicsInputError(`--${o}: required`);
  }
  const variantKey = singleVariant(args.variant);
  const condition = inOption("condition", () => parseMondo(args.condition));
  const significance = inOption("significance", () => parseSignificance(args.significance));
  const evidenceCodes = args.evidence === "" ? [] : args.evidence.split(",").map((e) => e.trim());
  for (const code of evidenceCodes) {
    if (!/^(PVS1|PS[1-4]|PM[1-6]|PP[1-5]|BA1|BS[1-4]|BP[1-7])$/.test(code)) {
      throw new GenomicsInputError(`--evidence: "${code}" is not an ACMG/AMP evidence code (e.g. PS3, PM2, BP4)`);
    }
  }
  const twice = evidenceCodes.find((code, i) => evidenceCodes.indexOf(code) !== i);
  if (twice !== undefined) throw new GenomicsInputError(`--evidence: ${twice} is listed twice`);
  return { variantKey, condition, significance, evidenceCodes };
}

/** The options of `genomics interpretations` (no chain needed). */
export function checkInterpretationOptions(args: { variant: string; condition: string }) {
  for (const o of ["variant", "condition"] as const) {
    if (args[o] === "") throw new GenomicsInputError(`--${o}: required`);
  }
  return {
    variantKey: singleVariant(args.variant),
    condition: inOption("condition", () => parseMondo(args.condition)),
  };
}

export async function opInterpret(
  c: GenomicsConnection,
  args: { variant: string; condition: string; significance: string; evidence: string; criteria: boolean; lab: string },
): Promise<OpReport> {
  const { variantKey, condition, significance, evidenceCodes } = checkInterpretOptions(args);
  const lab = await labOf(c, args.lab);
  const r = await submitClassification(c, {
    lab,
    variantKey,
    condition,
    significance,
    evidenceCodes,
    assertionCriteria: args.criteria,
  });
  return {
    lines: [
      `classification revision ${r.revision} recorded (tx ${r.txHash})`,
      `  evidence commitment ${r.evidence}; keep its salt ${r.salt} to open it`,
    ],
    result: {
      variant: variantKey,
      condition: mondoTerm(condition),
      lab,
      revision: Number(r.revision),
      txHash: r.txHash,
      evidence: r.evidence,
      salt: r.salt,
    },
  };
}

/** 7254 as `MONDO:0007254`. */
function mondoTerm(id: number): string {
  return `MONDO:${String(id).padStart(7, "0")}`;
}

export async function opInterpretations(
  c: GenomicsConnection,
  args: { variant: string; condition: string },
): Promise<OpReport> {
  const { variantKey, condition } = checkInterpretationOptions(args);
  const i = await describeInterpretation(c, variantKey, condition);
  return {
    result: { variant: variantKey, condition: mondoTerm(condition), ...i },
    lines: [
      `${variantKey} for ${mondoTerm(condition)}: ${i.aggregate}`,
      `  review status: ${"★".repeat(i.stars)}${"☆".repeat(4 - i.stars)} ${i.reviewStatus}`,
      ...(i.conflict ? ["  CONFLICT: submitters disagree (shown as is, never settled by majority)"] : []),
      `  with criteria: ${i.withCriteria.join(", ") || "none"}; without: ${i.withoutCriteria.join(", ") || "none"}`,
      ...(i.expertPanel !== "None" ? [`  expert panel: ${i.expertPanel}`] : []),
      ...(i.inactive > 0
        ? [`  not counted: ${i.inactive} classification(s) of labs that are suspended, revoked or not certified now`]
        : []),
    ],
  };
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

function singleVariant(text: string): string {
  const key = parseVariant(text);
  if (key === undefined)
    throw new GenomicsInputError(`--variant: "${text}" is not a variant (ga4gh:VA.… or 17-43045712-G-A)`);
  return key;
}
