import { MedChainError } from "../chain/errors.js";
import type { RemittanceRow } from "../claims/remittance.js";
import type { HistoryEntry } from "../provenance/history.js";
import type { AuditFilter, AuditRow } from "../records/audit.js";
import { historyFromWire, remittanceFromWire, type StatusWire, type Wire } from "./wire.js";

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

/** Every page of a report, each asked after the previous page's last row (the API's keyset cursor). */
async function pages<T>(page: (after: string | undefined) => Promise<T[]>, key: (row: T) => string): Promise<T[]> {
  const all: T[] = [];
  for (let after: string | undefined; ;) {
    const rows = await page(after);
    all.push(...rows);
    if (rows.length < PAGE) return all;
    after = key(rows.at(-1)!);
  }
}

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

  async function get<T>(route: string, query: Record<string, string | undefined> = {}): Promise<T> {
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
    const text = await res.text();
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
    return body as T;
  }

  const iso = (d: Date | undefined, name: string) => {
    if (d === undefined) return undefined;
    if (Number.isNaN(d.getTime())) throw new MedChainError(`${name}: not a valid date`, { field: name });
    return d.toISOString();
  };
  const count = (n: number | undefined) => (n === undefined ? undefined : String(n));

  return {
    async status() {
      const s = await get<StatusWire>("status");
      return { chainId: s.chainId, indexedBlock: s.indexedBlock, indexedAt: new Date(s.indexedAt) };
    },
    async custodyTimeline(itemId) {
      const rows = await get<Array<Wire<HistoryEntry>>>(`custody/${encodeURIComponent(itemId)}`);
      return rows.map(historyFromWire);
    },
    async accessAudit(filter) {
      const query = {
        member: filter.member,
        patients: filter.patients?.join(","),
        fromBlock: count(filter.fromBlock),
        from: iso(filter.from, "from"),
        to: iso(filter.to, "to"),
      };
      if (filter.limit !== undefined) return get<AuditRow[]>("audit", { ...query, limit: count(filter.limit) });
      return pages(
        (after) => get<AuditRow[]>("audit", { ...query, limit: String(PAGE), after }),
        (r) => `${r.block}-${r.logIndex}`,
      );
    },
    async remittance(filter) {
      const query = {
        provider: filter.provider,
        insurer: filter.insurer,
        from: iso(filter.from, "from"),
        to: iso(filter.to, "to"),
      };
      const rows =
        filter.limit !== undefined
          ? await get<Array<Wire<RemittanceRow>>>("remittance", { ...query, limit: count(filter.limit) })
          : await pages(
              (after) => get<Array<Wire<RemittanceRow>>>("remittance", { ...query, limit: String(PAGE), after }),
              (r) => r.claimId,
            );
      return rows.map(remittanceFromWire);
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
