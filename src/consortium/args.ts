import { ZeroAddress, ZeroHash } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { parseMemberRef } from "../chain/members.js";
import { parseAddress, parseDate as parseDateValue } from "../chain/values.js";
import { MODULE_IDS, parseKinds, ProposalAction, type ModuleName, type ProposalActionName } from "./kinds.js";

/** A member option given as its 32-byte id (0x…) or as its registration code (hashed to the id). */
export function parseMember(value: string, option = "member"): string {
  return parseMemberRef(value, `--${option}`);
}

/** A date option as YYYY-MM-DD (midnight UTC) or unix seconds, returned as unix seconds. */
export function parseDate(value: string, option: string): bigint {
  return parseDateValue(value, `--${option}`);
}

/** A proposal action name (case-insensitive), e.g. "suspend". */
export function parseAction(value: string): number {
  const name = (Object.keys(ProposalAction) as ProposalActionName[]).find(
    (k) => k.toLowerCase() === value.toLowerCase(),
  );
  if (name === undefined || name === "Admit" || name === "Call") {
    const allowed = Object.keys(ProposalAction).filter((k) => k !== "Admit" && k !== "Call");
    throw new MedChainError(
      `--action: "${value}" is not one of ${allowed.join(", ")} (admissions go through certify, governed calls through the module's own task)`,
    );
  }
  return ProposalAction[name];
}

/** A module name (records, provenance, claims) to its pause id. */
export function parseModule(value: string): string {
  if (!(value in MODULE_IDS)) {
    throw new MedChainError(`--module: "${value}" is not one of ${Object.keys(MODULE_IDS).join(", ")}`);
  }
  return MODULE_IDS[value as ModuleName];
}

/** A proposal id: a positive integer. */
export function parseProposalId(value: string): bigint {
  if (!/^[1-9]\d*$/.test(value)) throw new MedChainError(`--proposal: "${value}" is not a proposal number`);
  return BigInt(value);
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
      return { ...proposal, target: parseMember(options.member), kinds: parseKinds(options.kinds) };
    case ProposalAction.Suspend:
    case ProposalAction.Reinstate:
    case ProposalAction.Revoke:
      return { ...proposal, target: parseMember(options.member) };
    case ProposalAction.AddGovernor:
    case ProposalAction.RemoveGovernor:
    case ProposalAction.SetCertifier:
      return { ...proposal, account: parseAddress(options.account, "--account") };
    case ProposalAction.SetThreshold:
      if (!/^[1-9]\d*$/.test(options.threshold)) {
        throw new MedChainError(`--threshold: "${options.threshold}" is not a positive number`);
      }
      return { ...proposal, value: BigInt(options.threshold) };
    case ProposalAction.SetCertification:
      if ((options.until ?? "") === "") throw new MedChainError("--until: SetCertification needs the new expiry");
      return { ...proposal, target: parseMember(options.member), value: parseDate(options.until!, "until") };
    default:
      return { ...proposal, target: parseModule(options.module) };
  }
}
