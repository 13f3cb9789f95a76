/**
 * EPC pure-identity URNs (GS1 EPC Tag Data Standard): `urn:epc:id:sgtin:CompanyPrefix.ItemRef.Serial`,
 * `urn:epc:id:sscc:CompanyPrefix.SerialRef`, `urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension`,
 * the class URN `urn:epc:class:lgtin:CompanyPrefix.ItemRef.Lot` and the pattern
 * `urn:epc:idpat:sgtin:CompanyPrefix.ItemRef.*`. The GS1 key is rebuilt with its check digit:
 * GTIN = indicator digit (first of ItemRef) + CompanyPrefix + rest of ItemRef + check digit.
 */
import type { Gs1Element } from "./ai.js";
import { checkDigitOf } from "./checkdigit.js";
import { finishElements, type Gs1ParseOptions } from "./element-string.js";
import { Gs1Problem, withInput } from "./errors.js";

/** Characters the Tag Data Standard escapes in URN serials and lots (`%22 %25 %26 %2F %3C %3E %3F`). */
function escapeUrnPart(value: string): string {
  return value.replace(/["%&/<>?]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeUrnPart(value: string, what: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) throw new Gs1Problem(`${what}: bad %-escape`, "SYNTAX");
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function companyPrefix(prefix: string): void {
  if (!/^\d+$/.test(prefix)) throw new Gs1Problem(`company prefix "${prefix}" must be digits`, "BAD_CHARACTER");
  if (prefix.length < 6 || prefix.length > 12) {
    throw new Gs1Problem(`company prefix "${prefix}" must have 6 to 12 digits, not ${prefix.length}`, "BAD_LENGTH");
  }
}

function digitsPart(value: string, what: string): void {
  if (!/^\d+$/.test(value)) throw new Gs1Problem(`${what} "${value}" must be digits`, "BAD_CHARACTER");
}

function gtinFrom(prefix: string, itemRef: string): string {
  companyPrefix(prefix);
  digitsPart(itemRef, "item reference");
  if (prefix.length + itemRef.length !== 13) {
    throw new Gs1Problem(
      `company prefix + item reference must be 13 digits, not ${prefix.length + itemRef.length}`,
      "BAD_LENGTH",
    );
  }
  const body = itemRef.slice(0, 1) + prefix + itemRef.slice(1);
  return body + checkDigitOf(body);
}

/** Parses an EPC URN into its AIs. Throws {@link Gs1Error}. */
export function parseEpcUrnElements(input: string, options: Gs1ParseOptions = {}): Gs1Element[] {
  return withInput(input, () => {
    const m = /^urn:epc:(id|class|idpat):([a-z]+):(.+)$/.exec(input);
    if (m === null) throw new Gs1Problem("not an EPC URN (urn:epc:id|class|idpat:<scheme>:<fields>)", "SYNTAX");
    const [, kind, scheme, body = ""] = m;
    const parts = body.split(".");
    const want = (n: number): string[] => {
      if (parts.length !== n)
        throw new Gs1Problem(`${scheme} URN needs ${n} dot-separated fields, not ${parts.length}`, "SYNTAX");
      return parts;
    };
    const elements: Gs1Element[] = [];
    if (kind === "id" && scheme === "sgtin") {
      const [prefix = "", itemRef = "", serial = ""] = want(3);
      elements.push(
        { ai: "01", value: gtinFrom(prefix, itemRef) },
        { ai: "21", value: unescapeUrnPart(serial, "serial") },
      );
    } else if (kind === "idpat" && scheme === "sgtin") {
      const [prefix = "", itemRef = "", serial = ""] = want(3);
      if (serial !== "*")
        throw new Gs1Problem("only the whole-class pattern CompanyPrefix.ItemRef.* is supported", "UNSUPPORTED");
      elements.push({ ai: "01", value: gtinFrom(prefix, itemRef) });
    } else if (kind === "class" && scheme === "lgtin") {
      const [prefix = "", itemRef = "", lot = ""] = want(3);
      elements.push({ ai: "01", value: gtinFrom(prefix, itemRef) }, { ai: "10", value: unescapeUrnPart(lot, "lot") });
    } else if (kind === "id" && scheme === "sscc") {
      const [prefix = "", serialRef = ""] = want(2);
      companyPrefix(prefix);
      digitsPart(serialRef, "serial reference");
      if (prefix.length + serialRef.length !== 17) {
        throw new Gs1Problem(
          `company prefix + serial reference must be 17 digits, not ${prefix.length + serialRef.length}`,
          "BAD_LENGTH",
        );
      }
      const digits = serialRef.slice(0, 1) + prefix + serialRef.slice(1);
      elements.push({ ai: "00", value: digits + checkDigitOf(digits) });
    } else if (kind === "id" && scheme === "sgln") {
      const [prefix = "", locationRef = "", extension = ""] = want(3);
      companyPrefix(prefix);
      if (locationRef !== "") digitsPart(locationRef, "location reference");
      if (prefix.length + locationRef.length !== 12) {
        throw new Gs1Problem(
          `company prefix + location reference must be 12 digits, not ${prefix.length + locationRef.length}`,
          "BAD_LENGTH",
        );
      }
      const digits = prefix + locationRef;
      elements.push({ ai: "414", value: digits + checkDigitOf(digits) });
      if (extension !== "0") elements.push({ ai: "254", value: unescapeUrnPart(extension, "extension") });
    } else {
      throw new Gs1Problem(`EPC scheme urn:epc:${kind}:${scheme} is not supported`, "UNSUPPORTED");
    }
    if (elements.some((el) => el.value === "")) throw new Gs1Problem("empty field in URN", "SYNTAX");
    return finishElements(elements, options);
  });
}

function splitKey(key: string, companyPrefixLength: number): { prefix: string; ref: string } {
  if (!Number.isInteger(companyPrefixLength) || companyPrefixLength < 6 || companyPrefixLength > 12) {
    throw new Gs1Problem(`company prefix length must be 6 to 12, not ${companyPrefixLength}`, "BAD_LENGTH");
  }
  // Key layout: indicator/extension digit, company prefix, reference, check digit.
  return {
    prefix: key.slice(1, 1 + companyPrefixLength),
    ref: key.slice(0, 1) + key.slice(1 + companyPrefixLength, -1),
  };
}

function describeElements(elements: readonly Gs1Element[]): string {
  return elements.map((el) => `(${el.ai})${el.value}`).join("");
}

function need(elements: readonly Gs1Element[], ai: string, what: string): string {
  const el = elements.find((e) => e.ai === ai);
  if (el === undefined) throw new Gs1Problem(`missing AI (${ai}) ${what}`, "MISSING_REQUIRED_AI");
  return el.value;
}

/** `urn:epc:id:sgtin:...` from AIs (01) and (21). */
export function formatSgtinUrn(elements: readonly Gs1Element[], companyPrefixLength: number): string {
  return withInput(describeElements(elements), () => {
    const gtin = need(elements, "01", "GTIN");
    const serial = need(elements, "21", "serial");
    const { prefix, ref } = splitKey(gtin, companyPrefixLength);
    return `urn:epc:id:sgtin:${prefix}.${ref}.${escapeUrnPart(serial)}`;
  });
}

/** `urn:epc:class:lgtin:...` (an EPCIS quantity class: GTIN + lot) from AIs (01) and (10). */
export function formatLgtinUrn(elements: readonly Gs1Element[], companyPrefixLength: number): string {
  return withInput(describeElements(elements), () => {
    const gtin = need(elements, "01", "GTIN");
    const lot = need(elements, "10", "lot");
    const { prefix, ref } = splitKey(gtin, companyPrefixLength);
    return `urn:epc:class:lgtin:${prefix}.${ref}.${escapeUrnPart(lot)}`;
  });
}

/** `urn:epc:idpat:sgtin:...*` (every serial of a GTIN) from AI (01). */
export function formatSgtinPatternUrn(elements: readonly Gs1Element[], companyPrefixLength: number): string {
  return withInput(describeElements(elements), () => {
    const { prefix, ref } = splitKey(need(elements, "01", "GTIN"), companyPrefixLength);
    return `urn:epc:idpat:sgtin:${prefix}.${ref}.*`;
  });
}

/** `urn:epc:id:sscc:...` from AI (00). */
export function formatSsccUrn(elements: readonly Gs1Element[], companyPrefixLength: number): string {
  return withInput(describeElements(elements), () => {
    const { prefix, ref } = splitKey(need(elements, "00", "SSCC"), companyPrefixLength);
    return `urn:epc:id:sscc:${prefix}.${ref}`;
  });
}

/** `urn:epc:id:sgln:...` from AI (414) and optional (254). */
export function formatSglnUrn(elements: readonly Gs1Element[], companyPrefixLength: number): string {
  return withInput(describeElements(elements), () => {
    const gln = need(elements, "414", "GLN");
    const extension = elements.find((e) => e.ai === "254")?.value ?? "0";
    if (!Number.isInteger(companyPrefixLength) || companyPrefixLength < 6 || companyPrefixLength > 12) {
      throw new Gs1Problem(`company prefix length must be 6 to 12, not ${companyPrefixLength}`, "BAD_LENGTH");
    }
    return `urn:epc:id:sgln:${gln.slice(0, companyPrefixLength)}.${gln.slice(companyPrefixLength, 12)}.${escapeUrnPart(extension)}`;
  });
}
