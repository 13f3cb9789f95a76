import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { getBytes, verifyMessage } from "ethers";
import { z } from "zod";

import { addressString, formatJsonPath, readJsonFile, uintString } from "../chain/files.js";
import { mined } from "../chain/send.js";
import { kindMask } from "../consortium/kinds.js";
import { checkQueryFile, type QueryFile } from "./client.js";
import type { GenomicsConnection } from "./connect.js";
import { GenomicsInputError } from "./errors.js";
import { addNoiseShares, alphaForCell } from "./noise.js";
import type { RandomSource } from "./random.js";
import {
  aggregateDigestOf,
  cellsRootOf,
  contributionVector,
  releaseDigestOf,
  releaseTable,
  type ReleaseTable,
} from "./release.js";
import {
  advertisementDigest,
  aggregate,
  maskInput,
  maskedDigest,
  participantsDigest,
  receiveShares,
  recomputeSum,
  shareKeys,
  startSession,
  unmaskResponse,
  vectorOf,
  type AggregationTranscript,
  type KeyAdvertisement,
  type MaskedInput,
  type SessionSecret,
  type ShareBundle,
  type UnmaskResponse,
} from "./secagg.js";
import type { SiteCounts } from "./vcf.js";

/**
 * A query's rounds as files in an exchange folder the aggregator relays (a shared folder, or any
 * transport that moves these files): `query.json` (the requester's), `keys/`, `participants.json`,
 * `shares/`, `u1.json`, `masked/`, `survivors.json`, `unmask/`, then `transcript.json` and
 * `release.json`. A lab's private state (its keys and the shares it holds) stays in its own state
 * folder. Each step refuses to run before its inputs exist, and re-running a finished step does nothing.
 */

export interface ExchangePaths {
  dir: string;
  query: string;
  participants: string;
  u1: string;
  survivors: string;
  transcript: string;
  release: string;
  keys(versionId: string): string;
  shares(versionId: string): string;
  masked(versionId: string): string;
  unmask(versionId: string): string;
}

export function exchangePaths(dir: string): ExchangePaths {
  const short = (v: string) => v.slice(2, 18);
  return {
    dir,
    query: path.join(dir, "query.json"),
    participants: path.join(dir, "participants.json"),
    u1: path.join(dir, "u1.json"),
    survivors: path.join(dir, "survivors.json"),
    transcript: path.join(dir, "transcript.json"),
    release: path.join(dir, "release.json"),
    keys: (v) => path.join(dir, "keys", `${short(v)}.json`),
    shares: (v) => path.join(dir, "shares", `${short(v)}.json`),
    masked: (v) => path.join(dir, "masked", `${short(v)}.json`),
    unmask: (v) => path.join(dir, "unmask", `${short(v)}.json`),
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined; // not relayed yet
  }
  return (await readJsonFile(file)) as T;
}

/**
 * What `verifyResult` reads of the exchange folder's public files (anyone may have written them):
 * checked before use, so a malformed file is refused naming its field instead of crashing the check.
 */
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");
/** Whether `v` is canonical base64 (checked by a round trip: linear, where a regex over megabytes overflows). */
const isBase64 = (v: string) => Buffer.from(v, "base64").toString("base64") === v;
const PUBLIC_FILES = {
  query: z.object({ queryId: uintString(), variantKeys: z.array(z.string()) }).passthrough(),
  transcript: z
    .object({
      context: z.object({ chainId: uintString(), queries: addressString(), queryId: uintString() }).passthrough(),
      masked: z.array(
        z
          .object({
            versionId: hex32,
            lab: z.string(),
            vector: z.string().refine(isBase64, "must be base64"),
          })
          .passthrough(),
      ),
    })
    .passthrough(),
  release: z
    .object({
      rulesVersion: z.number().int().nonnegative(),
      minCellCount: z.number().int().nonnegative(),
      cells: z.array(z.unknown()),
    })
    .passthrough(),
};

/** A public exchange file, checked against its schema (see `PUBLIC_FILES`). */
async function needChecked<T>(file: string, what: string, schema: z.ZodType): Promise<T> {
  const parsed = schema.safeParse(await need<unknown>(file, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GenomicsInputError(`${file}: ${formatJsonPath(issue.path)}: ${issue.message}`);
  }
  return parsed.data as T;
}

async function need<T>(file: string, what: string): Promise<T> {
  const value = await readJson<T>(file);
  if (value === undefined) throw new GenomicsInputError(`waiting: ${what} (${file}) is not there yet`);
  return value;
}

async function writeJson(file: string, value: unknown, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(value, null, 2) + "\n", mode === undefined ? undefined : { mode });
}

