// The three reports the indexer answers, as queries over the tables of ponder.schema.ts through
// any Drizzle database on them: Ponder's read-only one in the API routes, or PGlite's directly in
// `npm run bench:indexer` (which measures these same queries).
import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql } from "ponder";
import type { SQL } from "drizzle-orm";
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
import type { BizStepName, DispositionName } from "../../../src/provenance/kinds.js";
import type { HistoryEntry } from "../../../src/provenance/history.js";
import type { AuditFilter, AuditRow } from "../../../src/records/audit.js";
import type { RemittanceRow } from "../../../src/claims/remittance.js";
import type { ClaimStatusName } from "../../../src/claims/engine.js";
import type { RemittanceFilter } from "../../../src/indexer/client.js";

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

/** At most this many rows per answer (a page; ask again with a later `from`). */
export const MAX_LIMIT = 10_000;

interface Pos {
  blockNumber: number;
  logIndex: number;
}

/** A position compared with another: row order on chain. */
const before = (a: Pos, b: Pos) =>
  a.blockNumber < b.blockNumber || (a.blockNumber === b.blockNumber && a.logIndex < b.logIndex);
const END: Pos = { blockNumber: Number.MAX_SAFE_INTEGER, logIndex: 0 };

/** Events of `item` inside the window [from, to] (both ends included), by block and log index. */
function itemEventsIn(db: Db, item: string, from?: Pos, to?: Pos) {
  const t = itemEvent;
  const conds: SQL[] = [eq(t.itemId, item)];
  if (from !== undefined)
    conds.push(
      or(
        gte(t.blockNumber, from.blockNumber + 1),
        and(eq(t.blockNumber, from.blockNumber), gte(t.logIndex, from.logIndex)),
      )!,
    );
  if (to !== undefined && to !== END)
    conds.push(
      or(lt(t.blockNumber, to.blockNumber), and(eq(t.blockNumber, to.blockNumber), lte(t.logIndex, to.logIndex)))!,
    );
  return db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(asc(t.blockNumber), asc(t.logIndex));
}

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

/**
 * The custody timeline of an item, oldest first: its own events, its lot's, and the events of every
 * container it was inside while it was there (`via`: that container): from the container's packing
 * that held it (the last ContainerPacked at or before its ItemLinked) to the container's next
 * unpacking, followed up through containers of containers.
 */
export async function custodyTimeline(db: Db, itemId: string): Promise<HistoryEntry[]> {
  const id = parseItemId(itemId);
  const out = new Map<string, HistoryEntry>();
  const add = (rows: ItemRow[], via?: string) => {
    for (const r of rows) if (!out.has(r.id)) out.set(r.id, toEntry(r, via));
  };
  add(await itemEventsIn(db, id));
  const [lot] = await db.select().from(packLot).where(eq(packLot.packId, id)).limit(1);
  if (lot !== undefined) add(await itemEventsIn(db, lot.lotId));
  // Breadth-first up the containers, each with the window the item was inside it.
  const seen = new Set<string>([id]);
  let frontier: Array<{ item: string; from: Pos; to: Pos }> = [
    { item: id, from: { blockNumber: 0, logIndex: 0 }, to: END },
  ];
  for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      const links = await db
        .select()
        .from(itemLink)
        .where(eq(itemLink.child, f.item))
        .orderBy(asc(itemLink.blockNumber), asc(itemLink.logIndex));
      for (const link of links) {
        if (before(f.to, link)) continue;
        const [packed] = await db
          .select({ blockNumber: itemEvent.blockNumber, logIndex: itemEvent.logIndex })
          .from(itemEvent)
          .where(
            and(
              eq(itemEvent.itemId, link.parent),
              eq(itemEvent.event, "ContainerPacked"),
              or(
                lt(itemEvent.blockNumber, link.blockNumber),
                and(eq(itemEvent.blockNumber, link.blockNumber), lt(itemEvent.logIndex, link.logIndex)),
              ),
            ),
          )
          .orderBy(desc(itemEvent.blockNumber), desc(itemEvent.logIndex))
          .limit(1);
        const start: Pos = packed ?? link;
        const [unpacked] = await db
          .select({ blockNumber: itemEvent.blockNumber, logIndex: itemEvent.logIndex })
          .from(itemEvent)
          .where(
            and(
              eq(itemEvent.itemId, link.parent),
              eq(itemEvent.event, "ContainerUnpacked"),
              or(
                gte(itemEvent.blockNumber, start.blockNumber + 1),
                and(eq(itemEvent.blockNumber, start.blockNumber), gte(itemEvent.logIndex, start.logIndex + 1)),
              ),
            ),
          )
          .orderBy(asc(itemEvent.blockNumber), asc(itemEvent.logIndex))
          .limit(1);
        const end: Pos = unpacked ?? END;
        // Inside the parent while inside the child's own window.
        const from = before(start, f.from) ? f.from : start;
        const to = before(end, f.to) ? end : f.to;
        if (before(to, from)) continue;
        add(await itemEventsIn(db, link.parent, from, to), link.parent);
        if (!seen.has(link.parent)) {
          seen.add(link.parent);
          next.push({ item: link.parent, from, to });
        }
      }
    }
    frontier = next;
  }
  return [...out.values()].sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
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
  return n ?? MAX_LIMIT;
}

