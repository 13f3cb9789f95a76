/**
 * GS1 Digital Link URIs (GS1 Digital Link standard 1.2+ URI syntax): `https://{any domain}/{optional
 * stem}/{primary key AI}/{value}[/{qualifier AI}/{value}...][?{AI}={value}&...][#fragment]`.
 * The primary key is the rightmost AI in the path that is a key; its qualifiers must follow one of
 * its ordered sequences from the syntax dictionary; query attributes must be AIs permitted as data
 * attributes and not qualifiers of the key; non-numeric query parameters (linkType...) are ignored.
 */
import { AI, aiDefinition, collapseDuplicates, type AiDefinition, type Gs1Element, validateAiValue } from "./ai.js";
import { compressSegment, decompressSegment } from "./compression.js";
import { finishElements, type Gs1ParseOptions } from "./element-string.js";
import { Gs1Problem, withInput } from "./errors.js";

/** GS1 Digital Link 1.0 short names ("convenience alphas") of path AIs. */
export const CONVENIENCE_ALPHAS: Readonly<Record<string, string>> = {
  gtin: "01",
  itip: "8006",
  gmn: "8013",
  cpid: "8010",
  gln: "414",
  party: "417",
  gsrnp: "8017",
  gsrn: "8018",
  gcn: "255",
  sscc: "00",
  gdti: "253",
  ginc: "401",
  gsin: "402",
  grai: "8003",
  giai: "8004",
  cpv: "22",
  lot: "10",
  ser: "21",
  tpx: "235",
  glnx: "254",
  cpsn: "8011",
  srin: "8019",
  uic: "7040",
};
const SHORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(CONVENIENCE_ALPHAS).map(([alpha, ai]) => [ai, alpha]),
);

/** The canonical GS1 resolver, the default stem of generated Digital Links. */
export const GS1_CANONICAL_BASE = "https://id.gs1.org";

const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

function percentDecode(raw: string, where: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new Gs1Problem(`${where}: bad percent-encoding in ${JSON.stringify(raw)}`, "SYNTAX");
  }
  if (decoded.includes("\u0000")) throw new Gs1Problem(`${where}: NUL character in value`, "BAD_CHARACTER");
  return decoded;
}

/** Decodes a non-AI query value, keeping it as written when its %-escapes are broken. */
function looseDecode(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return raw;
  }
}

function checkAuthority(authority: string): void {
  if (authority === "") throw new Gs1Problem("no domain", "SYNTAX");
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(authority);
  if (m === null || (m[2] !== undefined && Number(m[2]) > 65535)) {
    throw new Gs1Problem(`bad domain ${JSON.stringify(authority)}`, "SYNTAX");
  }
}

/** Qualifier sequences of `key` that are consistent with the qualifiers seen so far (in order). */
function consistentSequences(key: AiDefinition, qualifiers: readonly string[]): (readonly string[])[] {
  return (key.dlQualifiers ?? [[]]).filter((seq) => {
    let pos = -1;
    for (const q of qualifiers) {
      const at = seq.indexOf(q);
      if (at <= pos) return false;
      pos = at;
    }
    return true;
  });
}

/** A parsed GS1 Digital Link URI. */
export interface DigitalLinkParts {
  /** The AIs: primary key and qualifiers in path order, then query attributes in query order. */
  readonly elements: Gs1Element[];
  /** Scheme, domain and custom path stem before the primary key (or the compressed segment). */
  readonly stem: string;
  /** Query parameters that are not AIs (`linkType`, ...), in order. */
  readonly otherParams: [string, string][];
  /** True when the path was a compressed Digital Link. */
  readonly compressed: boolean;
}

/**
 * Parses a GS1 Digital Link URI into its AIs: the primary key and qualifiers in path order, then
 * the query attributes in query order. Throws {@link Gs1Error}.
 */
export function parseDigitalLinkElements(input: string, options: Gs1ParseOptions = {}): Gs1Element[] {
  return parseDigitalLinkParts(input, options).elements;
}

