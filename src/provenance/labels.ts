/**
 * Printable pack labels: a QR code of the pack's GS1 Digital Link, and the hidden scratch-off code
 * as a second QR code with its text, under a "scratch here" panel.
 *
 * The `qrcode` package encodes both symbols (`QRCode.create`, error correction M); this module
 * only lays the two module matrices out:
 * - SVG: one printable 80 mm x 60 mm label: the Digital Link QR on the left with the GS1
 *   human-readable lines (GTIN, expiry, lot, serial) beneath it, the scratch panel on the right
 *   (dashed frame, the scratch-code QR, the code in text, "SCRATCH HERE"), the Digital Link in
 *   small text along the bottom. The printer lays the scratch-off coating over the dashed frame.
 * - PNG: the two QR codes side by side (Digital Link left, scratch code right, framed in grey),
 *   6 pixels per module, each with its 4-module quiet zone; no text (no font rasteriser here).
 */
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";

import QRCode from "qrcode";

import { makePrivateFolder, PRIVATE_FILE_MODE } from "../chain/atomic-write.js";
import { MedChainError } from "../chain/errors.js";
import { checkPublicBase } from "../chain/http-server.js";
import { GS1_CANONICAL_BASE, type Gs1Identity, toDigitalLink } from "./gs1/index.js";
import { encodeGreyPng } from "./png.js";

/** What one label shows. */
export interface LabelInput {
  /** The pack: needs at least gtin and serial. */
  readonly identity: Gs1Identity;
  /** The hidden code printed under the scratch-off coating (printable ASCII, no spaces). */
  readonly scratchCode: string;
  /** Digital Link stem (scheme, domain, optional path); default `https://id.gs1.org`. */
  readonly base?: string;
}

/** A rendered label. */
export interface RenderedLabel {
  /** The URI in the first QR code. */
  readonly digitalLink: string;
  /** The whole printable label as one SVG document. */
  readonly svg: string;
  /** Both QR codes side by side, as a PNG file. */
  readonly png: Buffer;
}

/** A label that cannot be made; the message names the pack and the field. */
export class LabelError extends MedChainError {
  constructor(message: string) {
    super(message);
    this.name = "LabelError";
  }
}

/**
 * A Digital Link stem without its trailing slash: `http(s)://domain[:port][/path]`, no query,
 * fragment or credentials (`checkPublicBase`, the one rule for the public base URLs of MedChain's
 * links and servers).
 */
export const checkLinkBase = checkPublicBase;

/**
 * The stem the printed QR codes carry: `base` when given, else `MEDCHAIN_RESOLVER_BASE` (the
 * consortium's resolver, e.g. `https://verify.example.org`), else GS1's canonical `https://id.gs1.org`
 * (whose resolver a manufacturer points at its own). Checked by {@link checkLinkBase}.
 */
export function labelBase(base = "", env: NodeJS.ProcessEnv = process.env): string {
  if (base !== "") return checkLinkBase(base, "--label-base");
  const configured = env.MEDCHAIN_RESOLVER_BASE ?? "";
  return configured === "" ? GS1_CANONICAL_BASE : checkLinkBase(configured, "MEDCHAIN_RESOLVER_BASE");
}

/** QR quiet zone, in modules, on every side (ISO/IEC 18004 minimum). */
export const QUIET_ZONE = 4;
/** PNG pixels per QR module. */
export const PNG_MODULE_PIXELS = 6;
const MAX_SCRATCH_CODE = 128;

/** The module matrix of a QR code of `text`: `dark[row][col]`. */
export function qrModules(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const rows: boolean[][] = [];
  for (let r = 0; r < modules.size; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < modules.size; c++) row.push(modules.data[r * modules.size + c] === 1);
    rows.push(row);
  }
  return rows;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** An SVG path drawing the dark modules, one unit per module. */
function modulePath(matrix: boolean[][]): string {
  let d = "";
  matrix.forEach((row, r) => {
    row.forEach((dark, c) => {
      if (dark) d += `M${c} ${r}h1v1h-1z`;
    });
  });
  return d;
}

/** A QR code drawn into a `size`-unit square (quiet zone included) at (x, y). */
function svgQr(id: string, matrix: boolean[][], x: number, y: number, size: number): string {
  const scale = size / (matrix.length + 2 * QUIET_ZONE);
  const offset = (n: number): string => (n + QUIET_ZONE * scale).toFixed(4);
  return (
    `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#fff"/>` +
    `<path id="${id}" transform="translate(${offset(x)} ${offset(y)}) scale(${scale.toFixed(6)})" ` +
    `fill="#000" shape-rendering="crispEdges" d="${modulePath(matrix)}"/>`
  );
}

function labelError(input: LabelInput, problem: string): LabelError {
  return new LabelError(`label for pack serial ${JSON.stringify(input.identity.serial ?? "?")}: ${problem}`);
}

function checkInput(input: LabelInput): void {
  if (input.identity.gtin === undefined) throw labelError(input, "identity.gtin is missing");
  if (input.identity.serial === undefined) throw labelError(input, "identity.serial is missing");
  const code = input.scratchCode;
  if (code.length === 0 || code.length > MAX_SCRATCH_CODE || !/^[\x21-\x7e]+$/.test(code)) {
    throw labelError(input, `scratchCode must be 1 to ${MAX_SCRATCH_CODE} printable ASCII characters without spaces`);
  }
}

