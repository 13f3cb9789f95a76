/**
 * Compressed GS1 Digital Link URIs (the GS1 Digital Link compression format of GS1's Digital Link
 * toolkit, DL 1.1): the AIs are packed into a bit string and written as URI-safe base64 in place of
 * the path, e.g. `https://dlnkd.tn.gg/ARHKVAdpQg` for GTIN 09780345418913.
 *
 * Bit layout, entry after entry: an AI as 4-bit decimal nibbles (or an 8-bit optimisation code
 * standing for a fixed AI sequence), then each value component: fixed numeric as a binary number
 * of ceil(n*log2(10)) bits; variable numeric as a length then the number; alphanumeric as a 3-bit
 * encoding (0 digits, 1 lower hex, 2 upper hex, 3 base64url, 4 7-bit ASCII), a length when
 * variable, then the characters. Non-AI key=value pairs are an `F` nibble, a 7-bit key length, the
 * key in base64url, then an alphanumeric value. The bits are zero-padded to whole base64 characters.
 */
import { AI, aiDefinition, type Gs1Element } from "./ai.js";
import { Gs1Problem } from "./errors.js";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX = "0123456789ABCDEF";

/** AI sequences the format encodes with one 8-bit code (the toolkit's optimisation table). */
const OPTIMISATIONS: Readonly<Record<string, readonly string[]>> = {
  "0A": ["01", "22"],
  "0B": ["01", "10"],
  "0C": ["01", "21"],
  "0D": ["01", "17"],
  "0E": ["01", "7003"],
  "0F": ["01", "30"],
  "1A": ["01", "10", "21", "17"],
  "1B": ["01", "15"],
  "1C": ["01", "11"],
  "1D": ["01", "16"],
  "1E": ["01", "91"],
  "1F": ["01", "10", "15"],
  "2A": ["01", "3100"],
  "2B": ["01", "3101"],
  "2C": ["01", "3102"],
  "2D": ["01", "3103"],
  "2E": ["01", "3104"],
  "2F": ["01", "3105"],
  "3A": ["01", "3200"],
  "3B": ["01", "3201"],
  "3C": ["01", "3202"],
  "3D": ["01", "3203"],
  "3E": ["01", "3204"],
  "3F": ["01", "3205"],
  "9A": ["8010", "8011"],
  "9B": ["8017", "8019"],
  "9C": ["8018", "8019"],
  "9D": ["414", "254"],
  A0: ["01", "3920"],
  A1: ["01", "3921"],
  A2: ["01", "3922"],
  A3: ["01", "3923"],
  A4: ["01", "3924"],
  A5: ["01", "3925"],
  A6: ["01", "3926"],
  A7: ["01", "3927"],
  A8: ["01", "3928"],
  A9: ["01", "3929"],
  C0: ["255", "3900"],
  C1: ["255", "3901"],
  C2: ["255", "3902"],
  C3: ["255", "3903"],
  C4: ["255", "3904"],
  C5: ["255", "3905"],
  C6: ["255", "3906"],
  C7: ["255", "3907"],
  C8: ["255", "3908"],
  C9: ["255", "3909"],
  CA: ["255", "3940"],
  CB: ["255", "3941"],
  CC: ["255", "3942"],
  CD: ["255", "3943"],
};

/** A value component as the compression format sees it. */
interface Part {
  readonly numeric: boolean;
  readonly fixed: boolean;
  readonly length: number;
}

/**
 * The compression format's components of an AI's value: consecutive mandatory numeric components
 * merge into one fixed number; trailing optional numeric ones into one variable number.
 */
function partsOf(ai: string): Part[] {
  const parts: Part[] = [];
  for (const c of aiDefinition(ai).components) {
    const numeric = c.charset === "N";
    const fixed = c.minLength === c.maxLength && !c.optional;
    const last = parts[parts.length - 1];
    if (last !== undefined && numeric && last.numeric && last.fixed === fixed && (fixed || c.optional)) {
      parts[parts.length - 1] = { ...last, length: last.length + c.maxLength };
    } else {
      parts.push({ numeric, fixed, length: c.maxLength });
    }
  }
  return parts;
}

const lengthBits = (max: number): number => Math.ceil(Math.log2(max) + 0.01);
const valueBits = (digits: number): number => Math.ceil((digits * Math.log(10)) / Math.log(2) + 0.01);