async function readAll<T>(dir: string): Promise<T[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return Promise.all(names.map(async (n) => (await readJson<T>(path.join(dir, n)))!));
}

function stateFile(stateDir: string, queryId: string, versionId: string): string {
  // the query's number as the chain knows it ("016" and "16" are one query), digits only
  return path.join(stateDir, `query-${BigInt(queryId)}-${versionId.slice(2, 18)}.secret.json`);
}

/** The requester publishes the query file into the exchange folder. */
export async function publishQueryFile(dir: string, file: QueryFile): Promise<void> {
  await writeJson(exchangePaths(dir).query, file);
}

/**
 * Refuses any key advertisement not signed by an account operating (now) for the lab that owns the
 * advertised dataset version: the aggregator relays keys but cannot substitute its own.
 */
async function checkAdvertisements(c: GenomicsConnection, file: QueryFile, ads: KeyAdvertisement[]): Promise<void> {
  const context = { chainId: file.chainId, queries: file.queries, queryId: file.queryId };
  for (const ad of ads) {
    const owner = (await c.datasets.versionOf(ad.versionId)).lab;
    let signer = "";
    try {
      signer = verifyMessage(getBytes(advertisementDigest(context, ad)), ad.signature ?? "");
    } catch {
      signer = "";
    }
    if (owner !== ad.lab || signer.toLowerCase() !== (ad.account ?? "").toLowerCase()) {
      throw new GenomicsInputError(`keys of ${ad.versionId}: not signed by the account that advertised them`);
    }
    if ((await c.registry.memberOf(signer)) !== ad.lab) {
      throw new GenomicsInputError(`keys of ${ad.versionId}: signed by ${signer}, which does not operate for its lab`);
    }
    if (!(await c.registry.isActiveMemberId(ad.lab, kindMask("Laboratory")))) {
      throw new GenomicsInputError(`keys of ${ad.versionId}: its lab ${ad.lab} is not an active laboratory`);
    }
  }
}

/** Shamir threshold of a query: the alliance's minimum number of labs (read now from the chain). */
async function thresholdOf(c: GenomicsConnection): Promise<number> {
  return Number((await c.queries.rules()).minLabs);
}

/**
 * Distinct labs owning `versionIds`, other than the requester's member: the labs a result counts (the
 * requester knows its own input and noise share, so only the others' noise protects the others).
 */
async function otherLabs(c: GenomicsConnection, requester: string, versionIds: string[]): Promise<number> {
  const labs = new Set<string>();
  for (const v of versionIds) {
    const lab = (await c.datasets.queryView(v)).lab;
    if (lab !== requester) labs.add(lab);
  }
  return labs.size;
}

const ZERO = "0x" + "00".repeat(32);

/** Throws "waiting: …" unless `versionIds` come from at least `t` labs other than the requester's. */
async function needLabs(
  c: GenomicsConnection,
  requester: string,
  versionIds: string[],
  t: number,
  what: string,
): Promise<void> {
  const n = await otherLabs(c, requester, versionIds);
  if (n < t) throw new GenomicsInputError(`waiting: ${n} of at least ${t} labs besides the requester's ${what}`);
}

// ---------------------------------------------------------------- a lab's steps

export type LabStep = "joined" | "shared" | "contributed" | "unmasked" | "done";

/**
 * Advances one lab's part by one step: join (advertise keys), share (once the aggregator fixed the
 * participants), contribute (once it fixed U1: mask, record the digest on chain, then hand over the
 * masked vector), unmask (once it named the survivors). Returns the step taken.
 */
