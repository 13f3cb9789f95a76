// The three reports the indexer answers, as queries over the tables of ponder.schema.ts through
// any Drizzle database on them: Ponder's read-only one in the API routes, or PGlite's directly in
// `npm run bench:indexer` (which measures these same queries).
import { and, asc, eq, gt, gte, inArray, lt, sql } from "ponder";
import type { AnyColumn, SQL } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";

import {
  breakGlassReview,
  chainEvent,
  claim,
  consentPatient,
  itemEvent,
  itemLink,
  packLot,
  recordAccess,
} from "../../ponder.schema.js";
import type { BizStepName, DispositionName, RecallReasonName } from "../../../src/provenance/kinds.js";
import type { HistoryEntry } from "../../../src/provenance/history.js";
import type { AuditFilter, AuditRow } from "../../../src/records/audit.js";
import type { RemittanceRow } from "../../../src/claims/remittance.js";
import type { ClaimStatusName } from "../../../src/claims/engine.js";
import type { RemittanceFilter } from "../../../src/indexer/client.js";
import { historyToWire, remittanceToWire } from "../../../src/indexer/wire.js";

// Any Drizzle PostgreSQL database: node-postgres, PGlite, or Ponder's read-only wrapper of either.
export type Db = PgDatabase<any, any>;

/** A bad query parameter: the routes answer 400 with this one-line message. */
export class ParameterError extends Error {
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super(`${parameter}: ${problem}`);
  }
}

/** At most this many rows per answer (`limit`). */
export const MAX_LIMIT = 10_000;
/**
 * The rows of a page when `limit` is not given: what a person reads at once. The next page starts
 * after the last row (`after`: its `<block>-<logIndex>` in the audit and the events, its claim id in the
 * remittance): keyset pagination, so every page costs the same however deep it is.
 */
export const PAGE_SIZE = 100;

type ItemRow = typeof itemEvent.$inferSelect;

