/**
 * GS1 identifiers for the drug-provenance SDK: parse and format GTIN-14, SSCC, lot (AI 10),
 * expiry (AI 17) and serial (AI 21) from GS1 Digital Link URIs, element strings (bracketed and
 * FNC1/GS-separated) and EPC URNs, with check-digit, length, character-set, date and AI-association
 * validation driven by the GS1 Barcode Syntax Dictionary.
 *
 * Why hand-written: the project's dependencies hold no GS1 library, and none on the npm registry
 * is maintained, typed and offline at once (GS1's own `digital-link.js` implements the older DL 1.x
 * grammar, has no TypeScript types and validates no AI associations; the GS1 Barcode Syntax
 * Engine, the reference implementation, is C/WASM and not packaged for Node). The rules follow the
 * GS1 General Specifications, the Digital Link standard and the EPC Tag Data Standard, and are
 * checked against the shared GS1 conformance vectors.
 */
import { type Gs1Element, validateAiValue as checkAiValue, validateAssociations as checkAssociations } from "./ai.js";
import {
  type DigitalLinkFormat,
  formatDigitalLink,
  GS1_CANONICAL_BASE,
  parseDigitalLinkElements,
} from "./digital-link.js";
import {
  type ElementStringFormat,
  formatElementString,
  type Gs1ParseOptions,
  parseElementStringElements,
} from "./element-string.js";
import {
  formatLgtinUrn,
  formatSgtinPatternUrn,
  formatSgtinUrn,
  formatSsccUrn,
  parseEpcUrnElements,
} from "./epc-urn.js";
import { withInput } from "./errors.js";
import { elementsFromIdentity, type Gs1Identity, identityFromElements } from "./identity.js";

export { AI, IDENTITY_AIS, parseSyntaxDictionary, type AiComponent, type AiDefinition, type Gs1Element } from "./ai.js";
export { gs1CheckDigit, hasValidCheckDigit, isValidGtin14, isValidSscc, normalizeGtin } from "./checkdigit.js";
export {
  compressDigitalLink,
  CONVENIENCE_ALPHAS,
  decompressDigitalLink,
  formatCompressedDigitalLink,
  formatDigitalLink,
  GS1_CANONICAL_BASE,
  parseDigitalLinkElements,
  parseDigitalLinkParts,
  type DigitalLinkFormat,
  type DigitalLinkParts,
} from "./digital-link.js";
export {
  formatElementString,
  GS,
  GS1_SYMBOLOGY_IDENTIFIERS,
  parseElementStringElements,
  type ElementStringFormat,
  type Gs1ParseOptions,
} from "./element-string.js";
export {
  formatLgtinUrn,
  formatSglnUrn,
  formatSgtinPatternUrn,
  formatSgtinUrn,
  formatSsccUrn,
  parseEpcUrnElements,
} from "./epc-urn.js";
export { Gs1Error, type Gs1ErrorCode } from "./errors.js";
export {
  elementsFromIdentity,
  elementsFromRecord,
  identityFromElements,
  toAiRecord,
  type Gs1Identity,
} from "./identity.js";
export { CSET39, CSET82, gs1CenturyYear, parseGs1Date, UNCHECKED_LINTERS } from "./linters.js";
export { SYNTAX_DICTIONARY, SYNTAX_DICTIONARY_RELEASE } from "./syntax-dictionary.js";

/** Which syntax an input is in, as {@link detectGs1Format} sees it. */
export type Gs1Format = "digital-link" | "epc-urn" | "element-string";