class BitReader {
  private cursor = 0;
  constructor(private readonly bits: string) {}
  get remaining(): number {
    return this.bits.length - this.cursor;
  }
  read(n: number): bigint {
    if (n > this.remaining) throw new Gs1Problem("compressed Digital Link ends too early", "SYNTAX");
    const chunk = this.bits.slice(this.cursor, this.cursor + n);
    this.cursor += n;
    return n === 0 ? 0n : BigInt(`0b${chunk}`);
  }
  readNumber(n: number): number {
    return Number(this.read(n));
  }
}

function readString(reader: BitReader, encoding: number, count: number): string {
  switch (encoding) {
    case 0:
      return count === 0 ? "" : reader.read(valueBits(count)).toString().padStart(count, "0");
    case 1:
    case 2: {
      let s = "";
      for (let i = 0; i < count; i++) s += HEX.charAt(reader.readNumber(4));
      return encoding === 1 ? s.toLowerCase() : s;
    }
    case 3: {
      let s = "";
      for (let i = 0; i < count; i++) s += BASE64URL.charAt(reader.readNumber(6));
      return s;
    }
    case 4: {
      let s = "";
      for (let i = 0; i < count; i++) s += String.fromCharCode(reader.readNumber(7));
      return s;
    }
    default:
      throw new Gs1Problem(`compressed Digital Link uses unknown string encoding ${encoding}`, "SYNTAX");
  }
}

function readValue(reader: BitReader, ai: string): string {
  let value = "";
  for (const part of partsOf(ai)) {
    if (part.numeric && part.fixed) {
      value += reader.read(valueBits(part.length)).toString().padStart(part.length, "0");
    } else if (part.numeric) {
      const digits = reader.readNumber(lengthBits(part.length));
      value += digits === 0 ? "" : reader.read(valueBits(digits)).toString().padStart(digits, "0");
    } else {
      const encoding = reader.readNumber(3);
      const count = part.fixed ? part.length : reader.readNumber(lengthBits(part.length));
      value += readString(reader, encoding, count);
    }
  }
  return value;
}

/** What a compressed path segment decodes to: AIs, and non-AI key=value pairs. */
export interface DecompressedLink {
  readonly elements: Gs1Element[];
  readonly otherParams: [string, string][];
}

/** Decodes the base64url segment of a compressed GS1 Digital Link. Throws a {@link Gs1Problem}. */
export function decompressSegment(segment: string): DecompressedLink {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new Gs1Problem("compressed segment is not base64url", "SYNTAX");
  const bits = [...segment].map((ch) => BASE64URL.indexOf(ch).toString(2).padStart(6, "0")).join("");
  const reader = new BitReader(bits);
  const elements: Gs1Element[] = [];
  const otherParams: [string, string][] = [];
  while (reader.remaining > 8) {
    const h1 = reader.readNumber(4);
    const h2 = reader.readNumber(4);
    if (h1 <= 9 && h2 <= 9) {
      let ai = `${h1}${h2}`;
      while (!AI.has(ai) && ai.length < 4) {
        const next = reader.readNumber(4);
        if (next > 9) throw new Gs1Problem(`compressed AI ${ai}${HEX.charAt(next)} is not numeric`, "SYNTAX");
        ai += String(next);
      }
      if (!AI.has(ai)) throw new Gs1Problem(`unknown AI (${ai}) in compressed Digital Link`, "UNKNOWN_AI");
      elements.push({ ai, value: readValue(reader, ai) });
    } else if (h1 === 15) {
      const keyLength = (h2 << 3) | reader.readNumber(3);
      let key = "";
      for (let i = 0; i < keyLength; i++) key += BASE64URL.charAt(reader.readNumber(6));
      const encoding = reader.readNumber(3);
      const count = reader.readNumber(7);
      otherParams.push([key, readString(reader, encoding, count)]);
    } else {
      const sequence = OPTIMISATIONS[`${HEX.charAt(h1)}${HEX.charAt(h2)}`];
      if (sequence === undefined) {
        throw new Gs1Problem(`compressed Digital Link uses unknown code ${HEX.charAt(h1)}${HEX.charAt(h2)}`, "SYNTAX");
      }
      for (const ai of sequence) elements.push({ ai, value: readValue(reader, ai) });
    }
  }
  return { elements, otherParams };
}