export async function labStep(
  c: GenomicsConnection,
  args: { dir: string; stateDir: string; versionId: string; lab: string; counts: SiteCounts; rng: RandomSource },
): Promise<LabStep> {
  const p = exchangePaths(args.dir);
  const file = await needChecked<QueryFile>(p.query, "the query file", PUBLIC_FILES.query);
  const secretFile = stateFile(args.stateDir, file.queryId, args.versionId);
  const secret = await readJson<SessionSecret>(secretFile);
  if (secret === undefined) {
    await checkQueryFile(c, file, args.versionId);
    const context = { chainId: BigInt(file.chainId), queries: file.queries, queryId: BigInt(file.queryId) };
    const s = startSession(context, args.versionId, args.lab, args.rng);
    const account = await c.signer.getAddress();
    const signature = await c.signer.signMessage(getBytes(advertisementDigest(s.secret.context, s.advertisement)));
    await writeJson(secretFile, s.secret, 0o600);
    await writeJson(p.keys(args.versionId), { ...s.advertisement, account, signature });
    return "joined";
  }
  if ((await readJson(p.shares(args.versionId))) === undefined) {
    const participants = await need<KeyAdvertisement[]>(p.participants, "the participant list");
    await checkAdvertisements(c, file, participants);
    await writeJson(p.shares(args.versionId), await shareKeys(secret, participants, await thresholdOf(c), args.rng));
    return "shared";
  }
  if ((await readJson(p.masked(args.versionId))) === undefined) {
    const u1 = await need<KeyAdvertisement[]>(p.u1, "the list of participants that shared (U1)");
    await checkAdvertisements(c, file, u1);
    const queryId = BigInt(file.queryId);
    const q = await c.queries.queryOf(queryId);
    await checkU1(c, secret, u1, q.requester, q.participantsDigest);
    const bundles = await readAll<ShareBundle>(path.join(args.dir, "shares"));
    receiveShares(
      secret,
      u1,
      bundles.filter((b) => u1.some((a) => a.versionId === b.from)),
    );
    secret.u1 = u1.map((a) => a.versionId);
    await writeJson(secretFile, secret, 0o600);
    await checkQueryFile(c, file, args.versionId);
    const vector = contributionVector(args.counts.sites, file.variantKeys);
    // The epsilon per cell the query was charged at approval, not the rule of the day: a later, cheaper
    // price per cell must not answer an approved query with less noise than its datasets paid for.
    addNoiseShares(vector, alphaForCell(q.cellCost), await thresholdOf(c), args.rng);
    const masked = maskInput(secret, u1, vector);
    const digest = maskedDigest(secret.context, args.versionId, vectorOf(masked));
    // The digest goes on chain first: once the vector leaves the lab, the charge is final.
    if ((await c.queries.contributionOf(BigInt(file.queryId), args.versionId)) !== digest) {
      await mined(c.queries.contribute(BigInt(file.queryId), args.versionId, digest));
    }
    await writeJson(p.masked(args.versionId), masked);
    return "contributed";
  }
  if (secret.revealed !== undefined) {
    // Answered once already: hand over the same answer again if the exchange folder lost it, never a new one.
    const there = await readJson<UnmaskResponse>(p.unmask(args.versionId));
    if (JSON.stringify(there) === JSON.stringify(secret.revealed)) return "done";
    await writeJson(p.unmask(args.versionId), secret.revealed);
    return "unmasked";
  }
  const queryId = BigInt(file.queryId);
  if (!(await c.queries.queryOf(queryId)).contributionsClosed) {
    throw new GenomicsInputError("waiting: the aggregator has not closed the contributions on chain yet");
  }
  const survivors = await need<string[]>(p.survivors, "the survivor list");
  const u1 = secret.u1 ?? [];
  // The survivors are exactly the participants of the U1 this lab masked against whose contribution is
  // recorded on chain, now that the chain refuses further contributions: no participant counted as
  // dropped can become a survivor later.
  const recorded: string[] = [];
  for (const v of u1) if ((await c.queries.contributionOf(queryId, v)) !== ZERO) recorded.push(v);
  if (JSON.stringify([...survivors].sort()) !== JSON.stringify(recorded.sort())) {
    throw new GenomicsInputError("unmasking refused: the survivor list differs from the contributions on chain");
  }
  const response = unmaskResponse(secret, u1, survivors, await thresholdOf(c));
  // Kept in the lab's own state before it leaves: the exchange folder is the aggregator's to rewrite.
  secret.revealed = response;
  await writeJson(secretFile, secret, 0o600);
  await writeJson(p.unmask(args.versionId), response);
  return "unmasked";
}

/**
 * Refuses to mask against a U1 other than the one fixed on chain, or one that holds fewer than t
 * labs besides the requester's (t = `minLabs`): a U1 of this lab alone (or of it and the requester)
 * would leave its vector without a pairwise mask the aggregator cannot remove.
 */
async function checkU1(
  c: GenomicsConnection,
  secret: SessionSecret,
  u1: KeyAdvertisement[],
  requester: string,
  onChain: string,
): Promise<void> {
  if (onChain === ZERO) throw new GenomicsInputError("waiting: the aggregator has not fixed U1 on chain yet");
  if (participantsDigest(secret.context, u1) !== onChain) {
    throw new GenomicsInputError("masking refused: U1 (u1.json) differs from the participant list fixed on chain");
  }
  if (!u1.some((a) => a.versionId === secret.versionId)) {
    throw new GenomicsInputError(`masking refused: U1 does not list this participant ${secret.versionId}`);
  }
  const t = await thresholdOf(c);
  const labs = await otherLabs(
    c,
    requester,
    u1.map((a) => a.versionId),
  );
  if (labs < t) {
    throw new GenomicsInputError(`masking refused: U1 holds ${labs} lab(s) besides the requester's, fewer than ${t}`);
  }
}

