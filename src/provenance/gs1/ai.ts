/**
 * The Application Identifier table, read from the GS1 Barcode Syntax Dictionary (`syntax-dictionary.ts`),
 * and the checks every parser applies to AI values: format, character set, length, linters, and
 * the requires/excludes rules between AIs.
 *
 * Dictionary entry syntax: `AIs [Flags] Specification [Attributes...] [# Title]`, where flag `*`
 * means a predefined length (no FNC1 separator needed) and `?` a permitted Digital Link data
 * attribute; each specification component is `Type[,linter...]` (N numeric, X CSET 82, Y CSET 39,
 * Z CSET 64; `N5` fixed, `X..20` up to 20; `[...]` optional); attributes are `req=` (one of the
 * listed AIs or `+`-joined groups is needed), `ex=` (must not occur together) and `dlpkey[=...]`
 * (a Digital Link primary key and its ordered qualifier sequences, alternatives split by `|`).
 */
import { Gs1Problem } from "./errors.js";
import { applyLinter, CSET39, CSET82 } from "./linters.js";
import { SYNTAX_DICTIONARY } from "./syntax-dictionary.js";

/** One component of an AI's format, e.g. `N13,csum` or `[X..17]`. */
export interface AiComponent {
  /** N numeric, X CSET 82, Y CSET 39, Z CSET 64 (base64url). */
  readonly charset: "N" | "X" | "Y" | "Z";
  readonly minLength: number;
  readonly maxLength: number;
  readonly optional: boolean;
  readonly linters: readonly string[];
}

/** What the syntax dictionary says about one Application Identifier. */
export interface AiDefinition {
  readonly ai: string;
  readonly title: string;
  /** Predefined length: never followed by an FNC1/GS separator. */
  readonly predefinedLength: boolean;
  /** May be given as a GS1 Digital Link query attribute. */
  readonly dlDataAttribute: boolean;
  readonly components: readonly AiComponent[];
  readonly minLength: number;
  readonly maxLength: number;
  /** Each entry is one requirement: any one of its alternatives, each a set of AI patterns (`31nn`). */
  readonly requires: readonly (readonly (readonly string[])[])[];
  /** AI patterns that must not occur together with this AI. */
  readonly excludes: readonly string[];
  /** Set when the AI is a Digital Link primary key: its alternative ordered qualifier sequences. */
  readonly dlQualifiers?: readonly (readonly string[])[];
}

function parseComponent(token: string): AiComponent {
  const optional = token.startsWith("[");
  const [type = "", ...linters] = token.replace(/[[\]]/g, "").split(",");
  const m = /^([NXYZ])(\.\.)?(\d+)$/.exec(type);
  if (m === null) throw new Error(`syntax dictionary: bad component ${token}`);
  const length = Number(m[3]);
  return {
    charset: m[1] as AiComponent["charset"],
    minLength: m[2] === undefined ? length : 1,
    maxLength: length,
    optional,
    linters,
  };
}

