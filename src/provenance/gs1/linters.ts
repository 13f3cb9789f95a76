/**
 * Content checks ("linters") named by the GS1 Barcode Syntax Dictionary, written from the GS1
 * General Specifications. Each throws a {@link Gs1Problem} naming what is wrong.
 *
 * Linters that need external code lists or per-company data are not checked here (the value's
 * format still is): see {@link UNCHECKED_LINTERS}.
 */
import { checkDigitOf } from "./checkdigit.js";
import { Gs1Problem, withInput } from "./errors.js";

/** GS1 AI encodable character set 82, in the order used by the alphanumeric check pair. */
export const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
/** GS1 AI encodable character set 39. */
export const CSET39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** Linters accepted without a content check: they need code lists or company-prefix data. */
export const UNCHECKED_LINTERS: ReadonlySet<string> = new Set([
  "gcppos1",
  "gcppos2",
  "iso3166",
  "iso3166999",
  "iso3166alpha2",
  "iso4217",
  "importeridx",
  "packagetype",
  "couponcode",
  "couponposoffer",
  "mediatype",
]);

type Linter = (value: string) => void;

function fail(reason: string, code: "BAD_VALUE" | "BAD_DATE" | "CHECK_DIGIT" = "BAD_VALUE"): never {
  throw new Gs1Problem(reason, code);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The full year of a two-digit GS1 year (General Specifications 7.12): a YY more than 50 years
 * ahead of `now` belongs to the previous century, one 50 or more years behind to the next.
 */
export function gs1CenturyYear(yy: number, now: Date = new Date()): number {
  const current = now.getUTCFullYear();
  const base = current - (current % 100);
  const diff = yy - (current % 100);
  if (diff >= 51) return base - 100 + yy;
  if (diff <= -50) return base + 100 + yy;
  return base + yy;
}

function checkYymmdd(value: string, allowDayZero: boolean, now?: Date): { year: number; month: number; day: number } {
  if (!/^\d{6}$/.test(value)) fail(`date ${JSON.stringify(value)} is not YYMMDD (6 digits)`, "BAD_DATE");
  const year = gs1CenturyYear(Number(value.slice(0, 2)), now);
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  if (month < 1 || month > 12) fail(`bad date ${value}: month ${value.slice(2, 4)}`, "BAD_DATE");
  if (day === 0 && allowDayZero) return { year, month, day: daysInMonth(year, month) };
  if (day < 1 || day > daysInMonth(year, month)) {
    fail(`bad date ${value}: day ${value.slice(4, 6)} is not in ${year}-${value.slice(2, 4)}`, "BAD_DATE");
  }
  return { year, month, day };
}

/**
 * A GS1 YYMMDD date (AI 11, 13, 15, 16, 17) as a UTC midnight `Date`. The century follows the GS1
 * sliding window around `now`; day 00 means the last day of the month. Throws {@link Gs1Error}.
 */
export function parseGs1Date(yymmdd: string, now: Date = new Date()): Date {
  return withInput(yymmdd, () => {
    const { year, month, day } = checkYymmdd(yymmdd, true, now);
    return new Date(Date.UTC(year, month - 1, day));
  });
}

function checkRange(value: string, min: number, max: number, what: string): void {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) fail(`bad ${what} ${value}`, "BAD_DATE");
}

/** The GS1 alphanumeric check character pair (AI 8013 GMN, 8014 MUDI). */
function checkAlphaPair(value: string): void {
  if (value.length < 3) fail("too short for its check character pair");
  const primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83];
  const body = value.slice(0, -2);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const weight = primes[body.length - 1 - i];
    if (weight === undefined) fail("too long for its check character pair");
    sum += CSET82.indexOf(body.charAt(i)) * weight;
  }
  sum %= 1021;
  const expected = `${CSET32.charAt(sum >> 5)}${CSET32.charAt(sum & 31)}`;
  if (value.slice(-2) !== expected)
    fail(`bad check characters ${value.slice(-2)}, expected ${expected}`, "CHECK_DIGIT");
}

function checkIban(value: string): void {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(value)) fail(`IBAN ${value} is malformed`);
  const rearranged = value.slice(4) + value.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of code) remainder = (remainder * 10 + Number(d)) % 97;
  }
  if (remainder !== 1) fail(`IBAN ${value} fails its mod-97 check`, "CHECK_DIGIT");
}

function checkPercentEncoding(value: string): void {
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) fail("bad percent-encoding");
}

const LINTERS: Record<string, Linter> = {
  csum: (v) => {
    const expected = checkDigitOf(v.slice(0, -1));
    if (expected !== Number(v.slice(-1))) fail(`bad check digit ${v.slice(-1)}, expected ${expected}`, "CHECK_DIGIT");
  },
  csumalpha: checkAlphaPair,
  yymmd0: (v) => void checkYymmdd(v, true),
  yymmdd: (v) => void checkYymmdd(v, false),
  yyyymmdd: (v) => {
    const year = Number(v.slice(0, 4));
    const month = Number(v.slice(4, 6));
    const day = Number(v.slice(6, 8));
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) fail(`bad date ${v}`, "BAD_DATE");
  },
  hhmi: (v) => {
    checkRange(v.slice(0, 2), 0, 23, "hour");
    checkRange(v.slice(2, 4), 0, 59, "minute");
  },
  hh: (v) => checkRange(v, 0, 23, "hour"),
  mi: (v) => checkRange(v, 0, 59, "minute"),
  ss: (v) => checkRange(v, 0, 59, "second"),
  yesno: (v) => (v === "0" || v === "1" ? undefined : fail(`flag must be 0 or 1, not ${v}`)),
  zero: (v) => (v === "0" ? undefined : fail(`must be 0, not ${v}`)),
  nonzero: (v) => (/[1-9]/.test(v) ? undefined : fail("must not be zero")),
  winding: (v) => (["0", "1", "9"].includes(v) ? undefined : fail(`winding direction must be 0, 1 or 9, not ${v}`)),
  pieceoftotal: (v) => {
    const half = v.length / 2;
    const piece = Number(v.slice(0, half));
    const total = Number(v.slice(half));
    if (piece === 0 || total === 0 || piece > total) fail(`piece ${piece} of total ${total} is impossible`);
  },
  hyphen: (v) => (v === "-" ? undefined : fail(`only "-" is allowed here, not ${v}`)),
  pcenc: checkPercentEncoding,
  hasnondigit: (v) => (/\D/.test(v) ? undefined : fail("must contain a non-digit")),
  nozeroprefix: (v) => (v.length > 1 && v.startsWith("0") ? fail("must not start with 0") : undefined),
  iban: checkIban,
  iso5218: (v) => (["0", "1", "2", "9"].includes(v) ? undefined : fail(`sex code must be 0, 1, 2 or 9, not ${v}`)),
  latitude: (v) => (Number(v) > 1800000000 ? fail("latitude out of range") : undefined),
  longitude: (v) => (Number(v) > 3600000000 ? fail("longitude out of range") : undefined),
  posinseqslash: (v) => {
    const m = /^([1-9])\/([1-9])$/.exec(v);
    if (m === null || Number(m[1]) > Number(m[2])) fail(`position ${v} is not N/M`);
  },
};

/** Applies the named linter to one component of an AI's value. */
export function applyLinter(name: string, component: string): void {
  const linter = LINTERS[name];
  if (linter !== undefined) return linter(component);
  if (UNCHECKED_LINTERS.has(name)) return;
  throw new Gs1Problem(`the syntax dictionary names an unknown check "${name}"`, "UNSUPPORTED");
}
