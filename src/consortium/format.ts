import { isoDate } from "../chain/values.js";
import type { MemberDirectory } from "./directory.js";
import type { MemberRow, ProposalRow } from "./governance.js";

/** Rows as a fixed-width text table under `header`. */
export function textTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

const shortId = (id: string) => `${id.slice(0, 10)}…${id.slice(-4)}`;

/** A member list as a text table: registration code (when known), id, kinds, status, expiry, accounts. */
export function formatMembersTable(rows: MemberRow[], directory?: MemberDirectory): string {
  return textTable(
    ["code", "member id", "kinds", "status", "certified until", "accounts"],
    rows.map((r) => [
      directory?.codeOf(r.memberId) ?? "?",
      shortId(r.memberId),
      r.kinds.join(","),
      r.expired && r.status === "Active" ? "Expired" : r.status,
      isoDate(r.certifiedUntil),
      r.accounts.join(" "),
    ]),
  );
}

/** What a proposal does, in words: `Suspend HOSP-0001 (0x037b…df28)`, `SetThreshold to 3`, `Pause records`. */
export function describeProposal(row: ProposalRow, directory?: MemberDirectory): string {
  const member = row.memberId === undefined ? "" : ` ${directory?.name(row.memberId) ?? row.memberId}`;
  switch (row.action) {
    case "Admit":
      return `Admit${member} (${row.kinds?.join(", ")}) until ${isoDate(row.certifiedUntil ?? 0n)}, account ${row.account}`;
    case "SetKinds":
      return `SetKinds${member} to ${row.kinds?.join(", ")}`;
    case "SetCertification":
      return `SetCertification${member} until ${isoDate(row.certifiedUntil ?? 0n)}`;
    case "SetThreshold":
      return `SetThreshold to ${row.newThreshold}`;
    case "AddGovernor":
    case "RemoveGovernor":
    case "SetCertifier":
      return `${row.action} ${row.account}`;
    case "Pause":
    case "Unpause":
      return `${row.action} ${row.module}`;
    case "Call":
      return `Call ${row.callTarget}`;
    default:
      return `${row.action}${member}`;
  }
}

/** Proposals as a text table: number, action, state, votes, expiry. */
export function formatProposalsTable(rows: ProposalRow[], directory?: MemberDirectory): string {
  return textTable(
    ["#", "action", "state", "votes", "expires"],
    rows.map((r) => [
      String(r.proposalId),
      describeProposal(r, directory),
      r.state,
      `${r.votes}/${r.threshold}`,
      new Date(Number(r.expiresAt) * 1000).toISOString().replace(".000Z", "Z"),
    ]),
  );
}