function toEntry(r: ItemRow, via?: string): HistoryEntry {
  const e: HistoryEntry = {
    event: r.event,
    itemId: r.itemId,
    bizStep: r.bizStep as BizStepName,
    disposition: r.disposition as DispositionName,
    time: new Date(r.timestamp * 1000),
    blockNumber: r.blockNumber,
    logIndex: r.logIndex,
    txHash: r.txHash,
  };
  const optional: Partial<HistoryEntry> = {
    member: r.member ?? undefined,
    from: r.fromMember ?? undefined,
    to: r.toMember ?? undefined,
    root: r.root ?? undefined,
    count: r.count ?? undefined,
    sscc: r.sscc ?? undefined,
    gtin: r.gtin ?? undefined,
    lot: r.lot ?? undefined,
    expiresAt: r.expiresAt ?? undefined,
    priorDisposition: (r.priorDisposition ?? undefined) as DispositionName | undefined,
    parent: r.parent ?? undefined,
    fromLot: r.fromLot ?? undefined,
    recallReason: (r.recallReason ?? undefined) as RecallReasonName | undefined,
    via,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (e as unknown as Record<string, unknown>)[k] = v;
  return e;
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
/** Container ids are SSCCs as bytes32 (see `containerId`); packs and lots are hashes: all bytes32. */
export function parseItemId(raw: string): string {
  if (!HEX32.test(raw)) throw new ParameterError("itemId", `"${raw.slice(0, 80)}" is not a 0x-prefixed 32-byte hex id`);
  return raw.toLowerCase();
}

/** How many containers of containers the timeline follows up (pack, case, pallet, ... ). */
const MAX_DEPTH = 8;
/** The open end of a window: a container not unpacked yet. */
const END_BLOCK = Number.MAX_SAFE_INTEGER;

/** A row of the timeline's statement: bigints as text, positions as float8 (JS numbers in every driver). */
interface TimelineRow {
  id: string;
  item_id: string;
  event: string;
  biz_step: string;
  disposition: string;
  member: string | null;
  from_member: string | null;
  to_member: string | null;
  root: string | null;
  count: string | null;
  sscc: string | null;
  gtin: string | null;
  lot: string | null;
  expires_at: string | null;
  prior_disposition: string | null;
  recall_reason: string | null;
  parent: string | null;
  from_lot: string | null;
  block_number: number;
  log_index: number;
  tx_hash: string;
  timestamp: number;
  via: string | null;
}

/** Rows of `db.execute`: node-postgres and PGlite answer `{ rows }`, postgres-js an array. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (((result as { rows?: T[] }).rows ?? []) as T[]);
}

const big = (v: string | null) => (v === null ? null : BigInt(v));

/**
 * The custody timeline of an item, oldest first: its own events, its lot's, and the events of every
 * container it was inside while it was there (`via`: that container): from the container's packing
 * that held it (the last ContainerPacked before its ItemLinked) to the container's next unpacking,
 * followed up through containers of containers (at most MAX_DEPTH levels).
 *
 * One SQL statement: a recursive CTE walks `item_link` up from the item, each step narrowing the
 * window [from, to] (block, log index) to the time the item was inside that container; every lookup
 * is an index range scan (`item_link.byChild`, `item_event.byItem`), so the cost follows the item's
 * own history, not the table's size.
 */
export async function custodyTimeline(db: Db, itemId: string): Promise<HistoryEntry[]> {
  const id = parseItemId(itemId);
  const result = await db.execute(sql`
    WITH RECURSIVE up (item, fb, fl, tb, tl, depth) AS (
      SELECT ${id}::text, 0::int8, 0::int4, ${END_BLOCK}::int8, 0::int4, 0
      UNION ALL
      SELECT w.parent, w.fb, w.fl, w.tb, w.tl, w.depth FROM (
        SELECT l.parent, u.depth + 1 AS depth,
          CASE WHEN (s.b, s.li) < (u.fb, u.fl) THEN u.fb ELSE s.b END AS fb,
          CASE WHEN (s.b, s.li) < (u.fb, u.fl) THEN u.fl ELSE s.li END AS fl,
          CASE WHEN (e.b, e.li) < (u.tb, u.tl) THEN e.b ELSE u.tb END AS tb,
          CASE WHEN (e.b, e.li) < (u.tb, u.tl) THEN e.li ELSE u.tl END AS tl
        FROM up u
        JOIN ${itemLink} l ON l.child = u.item AND (l.block_number, l.log_index) <= (u.tb, u.tl)
        LEFT JOIN LATERAL (
          SELECT p.block_number AS b, p.log_index AS li FROM ${itemEvent} p
          WHERE p.item_id = l.parent AND p.event = 'ContainerPacked'
            AND (p.block_number, p.log_index) < (l.block_number, l.log_index)
          ORDER BY p.block_number DESC, p.log_index DESC LIMIT 1
        ) pk ON true
        CROSS JOIN LATERAL (
          SELECT coalesce(pk.b, l.block_number) AS b, CASE WHEN pk.b IS NULL THEN l.log_index ELSE pk.li END AS li
        ) s
        LEFT JOIN LATERAL (
          SELECT p.block_number AS b, p.log_index AS li FROM ${itemEvent} p
          WHERE p.item_id = l.parent AND p.event = 'ContainerUnpacked' AND (p.block_number, p.log_index) > (s.b, s.li)
          ORDER BY p.block_number, p.log_index LIMIT 1
        ) un ON true
        CROSS JOIN LATERAL (SELECT coalesce(un.b, ${END_BLOCK}::int8) AS b, coalesce(un.li, 0) AS li) e
        WHERE u.depth < ${MAX_DEPTH}
      ) w
      WHERE (w.fb, w.fl) <= (w.tb, w.tl)
    ),
    found AS (
      SELECT e.*, NULL::text AS via, 0 AS rank FROM ${itemEvent} e WHERE e.item_id = ${id}
      UNION ALL
      SELECT e.*, NULL::text, 1 FROM ${packLot} pl JOIN ${itemEvent} e ON e.item_id = pl.lot_id WHERE pl.pack_id = ${id}
      UNION ALL
      SELECT e.*, u.item, 2 + u.depth FROM up u
      JOIN ${itemEvent} e ON e.item_id = u.item
        AND (e.block_number, e.log_index) >= (u.fb, u.fl) AND (e.block_number, e.log_index) <= (u.tb, u.tl)
      WHERE u.depth > 0
    )
    SELECT DISTINCT ON (block_number, log_index, id)
      id, item_id, event, biz_step, disposition, member, from_member, to_member, root, count::text AS count,
      sscc::text AS sscc, gtin::text AS gtin, lot, expires_at::text AS expires_at, prior_disposition, recall_reason, parent,
      from_lot, block_number::float8 AS block_number, log_index, tx_hash, timestamp::float8 AS timestamp, via
    FROM found
    ORDER BY block_number, log_index, id, rank`);
  return rowsOf<TimelineRow>(result).map((r) =>
    toEntry(
      {
        id: r.id,
        itemId: r.item_id,
        event: r.event,
        bizStep: r.biz_step,
        disposition: r.disposition,
        member: r.member,
        fromMember: r.from_member,
        toMember: r.to_member,
        root: r.root,
        count: big(r.count),
        sscc: big(r.sscc),
        gtin: big(r.gtin),
        lot: r.lot,
        expiresAt: big(r.expires_at),
        priorDisposition: r.prior_disposition,
        recallReason: r.recall_reason,
        parent: r.parent,
        fromLot: r.from_lot,
        blockNumber: Number(r.block_number),
        logIndex: Number(r.log_index),
        txHash: r.tx_hash,
        timestamp: Number(r.timestamp),
      },
      r.via ?? undefined,
    ),
  );
}

/** Query parameters as the routes get them. */
export type Query = Record<string, string | undefined>;

function dateParam(q: Query, name: string): Date | undefined {
  const raw = q[name];
  if (raw === undefined || raw === "") return undefined;
  const d = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime()))
    throw new ParameterError(name, `"${raw.slice(0, 40)}" is not an ISO 8601 date or time`);
  return d;
}

