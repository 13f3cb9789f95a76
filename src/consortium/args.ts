import { ZeroAddress, ZeroHash } from "ethers";

import { badInput } from "../chain/errors.js";
import { parseMemberRef } from "../chain/members.js";
import { futureDate, parseAccount, parseDate as parseDateValue, parseUint } from "../chain/values.js";
import { MODULE_IDS, parseKinds, ProposalAction, type ModuleName, type ProposalActionName } from "./kinds.js";

/** A member option given as its 32-byte id (0x…) or as its registration code (hashed to the id). */
export function parseMember(value: string, option = "member"): string {
  return parseMemberRef(value, `--${option}`);
}

/**
 * A certification expiry option as YYYY-MM-DD (midnight UTC) or unix seconds, returned as unix
 * seconds: an impossible date, one already past, or one more than 100 years ahead is refused.
 */
export function parseDate(value: string, option: string): bigint {
  if (value === "") throw badInput("a date is required (YYYY-MM-DD)", { field: `--${option}` });
  return parseDateValue(value, `--${option}`, futureDate());
}

const UINT64_MAX = 2n ** 64n - 1n;
const UINT256_MAX = 2n ** 256n - 1n;

/** A proposal action name (case-insensitive), e.g. "suspend". */
export function parseAction(value: string): number {
  const name = (Object.keys(ProposalAction) as ProposalActionName[]).find(
    (k) => k.toLowerCase() === value.toLowerCase(),
  );
  if (name === undefined || name === "Admit" || name === "Call") {
    const allowed = Object.keys(ProposalAction).filter((k) => k !== "Admit" && k !== "Call");
    throw badInput(
      `"${value}" is not one of ${allowed.join(", ")} (admissions go through certify, governed calls through the module's own task)`,
      { field: "--action" },
    );
  }
  return ProposalAction[name];
}

/** A module name (records, provenance, claims) to its pause id. */
export function parseModule(value: string, option = "--module"): string {
  // own keys only: "toString" or "__proto__" name no module
  if (!Object.hasOwn(MODULE_IDS, value)) {
    throw badInput(`"${value}" is not one of ${Object.keys(MODULE_IDS).join(", ")}`, { field: option });
  }
  return MODULE_IDS[value as ModuleName];
}

/** A proposal id: a positive integer. */
export function parseProposalId(value: string, option = "--proposal"): bigint {
  if (!/^\d+$/.test(value)) throw badInput(`"${value}" is not a proposal number`, { field: option });
  return parseUint(value, option, UINT256_MAX, 1n);
}

/** The arguments of `ConsortiumRegistry.propose`. */
export interface ProposalArgs {
  action: number;
  target: string;
  account: string;
  kinds: number;
  value: bigint;
}

/**
 * Turns an operator's proposal options into `propose` arguments, reading only the options the
 * action uses: `member` (SetKinds with `kinds`, Suspend, Reinstate, Revoke, SetCertification with
 * `until`), `account` (AddGovernor, RemoveGovernor, SetCertifier), `threshold` (SetThreshold) or
 * `module` (Pause, Unpause).
 */
export function proposalFrom(options: {
  action: string;
  member: string;
  account: string;
  kinds: string;
  threshold: string;
  module: string;
  until?: string;
}): ProposalArgs {
  const action = parseAction(options.action);
  const proposal: ProposalArgs = { action, target: ZeroHash, account: ZeroAddress, kinds: 0, value: 0n };
  switch (action) {
    case ProposalAction.SetKinds:
      return {
        ...proposal,
        target: parseMember(options.member, "member"),
        kinds: parseKinds(options.kinds, "--kinds"),
      };
    case ProposalAction.Suspend:
    case ProposalAction.Reinstate:
    case ProposalAction.Revoke:
      return { ...proposal, target: parseMember(options.member, "member") };
    case ProposalAction.AddGovernor:
    case ProposalAction.RemoveGovernor:
    case ProposalAction.SetCertifier:
      return { ...proposal, account: parseAccount(options.account, "--account") };
    case ProposalAction.SetThreshold:
      if (options.threshold === "") throw badInput("SetThreshold needs the new threshold", { field: "--threshold" });
      return { ...proposal, value: parseUint(options.threshold, "--threshold", UINT64_MAX, 1n) };
    case ProposalAction.SetCertification:
      if ((options.until ?? "") === "") throw badInput("SetCertification needs the new expiry", { field: "--until" });
      return { ...proposal, target: parseMember(options.member, "member"), value: parseDate(options.until!, "until") };
    default:
      return { ...proposal, target: parseModule(options.module) };
  }
}