/** The pieces of a Digital Link URI, before any AI is read. */
interface UriPieces {
  /** `https://domain[:port]`. */
  readonly origin: string;
  /** Path segments after the domain (none empty). */
  readonly segments: string[];
  /** The query string without `?` (fragment dropped). */
  readonly query: string;
}

function splitUri(input: string): UriPieces {
  const scheme = /^(https?|HTTPS?):\/\//.exec(input);
  if (scheme === null) {
    const reason = /^https?:\/\//i.test(input)
      ? "mixed-case URI scheme"
      : "a Digital Link starts with http:// or https://";
    throw new Gs1Problem(reason, "SYNTAX");
  }
  const bad = [...input].find((ch) => !URI_CHARS.test(ch));
  if (bad !== undefined) throw new Gs1Problem(`illegal URI character ${JSON.stringify(bad)}`, "BAD_CHARACTER");
  let rest = input.slice(scheme[0].length);
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  const query = q >= 0 ? rest.slice(q + 1) : "";
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf("/");
  checkAuthority(slash < 0 ? rest : rest.slice(0, slash));
  if (slash < 0 || slash === rest.length - 1) throw new Gs1Problem("no path information", "DIGITAL_LINK_PATH");
  const segments = rest.slice(slash + 1).split("/");
  if (segments[segments.length - 1] === "")
    throw new Gs1Problem("a Digital Link must not end in '/'", "DIGITAL_LINK_PATH");
  if (segments.includes("")) throw new Gs1Problem("empty path element", "DIGITAL_LINK_PATH");
  return { origin: scheme[0] + rest.slice(0, slash), segments, query };
}

/** Index of the primary key AI: the rightmost key found walking back over (AI, value) pairs; -1 if none. */
function findPrimaryKey(segments: readonly string[], aiOf: (segment: string) => string): number {
  for (let i = segments.length - 2; i >= 0; i -= 2) {
    const ai = aiOf(segments[i] ?? "");
    if (!/^\d+$/.test(ai)) return -1;
    if (AI.get(ai)?.dlQualifiers !== undefined) return i;
  }
  return -1;
}

/** Query parameters that are not AIs (`linkType=...`); valueless ones are dropped. */
function nonAiParams(query: string): [string, string][] {
  const params: [string, string][] = [];
  for (const param of query.split("&")) {
    const eq = param.indexOf("=");
    const name = param.slice(0, eq);
    if (eq > 0 && !/^\d+$/.test(name)) params.push([name, looseDecode(param.slice(eq + 1))]);
  }
  return params;
}

/** The AI query attributes, checked against the primary key's remaining qualifier sequences. */
function queryAttributes(query: string, key: AiDefinition, sequences: readonly (readonly string[])[]): Gs1Element[] {
  const elements: Gs1Element[] = [];
  for (const param of query.split("&")) {
    const eq = param.indexOf("=");
    if (eq < 0) continue; // empty or valueless parameter
    const name = param.slice(0, eq);
    if (!/^\d+$/.test(name)) continue; // not an AI: linkType, context, ...
    const def = AI.get(name);
    if (def === undefined) throw new Gs1Problem(`unknown AI (${name}) in query`, "UNKNOWN_AI");
    const value = percentDecode(param.slice(eq + 1).replaceAll("+", " "), `AI (${name})`);
    if (value === "") throw new Gs1Problem(`AI (${name}): empty value in query`, "BAD_LENGTH");
    if (sequences.some((seq) => seq.includes(name))) {
      throw new Gs1Problem(
        `AI (${name}) is a key qualifier of (${key.ai}) and belongs in the path`,
        "DIGITAL_LINK_PATH",
      );
    }
    if (!def.dlDataAttribute) {
      throw new Gs1Problem(`AI (${name}) is not permitted as a Digital Link data attribute`, "DIGITAL_LINK_PATH");
    }
    elements.push({ ai: name, value });
  }
  return elements;
}