/** Guesses the syntax of `input` from its start: http(s):// URI, urn:epc: URN, else element string. */
export function detectGs1Format(input: string): Gs1Format {
  if (/^https?:\/\//i.test(input)) return "digital-link";
  if (/^urn:epc:/i.test(input)) return "epc-urn";
  return "element-string";
}

/** Parses any supported GS1 syntax into its AIs, in order. Throws {@link Gs1Error}. */
export function parseGs1Elements(input: string, options: Gs1ParseOptions = {}): Gs1Element[] {
  const trimmed = input.trim();
  switch (detectGs1Format(trimmed)) {
    case "digital-link":
      return parseDigitalLinkElements(trimmed, options);
    case "epc-urn":
      return parseEpcUrnElements(trimmed, options);
    case "element-string":
      return parseElementStringElements(trimmed, options);
  }
}

/**
 * Parses a GS1 Digital Link URI, a bracketed or FNC1/GS-separated element string (with or without
 * symbology identifier) or an EPC URN, detected from its form. Throws {@link Gs1Error} with a
 * one-line reason (bad check digit, unknown AI, bad date, bad length, bad character...).
 */
export function parseGs1(input: string, options: Gs1ParseOptions = {}): Gs1Identity {
  return identityFromElements(parseGs1Elements(input, options));
}

/** Parses a GS1 Digital Link URI (any domain and path stem). Throws {@link Gs1Error}. */
export function parseDigitalLink(input: string, options: Gs1ParseOptions = {}): Gs1Identity {
  return identityFromElements(parseDigitalLinkElements(input, options));
}

/** Parses a bracketed or FNC1/GS-separated element string. Throws {@link Gs1Error}. */
export function parseElementString(input: string, options: Gs1ParseOptions = {}): Gs1Identity {
  return identityFromElements(parseElementStringElements(input, options));
}

/** Parses an EPC URN (sgtin, sscc, sgln, lgtin class, sgtin pattern). Throws {@link Gs1Error}. */
export function parseEpcUrn(input: string, options: Gs1ParseOptions = {}): Gs1Identity {
  return identityFromElements(parseEpcUrnElements(input, options));
}

function describe(id: Gs1Identity): string {
  return JSON.stringify(id);
}

/** Validated AIs of an identity; a {@link Gs1Error} names the identity otherwise. */
function elementsOf(id: Gs1Identity): Gs1Element[] {
  return withInput(describe(id), () => elementsFromIdentity(id));
}

/**
 * The GS1 Digital Link URI of an identity, e.g. `https://id.gs1.org/01/09506000134352/10/A1/21/S1?17=280430`.
 * `base` is the scheme, domain and optional path stem.
 */
export function toDigitalLink(
  id: Gs1Identity,
  base: string = GS1_CANONICAL_BASE,
  format: Omit<DigitalLinkFormat, "base"> = {},
): string {
  return formatDigitalLink(elementsOf(id), { ...format, base });
}

/** The element string of an identity: `(01)...(17)...(10)...(21)...`, or GS-separated when not bracketed. */
export function toElementString(id: Gs1Identity, format: ElementStringFormat): string {
  return formatElementString(elementsOf(id), format);
}

/** `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial` of a serialised pack (needs gtin and serial). */
export function toSgtinUrn(id: Gs1Identity, companyPrefixLength: number): string {
  return withInput(describe(id), () => formatSgtinUrn(elementsFromIdentity(id), companyPrefixLength));
}

/** `urn:epc:id:sscc:CompanyPrefix.SerialRef` of a case or pallet (needs sscc). */
export function toSsccUrn(id: Gs1Identity, companyPrefixLength: number): string {
  return withInput(describe(id), () => formatSsccUrn(elementsFromIdentity(id), companyPrefixLength));
}

/**
 * The EPCIS class of an identity: `urn:epc:class:lgtin:CompanyPrefix.ItemRef.Lot` when it has a lot,
 * else the pattern `urn:epc:idpat:sgtin:CompanyPrefix.ItemRef.*` (for EPCIS quantity lists).
 */
export function toEpcClassUrn(id: Gs1Identity, companyPrefixLength: number): string {
  return withInput(describe(id), () => {
    const elements = elementsFromIdentity(id);
    return id.lot === undefined
      ? formatSgtinPatternUrn(elements, companyPrefixLength)
      : formatLgtinUrn(elements, companyPrefixLength);
  });
}

/**
 * Checks one AI value against the syntax dictionary: format, length, character set (CSET 82 for
 * lots and serials), check digits and dates. Throws {@link Gs1Error}.
 */
export function validateAiValue(ai: string, value: string): void {
  withInput(`(${ai})${value}`, () => checkAiValue(ai, value));
}

/** Checks that a set of AIs read together meets the dictionary's requires/excludes rules. Throws {@link Gs1Error}. */
export function validateAssociations(ais: readonly string[]): void {
  withInput(ais.map((ai) => `(${ai})`).join(""), () => checkAssociations(ais));
}

/** A batch/lot (AI 10): 1 to 20 characters of GS1 character set 82. Throws {@link Gs1Error}. */
export function validateLot(lot: string): void {
  validateAiValue("10", lot);
}

/** A serial number (AI 21): 1 to 20 characters of GS1 character set 82. Throws {@link Gs1Error}. */
export function validateSerial(serial: string): void {
  validateAiValue("21", serial);
}

/** The validated AIs of an identity, in element string order. Throws {@link Gs1Error}. */
export function identityElements(id: Gs1Identity): Gs1Element[] {
  return elementsOf(id);
}
