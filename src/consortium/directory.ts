/**
 * Member names: the chain knows a member by its 32-byte id (the hash of its public registration
 * code), so output that should say `HOSP-0001` needs the codes. A consortium publishes its members'
 * registration codes (they are public numbers, such as national provider numbers); an operator keeps
 * that list in `medchain.members.json` at the project root (or the file `MEDCHAIN_MEMBERS` names):
 *
 * ```json
 * { "format": "medchain.members.v1", "codes": ["HOSP-0001", "HOSP-0002", "LAB-0001"] }
 * ```
 *
 * Codes typed on a command line are known too. A member whose code is not known is shown by its id.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { z } from "zod";

import { readJsonFileAs } from "../chain/files.js";
import { checkRegistrationCode, memberIdFromCode } from "../chain/members.js";

export const MEMBERS_FORMAT = "medchain.members.v1";

const directoryFile = z.object({ format: z.literal(MEMBERS_FORMAT), codes: z.array(z.string()).max(100_000) }).strict();

/** Registration codes by member id. */
export class MemberDirectory {
  private readonly codes = new Map<string, string>();

  constructor(codes: Iterable<string> = []) {
    for (const code of codes) this.add(code);
  }

  /** Adds a registration code (checked: a malformed one is an error naming it). */
  add(code: string, where = "registration code"): this {
    this.codes.set(memberIdFromCode(checkRegistrationCode(code, where)).toLowerCase(), code);
    return this;
  }

  /** The registration code of a member id, when known. */
  codeOf(memberId: string): string | undefined {
    return this.codes.get(memberId.toLowerCase());
  }

  /** `HOSP-0001 (0x037b…df28)` when the code is known, else the whole id. */
  name(memberId: string): string {
    const code = this.codeOf(memberId);
    return code === undefined ? memberId : `${code} (${memberId.slice(0, 6)}…${memberId.slice(-4)})`;
  }

  /** `{ memberId, code? }` for JSON output. */
  ref(memberId: string): { memberId: string; code?: string } {
    const code = this.codeOf(memberId);
    return code === undefined ? { memberId } : { memberId, code };
  }
}

/** The directory file: `MEDCHAIN_MEMBERS`, else `medchain.members.json` under `root`. */
export function directoryFilePath(root: string): string {
  return process.env.MEDCHAIN_MEMBERS ?? path.join(root, "medchain.members.json");
}

/** Reads the member directory under `root` (empty when there is no file), plus `extra` codes. */
export async function loadMemberDirectory(root: string, extra: Iterable<string> = []): Promise<MemberDirectory> {
  const file = directoryFilePath(root);
  const directory = new MemberDirectory();
  if (existsSync(file)) {
    const { codes } = await readJsonFileAs(file, directoryFile);
    codes.forEach((code, i) => directory.add(code, `${file}: codes[${i}]`));
  }
  for (const code of extra) directory.add(code);
  return directory;
}
