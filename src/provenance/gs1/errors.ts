import { MedChainError } from "../../chain/errors.js";

/** What kind of problem a {@link Gs1Error} reports, for callers that branch on it. */
export type Gs1ErrorCode =
  | "CHECK_DIGIT" // a GS1 key's mod-10 (or alphanumeric) check digit is wrong
  | "UNKNOWN_AI" // an Application Identifier that is not in the syntax dictionary
  | "BAD_DATE" // a date/time component that is not a real date or time
  | "BAD_LENGTH" // too short or too long for the AI's format
  | "BAD_CHARACTER" // a character outside the AI's character set (numeric, CSET 82, 39, 64)
  | "BAD_VALUE" // a value that breaks a content rule of its AI (e.g. a yes/no flag of 2)
  | "MISSING_REQUIRED_AI" // an AI without the AIs it requires (e.g. (21) serial without (01) GTIN)
  | "EXCLUDED_AI" // two AIs that must not occur together
  | "DUPLICATE_AI" // an AI given twice (with different values, or twice in a Digital Link)
  | "SYNTAX" // malformed element string, URI or URN
  | "DIGITAL_LINK_PATH" // a Digital Link path that breaks the key/qualifier rules
  | "NOT_GS1" // input that is none of the supported GS1 formats
  | "UNSUPPORTED"; // a valid GS1 form this SDK does not handle

/**
 * A malformed GS1 identifier. The message is one line: what was being parsed and what is wrong,
 * e.g. `GS1 input "(01)12345678901232": AI (01): bad check digit 2, expected 1`.
 */
export class Gs1Error extends MedChainError {
  /** The whole input that was rejected. */
  readonly input: string;
  /** What is wrong, in a few words (the message without the input). */
  readonly reason: string;
  /** The kind of problem. */
  readonly code: Gs1ErrorCode;

  constructor(input: string, reason: string, code: Gs1ErrorCode) {
    super(`GS1 input ${quote(input)}: ${reason}`);
    this.name = "Gs1Error";
    this.input = input;
    this.reason = reason;
    this.code = code;
  }
}

/** Quotes an input for a one-line message: control characters (the GS separator) are escaped. */
function quote(input: string): string {
  const shown = input.length > 120 ? `${input.slice(0, 117)}...` : input;
  return JSON.stringify(shown);
}

/**
 * A problem found deep in a parser, before the whole input is known. The top-level parsers catch it
 * and rethrow it as a {@link Gs1Error} carrying the full input.
 */
export class Gs1Problem extends Error {
  constructor(
    readonly reason: string,
    readonly code: Gs1ErrorCode,
  ) {
    super(reason);
    this.name = "Gs1Problem";
  }
}

/** Runs a parser body, turning any {@link Gs1Problem} into a {@link Gs1Error} about `input`. */
export function withInput<T>(input: string, body: () => T): T {
  try {
    return body();
  } catch (err) {
    if (err instanceof Gs1Problem) throw new Gs1Error(input, err.reason, err.code);
    throw err;
  }
}
