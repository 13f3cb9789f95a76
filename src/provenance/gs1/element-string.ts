/**
 * GS1 element strings: bracketed human-readable form `(01)09506000134352(17)280430(10)A1(21)S1`,
 * and unbracketed scanner data where FNC1 is sent as the GS character (ASCII 29), optionally led
 * by a symbology identifier (`]d2` DataMatrix, `]C1` GS1-128, `]Q3` QR, `]e0` DataBar, `]J1` DotCode).
 * The GS1 Barcode Syntax Engine's notation `^` for FNC1 is accepted too (`^` is outside CSET 82,
 * so it can never be data).
 */
import {
  aiDefinition,
  collapseDuplicates,
  type Gs1Element,
  matchAiPrefix,
  validateAiValue,
  validateAssociations,
} from "./ai.js";
import { Gs1Problem, withInput } from "./errors.js";

/** The group separator character that stands for FNC1 in transmitted scanner data. */
export const GS = "\u001d";

/** Symbology identifiers that announce GS1 data (FNC1 in first position). */
export const GS1_SYMBOLOGY_IDENTIFIERS = ["]C1", "]d2", "]Q3", "]e0", "]J1"] as const;

/** Options shared by the parsers. */
export interface Gs1ParseOptions {
  /**
   * Unbracketed data must start with FNC1 (a GS1 symbology identifier, GS or `^`), as the GS1
   * syntax engine requires. Default false: raw keyboard-wedge scanner data such as
   * `0109506000134352172804301OA1` is accepted too.
   */
  readonly requireFnc1?: boolean;
  /** Check the dictionary's requires/excludes rules between AIs. Default true. */
  readonly validateAssociations?: boolean;
  /** Digital Link: accept a GTIN-8, -12 or -13 in the path and pad it to 14 digits. Default false. */
  readonly permitZeroSuppressedGtin?: boolean;
  /** Digital Link: accept the DL 1.0 short names (`/gtin/`, `/lot/`, `/ser/` ...). Default false. */
  readonly permitConvenienceAlphas?: boolean;
  /** Digital Link: accept a compressed Digital Link (`https://example.com/ARHKVAdpQg`). Default false. */
  readonly permitCompressed?: boolean;
}

/** Validates every value and (unless disabled) the AI associations; collapses identical repeats. */
export function finishElements(elements: Gs1Element[], options: Gs1ParseOptions): Gs1Element[] {
  for (const el of elements) validateAiValue(el.ai, el.value);
  const unique = collapseDuplicates(elements);
  if (options.validateAssociations !== false) validateAssociations(unique.map((el) => el.ai));
  return unique;
}

function parseBracketedPart(text: string, composite: boolean, out: Gs1Element[]): void {
  if (!text.startsWith("("))
    throw new Gs1Problem("a bracketed element string must start with an AI in brackets", "SYNTAX");
  let i = 0;
  while (i < text.length) {
    const close = text.indexOf(")", i);
    if (close < 0)
      throw new Gs1Problem(`AI bracket not closed after ${JSON.stringify(text.slice(i, i + 8))}`, "SYNTAX");
    const ai = text.slice(i + 1, close);
    if (!/^\d+$/.test(ai)) throw new Gs1Problem(`AI "${ai}" is not numeric`, "SYNTAX");
    if (ai.length < 2 || ai.length > 4) throw new Gs1Problem(`AI "${ai}" must have 2 to 4 digits`, "SYNTAX");
    aiDefinition(ai);
    let value = "";
    i = close + 1;
    while (i < text.length && text[i] !== "(") {
      if (text[i] === "\\" && text[i + 1] === "(") {
        value += "(";
        i += 2;
      } else {
        value += text[i];
        i += 1;
      }
    }
    if (value === "") throw new Gs1Problem(`AI (${ai}): empty value`, "BAD_LENGTH");
    out.push(composite ? { ai, value, composite } : { ai, value });
  }
}