function intParam(q: Query, name: string, max: number): number | undefined {
  const raw = q[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) > max)
    throw new ParameterError(name, `"${raw.slice(0, 40)}" is not a whole number from 0 to ${max}`);
  return Number(raw);
}

function idParam(q: Query, name: string): string | undefined {
  const raw = q[name];
  if (raw === undefined || raw === "") return undefined;
  if (!HEX32.test(raw))
    throw new ParameterError(name, `"${raw.slice(0, 80)}" is not a member id (0x and 64 hex digits)`);
  return raw.toLowerCase();
}

function limitParam(q: Query): number {
  const n = intParam(q, "limit", MAX_LIMIT);
  if (n === 0) throw new ParameterError("limit", `must be from 1 to ${MAX_LIMIT}`);
  return n ?? PAGE_SIZE;
}

function refuseUnknown(q: Query, known: string[]) {
  for (const k of Object.keys(q))
    if (!known.includes(k))
      throw new ParameterError(
        k,
        known.length === 0
          ? "unknown parameter (the route takes none)"
          : `unknown parameter (expected ${known.join(", ")})`,
      );
}

/** Where a log sits on the chain: a page of logs starts after the previous page's last one. */
export interface LogCursor {
  block: number;
  logIndex: number;
}

/** `after=<block>-<logIndex>`: the previous page's last row (keyset pagination of logs). */
function logCursorParam(q: Query): LogCursor | undefined {
  if (q.after === undefined || q.after === "") return undefined;
  const m = /^(\d{1,15})-(\d{1,9})$/.exec(q.after);
  if (m === null)
    throw new ParameterError(
      "after",
      `"${q.after.slice(0, 40)}" is not <block>-<logIndex> of the previous page's last row`,
    );
  return { block: Number(m[1]), logIndex: Number(m[2]) };
}

