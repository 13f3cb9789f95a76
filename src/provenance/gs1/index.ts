// TEMPORARY STUB of the gs1 helper's API (branch `gs1` replaces this whole file on merge).
// It exists only so the provenance branch compiles and its tests run before that merge: it does
// the least parsing the provenance code paths need, with the same exported names and signatures.
import { MedChainError } from "../../chain/errors.js";

export interface Gs1Identity {
  gtin?: string;
  sscc?: string;
  lot?: string;
  expiry?: string;
  serial?: string;
  otherAIs?: Record<string, string>;
}

export type Gs1ErrorCode = "CHECK_DIGIT" | "UNKNOWN_AI" | "BAD_DATE" | "SYNTAX" | "NOT_GS1";

export class Gs1Error extends MedChainError {
  constructor(
    readonly input: string,
    readonly reason: string,
    readonly code: Gs1ErrorCode,
  ) {
    super(`GS1 input ${JSON.stringify(input)}: ${reason}`);
    this.name = "Gs1Error";
  }
}

export function gs1CheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    sum += Number(digitsWithoutCheck[digitsWithoutCheck.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}
const valid = (key: string, len: number): boolean =>
  new RegExp(`^\\d{${len}}$`).test(key) && gs1CheckDigit(key.slice(0, -1)) === Number(key.slice(-1));
export const isValidGtin14 = (gtin: string): boolean => valid(gtin, 14);
export const isValidSscc = (sscc: string): boolean => valid(sscc, 18);
export const normalizeGtin = (gtin: string): string => gtin.padStart(14, "0");

export function parseGs1Date(yymmdd: string): Date {
  const m = /^(\d\d)(\d\d)(\d\d)$/.exec(yymmdd);
  if (m === null) throw new Gs1Error(yymmdd, "bad date", "BAD_DATE");
  const [y, mo, d] = [2000 + Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d === 0 ? new Date(Date.UTC(y, mo, 0)).getUTCDate() : d));
  if (mo < 1 || mo > 12 || date.getUTCMonth() !== mo - 1) throw new Gs1Error(yymmdd, "bad date", "BAD_DATE");
  return date;
}

const KEYS: Record<string, keyof Omit<Gs1Identity, "otherAIs">> = {
  "00": "sscc",
  "01": "gtin",
  "10": "lot",
  "17": "expiry",
  "21": "serial",
};

function check(input: string, id: Gs1Identity): Gs1Identity {
  if (id.gtin !== undefined && !isValidGtin14(id.gtin))
    throw new Gs1Error(input, "AI (01): bad check digit", "CHECK_DIGIT");
  if (id.sscc !== undefined && !isValidSscc(id.sscc))
    throw new Gs1Error(input, "AI (00): bad check digit", "CHECK_DIGIT");
  if (id.expiry !== undefined) parseGs1Date(id.expiry);
  return id;
}

function assign(input: string, id: Gs1Identity, ai: string, value: string): void {
  const key = KEYS[ai];
  if (key === undefined) throw new Gs1Error(input, `unknown AI (${ai})`, "UNKNOWN_AI");
  id[key] = value;
}

export function parseDigitalLink(input: string): Gs1Identity {
  const url = new URL(input);
  const parts = url.pathname.split("/").filter((p) => p !== "");
  const id: Gs1Identity = {};
  const start = parts.findIndex((p) => p === "01" || p === "00");
  if (start < 0) throw new Gs1Error(input, "no GS1 key in the path", "SYNTAX");
  for (let i = start; i + 1 < parts.length; i += 2) assign(input, id, parts[i]!, decodeURIComponent(parts[i + 1]!));
  url.searchParams.forEach((value, ai) => assign(input, id, ai, value));
  return check(input, id);
}

export function parseElementString(input: string): Gs1Identity {
  const id: Gs1Identity = {};
  const re = /\((\d{2,4})\)([^(]*)/g;
  let m: RegExpExecArray | null;
  let seen = false;
  while ((m = re.exec(input)) !== null) {
    seen = true;
    assign(input, id, m[1]!, m[2]!);
  }
  if (!seen) throw new Gs1Error(input, "not a bracketed element string", "NOT_GS1");
  return check(input, id);
}

export function parseEpcUrn(input: string): Gs1Identity {
  const sgtin = /^urn:epc:id:sgtin:(\d+)\.(\d+)\.(.+)$/.exec(input);
  if (sgtin !== null) {
    const body = sgtin[2]!.slice(0, 1) + sgtin[1]! + sgtin[2]!.slice(1);
    return { gtin: body + String(gs1CheckDigit(body)), serial: decodeURIComponent(sgtin[3]!) };
  }
  const sscc = /^urn:epc:id:sscc:(\d+)\.(\d+)$/.exec(input);
  if (sscc !== null) {
    const body = sscc[2]!.slice(0, 1) + sscc[1]! + sscc[2]!.slice(1);
    return { sscc: body + String(gs1CheckDigit(body)) };
  }
  throw new Gs1Error(input, "not an sgtin or sscc EPC URN", "NOT_GS1");
}

export function parseGs1(input: string): Gs1Identity {
  const trimmed = input.trim();
  if (/^https?:\/\//i.test(trimmed)) return parseDigitalLink(trimmed);
  if (/^urn:epc:/i.test(trimmed)) return parseEpcUrn(trimmed);
  return parseElementString(trimmed);
}

export function toDigitalLink(id: Gs1Identity, base = "https://id.gs1.org"): string {
  const path = id.sscc !== undefined ? `/00/${id.sscc}` : `/01/${id.gtin}`;
  const lot = id.lot !== undefined ? `/10/${encodeURIComponent(id.lot)}` : "";
  const serial = id.serial !== undefined ? `/21/${encodeURIComponent(id.serial)}` : "";
  const query = id.expiry !== undefined ? `?17=${id.expiry}` : "";
  return `${base}${path}${lot}${serial}${query}`;
}

export function toElementString(id: Gs1Identity, format: { bracketed: boolean }): string {
  const parts: Array<[string, string | undefined]> = [
    ["00", id.sscc],
    ["01", id.gtin],
    ["17", id.expiry],
    ["10", id.lot],
    ["21", id.serial],
  ];
  const sep = format.bracketed ? "" : "\u001d";
  return parts
    .filter(([, v]) => v !== undefined)
    .map(([ai, v]) => (format.bracketed ? `(${ai})${v}` : `${ai}${v}${sep}`))
    .join("");
}

export function toSgtinUrn(id: Gs1Identity, companyPrefixLength: number): string {
  const g = id.gtin ?? "";
  return `urn:epc:id:sgtin:${g.slice(1, 1 + companyPrefixLength)}.${g[0]}${g.slice(1 + companyPrefixLength, 13)}.${id.serial ?? ""}`;
}

export function toSsccUrn(id: Gs1Identity, companyPrefixLength: number): string {
  const s = id.sscc ?? "";
  return `urn:epc:id:sscc:${s.slice(1, 1 + companyPrefixLength)}.${s[0]}${s.slice(1 + companyPrefixLength, 17)}`;
}