// ---------------------------------------------------------------- the aggregator's steps

export type AggregatorStep = "participants" | "u1" | "survivors" | "published" | "done";

/**
 * Advances the aggregator by one step: fix the participants (keys in), fix U1 (shares in), name the
 * survivors (masked inputs whose digest matches the one its lab recorded on chain), and finally
 * aggregate, release (suppressing cells below the rule's minimum count) and publish on chain.
 */
export async function aggregatorStep(
  c: GenomicsConnection,
  args: { dir: string; rounding?: number },
): Promise<{ step: AggregatorStep; detail: string }> {
  const p = exchangePaths(args.dir);
  const file = await needChecked<QueryFile>(p.query, "the query file", PUBLIC_FILES.query);
  const t = await thresholdOf(c);
  const queryId = BigInt(file.queryId);
  const requester = (await c.queries.queryOf(queryId)).requester;
  if ((await readJson(p.participants)) === undefined) {
    const ads = await readAll<KeyAdvertisement>(path.join(args.dir, "keys"));
    const listed = new Set(file.versions);
    const valid = ads.filter((a) => listed.has(a.versionId));
    await needLabs(
      c,
      requester,
      valid.map((a) => a.versionId),
      t,
      "advertised keys",
    );
    await writeJson(p.participants, valid);
    return { step: "participants", detail: `${valid.length} participants` };
  }
  if ((await readJson(p.u1)) === undefined) {
    const ads = (await readJson<KeyAdvertisement[]>(p.participants))!;
    const bundles = await readAll<ShareBundle>(path.join(args.dir, "shares"));
    const shared = ads.filter((a) => bundles.some((b) => b.from === a.versionId));
    await needLabs(
      c,
      requester,
      shared.map((a) => a.versionId),
      t,
      "shared keys",
    );
    // U1 is fixed on chain before anyone masks: each lab checks the list it reads against this digest.
    const digest = participantsDigest(u1ctxStrings(file), shared);
    const fixed = (await c.queries.queryOf(queryId)).participantsDigest;
    if (fixed === ZERO) await mined(c.queries.fixParticipants(queryId, digest));
    else if (fixed !== digest) throw new GenomicsInputError(`U1: the chain holds another participant list (${fixed})`);
    await writeJson(p.u1, shared);
    return { step: "u1", detail: `${shared.length} participants shared their keys` };
  }
  if ((await readJson(p.survivors)) === undefined) {
    const u1 = (await readJson<KeyAdvertisement[]>(p.u1))!;
    // Contributions close on chain before anyone unmasks: the survivors are final (Bonawitz et al.'s
    // U2), so no lab is treated as dropped and later as a survivor.
    if (!(await c.queries.queryOf(queryId)).contributionsClosed) {
      const recorded: string[] = [];
      for (const a of u1)
        if ((await c.queries.contributionOf(queryId, a.versionId)) !== ZERO) recorded.push(a.versionId);
      await needLabs(c, requester, recorded, t, "sent masked inputs");
      await mined(c.queries.closeContributions(queryId));
    }
    const masked = await readAll<MaskedInput>(path.join(args.dir, "masked"));
    const survivors: string[] = [];
    for (const a of u1) {
      const onChain = await c.queries.contributionOf(queryId, a.versionId);
      if (onChain === ZERO) continue;
      const m = masked.find((x) => x.versionId === a.versionId);
      if (m === undefined || onChain !== maskedDigest(u1ctx(file), m.versionId, vectorOf(m))) {
        throw new GenomicsInputError(
          `waiting: the masked vector ${a.versionId} recorded on chain has not arrived intact`,
        );
      }
      survivors.push(a.versionId);
    }
    await needLabs(c, requester, survivors, t, "sent masked inputs");
    await writeJson(p.survivors, survivors);
    return { step: "survivors", detail: `${survivors.length} of ${u1.length} participants sent their masked input` };
  }
  if ((await readJson(p.transcript)) !== undefined) return { step: "done", detail: "already published" };
  const u1 = (await readJson<KeyAdvertisement[]>(p.u1))!;
  const survivors = (await readJson<string[]>(p.survivors))!;
  const masked = (await readAll<MaskedInput>(path.join(args.dir, "masked"))).filter((m) =>
    survivors.includes(m.versionId),
  );
  const responses = await readAll<UnmaskResponse>(path.join(args.dir, "unmask"));
  const { sum, transcript } = await aggregate(u1ctx(file), u1, masked, responses, t);
  const rules = await c.queries.rules();
  const table = releaseTable({
    queryId,
    variantKeys: file.variantKeys,
    aggregate: sum,
    rulesVersion: Number(rules.version),
    minCellCount: Number(rules.minCellCount),
    rounding: args.rounding,
  });
  const receipt = await mined(
    c.queries.publishResult(queryId, aggregateDigestOf(queryId, sum), releaseDigestOf(table)),
  );
  await writeJson(p.transcript, transcript);
  await writeJson(p.release, table);
  const shown = table.cells.filter((x) => !x.suppressed).length;
  return {
    step: "published",
    detail: `${shown} cell(s) released, ${table.cells.length - shown} suppressed (tx ${receipt.hash})`,
  };
}

