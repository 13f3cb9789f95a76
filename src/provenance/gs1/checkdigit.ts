import { Gs1Problem, withInput } from "./errors.js";

/**
 * The GS1 mod-10 check digit of `digitsWithoutCheck` (weights 3,1,3,... from the right), as used by
 * every numeric GS1 key: GTIN-8/12/13/14, GLN, SSCC, GSRN, GDTI, GRAI, GSIN, GCN, ITIP.
 */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  return withInput(digitsWithoutCheck, () => {
    if (!/^\d+$/.test(digitsWithoutCheck))
      throw new Gs1Problem("a check digit is computed over digits only", "BAD_CHARACTER");
    return checkDigitOf(digitsWithoutCheck);
  });
}

/** {@link gs1CheckDigit} for a string already known to hold digits only. */
export function checkDigitOf(digitsWithoutCheck: string): number {
  let sum = 0;
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const digit = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `key` is the mod-10 check digit of the others (any length >= 2). */
export function hasValidCheckDigit(key: string): boolean {
  if (!/^\d{2,}$/.test(key)) return false;
  return checkDigitOf(key.slice(0, -1)) === Number(key.slice(-1));
}

/** Throws a CHECK_DIGIT problem naming the expected digit when `key`'s check digit is wrong. */
export function requireCheckDigit(key: string, what: string): void {
  const expected = checkDigitOf(key.slice(0, -1));
  if (expected !== Number(key.slice(-1))) {
    throw new Gs1Problem(`${what}: bad check digit ${key.slice(-1)}, expected ${expected}`, "CHECK_DIGIT");
  }
}

/** A GTIN-14: 14 digits with a correct check digit. */
export function isValidGtin14(gtin: string): boolean {
  return /^\d{14}$/.test(gtin) && hasValidCheckDigit(gtin);
}

/** An SSCC: 18 digits with a correct check digit. */
export function isValidSscc(sscc: string): boolean {
  return /^\d{18}$/.test(sscc) && hasValidCheckDigit(sscc);
}

/**
 * A GTIN-8, -12, -13 or -14 as a GTIN-14 (left-padded with zeros), after checking its length and
 * check digit. Throws {@link Gs1Error} otherwise.
 */
export function normalizeGtin(gtin: string): string {
  return withInput(gtin, () => {
    if (!/^\d+$/.test(gtin)) throw new Gs1Problem("a GTIN has digits only", "BAD_CHARACTER");
    if (![8, 12, 13, 14].includes(gtin.length)) {
      throw new Gs1Problem(`a GTIN has 8, 12, 13 or 14 digits, not ${gtin.length}`, "BAD_LENGTH");
    }
    requireCheckDigit(gtin, `GTIN-${gtin.length}`);
    return gtin.padStart(14, "0");
  });
}