function parseUnbracketedPart(text: string, composite: boolean, out: Gs1Element[]): void {
  let i = 0;
  while (i < text.length) {
    if (text[i] === GS) {
      i += 1; // separator (or superfluous trailing FNC1)
      continue;
    }
    const def = matchAiPrefix(text.slice(i));
    if (def === undefined) {
      const shown = text.slice(i, i + 2);
      throw new Gs1Problem(
        /^\d\d$/.test(shown) ? `unknown AI (${shown}...)` : `no AI at ${JSON.stringify(text.slice(i, i + 6))}`,
        /^\d\d$/.test(shown) ? "UNKNOWN_AI" : "SYNTAX",
      );
    }
    const start = i + def.ai.length;
    let end: number;
    if (def.predefinedLength) {
      end = Math.min(start + def.maxLength, text.length);
    } else {
      const sep = text.indexOf(GS, start);
      end = sep < 0 ? text.length : sep;
    }
    const value = text.slice(start, end);
    if (value === "") throw new Gs1Problem(`AI (${def.ai}): empty value`, "BAD_LENGTH");
    if (value.includes(GS))
      throw new Gs1Problem(`AI (${def.ai}): fixed-length value interrupted by FNC1`, "BAD_LENGTH");
    out.push(composite ? { ai: def.ai, value, composite } : { ai: def.ai, value });
    i = end;
  }
}

/** Splits off a leading FNC1 marker; reports whether one was there. */
function stripFnc1(text: string): { data: string; fnc1: boolean } {
  for (const id of GS1_SYMBOLOGY_IDENTIFIERS)
    if (text.startsWith(id)) return { data: text.slice(id.length), fnc1: true };
  if (text.startsWith("]"))
    throw new Gs1Problem(`symbology identifier ${text.slice(0, 3)} does not announce GS1 data`, "NOT_GS1");
  if (text.startsWith(GS)) return { data: text.slice(1), fnc1: true };
  return { data: text, fnc1: false };
}

/**
 * Parses a GS1 element string into its AIs, in order: bracketed `(01)...(10)...`, or unbracketed
 * with GS (or `^`) separators, with or without a symbology identifier. A `|` separates the linear
 * and 2D parts of a composite symbol. Throws {@link Gs1Error}.
 */
export function parseElementStringElements(input: string, options: Gs1ParseOptions = {}): Gs1Element[] {
  return withInput(input, () => {
    if (input === "") throw new Gs1Problem("empty input", "SYNTAX");
    const elements: Gs1Element[] = [];
    const parts = input.split("|");
    if (parts.length > 2) throw new Gs1Problem("more than one '|' composite separator", "SYNTAX");
    const bracketedInput = input.startsWith("(");
    parts.forEach((part, index) => {
      const composite = index === 1;
      if (bracketedInput) return parseBracketedPart(part, composite, elements);
      const { data, fnc1 } = stripFnc1(part.replaceAll("^", GS));
      if (!fnc1 && options.requireFnc1 === true) {
        throw new Gs1Problem("unbracketed GS1 data must start with FNC1 (symbology identifier or GS)", "NOT_GS1");
      }
      if (!fnc1 && !/^\d/.test(data))
        throw new Gs1Problem("not a GS1 element string: it must start with an AI", "NOT_GS1");
      parseUnbracketedPart(data, composite, elements);
    });
    return finishElements(elements, options);
  });
}

/** Options for {@link formatElementString}. */
export interface ElementStringFormat {
  /** `(01)...(10)...` when true; FNC1-separated data when false. */
  readonly bracketed: boolean;
  /** Unbracketed only: the FNC1 character, GS (default) or `^` (syntax-engine notation). */
  readonly fnc1?: "gs" | "caret";
  /** Unbracketed only: a leading FNC1 marker, e.g. `]d2` for a GS1 DataMatrix, or "fnc1". None by default. */
  readonly prefix?: string;
}

/**
 * Writes AIs as an element string; FNC1 follows every AI not of predefined length, except the
 * last. Each value is validated first. Throws {@link Gs1Error}.
 */
export function formatElementString(elements: readonly Gs1Element[], format: ElementStringFormat): string {
  return withInput(elements.map((el) => `(${el.ai})${el.value}`).join(""), () => {
    for (const el of elements) validateAiValue(el.ai, el.value);
    return writeElementString(elements, format);
  });
}

function writeElementString(elements: readonly Gs1Element[], format: ElementStringFormat): string {
  const sep = format.fnc1 === "caret" ? "^" : GS;
  let out = "";
  let inComposite = false;
  elements.forEach((el, index) => {
    if (el.composite === true && !inComposite) {
      inComposite = true;
      out += format.bracketed ? "|" : `|${sep}`;
    } else if (index === 0 && !format.bracketed) {
      out += format.prefix ?? "";
    }
    if (format.bracketed) {
      out += `(${el.ai})${el.value.replaceAll("(", "\\(")}`;
    } else {
      out += el.ai + el.value;
      const next = elements[index + 1];
      const endOfPart = next === undefined || (next.composite === true && el.composite !== true);
      if (!endOfPart && !aiDefinition(el.ai).predefinedLength) out += sep;
    }
  });
  return out;
}