function parseCompressed(pieces: UriPieces, options: Gs1ParseOptions): DigitalLinkParts {
  const { origin, segments, query } = pieces;
  const decoded = decompressSegment(segments[segments.length - 1] ?? "");
  if (!decoded.elements.some((el) => AI.get(el.ai)?.dlQualifiers !== undefined)) {
    throw new Gs1Problem("compressed Digital Link holds no GS1 primary key", "DIGITAL_LINK_PATH");
  }
  const stem =
    origin +
    segments
      .slice(0, -1)
      .map((seg) => `/${seg}`)
      .join("");
  return {
    elements: finishElements(decoded.elements, options),
    stem,
    otherParams: [...decoded.otherParams, ...nonAiParams(query)],
    compressed: true,
  };
}

/** Parses a GS1 Digital Link URI into its AIs, stem and non-AI parameters. Throws {@link Gs1Error}. */
export function parseDigitalLinkParts(input: string, options: Gs1ParseOptions = {}): DigitalLinkParts {
  return withInput(input, () => {
    const pieces = splitUri(input);
    const { origin, segments, query } = pieces;
    const aiOf = (segment: string): string =>
      options.permitConvenienceAlphas === true ? (CONVENIENCE_ALPHAS[segment] ?? segment) : segment;
    const keyAt = findPrimaryKey(segments, aiOf);
    if (keyAt < 0) {
      if (options.permitCompressed === true && /^[A-Za-z0-9_-]+$/.test(segments[segments.length - 1] ?? "")) {
        return parseCompressed(pieces, options);
      }
      throw new Gs1Problem("no GS1 primary key AI in the path", "DIGITAL_LINK_PATH");
    }
    const key = aiDefinition(aiOf(segments[keyAt] ?? ""));
    let keyValue = percentDecode(segments[keyAt + 1] ?? "", `AI (${key.ai})`);
    if (key.ai === "01" && options.permitZeroSuppressedGtin === true && /^(\d{8}|\d{12}|\d{13})$/.test(keyValue)) {
      keyValue = keyValue.padStart(14, "0");
    }
    const elements: Gs1Element[] = [{ ai: key.ai, value: keyValue }];
    const qualifiers: string[] = [];
    for (let i = keyAt + 2; i < segments.length; i += 2) {
      const ai = aiOf(segments[i] ?? "");
      if (!/^\d+$/.test(ai)) throw new Gs1Problem(`path element "${ai}" is not an AI`, "DIGITAL_LINK_PATH");
      if (!AI.has(ai)) throw new Gs1Problem(`unknown AI (${ai}) in path`, "UNKNOWN_AI");
      if (consistentSequences(key, [...qualifiers, ai]).length === 0) {
        throw new Gs1Problem(`AI (${ai}) is not a key qualifier of (${key.ai}) in this position`, "DIGITAL_LINK_PATH");
      }
      qualifiers.push(ai);
      elements.push({ ai, value: percentDecode(segments[i + 1] ?? "", `AI (${ai})`) });
    }
    elements.push(...queryAttributes(query, key, consistentSequences(key, qualifiers)));
    const seen = new Set<string>();
    for (const el of elements) {
      if (seen.has(el.ai)) throw new Gs1Problem(`duplicate AI (${el.ai})`, "DUPLICATE_AI");
      seen.add(el.ai);
    }
    const stem =
      origin +
      segments
        .slice(0, keyAt)
        .map((seg) => `/${seg}`)
        .join("");
    return { elements: finishElements(elements, options), stem, otherParams: nonAiParams(query), compressed: false };
  });
}

/** Options for {@link formatDigitalLink}. */
export interface DigitalLinkFormat {
  /** Scheme, domain and optional path stem; default `https://id.gs1.org`. */
  readonly base?: string;
  /** Write the DL 1.0 short names (`/gtin/`, `/lot/`, `/ser/`) instead of numeric AIs in the path. */
  readonly useShortNames?: boolean;
}

/** Percent-encodes everything except RFC 3986 unreserved characters. */
function encodeValue(value: string): string {
  return [...value]
    .map((ch) =>
      /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
}

function normalizeBase(base: string): string {
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(base)) {
    throw new Gs1Problem(
      `Digital Link base ${JSON.stringify(base)} must be http(s)://domain[/stem] without query`,
      "SYNTAX",
    );
  }
  return base.replace(/\/+$/, "");
}

