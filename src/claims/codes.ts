import { createHmac } from "node:crypto";

import { getBytes, hexlify, isHexString, parseUnits, solidityPackedKeccak256 } from "ethers";

import { MedChainError } from "../chain/errors.js";

/**
 * A code or code system URI as plans and claims may write it: printable, no space at either end
 * (" 99213" and "99213" would hash to two services), no control character, and no "|", which
 * `serviceCode` puts between the two (so system "s|1" with code "2" cannot pass for "s" with "1|2").
 */
export const CODE_TEXT = /^[^\s\u0000-\u001f\u007f|](?:[^\u0000-\u001f\u007f|]*[^\s\u0000-\u001f\u007f|])?$/;
/** Longest code, and longest code system URI, a plan or claim may carry (they are hashed, never stored). */
export const MAX_CODE = 64;
export const MAX_CODE_SYSTEM = 256;

/**
 * The on-chain (opaque bytes32) form of a service code: a domain-separated hash of the code system
 * and the code, e.g. `serviceCode("http://www.ama-assn.org/go/cpt", "99213")`. The plan's fee
 * schedule and the claim's lines must use the same system URI for the same code.
 */
export function serviceCode(system: string | undefined, code: string): string {
  return solidityPackedKeccak256(
    ["string", "string", "string", "string"],
    ["medchain.code.v1:", system ?? "", "|", code],
  );
}

/** Smallest secret accepted for patient references: 128 bits. */
export const MIN_SECRET_BYTES = 16;

/**
 * A patient's pseudonymous reference: HMAC-SHA256 of the patient's identifier keyed with a secret.
 * The secret is the coverage's member secret (printed on the insurance card, held by the insurer
 * and given by the patient to the providers that bill for them), so the insurer's enrolment and
 * every provider's claims meet on the same reference while outsiders cannot recompute it from a
 * name or a national number. HMAC from node:crypto: the standard keyed hash, no dependency needed.
 */
export function patientReference(patientId: string, secret: string | Uint8Array): string {
  const key = typeof secret === "string" ? secretBytes(secret) : secret;
  if (key.length < MIN_SECRET_BYTES) {
    throw new MedChainError(`patient secret: needs at least ${MIN_SECRET_BYTES} bytes, got ${key.length}`);
  }
  if (patientId.trim() === "") throw new MedChainError("patient id: empty");
  return hexlify(createHmac("sha256", key).update(`medchain.patient.v1:${patientId}`).digest());
}

/**
 * Checks a patient identifier as an operator typed it (`--patient`) or a FHIR Claim names it: not
 * empty, no spaces at an end, no control characters (any of these would give another reference than
 * the insurer's enrolment, silently), at most 256 characters.
 */
export function checkPatientId(value: string, where: string): string {
  if (value === "") throw new MedChainError(`${where}: the patient's identifier is required`);
  if (value.trim() !== value) throw new MedChainError(`${where}: "${value}" has spaces at an end`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new MedChainError(`${where}: contains a control character`);
  if (value.length > 256) throw new MedChainError(`${where}: longer than 256 characters`);
  return value;
}

function secretBytes(secret: string): Uint8Array {
  if (isHexString(secret)) return getBytes(secret);
  return new TextEncoder().encode(secret);
}

/**
 * Converts a decimal amount (FHIR Money value, JSON number or string) to token units, refusing
 * negative, non-numeric and over-precise values. `where` names the file and field for the error.
 */
export function toTokenUnits(value: unknown, decimals: number, where: string): bigint {
  const text = typeof value === "number" ? numberText(value) : typeof value === "string" ? value.trim() : undefined;
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) {
    const shown = typeof value === "string" ? `"${value}"` : String(value);
    if (text !== undefined && /^-/.test(text)) throw new MedChainError(`${where}: negative amount ${shown}`);
    throw new MedChainError(`${where}: not a non-negative decimal amount: ${shown}`);
  }
  const fraction = text.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new MedChainError(`${where}: ${text} has more than ${decimals} decimals`);
  }
  if (text.length > 80) throw new MedChainError(`${where}: ${text.slice(0, 40)}… is far more than any amount`);
  const units = parseUnits(text, decimals);
  if (units >= MAX_UNITS)
    throw new MedChainError(`${where}: ${text} is more than the contracts hold (a uint128 of units)`);
  return units;
}

/** Every amount the claims contracts hold fits a uint128 of token units (escrow balances are uint128). */
const MAX_UNITS = 1n << 128n;

/** Made once: `toLocaleString` with options builds a formatter on every call (a claim has several amounts). */
const PLAIN_NUMBER = new Intl.NumberFormat("en-US", { useGrouping: false, maximumFractionDigits: 20 });

/** A number as plain decimal text (JSON numbers like 135.57 or 1e2). */
function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return PLAIN_NUMBER.format(n);
}

/** Token units back to a decimal number for FHIR Money (`value`), e.g. 135570000n, 6 -> 135.57. */
export function fromTokenUnits(units: bigint, decimals: number): number {
  const base = 10n ** BigInt(decimals);
  const whole = units / base;
  const fraction = (units % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return Number(fraction === "" ? whole.toString() : `${whole}.${fraction}`);
}

/** Furthest ahead a claims date may lie (a plan's start, a coverage end, an authorisation). */
const MAX_YEARS_AHEAD = 100;

/** A date (YYYY-MM-DD or full ISO date-time) as unix seconds (UTC midnight for a date). */
export function toUnixSeconds(date: string, where: string): bigint {
  if (!/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(date)) throw new MedChainError(`${where}: "${date}" is not a FHIR date`);
  const ms = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);
  // Date.parse rolls impossible days over (2026-02-30 becomes March 2): the day must read back the same.
  const day = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms) || Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== date.slice(0, 10))
    throw new MedChainError(`${where}: "${date}" is not a valid date`);
  if (ms < 0) throw new MedChainError(`${where}: "${date}" is before 1970`);
  if (ms > Date.now() + MAX_YEARS_AHEAD * 365.25 * 86_400_000)
    throw new MedChainError(`${where}: "${date}" is more than ${MAX_YEARS_AHEAD} years ahead`);
  return BigInt(Math.floor(ms / 1000));
}

/** Unix seconds as a FHIR date (YYYY-MM-DD, UTC). */
export function toFhirDate(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}
