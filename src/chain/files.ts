import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

import { isAddress } from "ethers";
import { visit } from "jsonc-parser";
import { z } from "zod";

import { badInput } from "./errors.js";

/** Default size bound of a JSON input (a FHIR Bundle, an EPCIS document): 64 MiB. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface ReadFileOptions {
  /** Refuse files larger than this (default {@link DEFAULT_MAX_JSON_BYTES}). */
  maxBytes?: number;
}

/** A JSON path as operators read it: `entry[2].resource.status`, `(root)` for the document itself. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === "" ? "(root)" : out;
}

/**
 * Opened without blocking: opening a named pipe (FIFO) for reading otherwise waits for a writer for
 * ever. Reads of a regular file ignore the flag.
 */
export const OPEN_FOR_READING = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Why `info` is no file to read as input, or undefined for a regular file: a folder, or a device,
 * pipe or socket (whose size says nothing: `/dev/zero` never ends, a FIFO may never answer).
 */
export function notAFile(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  return info.isDirectory() ? "is a folder, not a file" : "is not a regular file (a device, pipe or socket)";
}

/**
 * Reads a file's bytes, refusing a missing file, a folder, anything but a regular file, or one over
 * `maxBytes` (checked before reading, so a huge file is not loaded to be refused), naming the file.
 * Synchronous: the asynchronous reads of `fs/promises` wait for a turn of the thread pool per call,
 * which made reading thousands of small files many times slower (see {@link readEach}); an input
 * file is read whole before it is used anyway.
 */
export function readBoundedFileSync(file: string, options: ReadFileOptions = {}): Buffer {
  const max = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  let fd: number;
  try {
    fd = openSync(file, OPEN_FOR_READING);
  } catch (err) {
    throw badInput(openProblem(err as NodeJS.ErrnoException), { file });
  }
  try {
    const info = fstatSync(fd);
    const problem = notAFile(info);
    if (problem !== undefined) throw badInput(problem, { file });
    if (info.size > max) throw badInput(`is ${info.size} bytes, more than the limit of ${max}`, { file });
    // Read up to the bound, not to the end: a file may say it is small and never end (FUSE, procfs).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(max + 1 - total, Math.max(info.size + 1 - total, 64 * 1024)));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw badInput(`is more than the limit of ${max} bytes`, { file });
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** {@link readBoundedFileSync}, as a promise (the one way every module reads an input file). */
export async function readBoundedFile(file: string, options: ReadFileOptions = {}): Promise<Buffer> {
  return readBoundedFileSync(file, options);
}

/** Why a file could not be opened, in words (the errno code in brackets for a search). */
function openProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return `cannot be read: permission denied (${err.code})`;
    case "ELOOP":
      return "cannot be read: a loop of symbolic links (ELOOP)";
    case "ENOTDIR":
      return "no such file (a part of the path is not a folder)";
    case "ENAMETOOLONG":
      return "the path is too long (ENAMETOOLONG)";
    default:
      return `cannot be read (${err.code ?? err.message})`;
  }
}

/**
 * Reads a text file the one way every module does: size-bounded (default
 * {@link DEFAULT_MAX_JSON_BYTES}), strict UTF-8 with a byte-order mark dropped, and no NUL
 * character (a binary file or a truncated copy, never text an operator wrote), naming the file.
 */
export async function readTextFile(file: string, options: ReadFileOptions = {}): Promise<string> {
  const text = decodeUtf8(await readBoundedFile(file, options), file);
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    const line = text.slice(0, nul).split("\n").length;
    throw badInput(`line ${line}: contains a NUL character (a binary file, not text)`, { file });
  }
  return text;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 strictly (invalid bytes are an error, not U+FFFD) and drops a byte-order mark. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return UTF8.decode(bytes); // ignoreBOM: false strips a leading BOM
  } catch {
    throw badInput("is not valid UTF-8 text", { file });
  }
}

interface JsonSpot {
  path: (string | number)[];
  line: number;
  column: number;
}

