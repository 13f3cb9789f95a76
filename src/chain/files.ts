import { open } from "node:fs/promises";

import { visit } from "jsonc-parser";
import type { z } from "zod";

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
 * Reads a file's bytes, refusing a missing file, a folder, or one over `maxBytes` (checked before
 * reading, so a huge file is not loaded to be refused), naming the file.
 */
export async function readBoundedFile(file: string, options: ReadFileOptions = {}): Promise<Buffer> {
  const max = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  let handle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badInput(code === "ENOENT" ? "no such file" : `cannot read (${code ?? (err as Error).message})`, { file });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw badInput("is a folder, not a file", { file });
    if (info.size > max) throw badInput(`is ${info.size} bytes, more than the limit of ${max}`, { file });
    const bytes = await handle.readFile();
    if (bytes.length > max) throw badInput(`is more than the limit of ${max} bytes`, { file });
    return bytes;
  } finally {
    await handle.close();
  }
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

/**
 * The first key that occurs twice in one object, with its path. `JSON.parse` keeps the last value
 * silently, so a document could say two things at once (`"status": "final", …, "status": "entered-in-error"`).
 * jsonc-parser's visitor (Microsoft's, the one VS Code uses) walks the text once without building a
 * tree; it decodes escapes in keys, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKey(
  text: string,
): { key: string; path: (string | number)[]; line: number; column: number } | undefined {
  const stack: Set<string>[] = [];
  let found: { key: string; path: (string | number)[]; line: number; column: number } | undefined;
  visit(
    text,
    {
      onObjectBegin: () => void stack.push(new Set()),
      onObjectEnd: () => void stack.pop(),
      onObjectProperty: (property, _offset, _length, startLine, startCharacter, pathSupplier) => {
        if (found !== undefined) return;
        const keys = stack[stack.length - 1]!;
        if (keys.has(property)) {
          found = {
            key: property,
            path: [...pathSupplier(), property],
            line: startLine + 1,
            column: startCharacter + 1,
          };
        }
        keys.add(property);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
}

/**
 * Parses JSON text strictly: syntax errors with their line and column, a duplicate key refused with
 * its path. `file` names the source in errors.
 */
export function parseJsonText(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.replace(/^JSON\.parse: /, "");
    throw badInput(`is not JSON: ${message}`, { file });
  }
  const dup = findDuplicateKey(text);
  if (dup !== undefined) {
    throw badInput(`duplicate key "${dup.key}" (line ${dup.line}, column ${dup.column})`, {
      file,
      field: formatJsonPath(dup.path),
    });
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