function u1ctxStrings(file: QueryFile) {
  return {
    chainId: BigInt(file.chainId).toString(),
    queries: file.queries.toLowerCase(),
    queryId: BigInt(file.queryId).toString(),
  };
}

function u1ctx(file: QueryFile) {
  return { chainId: BigInt(file.chainId), queries: file.queries, queryId: BigInt(file.queryId) };
}

// ---------------------------------------------------------------- anyone: verify

/** The outcome of verifying a published result. */
export interface Verification {
  ok: boolean;
  checks: Array<{ check: string; ok: boolean }>;
  table?: ReleaseTable;
}

/**
 * Verifies a published result from the exchange folder's public files against the chain: the variant
 * list is the one committed, every published masked vector is the one its lab recorded, every
 * contribution on chain is in the transcript, the masked inputs recompute to the published aggregate
 * digest, and the release applies the rule version the chain recorded and matches its digest.
 */
export async function verifyResult(c: GenomicsConnection, dir: string): Promise<Verification> {
  const p = exchangePaths(dir);
  const file = await needChecked<QueryFile>(p.query, "the query file", PUBLIC_FILES.query);
  const transcript = await needChecked<AggregationTranscript>(p.transcript, "the transcript", PUBLIC_FILES.transcript);
  const table = await needChecked<ReleaseTable>(p.release, "the release table", PUBLIC_FILES.release);
  const queryId = BigInt(file.queryId);
  const q = await c.queries.queryOf(queryId);
  const result = await c.queries.resultOf(queryId);
  const checks: Verification["checks"] = [];
  const check = (what: string, ok: boolean) => checks.push({ check: what, ok });
  check("the result is published on chain", result.aggregateDigest !== "0x" + "00".repeat(32));
  check("the variant list is the one the query committed", cellsRootOf(file.variantKeys) === q.cellsRoot);
  const versions = await c.queries.versionsOf(queryId);
  const contributed: string[] = [];
  for (const v of versions)
    if ((await c.queries.contributionOf(queryId, v)) !== "0x" + "00".repeat(32)) contributed.push(v);
  const inTranscript = transcript.masked.map((m) => m.versionId.toLowerCase()).sort();
  check(
    "the transcript holds exactly the contributions recorded on chain",
    JSON.stringify(inTranscript) === JSON.stringify(contributed.map((v) => v.toLowerCase()).sort()),
  );
  let digestsMatch = true;
  for (const m of transcript.masked) {
    const onChain = await c.queries.contributionOf(queryId, m.versionId);
    if (onChain !== maskedDigest(transcript.context, m.versionId, vectorOf(m))) digestsMatch = false;
  }
  check("each masked vector is the one its lab recorded on chain", digestsMatch);
  let sumOk = false;
  let sum: Uint32Array | undefined;
  try {
    sum = recomputeSum(transcript);
    sumOk = aggregateDigestOf(queryId, sum) === result.aggregateDigest;
  } catch {
    sumOk = false;
  }
  check("the masked inputs sum to the published aggregate", sumOk);
  check(
    "the release applies the rule version and minimum cell count the chain recorded",
    BigInt(table.rulesVersion) === result.rulesVersion && BigInt(table.minCellCount) === result.minCellCount,
  );
  let releaseOk = false;
  if (sum !== undefined) {
    const again = releaseTable({
      queryId,
      variantKeys: file.variantKeys,
      aggregate: sum,
      rulesVersion: Number(result.rulesVersion),
      minCellCount: Number(result.minCellCount),
      rounding: table.rounding,
    });
    releaseOk = releaseDigestOf(again) === result.releaseDigest && releaseDigestOf(table) === result.releaseDigest;
  }
  check("the released table is the aggregate's release and matches its digest", releaseOk);
  return { ok: checks.every((x) => x.ok), checks, table };
}