function refuseUnknown(q: Query, known: string[]) {
  for (const k of Object.keys(q))
    if (!known.includes(k)) throw new ParameterError(k, `unknown parameter (expected ${known.join(", ")})`);
}

/** The audit filter of `GET /medchain/audit?member=&patients=&fromBlock=&from=&to=&limit=`. */
export function auditFilterOf(q: Query): AuditFilter & { limit: number } {
  refuseUnknown(q, ["member", "patients", "fromBlock", "from", "to", "limit"]);
  const filter: AuditFilter & { limit: number } = { limit: limitParam(q) };
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
export async function accessAudit(db: Db, filter: AuditFilter & { limit: number }): Promise<AuditRow[]> {
  const t = recordAccess;
  const conds: SQL[] = [];
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
    .select({ access: t, patient: consentPatient.patient, reviewed: breakGlassReview.breakGlassId })
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

/** The filter of `GET /medchain/remittance?provider=&insurer=&from=&to=&limit=` (a provider or an insurer). */
export function remittanceFilterOf(q: Query): RemittanceFilter & { limit: number } {
  refuseUnknown(q, ["provider", "insurer", "from", "to", "limit"]);
  const filter: RemittanceFilter & { limit: number } = { limit: limitParam(q) };
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
export async function remittance(db: Db, filter: RemittanceFilter & { limit: number }): Promise<RemittanceRow[]> {
  const t = claim;
  const conds: SQL[] = [];
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

/** The filter of `GET /medchain/events?contract=&event=&fromBlock=&limit=`. */
export function eventsFilterOf(q: Query): { contract?: string; event?: string; fromBlock?: number; limit: number } {
  refuseUnknown(q, ["contract", "event", "fromBlock", "limit"]);
  const name = (k: string) => {
    const raw = q[k];
    if (raw === undefined || raw === "") return undefined;
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(raw))
      throw new ParameterError(k, `"${raw.slice(0, 40)}" is not a contract or event name`);
    return raw;
  };
  const filter: { contract?: string; event?: string; fromBlock?: number; limit: number } = { limit: limitParam(q) };
  const contract = name("contract");
  if (contract !== undefined) filter.contract = contract;
  const event = name("event");
  if (event !== undefined) filter.event = event;
  const fromBlock = intParam(q, "fromBlock", Number.MAX_SAFE_INTEGER);
  if (fromBlock !== undefined) filter.fromBlock = fromBlock;
  return filter;
}

/** Events of every module (consortium and genomics included), by block and log index; page with fromBlock. */
export async function events(db: Db, filter: ReturnType<typeof eventsFilterOf>): Promise<EventRow[]> {
  const t = chainEvent;
  const conds: SQL[] = [];
  if (filter.contract !== undefined) conds.push(eq(t.contract, filter.contract));
  if (filter.event !== undefined) conds.push(eq(t.event, filter.event));
  if (filter.fromBlock !== undefined) conds.push(gte(t.blockNumber, filter.fromBlock));
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