function renderSvg(input: LabelInput, digitalLink: string, dl: boolean[][], scratch: boolean[][]): string {
  const id = input.identity;
  const hri = [
    `(01) ${id.gtin ?? ""}`,
    ...(id.expiry === undefined ? [] : [`(17) ${id.expiry}`]),
    ...(id.lot === undefined ? [] : [`(10) ${id.lot}`]),
    `(21) ${id.serial ?? ""}`,
  ];
  // Monospace glyphs are about 0.6 em wide; a line that would not fit is squeezed to `maxWidth`.
  const text = (x: number, y: number, size: number, body: string, extra = "", maxWidth = 224): string => {
    const fit = body.length * size * 0.6 > maxWidth ? ` textLength="${maxWidth}" lengthAdjust="spacingAndGlyphs"` : "";
    return `<text x="${x}" y="${y}" font-family="monospace" font-size="${size}"${fit}${extra}>${xml(body)}</text>`;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="60mm" viewBox="0 0 240 180">`,
    `<title>${xml(`GS1 pack label ${id.gtin ?? ""} serial ${id.serial ?? ""}`)}</title>`,
    `<rect width="240" height="180" fill="#fff"/>`,
    `<g id="digital-link">`,
    svgQr("digital-link-qr", dl, 8, 8, 104),
    ...hri.map((line, i) => text(12, 124 + i * 9, 7, line, "", 108)),
    `</g>`,
    `<g id="scratch-panel">`,
    `<rect x="124" y="6" width="110" height="140" fill="#eee" stroke="#000" stroke-dasharray="3 2"/>`,
    svgQr("scratch-code-qr", scratch, 131, 12, 96),
    text(179, 122, 7, input.scratchCode, ` text-anchor="middle" id="scratch-code-text"`, 102),
    text(179, 138, 8, "SCRATCH HERE", ` text-anchor="middle" font-weight="bold"`),
    `</g>`,
    text(120, 172, 5, digitalLink, ` text-anchor="middle" id="digital-link-text"`),
    `</svg>`,
  ].join("\n");
}

function renderPng(dl: boolean[][], scratch: boolean[][]): Buffer {
  const px = PNG_MODULE_PIXELS;
  const dlSide = (dl.length + 2 * QUIET_ZONE) * px;
  const scratchSide = (scratch.length + 2 * QUIET_ZONE) * px;
  const width = dlSide + scratchSide;
  const height = Math.max(dlSide, scratchSide);
  const pixels = new Uint8Array(width * height).fill(255);
  const draw = (matrix: boolean[][], left: number, top: number): void => {
    matrix.forEach((row, r) =>
      row.forEach((dark, c) => {
        if (!dark) return;
        for (let y = 0; y < px; y++) {
          const start = (top + (r + QUIET_ZONE) * px + y) * width + left + (c + QUIET_ZONE) * px;
          pixels.fill(0, start, start + px);
        }
      }),
    );
  };
  draw(dl, 0, 0);
  const scratchTop = Math.floor((height - scratchSide) / 2);
  // A grey frame, one module inside the scratch code's quiet zone, marks the scratch panel.
  for (let i = 0; i < scratchSide; i++) {
    for (const [x, y] of [
      [dlSide + i, scratchTop + px],
      [dlSide + i, scratchTop + scratchSide - px - 1],
      [dlSide + px, scratchTop + i],
      [dlSide + scratchSide - px - 1, scratchTop + i],
    ] as const) {
      pixels[y * width + x] = 160;
    }
  }
  draw(scratch, dlSide, scratchTop);
  return encodeGreyPng({ width, height, pixels });
}

/**
 * Renders one pack's printable label. Throws {@link LabelError} for a bad pack or scratch code,
 * and `Gs1Error` for an invalid GS1 identity.
 */
export function renderLabel(input: LabelInput): RenderedLabel {
  checkInput(input);
  const digitalLink = toDigitalLink(input.identity, input.base);
  const dl = qrModules(digitalLink);
  const scratch = qrModules(input.scratchCode);
  return { digitalLink, svg: renderSvg(input, digitalLink, dl, scratch), png: renderPng(dl, scratch) };
}

/** A file name for a serial: characters outside `[A-Za-z0-9_-]` are %-escaped (so no `/` or `..`). */
export function labelFileStem(serial: string): string {
  return serial.replace(/[^A-Za-z0-9_-]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** The files written for one pack. */
export interface WrittenLabel {
  readonly serial: string;
  readonly digitalLink: string;
  readonly svgFile: string;
  readonly pngFile: string;
}

/**
 * Renders every pack's label and writes `<serial>.svg` and `<serial>.png` into `dir` (created if
 * needed). All labels are rendered and checked before any file is written; serials must be unique.
 */
export async function writeLabels(dir: string, packs: readonly LabelInput[]): Promise<WrittenLabel[]> {
  const stems = new Set<string>();
  const rendered = packs.map((pack) => {
    const label = renderLabel(pack);
    const serial = pack.identity.serial ?? "";
    const stem = labelFileStem(serial);
    if (stems.has(stem)) throw labelError(pack, "serial appears twice in this batch");
    stems.add(stem);
    return { serial, stem, label };
  });
  // A label carries its pack's scratch code: owner-only, as the lot's bundle is.
  await makePrivateFolder(dir);
  const written: WrittenLabel[] = [];
  for (const { serial, stem, label } of rendered) {
    const svgFile = path.join(dir, `${stem}.svg`);
    const pngFile = path.join(dir, `${stem}.png`);
    for (const [file, data] of [
      [svgFile, label.svg],
      [pngFile, label.png],
    ] as const) {
      // A label written before keeps its mode: made owner-only before the new code goes in.
      await chmod(file, PRIVATE_FILE_MODE).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      await writeFile(file, data, { mode: PRIVATE_FILE_MODE });
    }
    written.push({ serial, digitalLink: label.digitalLink, svgFile, pngFile });
  }
  return written;
}
