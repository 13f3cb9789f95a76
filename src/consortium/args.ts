import { isHexString } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { memberIdFromCode } from "./ids.js";
import { MODULE_IDS, ProposalAction, type ModuleName, type ProposalActionName } from "./kinds.js";

/** A member given as its 32-byte id (0x…) or as its registration code (hashed to the id). */
export function parseMember(value: string, option = "member"): string {
  if (value === "") throw new MedChainError(`--${option}: a member id (0x + 64 hex) or registration code is required`);
  if (value.startsWith("0x")) {
    if (!isHexString(value, 32)) throw new MedChainError(`--${option}: "${value}" is not a 32-byte member id`);
    return value;
  }
  return memberIdFromCode(value);
}

/** A date as YYYY-MM-DD (midnight UTC) or unix seconds, returned as unix seconds. */
export function parseDate(value: string, option: string): bigint {
  if (/^\d+$/.test(value)) return BigInt(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (m === null || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(m[3])) {
    throw new MedChainError(`--${option}: "${value}" is not a date (YYYY-MM-DD or unix seconds)`);
  }
  return BigInt(ms / 1000);
}

/** A proposal action name (case-insensitive), e.g. "suspend". */
export function parseAction(value: string): number {
  const name = (Object.keys(ProposalAction) as ProposalActionName[]).find(
    (k) => k.toLowerCase() === value.toLowerCase(),
  );
  if (name === undefined || name === "Admit") {
    const allowed = Object.keys(ProposalAction).filter((k) => k !== "Admit");
    throw new MedChainError(`--action: "${value}" is not one of ${allowed.join(", ")} (admissions go through certify)`);
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