function parseEntry(line: string): AiDefinition[] {
  const hash = line.indexOf("#");
  const title = hash < 0 ? "" : line.slice(hash + 1).trim();
  const tokens = (hash < 0 ? line : line.slice(0, hash)).trim().split(/\s+/);
  const range = tokens.shift() ?? "";
  let flags = "";
  if (tokens[0] !== undefined && /^[*!?"$%&'()+,\-./:;<=>@[\\\]^_`{|}~]+$/.test(tokens[0]))
    flags = tokens.shift() ?? "";
  const components: AiComponent[] = [];
  const requires: string[][][] = [];
  const excludes: string[] = [];
  let dlQualifiers: string[][] | undefined;
  for (const token of tokens) {
    if (token.startsWith("req="))
      requires.push(
        token
          .slice(4)
          .split(",")
          .map((alt) => alt.split("+")),
      );
    else if (token.startsWith("ex=")) excludes.push(...token.slice(3).split(","));
    else if (token === "dlpkey") dlQualifiers = [[]];
    else if (token.startsWith("dlpkey="))
      dlQualifiers = token
        .slice(7)
        .split("|")
        .map((seq) => seq.split(","));
    else components.push(parseComponent(token));
  }
  const [first = "", last = first] = range.split("-");
  const defs: AiDefinition[] = [];
  for (let n = Number(first); n <= Number(last); n++) {
    const ai = String(n).padStart(first.length, "0");
    defs.push({
      ai,
      title,
      predefinedLength: flags.includes("*"),
      dlDataAttribute: flags.includes("?"),
      components,
      minLength: components.filter((c) => !c.optional).reduce((sum, c) => sum + c.minLength, 0),
      maxLength: components.reduce((sum, c) => sum + c.maxLength, 0),
      requires,
      excludes,
      ...(dlQualifiers === undefined ? {} : { dlQualifiers }),
    });
  }
  return defs;
}

function buildTable(text: string): ReadonlyMap<string, AiDefinition> {
  const table = new Map<string, AiDefinition>();
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    for (const def of parseEntry(line)) table.set(def.ai, def);
  }
  return table;
}

/** Every AI of the GS1 Barcode Syntax Dictionary, keyed by its digits ("01", "3103", ...). */
export const AI: ReadonlyMap<string, AiDefinition> = buildTable(SYNTAX_DICTIONARY);

/** Parses dictionary text in the same way (used by the conformance test to compare releases). */
export const parseSyntaxDictionary = buildTable;

/** The AIs this SDK's `Gs1Identity` names directly. */
export const IDENTITY_AIS = { sscc: "00", gtin: "01", lot: "10", expiry: "17", serial: "21" } as const;

/** The definition of `ai`, or a UNKNOWN_AI problem. */
export function aiDefinition(ai: string): AiDefinition {
  const def = AI.get(ai);
  if (def === undefined) {
    if (!/^\d+$/.test(ai)) throw new Gs1Problem(`AI "${ai}" is not numeric`, "SYNTAX");
    throw new Gs1Problem(`unknown AI (${ai})`, "UNKNOWN_AI");
  }
  return def;
}

/** The known AI that `data` starts with (AIs are prefix-free), or undefined. */
export function matchAiPrefix(data: string): AiDefinition | undefined {
  for (let len = 2; len <= 4; len++) {
    const def = AI.get(data.slice(0, len));
    if (def !== undefined) return def;
  }
  return undefined;
}

function charsetProblem(component: AiComponent, value: string): string | undefined {
  for (const ch of value) {
    const ok =
      component.charset === "N"
        ? ch >= "0" && ch <= "9"
        : component.charset === "X"
          ? CSET82.includes(ch)
          : component.charset === "Y"
            ? CSET39.includes(ch)
            : /[A-Za-z0-9_=-]/.test(ch);
    if (!ok) {
      const set = { N: "digits only", X: "GS1 character set 82", Y: "GS1 character set 39", Z: "base64url" };
      return `character ${JSON.stringify(ch)} is not allowed (${set[component.charset]})`;
    }
  }
  if (component.charset === "Z" && /=[^=]/.test(value)) return "'=' padding only at the end";
  return undefined;
}

function formatOf(def: AiDefinition): string {
  return def.components
    .map((c) => {
      const f = `${c.charset}${c.minLength === c.maxLength ? c.maxLength : `..${c.maxLength}`}`;
      return c.optional ? `[${f}]` : f;
    })
    .join(" ");
}

/** Checks `value` against its AI's format, character sets and linters; throws a {@link Gs1Problem}. */
export function validateAiValue(ai: string, value: string): void {
  const def = aiDefinition(ai);
  const where = `AI (${ai})`;
  if (value === "") throw new Gs1Problem(`${where}: empty value`, "BAD_LENGTH");
  let rest = value;
  for (const component of def.components) {
    if (rest === "" && component.optional) break;
    const isLast = component === def.components[def.components.length - 1];
    const variable = component.minLength !== component.maxLength;
    const take = variable ? Math.min(rest.length, component.maxLength) : component.maxLength;
    const part = rest.slice(0, take);
    const charProblem = charsetProblem(component, part);
    if (charProblem !== undefined) throw new Gs1Problem(`${where}: ${charProblem}`, "BAD_CHARACTER");
    if (part.length < component.minLength || (isLast && rest.length > take)) {
      throw new Gs1Problem(
        `${where}: bad length ${value.length} for format ${formatOf(def)} (${def.minLength === def.maxLength ? def.maxLength : `${def.minLength}..${def.maxLength}`} characters)`,
        "BAD_LENGTH",
      );
    }
    for (const linter of component.linters) {
      try {
        applyLinter(linter, part);
      } catch (err) {
        if (err instanceof Gs1Problem) throw new Gs1Problem(`${where}: ${err.reason}`, err.code);
        throw err;
      }
    }
    rest = rest.slice(take);
  }
  if (rest !== "") throw new Gs1Problem(`${where}: bad length ${value.length}, at most ${def.maxLength}`, "BAD_LENGTH");
}

function matchesPattern(ai: string, pattern: string): boolean {
  if (ai.length !== pattern.length) return false;
  for (let i = 0; i < ai.length; i++) if (pattern[i] !== "n" && pattern[i] !== ai[i]) return false;
  return true;
}

/**
 * Checks the requires (`req=`) and excludes (`ex=`) rules of the syntax dictionary over a set of
 * AIs read together, e.g. (21) serial needs (01) GTIN; (01) and (02) must not occur together.
 */
export function validateAssociations(ais: readonly string[]): void {
  const present = [...new Set(ais)];
  for (const ai of present) {
    const def = aiDefinition(ai);
    for (const pattern of def.excludes) {
      const clash = present.find((other) => other !== ai && matchesPattern(other, pattern));
      if (clash !== undefined) {
        throw new Gs1Problem(`AI (${ai}) and AI (${clash}) must not occur together`, "EXCLUDED_AI");
      }
    }
    for (const requirement of def.requires) {
      const met = requirement.some((group) =>
        group.every((pattern) => present.some((other) => other !== ai && matchesPattern(other, pattern))),
      );
      if (!met) {
        const options = requirement.map((group) => group.map((p) => `(${p})`).join("+")).join(" or ");
        throw new Gs1Problem(`AI (${ai}) requires ${options}`, "MISSING_REQUIRED_AI");
      }
    }
  }
}

/** One AI and its value, in the order read. */
export interface Gs1Element {
  readonly ai: string;
  readonly value: string;
  /** True for elements in the 2D component of a composite symbol (after `|`). */
  readonly composite?: boolean;
}

/**
 * Drops exact repeats of an element (the same AI with the same value is allowed, GS1 General
 * Specifications 4.14); throws DUPLICATE_AI when an AI repeats with a different value.
 */
export function collapseDuplicates(elements: readonly Gs1Element[]): Gs1Element[] {
  const seen = new Map<string, string>();
  const out: Gs1Element[] = [];
  for (const el of elements) {
    const prior = seen.get(el.ai);
    if (prior === undefined) {
      seen.set(el.ai, el.value);
      out.push(el);
    } else if (prior !== el.value) {
      throw new Gs1Problem(`AI (${el.ai}) given twice with different values`, "DUPLICATE_AI");
    }
  }
  return out;
}
