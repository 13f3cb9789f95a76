import type { RecordRegistry } from "../../typechain-types/index.js";
import { purposeName } from "./consent.js";

/** One access to a record, as the regulator's report shows it (modelled on a FHIR AuditEvent). */
export interface AuditRow {
  time: string;
  block: number;
  /** The event's position in its block (rows are ordered by block, then this). */
  logIndex: number;
  kind: "consent" | "break-glass";
  member: string;
  /** The member holding the record (its issuer, the consent's custodian). */
  custodian: string;
  /** The record's leaf. */
  record: string;
  batchRoot: string;
  purpose: string;
  /** The consent used (consent accesses) or the break-glass id. */
  reference: string;
  /** The patient's account at the custodian (consent accesses only; a pseudonym). */
  patient: string;
  /** Break-glass review state: "reviewed", "UNREVIEWED" or "" for consent accesses. */
  review: string;
  tx: string;
}

export interface AuditFilter {
  /** Only accesses by this member id. */
  member?: string;
  /** Only accesses under consents of these patient accounts (a patient's per-hospital accounts). */
  patients?: string[];
  fromBlock?: number;
  /** Only accesses at or after this time. */
  from?: Date;
  /** Only accesses before this time. */
  to?: Date;
  /** At most this many rows (the oldest first). */
  limit?: number;
}

/** The complete access history from the registry's events: consent accesses and break-glass accesses. */
export async function auditTrail(records: RecordRegistry, filter: AuditFilter = {}): Promise<AuditRow[]> {
  const from = filter.fromBlock ?? 0;
  const [granted, accessed, glass, reviewed] = await Promise.all([
    records.queryFilter(records.filters.ConsentGranted(), from),
    records.queryFilter(records.filters.RecordAccessed(), from),
    records.queryFilter(records.filters.BreakGlassAccessed(), from),
    records.queryFilter(records.filters.BreakGlassReviewed(), from),
  ]);
  const patientOf = new Map(granted.map((e) => [e.args.consentId, e.args.patient]));
  const reviewedIds = new Set(reviewed.map((e) => e.args.breakGlassId.toString()));
  const times = new Map<number, number>();
  const timeOf = async (block: number): Promise<string> => {
    if (!times.has(block)) times.set(block, (await records.runner!.provider!.getBlock(block))!.timestamp);
    return new Date(times.get(block)! * 1000).toISOString();
  };
  const rows: AuditRow[] = [];
  for (const e of accessed) {
    rows.push({
      time: await timeOf(e.blockNumber),
      block: e.blockNumber,
      logIndex: e.index,
      kind: "consent",
      member: e.args.grantee,
      custodian: e.args.custodian,
      record: e.args.leaf,
      batchRoot: e.args.batchRoot,
      purpose: purposeName(e.args.purpose),
      reference: e.args.consentId,
      patient: patientOf.get(e.args.consentId) ?? "",
      review: "",
      tx: e.transactionHash,
    });
  }
  for (const e of glass) {
    rows.push({
      time: await timeOf(e.blockNumber),
      block: e.blockNumber,
      logIndex: e.index,
      kind: "break-glass",
      member: e.args.memberId,
      custodian: e.args.issuer,
      record: e.args.leaf,
      batchRoot: e.args.batchRoot,
      purpose: `ETREAT (reason ${e.args.reasonCode})`,
      reference: `break-glass #${e.args.breakGlassId}`,
      patient: "",
      review: reviewedIds.has(e.args.breakGlassId.toString()) ? "reviewed" : "UNREVIEWED",
      tx: e.transactionHash,
    });
  }
  const patients = filter.patients?.map((p) => p.toLowerCase());
  const fromTime = filter.from?.toISOString();
  const toTime = filter.to?.toISOString();
  const kept = rows
    .filter((r) => filter.member === undefined || r.member.toLowerCase() === filter.member.toLowerCase())
    .filter((r) => patients === undefined || patients.includes(r.patient.toLowerCase()))
    .filter((r) => (fromTime === undefined || r.time >= fromTime) && (toTime === undefined || r.time < toTime))
    .sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
  return filter.limit === undefined ? kept : kept.slice(0, filter.limit);
}

const COLUMNS: Array<keyof AuditRow> = [
  "time",
  "kind",
  "member",
  "custodian",
  "record",
  "batchRoot",
  "purpose",
  "reference",
  "patient",
  "review",
  "tx",
];

/** RFC 4180 CSV (fields quoted when needed); hand-written because it is ten lines. */
export function auditCsv(rows: AuditRow[]): string {
  const cell = (v: unknown) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

/** A plain-text table for a terminal, with long hashes shortened and member ids named when known. */
export function auditTable(rows: AuditRow[], names: Record<string, string> = {}): string {
  const short = (h: string) => (h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-4)}` : h);
  const body = rows.map((r) => [
    r.time.replace("T", " ").slice(0, 19),
    r.kind,
    names[r.member] ?? short(r.member),
    names[r.custodian] ?? short(r.custodian),
    short(r.record),
    r.purpose,
    r.kind === "consent" ? short(r.reference) : r.reference,
    short(r.patient),
    r.review,
  ]);
  const head = ["time (UTC)", "kind", "member", "custodian", "record", "purpose", "under", "patient account", "review"];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** A break-glass access still unreviewed after the review period. */
export interface OverdueBreakGlass {
  id: bigint;
  memberId: string;
  issuer: string;
  leaf: string;
  accessedAt: bigint;
  reasonCode: bigint;
}

/** Every overdue break-glass access, paging through the contract's `overdueReviews` view. */
export async function overdueBreakGlass(records: RecordRegistry, pageSize = 200n): Promise<OverdueBreakGlass[]> {
  const out: OverdueBreakGlass[] = [];
  let from = 1n;
  while (from !== 0n) {
    const [ids, next] = await records.overdueReviews(from, pageSize);
    for (const id of ids) {
      const e = await records.getBreakGlass(id);
      out.push({
        id,
        memberId: e.memberId,
        issuer: e.issuer,
        leaf: e.leaf,
        accessedAt: e.accessedAt,
        reasonCode: e.reasonCode,
      });
    }
    from = next;
  }
  return out;
}