class BitWriter {
  bits = "";
  write(value: bigint | number, n: number): void {
    const v = BigInt(value);
    if (v >= 1n << BigInt(n)) throw new Gs1Problem(`value ${v} does not fit ${n} bits`, "BAD_LENGTH");
    this.bits += n === 0 ? "" : v.toString(2).padStart(n, "0");
  }
}

function stringEncoding(value: string): number {
  if (/^\d+$/.test(value)) return 0;
  if (/^[0-9a-f]+$/.test(value)) return 1;
  if (/^[0-9A-F]+$/.test(value)) return 2;
  if (/^[A-Za-z0-9_-]+$/.test(value)) return 3;
  return 4;
}

function writeString(writer: BitWriter, encoding: number, value: string): void {
  if (encoding === 0) return writer.write(BigInt(value), valueBits(value.length));
  for (const ch of value) {
    if (encoding === 1 || encoding === 2) writer.write(HEX.indexOf(ch.toUpperCase()), 4);
    else if (encoding === 3) writer.write(BASE64URL.indexOf(ch), 6);
    else writer.write(ch.charCodeAt(0), 7);
  }
}

function writeValue(writer: BitWriter, ai: string, value: string): void {
  let rest = value;
  for (const part of partsOf(ai)) {
    if (part.numeric && part.fixed) {
      writer.write(BigInt(rest.slice(0, part.length)), valueBits(part.length));
      rest = rest.slice(part.length);
    } else if (part.numeric) {
      const digits = rest.slice(0, part.length);
      writer.write(digits.length, lengthBits(part.length));
      if (digits !== "") writer.write(BigInt(digits), valueBits(digits.length));
      rest = rest.slice(digits.length);
    } else {
      const text = part.fixed ? rest.slice(0, part.length) : rest.slice(0, part.length);
      const encoding = stringEncoding(text);
      writer.write(encoding, 3);
      if (!part.fixed) writer.write(text.length, lengthBits(part.length));
      writeString(writer, encoding, text);
      rest = rest.slice(text.length);
    }
  }
}

/**
 * Encodes AIs (already validated) and non-AI pairs as a compressed path segment: the longest known
 * AI sequences first as optimisation codes, then the other AIs in order, then the non-AI pairs.
 */
export function compressSegment(
  elements: readonly Gs1Element[],
  otherParams: readonly [string, string][] = [],
): string {
  const writer = new BitWriter();
  const remaining = [...elements];
  for (;;) {
    let best: [string, readonly string[]] | undefined;
    for (const [code, sequence] of Object.entries(OPTIMISATIONS)) {
      if (sequence.every((ai) => remaining.some((el) => el.ai === ai)) && sequence.length > (best?.[1].length ?? 0)) {
        best = [code, sequence];
      }
    }
    if (best === undefined) break;
    writer.write(BigInt(`0x${best[0]}`), 8);
    for (const ai of best[1]) {
      const at = remaining.findIndex((el) => el.ai === ai);
      const [el] = remaining.splice(at, 1);
      if (el !== undefined) writeValue(writer, el.ai, el.value);
    }
  }
  for (const el of remaining) {
    for (const digit of el.ai) writer.write(Number(digit), 4);
    writeValue(writer, el.ai, el.value);
  }
  for (const [key, value] of otherParams) {
    if (!/^[A-Za-z0-9_-]{1,127}$/.test(key))
      throw new Gs1Problem(`parameter name ${key} cannot be compressed`, "BAD_CHARACTER");
    if (value.length > 127) throw new Gs1Problem(`parameter ${key} is too long to compress`, "BAD_LENGTH");
    writer.write(15, 4);
    writer.write(key.length, 7);
    writeString(writer, 3, key);
    const encoding = stringEncoding(value);
    writer.write(encoding, 3);
    writer.write(value.length, 7);
    writeString(writer, encoding, value);
  }
  const bits = writer.bits + "0".repeat((6 - (writer.bits.length % 6)) % 6);
  let out = "";
  for (let i = 0; i < bits.length; i += 6) out += BASE64URL.charAt(parseInt(bits.slice(i, i + 6), 2));
  return out;
}
