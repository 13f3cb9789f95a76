import { getAddress, isAddress } from "ethers";

import { badInput } from "./errors.js";

/** An address (any case; a mixed-case one must carry a valid checksum), in checksummed form. */
export function parseAddress(value: string, where = "address"): string {
  if (!isAddress(value)) throw badInput(`"${value}" is not an address`, { field: where });
  return getAddress(value);
}

/** An account that is someone's: an address (see {@link parseAddress}) other than the zero address. */
export function parseAccount(value: string, where = "account"): string {
  const address = parseAddress(value, where);
  if (BigInt(address) === 0n) throw badInput("the zero address is nobody's account", { field: where });
  return address;
}

/** Bounds a date must lie within (unix seconds, inclusive), for dates where others make no sense. */
export interface DateBounds {
  notBefore?: bigint;
  notAfter?: bigint;
}

/** Latest year any MedChain date may name (a uint64 of seconds goes far beyond anything meaningful). */
const MAX_YEAR = 9999;

/**
 * A calendar date as `YYYY-MM-DD` (midnight UTC) or unix seconds, returned as unix seconds.
 * Impossible dates (`2026-02-30`) are refused, not rolled over; so are dates outside `bounds` (see
 * {@link futureDate}), naming the option or field `where`.
 */
export function parseDate(value: string, where = "date", bounds: DateBounds = {}): bigint {
  let seconds: bigint;
  if (/^\d{1,12}$/.test(value)) seconds = BigInt(value);
  else {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const [year, month, day] = m === null ? [NaN, NaN, NaN] : [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0-99 to 1900-1999
    if (m === null || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      throw badInput(`"${value}" is not a date (YYYY-MM-DD or unix seconds)`, { field: where });
    }
    if (year < 1970) throw badInput(`"${value}" is before 1970`, { field: where });
    seconds = BigInt(date.getTime() / 1000);
  }
  if (seconds > BigInt(Date.UTC(MAX_YEAR, 11, 31) / 1000)) {
    throw badInput(`"${value}" is after the year ${MAX_YEAR}`, { field: where });
  }
  if (bounds.notBefore !== undefined && seconds < bounds.notBefore) {
    throw badInput(`"${value}" is before ${isoDate(bounds.notBefore)}`, { field: where });
  }
  if (bounds.notAfter !== undefined && seconds > bounds.notAfter) {
    throw badInput(`"${value}" is after ${isoDate(bounds.notAfter)}, too far ahead to mean anything`, {
      field: where,
    });
  }
  return seconds;
}

/**
 * Bounds of a date that must lie ahead (an expiry, a validity end): from `now` (unix seconds,
 * default the clock) to `maxYears` years later (default 100).
 */
export function futureDate(now?: bigint, maxYears = 100): DateBounds {
  const start = now ?? BigInt(Math.floor(Date.now() / 1000));
  return { notBefore: start, notAfter: start + BigInt(Math.round(maxYears * 365.25 * 86_400)) };
}

/** A whole number within [min, max] given as decimal digits, naming `where` (an option, a field). */
export function parseUint(value: string, where: string, max: bigint, min = 0n): bigint {
  if (!/^\d+$/.test(value)) throw badInput(`"${value}" is not a whole number`, { field: where });
  const n = BigInt(value);
  if (n > max) throw badInput(`${value} is more than ${max}, the largest allowed`, { field: where });
  if (n < min) throw badInput(`${value} is less than ${min}, the smallest allowed`, { field: where });
  return n;
}

/** Unix seconds as an ISO date (`YYYY-MM-DD`, UTC), for output. */
export function isoDate(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}