/** Rows after `cursor` in (block, log index) order. */
function afterLog(t: { blockNumber: AnyColumn; logIndex: AnyColumn }, cursor: LogCursor): SQL {
  return sql`(${t.blockNumber}, ${t.logIndex}) > (${cursor.block}, ${cursor.logIndex})`;
}

/** A page of the audit: its filter, the page's size and the position of the previous page's last row. */
export type AuditPage = AuditFilter & { limit: number; after?: LogCursor };

/** The audit filter of `GET /medchain/audit?member=&patients=&fromBlock=&from=&to=&limit=&after=`. */
export function auditFilterOf(q: Query): AuditPage {
  refuseUnknown(q, ["member", "patients", "fromBlock", "from", "to", "limit", "after"]);
  const filter: AuditPage = { limit: limitParam(q) };
  const after = logCursorParam(q);
  if (after !== undefined) filter.after = after;
  const member = idParam(q, "member");
  if (member !== undefined) filter.member = member;
  if (q.patients !== undefined && q.patients !== "") {
    const list = q.patients.split(",");
    const bad = list.find((p) => !/^0x[0-9a-fA-F]{40}$/.test(p));
    if (bad !== undefined || list.length > 1000)
      throw new ParameterError(
        "patients",
        bad !== undefined ? `"${bad.slice(0, 60)}" is not an account address` : "more than 1000 accounts",
      );
    filter.patients = list;
  }
  const fromBlock = intParam(q, "fromBlock", Number.MAX_SAFE_INTEGER);
  if (fromBlock !== undefined) filter.fromBlock = fromBlock;
  const from = dateParam(q, "from");
  if (from !== undefined) filter.from = from;
  const to = dateParam(q, "to");
  if (to !== undefined) filter.to = to;
  return filter;
}

/** Seconds at or after which a block's time (whole seconds) is at or after `d`. */
const seconds = (d: Date) => Math.ceil(d.getTime() / 1000);

/** The regulator's access audit, oldest first (the rows `auditTrail` returns, from the tables). */
export async function accessAudit(db: Db, filter: AuditPage): Promise<AuditRow[]> {
  const t = recordAccess;
  const conds: SQL[] = [];
  if (filter.after !== undefined) conds.push(afterLog(t, filter.after));
  if (filter.member !== undefined) conds.push(eq(t.member, filter.member.toLowerCase()));
  if (filter.fromBlock !== undefined) conds.push(gte(t.blockNumber, filter.fromBlock));
  if (filter.from !== undefined) conds.push(gte(t.timestamp, seconds(filter.from)));
  if (filter.to !== undefined) conds.push(lt(t.timestamp, seconds(filter.to)));
  if (filter.patients !== undefined)
    conds.push(
      inArray(
        sql`lower(${consentPatient.patient})`,
        filter.patients.length === 0 ? [""] : filter.patients.map((p) => p.toLowerCase()),
      ),
    );
  const rows = await db
    .select({
      access: {
        timestamp: t.timestamp,
        blockNumber: t.blockNumber,
        logIndex: t.logIndex,
        kind: t.kind,
        member: t.member,
        custodian: t.custodian,
        record: t.record,
        batchRoot: t.batchRoot,
        purpose: t.purpose,
        reference: t.reference,
        txHash: t.txHash,
      },
      patient: consentPatient.patient,
      reviewed: breakGlassReview.breakGlassId,
    })
    .from(t)
    .leftJoin(consentPatient, eq(consentPatient.consentId, t.consentId))
    .leftJoin(breakGlassReview, eq(breakGlassReview.breakGlassId, t.breakGlassId))
    .where(conds.length === 0 ? undefined : and(...conds))
    .orderBy(asc(t.blockNumber), asc(t.logIndex))
    .limit(filter.limit);
  return rows.map(({ access: a, patient, reviewed }) => ({
    time: new Date(a.timestamp * 1000).toISOString(),
    block: a.blockNumber,
    logIndex: a.logIndex,
    kind: a.kind as AuditRow["kind"],
    member: a.member,
    custodian: a.custodian,
    record: a.record,
    batchRoot: a.batchRoot,
    purpose: a.purpose,
    reference: a.reference,
    patient: a.kind === "consent" ? (patient ?? "") : "",
    review: a.kind === "consent" ? "" : reviewed !== null ? "reviewed" : "UNREVIEWED",
    tx: a.txHash,
  }));
}

