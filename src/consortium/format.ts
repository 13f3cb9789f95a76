import type { MemberRow } from "./governance.js";

/** A member list as a fixed-width text table: id, kinds, status, expiry, accounts. */
export function formatMembersTable(rows: MemberRow[]): string {
  const header = ["member id", "kinds", "status", "certified until", "accounts"];
  const body = rows.map((r) => [
    `${r.memberId.slice(0, 10)}…${r.memberId.slice(-4)}`,
    r.kinds.join(","),
    r.expired && r.status === "Active" ? "Expired" : r.status,
    new Date(Number(r.certifiedUntil) * 1000).toISOString().slice(0, 10),
    r.accounts.join(" "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