/**
 * Writes AIs as a GS1 Digital Link URI: the first primary key in the path, followed by the
 * qualifiers of its best-matching sequence in that sequence's order; every other AI becomes a
 * query attribute in input order (it must be permitted as one). Values are validated first;
 * identical repeats collapse. Throws {@link Gs1Error}.
 */
export function formatDigitalLink(elements: readonly Gs1Element[], format: DigitalLinkFormat = {}): string {
  const input = elements.map((el) => `(${el.ai})${el.value}`).join("");
  return withInput(input, () => {
    const base = normalizeBase(format.base ?? GS1_CANONICAL_BASE);
    for (const el of elements) validateAiValue(el.ai, el.value);
    const unique = collapseDuplicates(elements);
    const keyElement = unique.find((el) => AI.get(el.ai)?.dlQualifiers !== undefined);
    if (keyElement === undefined)
      throw new Gs1Problem("no GS1 primary key AI: a Digital Link needs one", "DIGITAL_LINK_PATH");
    const key = aiDefinition(keyElement.ai);
    const present = new Set(unique.map((el) => el.ai));
    let best: readonly string[] = [];
    let bestCount = -1;
    for (const seq of key.dlQualifiers ?? [[]]) {
      const count = seq.filter((ai) => present.has(ai)).length;
      if (count > bestCount) {
        best = seq;
        bestCount = count;
      }
    }
    const name = (ai: string): string => (format.useShortNames === true ? (SHORT_NAMES[ai] ?? ai) : ai);
    let path = `/${name(key.ai)}/${encodeValue(keyElement.value)}`;
    for (const ai of best) {
      const el = unique.find((e) => e.ai === ai);
      if (el !== undefined) path += `/${name(ai)}/${encodeValue(el.value)}`;
    }
    const query: string[] = [];
    for (const el of unique) {
      if (el === keyElement || best.includes(el.ai)) continue;
      if (!aiDefinition(el.ai).dlDataAttribute) {
        throw new Gs1Problem(`AI (${el.ai}) is not permitted as a Digital Link data attribute`, "DIGITAL_LINK_PATH");
      }
      query.push(`${el.ai}=${encodeValue(el.value)}`);
    }
    return base + path + (query.length > 0 ? `?${query.join("&")}` : "");
  });
}

/**
 * A compressed GS1 Digital Link (`{base}/{base64url}`) of AIs, carrying non-AI parameters too.
 * Values are validated first. Throws {@link Gs1Error}.
 */
export function formatCompressedDigitalLink(
  elements: readonly Gs1Element[],
  base: string = GS1_CANONICAL_BASE,
  otherParams: readonly [string, string][] = [],
): string {
  const input = elements.map((el) => `(${el.ai})${el.value}`).join("");
  return withInput(input, () => {
    const unique = finishElements([...elements], {});
    if (!unique.some((el) => AI.get(el.ai)?.dlQualifiers !== undefined)) {
      throw new Gs1Problem("no GS1 primary key AI: a Digital Link needs one", "DIGITAL_LINK_PATH");
    }
    return `${normalizeBase(base)}/${compressSegment(unique, otherParams)}`;
  });
}

/** Compresses an uncompressed GS1 Digital Link URI, keeping its stem and non-AI parameters. */
export function compressDigitalLink(uri: string, options: Gs1ParseOptions = {}): string {
  const parts = parseDigitalLinkParts(uri, options);
  return formatCompressedDigitalLink(parts.elements, parts.stem, parts.otherParams);
}

/** Expands a compressed GS1 Digital Link URI into the uncompressed form on the same stem. */
export function decompressDigitalLink(uri: string, options: Gs1ParseOptions = {}): string {
  const parts = parseDigitalLinkParts(uri, { ...options, permitCompressed: true });
  return formatDigitalLink(parts.elements, { base: parts.stem });
}