/** A page of the remittance: its filter, the page's size and the previous page's last claim id. */
export type RemittancePage = RemittanceFilter & { limit: number; after?: bigint };

/** The filter of `GET /medchain/remittance?provider=&insurer=&from=&to=&limit=&after=` (a provider or an insurer). */
export function remittanceFilterOf(q: Query): RemittancePage {
  refuseUnknown(q, ["provider", "insurer", "from", "to", "limit", "after"]);
  const filter: RemittancePage = { limit: limitParam(q) };
  if (q.after !== undefined && q.after !== "") {
    if (!/^\d{1,30}$/.test(q.after))
      throw new ParameterError(
        "after",
        `"${q.after.slice(0, 40)}" is not the claim id of the previous page's last row`,
      );
    filter.after = BigInt(q.after);
  }
  const provider = idParam(q, "provider");
  const insurer = idParam(q, "insurer");
  if (provider === undefined && insurer === undefined)
    throw new ParameterError("provider", "give a provider or an insurer (member ids)");
  if (provider !== undefined) filter.provider = provider;
  if (insurer !== undefined) filter.insurer = insurer;
  const from = dateParam(q, "from");
  if (from !== undefined) filter.from = from;
  const to = dateParam(q, "to");
  if (to !== undefined) filter.to = to;
  return filter;
}

const NOT_ADJUDICATED = ["Rejected", "Denied", "AppealDenied"];

/** The remittance rows of a provider's or an insurer's claims by claim id; from/to: service dates. */
export async function remittance(db: Db, filter: RemittancePage): Promise<RemittanceRow[]> {
  const t = claim;
  const conds: SQL[] = [];
  if (filter.after !== undefined) conds.push(gt(t.claimId, filter.after));
  if (filter.provider !== undefined) conds.push(eq(t.providerId, filter.provider.toLowerCase()));
  if (filter.insurer !== undefined) conds.push(eq(t.insurer, filter.insurer.toLowerCase()));
  if (filter.from !== undefined) conds.push(gte(t.serviceDate, BigInt(seconds(filter.from))));
  if (filter.to !== undefined) conds.push(lt(t.serviceDate, BigInt(seconds(filter.to))));
  const rows = await db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(asc(t.claimId))
    .limit(filter.limit);
  return rows.map((c) => {
    const adjudicated = c.adjudicated && !NOT_ADJUDICATED.includes(c.status);
    const z = (v: bigint) => (adjudicated ? v : 0n);
    return {
      claimId: c.claimId,
      providerId: c.providerId,
      insurer: c.insurer,
      planId: c.planId,
      serviceDate: c.serviceDate,
      status: c.status as ClaimStatusName,
      reason: c.reason,
      adjudicated,
      charged: c.charged,
      allowed: z(c.allowed),
      paid: c.status === "Paid" ? c.planPays : 0n,
      deductible: z(c.deductible),
      coinsurance: z(c.coinsurance),
      copay: z(c.copay),
      overLimit: z(c.overLimit),
    };
  });
}

/** One row of the generic table: any event of any MedChain contract. */
export interface EventRow {
  contract: string;
  address: string;
  event: string;
  args: unknown;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  time: string;
}

/** A page of the generic table: its filter, the page's size and the previous page's last row. */
export interface EventsPage {
  contract?: string;
  event?: string;
  fromBlock?: number;
  limit: number;
  after?: LogCursor;
}