/**
 * One walk over JSON text finding what `JSON.parse` would silently paper over: the first key that
 * occurs twice in one object (it keeps the last value, so a document could say two things at once:
 * `"status": "final", …, "status": "entered-in-error"`), and the first number literal a JavaScript
 * number cannot hold exactly (`9007199254740993`, an amount with more digits than a double keeps,
 * `1e400`), which would change between the file and the chain. jsonc-parser's visitor (Microsoft's,
 * the one VS Code uses) walks the text once without building a tree; it decodes escapes in keys, so
 * `"a"` and `"\u0061"` are the same key.
 */
type JsonScan = {
  duplicate?: JsonSpot & { key: string };
  inexact?: JsonSpot & { literal: string };
  /** The first number literal beyond a double's range (`1e400`: Infinity once parsed). */
  unbounded?: JsonSpot & { literal: string };
};

function scanJson(text: string): JsonScan {
  const stack: Set<string>[] = [];
  const out: JsonScan = {};
  visit(
    text,
    {
      onObjectBegin: () => void stack.push(new Set()),
      onObjectEnd: () => void stack.pop(),
      onObjectProperty: (property, _offset, _length, startLine, startCharacter, pathSupplier) => {
        const keys = stack[stack.length - 1]!;
        if (out.duplicate === undefined && keys.has(property)) {
          out.duplicate = {
            key: property,
            path: [...pathSupplier(), property],
            line: startLine + 1,
            column: startCharacter + 1,
          };
        }
        keys.add(property);
      },
      onLiteralValue: (value, offset, length, startLine, startCharacter, pathSupplier) => {
        if ((out.inexact !== undefined && out.unbounded !== undefined) || typeof value !== "number") return;
        const literal = text.slice(offset, offset + length);
        if (out.inexact === undefined && !sameDecimal(literal, value)) {
          out.inexact = { literal, path: pathSupplier(), line: startLine + 1, column: startCharacter + 1 };
        }
        if (out.unbounded === undefined && !Number.isFinite(value)) {
          out.unbounded = { literal, path: pathSupplier(), line: startLine + 1, column: startCharacter + 1 };
        }
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return out;
}

/** The first key that occurs twice in one object, with its path (see {@link scanJson}). */
export function findDuplicateKey(text: string): (JsonSpot & { key: string }) | undefined {
  return scanJson(text).duplicate;
}

/** The first number literal a JavaScript number cannot hold exactly, with its path (see {@link scanJson}). */
export function findInexactNumber(text: string): (JsonSpot & { literal: string }) | undefined {
  return scanJson(text).inexact;
}

/** Whether a JSON number literal and the double it parsed to denote the same decimal number. */
function sameDecimal(literal: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  return decimalKey(literal) === decimalKey(String(value));
}

/** A canonical form of a decimal literal (`-1.50e2` and `-150` alike): sign, digits, exponent. */
function decimalKey(literal: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (m === null) return literal;
  const digits = (m[2] ?? "") + (m[3] ?? "");
  let exponent = Number(m[4] ?? "0") - (m[3] ?? "").length;
  const trimmedLeft = digits.replace(/^0+/, "");
  if (trimmedLeft === "") return "0"; // zero, and negative zero, are zero
  const trimmed = trimmedLeft.replace(/0+$/, "");
  exponent += trimmedLeft.length - trimmed.length;
  return `${m[1]}${trimmed}e${exponent}`;
}

/**
 * Parses JSON text strictly: syntax errors with their line and column, a duplicate key refused with
 * its path, and so is a number JavaScript cannot hold exactly. `file` names the source in errors.
 * `exactNumbers: false` (a standard document whose numbers the reader never puts on chain, such as
 * an EPCIS sensor report's `0.10000000000000001` from a `%.17g` writer) still refuses a number no
 * double can hold at all (`1e400`).
 */
export function parseJsonText(text: string, file: string, options: { exactNumbers?: boolean } = {}): unknown {
  let value: unknown;
  if (text.trim() === "") throw badInput("is empty, not JSON", { file });
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.replace(/^JSON\.parse: /, "").slice(0, 200);
    throw badInput(`is not JSON: ${message}`, { file });
  }
  let scanned: ReturnType<typeof scanJson>;
  try {
    scanned = scanJson(text);
  } catch (err) {
    // jsonc-parser's visitor recurses per level: thousands of nested arrays overflow the stack
    if (err instanceof RangeError)
      throw badInput("is nested too deeply (thousands of levels) to be an input", { file });
    throw err;
  }
  const { duplicate: dup } = scanned;
  const inexact = options.exactNumbers === false ? scanned.unbounded : scanned.inexact;
  if (dup !== undefined) {
    throw badInput(`duplicate key "${dup.key}" (line ${dup.line}, column ${dup.column})`, {
      file,
      field: formatJsonPath(dup.path),
    });
  }
  if (inexact !== undefined) {
    const shown = inexact.literal.length > 40 ? `${inexact.literal.slice(0, 40)}…` : inexact.literal;
    throw badInput(
      `the number ${shown} (line ${inexact.line}, column ${inexact.column}) cannot be held exactly; write it as a string`,
      { file, field: formatJsonPath(inexact.path) },
    );
  }
  return value;
}

/**
 * Reads a JSON file the one way every module does: size-bounded, strict UTF-8 with a byte-order mark
 * accepted, strict JSON with duplicate keys refused, and errors that name the file and field.
 */
export async function readJsonFile(file: string, options: ReadFileOptions = {}): Promise<unknown> {
  return parseJsonText(decodeUtf8(await readBoundedFile(file, options), file), file);
}

/**
 * Reads many small files (a data directory's thousands) with `read`, one after another and
 * synchronously, giving the event loop a turn every `sliceMs` (a server loading them keeps
 * answering), and returns what `read` made of each in the order of `files`; the first failure stops
 * the reading and is thrown. Synchronous because each asynchronous read waits for a turn of the
 * thread pool: on this project's machines a directory of 4,500 files read with `fs/promises` took
 * 1.6 s one at a time and 0.3-0.5 s sixteen at a time, with `readFileSync` 0.07 s.
 */
export async function readEach<T>(files: readonly string[], read: (file: string) => T, sliceMs = 10): Promise<T[]> {
  const out: T[] = [];
  let sliceStart = performance.now();
  for (const file of files) {
    out.push(read(file));
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}

/** The first problem a zod schema found, as `file: field: message`. */
export function schemaProblem(file: string, error: z.ZodError) {
  const issue = error.issues[0]!;
  return badInput(issue.message, { file, field: formatJsonPath(issue.path) });
}

/** Reads a JSON file (as {@link readJsonFile}) and checks it against a zod schema. */
export async function readJsonFileAs<S extends z.ZodTypeAny>(
  file: string,
  schema: S,
  options: ReadFileOptions = {},
): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await readJsonFile(file, options));
  if (!parsed.success) throw schemaProblem(file, parsed.error);
  return parsed.data as z.infer<S>;
}

/**
 * A JSON field holding an unsigned integer of at most `bits` bits as a decimal string (what a
 * contract's `uint<bits>` takes): digits only, no sign or exponent, and refused above 2^bits - 1 with
 * the bound named, so a value the ABI coder would reject never reaches it. The one schema for such
 * fields (consent, proof and account files, the gateway's credentials).
 */
export function uintString(bits = 256) {
  const max = 2n ** BigInt(bits) - 1n;
  return (
    z
      .string()
      .regex(/^\d{1,78}$/, "must be a decimal integer string")
      // zod runs a refinement on a value whose checks failed, too: BigInt only of digits
      .refine((v) => !/^\d{1,78}$/.test(v) || BigInt(v) <= max, `must be at most 2^${bits} - 1 (a uint${bits})`)
  );
}

/**
 * A JSON field holding an account address: 0x and 40 hex digits, and when the letters are of mixed
 * case, the EIP-55 checksum they spell must hold (a mistyped address is refused here, naming the
 * field, rather than by ethers later without one). The one schema for address fields.
 */
export function addressString() {
  return z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be an address")
    .refine(
      (v) => !/^0x[0-9a-fA-F]{40}$/.test(v) || isAddress(v),
      "is not an address: its mixed-case letters fail the EIP-55 checksum",
    );
}
