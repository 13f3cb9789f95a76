import { isHexString, solidityPackedKeccak256 } from "ethers";

import { badInput } from "./errors.js";

/**
 * A member id derived from the institution's public registration code (e.g. a national
 * healthcare-provider number). Domain-separated so it cannot collide with other hashes.
 */
export function memberIdFromCode(registrationCode: string): string {
  return solidityPackedKeccak256(["string", "string"], ["medchain.member.v1:", registrationCode]);
}

/** A member as an operator named it: its 32-byte id, and the registration code when one was given. */
export interface MemberRef {
  id: string;
  code?: string;
}

/** Longest registration code accepted (a national provider number is far shorter). */
export const MAX_CODE_LENGTH = 128;

/**
 * Checks a registration code: 1 to 128 printable characters, no space at either end, and nothing
 * that looks like a mistyped member id.
 */
export function checkRegistrationCode(code: string, where = "registration code"): string {
  if (code === "") throw badInput("a registration code is required", { field: where });
  if (code.trim() !== code) throw badInput(`"${code}" has spaces at an end`, { field: where });
  if (code.length > MAX_CODE_LENGTH) throw badInput(`longer than ${MAX_CODE_LENGTH} characters`, { field: where });
  if (/[\u0000-\u001f\u007f]/.test(code)) throw badInput("contains a control character", { field: where });
  if (/^0x/i.test(code)) {
    throw badInput(`"${code}" is not a 32-byte member id (0x + 64 hex digits)`, { field: where });
  }
  if (/^[0-9a-fA-F]{64}$/.test(code)) {
    throw badInput(`"${code}" looks like a member id without its 0x prefix`, { field: where });
  }
  return code;
}

/**
 * A member reference: a 32-byte id (`0x` + 64 hex digits) or a registration code (hashed to the id).
 * Anything starting with `0x` must be a well-formed id: a mistyped id is an error, never silently a
 * code. `where` names the option or field in errors (`--member`, `params.json: insurer`).
 */
export function memberRef(value: string, where = "member"): MemberRef {
  if (value === "")
    throw badInput("a member id (0x + 64 hex digits) or registration code is required", { field: where });
  if (/^0x/i.test(value)) {
    if (!isHexString(value, 32)) throw badInput(`"${value}" is not a 32-byte member id`, { field: where });
    return { id: value.toLowerCase() };
  }
  const code = checkRegistrationCode(value, where);
  return { id: memberIdFromCode(code), code };
}

/** The member id of a reference (see {@link memberRef}). */
export function parseMemberRef(value: string, where = "member"): string {
  return memberRef(value, where).id;
}