/** The filter of `GET /medchain/events?contract=&event=&fromBlock=&limit=&after=`. */
export function eventsFilterOf(q: Query): EventsPage {
  refuseUnknown(q, ["contract", "event", "fromBlock", "limit", "after"]);
  const name = (k: string) => {
    const raw = q[k];
    if (raw === undefined || raw === "") return undefined;
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(raw))
      throw new ParameterError(k, `"${raw.slice(0, 40)}" is not a contract or event name`);
    return raw;
  };
  const filter: EventsPage = { limit: limitParam(q) };
  const after = logCursorParam(q);
  if (after !== undefined) filter.after = after;
  const contract = name("contract");
  if (contract !== undefined) filter.contract = contract;
  const event = name("event");
  if (event !== undefined) filter.event = event;
  const fromBlock = intParam(q, "fromBlock", Number.MAX_SAFE_INTEGER);
  if (fromBlock !== undefined) filter.fromBlock = fromBlock;
  return filter;
}

/**
 * Events of every module (consortium and genomics included), by block and log index. The next page
 * starts `after` the last row's `<block>-<logIndex>` (a block may hold more events than a page).
 */
export async function events(db: Db, filter: EventsPage): Promise<EventRow[]> {
  const t = chainEvent;
  const conds: SQL[] = [];
  if (filter.contract !== undefined) conds.push(eq(t.contract, filter.contract));
  if (filter.event !== undefined) conds.push(eq(t.event, filter.event));
  if (filter.fromBlock !== undefined) conds.push(gte(t.blockNumber, filter.fromBlock));
  if (filter.after !== undefined) conds.push(afterLog(t, filter.after));
  const rows = await db
    .select()
    .from(t)
    .where(conds.length === 0 ? undefined : and(...conds))
    .orderBy(asc(t.blockNumber), asc(t.logIndex))
    .limit(filter.limit);
  return rows.map((r) => ({
    contract: r.contract,
    address: r.address,
    event: r.event,
    args: r.args,
    blockNumber: r.blockNumber,
    logIndex: r.logIndex,
    txHash: r.txHash,
    time: new Date(r.timestamp * 1000).toISOString(),
  }));
}

/** How far the indexer has got: Ponder's checkpoint of the chain (in the tables' schema). */
export async function indexerStatus(
  db: Db,
  schema: string,
): Promise<{ chainId: number; indexedBlock: number; indexedAt: string }> {
  const result = (await db.execute(
    sql`select chain_id, latest_checkpoint from ${sql.identifier(schema)}."_ponder_checkpoint" order by chain_id limit 1`,
  )) as unknown as { rows?: Array<Record<string, unknown>> } | Array<Record<string, unknown>>;
  const rows = Array.isArray(result) ? result : (result.rows ?? []);
  const row = rows[0];
  if (row === undefined) throw new Error("the indexer has not indexed a block yet");
  // Ponder's checkpoint: 10 digits of block timestamp, 16 of chain id, 16 of block number, ...
  const cp = String(row.latest_checkpoint);
  return {
    chainId: Number(row.chain_id),
    indexedBlock: Number(cp.slice(26, 42)),
    indexedAt: new Date(Number(cp.slice(0, 10)) * 1000).toISOString(),
  };
}

/** The schema Ponder's tables live in (from the table objects: `--schema` / DATABASE_SCHEMA). */
export const tableSchema = (): string =>
  (chainEvent as unknown as Record<symbol, string | undefined>)[Symbol.for("drizzle:Schema")] ?? "public";

/**
 * What each report route answers (before `c.json`), from its path and query: the API routes and
 * `npm run bench:indexer` run these same functions, so the bench measures what a route runs.
 */
export const routeAnswers = {
  custody: async (db: Db, itemId: string, q: Query) => {
    refuseUnknown(q, []);
    return (await custodyTimeline(db, itemId)).map(historyToWire);
  },
  audit: (db: Db, q: Query) => accessAudit(db, auditFilterOf(q)),
  remittance: async (db: Db, q: Query) => (await remittance(db, remittanceFilterOf(q))).map(remittanceToWire),
  events: (db: Db, q: Query) => events(db, eventsFilterOf(q)),
};
