import { z } from "zod";

import { MedChainError } from "../chain/errors.js";
import { CLAIM_STATUS } from "../claims/engine.js";
import type { RemittanceRow } from "../claims/remittance.js";
import type { HistoryEntry } from "../provenance/history.js";
import { BIZ_STEPS, DISPOSITIONS, RECALL_REASONS } from "../provenance/kinds.js";
import type { AuditFilter, AuditRow } from "../records/audit.js";
import { historyFromWire, remittanceFromWire, type Wire } from "./wire.js";

/** How far the indexer has got: the chain it follows and its last indexed block. */
export interface IndexerStatus {
  chainId: number;
  indexedBlock: number;
  indexedAt: Date;
}

/** Which claims a remittance report covers. `from`/`to`: the claims' service dates (to exclusive). */
export interface RemittanceFilter {
  provider?: string;
  insurer?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}

/** The reports of the MedChain indexer (`npm run indexer`), read over its HTTP API. */
export interface IndexerClient {
  status(): Promise<IndexerStatus>;
  /** The custody timeline of an item (pack/container/lot id), oldest first, including the events of the
   * containers it was inside while it was there (entry.via = that container id) and its lot's commission/recall. */
  custodyTimeline(itemId: string): Promise<HistoryEntry[]>;
  /** The regulator's access audit (consent and break-glass accesses), oldest first: every row, read page
   * by page, unless `limit` asks for the first rows only. */
  accessAudit(filter: AuditFilter): Promise<AuditRow[]>;
  /** The remittance rows of a provider's (or an insurer's) claims, by claim id: every row, read page by
   * page, unless `limit` asks for the first rows only. */
  remittance(filter: RemittanceFilter): Promise<RemittanceRow[]>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Rows per request when the whole report is read (the API's own default page is smaller). */
const PAGE = 1_000;
/**
 * Largest answer read (bytes): a page of 1,000 rows is well under 2 MB; a custody timeline of
 * thousands of events a few MB. Beyond it the indexer is failing (or hostile), not answering.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

// The answers' shapes, checked before use: a misbehaving or hostile indexer fails with one line
// naming the route and the field, never a TypeError deep inside a report or a silently wrong row.
const decimal = z.string().regex(/^\d{1,78}$/, "a decimal string");
const isoTime = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 time");
const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `${bytes}-byte hex`);
const position = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const statusWire = z.object({ chainId: position, indexedBlock: position, indexedAt: isoTime });
const historyWire = z.object({
  event: z.string().max(64),
  itemId: hex(32),
  bizStep: z.enum(BIZ_STEPS),
  disposition: z.enum(DISPOSITIONS),
  time: isoTime,
  blockNumber: position,
  logIndex: position,
  txHash: hex(32),
  member: hex(32).optional(),
  from: hex(32).optional(),
  to: hex(32).optional(),
  root: hex(32).optional(),
  count: decimal.optional(),
  sscc: decimal.optional(),
  gtin: decimal.optional(),
  lot: z.string().max(256).optional(),
  expiresAt: decimal.optional(),
  priorDisposition: z.enum(DISPOSITIONS).optional(),
  parent: hex(32).optional(),
  fromLot: hex(32).optional(),
  recallReason: z.enum(RECALL_REASONS).optional(),
  via: hex(32).optional(),
});
const auditRow = z.object({
  time: isoTime,
  block: position,
  logIndex: position,
  kind: z.enum(["consent", "break-glass"]),
  member: hex(32),
  custodian: hex(32),
  record: hex(32),
  batchRoot: hex(32),
  purpose: z.string().max(256),
  reference: z.string().max(128),
  patient: z.union([z.literal(""), hex(20)]),
  review: z.enum(["", "reviewed", "UNREVIEWED"]),
  tx: hex(32),
});
const remittanceWire = z.object({
  claimId: decimal,
  providerId: hex(32),
  insurer: z.union([z.literal(""), hex(32)]),
  planId: decimal,
  serviceDate: decimal,
  status: z.enum(CLAIM_STATUS),
  reason: z.number().int().nonnegative().max(0xffff),
  adjudicated: z.boolean(),
  charged: decimal,
  allowed: decimal,
  paid: decimal,
  deductible: decimal,
  coinsurance: decimal,
  copay: decimal,
  overLimit: decimal,
});

/**
 * Every page of a report, each asked after the previous page's last row (the API's keyset cursor).
 * A page that does not move past the cursor (an indexer repeating a page) is an error, not a loop.
 */
async function pages<T>(
  page: (after: string | undefined) => Promise<T[]>,
  key: (row: T) => string,
  order: (a: string, b: string) => number,
  fail: (problem: string) => MedChainError,
): Promise<T[]> {
  const all: T[] = [];
  for (let after: string | undefined; ;) {
    const rows = await page(after);
    let last = after;
    for (const row of rows) {
      const k = key(row);
      if (last !== undefined && order(k, last) <= 0) throw fail(`row ${k} does not follow ${last}`);
      last = k;
    }
    all.push(...rows);
    if (rows.length < PAGE) return all;
    after = last;
  }
}

/** Orders `<block>-<logIndex>` cursors. */
const byPosition = (a: string, b: string) => {
  const [ab, al] = a.split("-").map(Number) as [number, number];
  const [bb, bl] = b.split("-").map(Number) as [number, number];
  return ab - bb || al - bl;
};
/** Orders decimal claim ids. */
const byClaimId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/**
 * A client of the indexer at `url` (e.g. `http://127.0.0.1:42069`). Every failure is a
 * `MedChainError`: `UNREACHABLE` when the indexer cannot be reached, times out or fails, `BAD_INPUT`
 * when it refuses a parameter (its one-line message names the parameter).
 */
export function connectIndexer(url: string, options: { timeoutMs?: number } = {}): IndexerClient {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new MedChainError(`--indexer: not a URL: ${JSON.stringify(url)}`, { field: "--indexer" });
  }
  if (base.protocol !== "http:" && base.protocol !== "https:")
    throw new MedChainError(`--indexer: expected an http(s) URL, got ${base.protocol}`, { field: "--indexer" });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const root = base.href.replace(/\/+$/, "");

  const malformed = (route: string, problem: string) =>
    new MedChainError(`indexer ${root}: /medchain/${route} answered a malformed report: ${problem}`, {
      kind: "UNREACHABLE",
    });

  /** The answer's text, refusing one over MAX_ANSWER_BYTES (declared or streamed) without reading it all. */
  async function textOf(res: Response, route: string): Promise<string> {
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > MAX_ANSWER_BYTES) {
      await res.body?.cancel();
      throw malformed(route, `${declared} bytes, more than ${MAX_ANSWER_BYTES}`);
    }
    if (res.body === null) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await reader.cancel();
        throw malformed(route, `more than ${MAX_ANSWER_BYTES} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  /** A report checked against `schema`: a misbehaving indexer is UNREACHABLE naming the field. */
  async function report<S extends z.ZodTypeAny>(
    schema: S,
    route: string,
    query: Record<string, string | undefined> = {},
    most?: number,
  ): Promise<z.infer<S>> {
    const body = await get(route, query);
    const checked = schema.safeParse(body);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw malformed(route, `${issue.path.length === 0 ? "(the answer)" : issue.path.join(".")}: ${issue.message}`);
    }
    if (most !== undefined && Array.isArray(checked.data) && checked.data.length > most)
      throw malformed(route, `${checked.data.length} rows, more than the ${most} asked`);
    return checked.data;
  }

  async function get(route: string, query: Record<string, string | undefined> = {}): Promise<unknown> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.size === 0 ? "" : `?${params}`;
    const target = `${root}/medchain/${route}${qs}`;
    let res: Response;
    try {
      res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    } catch (err) {
      const timedOut = (err as Error).name === "TimeoutError";
      throw new MedChainError(
        timedOut
          ? `indexer ${root}: no answer within ${timeoutMs} ms`
          : `indexer ${root}: cannot reach it (${(err as Error).message})`,
        { kind: "UNREACHABLE", cause: err },
      );
    }
    let text: string;
    try {
      text = await textOf(res, route);
    } catch (err) {
      if (err instanceof MedChainError) throw err;
      throw new MedChainError(`indexer ${root}: the answer broke off (${(err as Error).message})`, {
        kind: "UNREACHABLE",
        cause: err,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const message =
        body !== null && typeof body === "object" && typeof (body as { error?: unknown }).error === "string"
          ? (body as { error: string }).error
          : `HTTP ${res.status}`;
      throw new MedChainError(`indexer ${root}: ${message}`, {
        kind: res.status === 400 ? "BAD_INPUT" : "UNREACHABLE",
      });
    }
    if (body === undefined)
      throw new MedChainError(`indexer ${root}: /medchain/${route} did not answer JSON`, { kind: "UNREACHABLE" });
    return body;
  }

  const iso = (d: Date | undefined, name: string) => {
    if (d === undefined) return undefined;
    if (Number.isNaN(d.getTime())) throw new MedChainError(`${name}: not a valid date`, { field: name });
    return d.toISOString();
  };
  const count = (n: number | undefined) => (n === undefined ? undefined : String(n));

  return {
    async status() {
      const s = await report(statusWire, "status");
      return { chainId: s.chainId, indexedBlock: s.indexedBlock, indexedAt: new Date(s.indexedAt) };
    },
    async custodyTimeline(itemId) {
      const rows = await report(z.array(historyWire), `custody/${encodeURIComponent(itemId)}`);
      return rows.map((r) => historyFromWire(r as unknown as Wire<HistoryEntry>));
    },
    async accessAudit(filter) {
      const query = {
        member: filter.member,
        patients: filter.patients?.join(","),
        fromBlock: count(filter.fromBlock),
        from: iso(filter.from, "from"),
        to: iso(filter.to, "to"),
      };
      const limit = filter.limit;
      if (limit !== undefined) return report(z.array(auditRow), "audit", { ...query, limit: count(limit) }, limit);
      return pages(
        (after) => report(z.array(auditRow), "audit", { ...query, limit: String(PAGE), after }, PAGE),
        (r) => `${r.block}-${r.logIndex}`,
        byPosition,
        (problem) => malformed("audit", problem),
      );
    },
    async remittance(filter) {
      const query = {
        provider: filter.provider,
        insurer: filter.insurer,
        from: iso(filter.from, "from"),
        to: iso(filter.to, "to"),
      };
      const limit = filter.limit;
      const rows =
        limit !== undefined
          ? await report(z.array(remittanceWire), "remittance", { ...query, limit: count(limit) }, limit)
          : await pages(
              (after) => report(z.array(remittanceWire), "remittance", { ...query, limit: String(PAGE), after }, PAGE),
              (r) => r.claimId,
              byClaimId,
              (problem) => malformed("remittance", problem),
            );
      return rows.map((r) => remittanceFromWire(r as unknown as Wire<RemittanceRow>));
    },
  };
}

/** Where the tasks' `--indexer` option falls back to. */
export const INDEXER_URL_ENV = "MEDCHAIN_INDEXER_URL";

/**
 * The indexer a task reads from: its `--indexer` URL, else `MEDCHAIN_INDEXER_URL`, else none (the
 * task then scans the chain's logs, as it did before the indexer).
 */
export function indexerFromOption(option: string, env: NodeJS.ProcessEnv = process.env): IndexerClient | undefined {
  const url = option !== "" ? option : (env[INDEXER_URL_ENV] ?? "");
  if (url === "") return undefined;
  try {
    return connectIndexer(url);
  } catch (err) {
    const field = option !== "" ? "--indexer" : INDEXER_URL_ENV;
    throw new MedChainError(`${field}: ${(err as Error).message.replace(/^--indexer: /, "")}`, { field });
  }
}
