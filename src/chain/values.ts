import { getAddress, isAddress } from "ethers";

import { badInput } from "./errors.js";

/** An address (any case; a mixed-case one must carry a valid checksum), in checksummed form. */
export function parseAddress(value: string, where = "address"): string {
  if (!isAddress(value)) throw badInput(`"${value}" is not an address`, { field: where });
  return getAddress(value);
}

/**
 * A calendar date as `YYYY-MM-DD` (midnight UTC) or unix seconds, returned as unix seconds.
 * Impossible dates (`2026-02-30`) are refused, not rolled over.
 */
export function parseDate(value: string, where = "date"): bigint {
  if (/^\d{1,12}$/.test(value)) return BigInt(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const [year, month, day] = m === null ? [NaN, NaN, NaN] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0-99 to 1900-1999
  if (m === null || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw badInput(`"${value}" is not a date (YYYY-MM-DD or unix seconds)`, { field: where });
  }
  if (year < 1970) throw badInput(`"${value}" is before 1970`, { field: where });
  return BigInt(date.getTime() / 1000);
}

/** Unix seconds as an ISO date (`YYYY-MM-DD`, UTC), for output. */
export function isoDate(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}
