import { existsSync } from "node:fs";
import path from "node:path";

import { z } from "zod";

import { badInput, MedChainError } from "../chain/errors.js";
import {
  makeFolderDurably,
  makePrivateFolder,
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  writeFilesAtomic,
} from "../chain/atomic-write.js";
import { decodeUtf8, readBoundedFileSync } from "../chain/files.js";
import { isValidGtin14, parseGs1Date, type Gs1Identity } from "./gs1/index.js";
import { expiresAtOf, lotIdOf, newScratchCode, packIdOf, packTagOf } from "./ids.js";
import { writeLabels } from "./labels.js";
import { buildIdTree, loadIdTree, type IdTree } from "./tree.js";

/** GS1 CSET 82 (AI 10 and AI 21), 1 to 20 characters. */
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

const serialSchema = z.string().regex(CSET82, "a serial is 1 to 20 characters of GS1 CSET 82 (AI 21)");
const lotNumberSchema = z.string().regex(CSET82, "a lot number is 1 to 20 characters of GS1 CSET 82 (AI 10)");

/** One pack of a lot, as the manufacturer keeps it (PRIVATE: the code is the pack's secret). */
export interface PackRecord {
  serial: string;
  code: string;
  /** Its leaf value in the lot's tree (`packTagOf`). */
  tag: string;
  /** Its on-chain id (`packIdOf(lotId, tag)`). */
  packId: string;
  /** The proof of its tag in the lot's tree. */
  proof: string[];
}

/**
 * Everything the manufacturer keeps about a lot: the packs' hidden codes and their proofs. Keep it
 * private; hand a pack's record only to whoever must dispense it without scratching it.
 */
export interface LotBundle {
  format: "medchain.provenance.lot-bundle/2";
  gtin: string;
  lot: string;
  expiry: string;
  lotId: string;
  root: string;
  packs: PackRecord[];
}

/**
 * The public side of a lot: its Merkle tree over pack tags only (no serials, no codes). Publishing it
 * lets anyone who holds a pack compute its lot proof and its on-chain id (`packIdOf(lotId, tag)`);
 * the tags reveal nothing without the codes.
 */
export interface LotTreeFile {
  format: "medchain.provenance.lot-tree/2";
  gtin: string;
  lot: string;
  lotId: string;
  root: string;
  tree: ReturnType<IdTree["dump"]>;
}

/** A lot ready to be commissioned. */
export interface LotPlan {
  gtin: string;
  lot: string;
  expiry: string;
  expiresAt: bigint;
  quantity: number;
  lotId: string;
  root: string;
  bundle: LotBundle;
  treeFile: LotTreeFile;
  /** The lot's tree as built (what `treeFile.tree` dumps), so the catalog need not load it again. */
  tree: IdTree;
}

/** Reads a CSV of serials: one per line, optional header `serial`, first column used. */
export function parseSerialsCsv(text: string, file: string): string[] {
  const serials: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const cell = (line.split(",")[0] ?? "").trim().replace(/^"(.*)"$/, "$1");
    if (cell === "" || (i === 0 && cell.toLowerCase() === "serial")) return;
    const parsed = serialSchema.safeParse(cell);
    if (!parsed.success)
      throw new MedChainError(`${file}:${i + 1}: serial "${cell}": ${parsed.error.issues[0]?.message}`);
    if (seen.has(cell)) throw new MedChainError(`${file}:${i + 1}: serial "${cell}" appears twice`);
    seen.add(cell);
    serials.push(cell);
  });
  if (serials.length === 0) throw new MedChainError(`${file}: no serials`);
  return serials;
}

/**
 * Plans a lot: a fresh random hidden code for every serial, the pack tags, one Merkle tree over them,
 * each pack's proof and on-chain id. `codes` may be given (e.g. from an import) instead of generated.
 */
export function planLot(input: {
  gtin: string;
  lot: string;
  expiry: string;
  serials: string[];
  codes?: string[];
}): LotPlan {
  const { gtin, lot, expiry, serials } = input;
  if (!isValidGtin14(gtin)) throw new MedChainError(`GTIN "${gtin}": not a GTIN-14 with a correct check digit`);
  const lotCheck = lotNumberSchema.safeParse(lot);
  if (!lotCheck.success) throw new MedChainError(`lot "${lot}": ${lotCheck.error.issues[0]?.message}`);
  const expiresAt = expiresAtOf(parseGs1Date(expiry));
  // One serial, one pack: every reader of serials refuses repeats, and so does the plan itself.
  const firstAt = new Map<string, number>();
  serials.forEach((serial, i) => {
    const first = firstAt.get(serial);
    if (first !== undefined)
      throw new MedChainError(`serial "${serial}" appears twice in the lot (packs ${first + 1} and ${i + 1})`);
    firstAt.set(serial, i);
  });
  const codes = input.codes ?? serials.map(() => newScratchCode());
  const tags = serials.map((serial, i) => packTagOf(gtin, serial, codes[i]!));
  const tree = buildIdTree(tags);
  // Leaves are stored sorted by hash: map each tag to its tree index once (O(n), not O(n^2)).
  const indexOf = new Map<string, number>();
  for (const [i, [tag]] of tree.entries()) indexOf.set(tag, i);
  const lotId = lotIdOf(gtin, lot);
  const packs = serials.map((serial, i) => ({
    serial,
    code: codes[i]!,
    tag: tags[i]!,
    packId: packIdOf(lotId, tags[i]!),
    proof: tree.getProof(indexOf.get(tags[i]!)!),
  }));
  const root = tree.root;
  return {
    gtin,
    lot,
    expiry,
    expiresAt,
    quantity: serials.length,
    lotId,
    root,
    bundle: { format: "medchain.provenance.lot-bundle/2", gtin, lot, expiry, lotId, root, packs },
    treeFile: { format: "medchain.provenance.lot-tree/2", gtin, lot, lotId, root, tree: tree.dump() },
    tree,
  };
}

/** The GS1 identity printed on a pack of the lot. */
export function packIdentity(plan: Pick<LotPlan, "gtin" | "lot" | "expiry">, serial: string): Gs1Identity {
  return { gtin: plan.gtin, lot: plan.lot, expiry: plan.expiry, serial };
}

/** File names of a lot's files inside a data directory. */
export function lotFiles(dataDir: string, gtin: string, lot: string) {
  const base = `${gtin}-${lot.replace(/[^0-9A-Za-z_-]/g, "_")}`;
  return {
    bundle: path.join(dataDir, "private", `${base}.bundle.json`),
    tree: path.join(dataDir, "lots", `${base}.tree.json`),
    labels: path.join(dataDir, "labels", base),
  };
}

/** Writes the private bundle, the public tree and (optionally) the printable labels. */
export async function writeLotFiles(
  dataDir: string,
  plan: LotPlan,
  labels = true,
  labelBase?: string,
): Promise<ReturnType<typeof lotFiles>> {
  const [files] = await writeLotsFiles(dataDir, [plan]);
  if (labels) {
    await writeLabels(
      files!.labels,
      plan.bundle.packs.map((p) => ({
        identity: packIdentity(plan, p.serial),
        scratchCode: p.code,
        ...(labelBase === undefined ? {} : { base: labelBase }),
      })),
    );
  }
  return files!;
}

/**
 * The largest data-directory file read or written (a lot bundle of about 300,000 packs): a little
 * under the longest string V8 holds (2^29 characters), so a file written here is always read back.
 */
export const MAX_DATA_FILE_BYTES = 500 * 1024 * 1024;

/**
 * Writes the private bundles and public trees of several lots, each file whole or not at all and on
 * disk when this returns (a bundle holds its packs' secret codes: a commissioning sent after it must
 * never outlive it, not even a power loss). Bundles are owner-only, in a folder created owner-only.
 * Everything is checked before anything is written: two lots whose files would be one, and a lot
 * too large to be read back.
 */
export async function writeLotsFiles(
  dataDir: string,
  plans: readonly LotPlan[],
): Promise<Array<ReturnType<typeof lotFiles>>> {
  const all = plans.map((plan) => ({ plan, files: lotFiles(dataDir, plan.gtin, plan.lot) }));
  // File names keep only [0-9A-Za-z_-] of the lot number, so "A/B" and "A_B" share them, and on a
  // file system that ignores case (macOS, Windows) so do "ab" and "AB": a lot never overwrites
  // another's files (the private bundle holds its packs' secret codes), on disk or in this batch.
  const inBatch = new Map<string, LotPlan>();
  for (const { plan, files } of all) {
    for (const file of [files.bundle, files.tree]) {
      const earlier = inBatch.get(file.toLowerCase());
      const other = earlier ?? lotOnDisk(file);
      if (other !== undefined && (other.gtin !== plan.gtin || other.lot !== plan.lot)) {
        throw new MedChainError(
          `lot "${plan.lot}" of GTIN ${plan.gtin} would overwrite ${file}, which holds lot ${JSON.stringify(other.lot)}: ` +
            "their lot numbers differ only in characters a file name cannot keep (or in case); use another data directory",
          { kind: "BAD_INPUT" },
        );
      }
      if (earlier !== undefined && earlier !== plan && earlier.root.toLowerCase() !== plan.root.toLowerCase()) {
        throw new MedChainError(`lot "${plan.lot}" of GTIN ${plan.gtin} is planned twice, with other codes`, {
          kind: "BAD_INPUT",
        });
      }
      // The same lot with other codes: its commissioning may be on chain or pending (a run stopped
      // while it waited): those codes are the only ones its labels carry, never written over.
      if (earlier === undefined && other?.expiry !== undefined && other.expiry !== plan.expiry) {
        throw new MedChainError(
          `lot "${plan.lot}" of GTIN ${plan.gtin}: ${file} holds this lot with expiry ${String(other.expiry)}, not ${plan.expiry}; ` +
            "its commissioning may be on chain or pending, so it is not overwritten",
          { kind: "BAD_INPUT" },
        );
      }
      if (
        earlier === undefined &&
        other !== undefined &&
        String(other.root).toLowerCase() !== plan.root.toLowerCase()
      ) {
        throw new MedChainError(
          `lot "${plan.lot}" of GTIN ${plan.gtin}: ${file} holds this lot with other codes (root ${String(other.root)}); ` +
            "its commissioning may be on chain or pending, so it is not overwritten (move it away only if that lot was never commissioned)",
          { kind: "BAD_INPUT" },
        );
      }
      inBatch.set(file.toLowerCase(), plan);
    }
  }
  const texts = all.map(({ plan, files }) => {
    let bundle: string;
    try {
      bundle = JSON.stringify(plan.bundle, null, 2) + "\n";
    } catch {
      bundle = ""; // too long for a string: refused below like any lot too large
    }
    if (bundle === "" || Buffer.byteLength(bundle) > MAX_DATA_FILE_BYTES) {
      throw new MedChainError(
        `lot "${plan.lot}" of GTIN ${plan.gtin}: ${plan.bundle.packs.length} packs make a bundle larger than ` +
          `${MAX_DATA_FILE_BYTES} bytes, more than a data directory can read back; split it into smaller lots`,
        { kind: "BAD_INPUT", file: files.bundle },
      );
    }
    return { bundle, tree: JSON.stringify(plan.treeFile) + "\n" };
  });
  if (all.length === 0) return [];
  // The data directory and its public folders as the operator's umask makes them; only private/ is owner-only.
  await makeFolderDurably(path.dirname(all[0]!.files.tree));
  await makePrivateFolder(path.dirname(all[0]!.files.bundle));
  await writeFilesAtomic(
    all.flatMap(({ files }, i) => [
      { file: files.bundle, text: texts[i]!.bundle, mode: PRIVATE_FILE_MODE },
      { file: files.tree, text: texts[i]!.tree, mode: PUBLIC_FILE_MODE },
    ]),
  );
  return all.map(({ files }) => files);
}

/**
 * The hidden codes the data directory's bundle already holds for this lot, in the order of
 * `serials`, when it holds exactly these serials: a run that plans the lot again (after a stop
 * while its commissioning was pending) draws no new codes, so its root is the one on chain.
 */
export function codesOnDisk(
  dataDir: string,
  gtin: string,
  lot: string,
  serials: readonly string[],
): string[] | undefined {
  const file = lotFiles(dataDir, gtin, lot).bundle;
  if (!existsSync(file)) return undefined;
  const bundle = readLotBundleSync(file);
  if (bundle.gtin !== gtin || bundle.lot !== lot || bundle.packs.length !== serials.length) return undefined;
  const codeOf = new Map(bundle.packs.map((p) => [p.serial, p.code]));
  const codes = serials.map((serial) => codeOf.get(serial));
  return codes.every((c) => c !== undefined) ? (codes as string[]) : undefined;
}

/** The GTIN, lot, root and expiry of the lot file at `file`, if there is one; a file that is none is refused. */
function lotOnDisk(file: string): { gtin?: unknown; lot?: unknown; root?: unknown; expiry?: unknown } | undefined {
  if (!existsSync(file)) return undefined;
  let other: unknown;
  let why = "not an object";
  try {
    other = readDataJson(file);
  } catch (err) {
    why = (err as Error).message.replace(`${file}: `, "");
  }
  if (other === null || typeof other !== "object") {
    throw new MedChainError(
      `${file} is there but is no lot file MedChain wrote (${why}): move it away, it is not overwritten`,
    );
  }
  return other as { gtin?: unknown; lot?: unknown; root?: unknown; expiry?: unknown };
}

const bundleSchema = z.object({
  format: z.literal("medchain.provenance.lot-bundle/2"),
  gtin: z.string(),
  lot: z.string(),
  expiry: z.string(),
  lotId: z.string(),
  root: z.string(),
  packs: z.array(
    z.object({
      serial: z.string(),
      code: z.string(),
      tag: z.string(),
      packId: z.string(),
      proof: z.array(z.string()),
    }),
  ),
});

const treeFileSchema = z.object({
  format: z.literal("medchain.provenance.lot-tree/2"),
  gtin: z.string(),
  lot: z.string(),
  lotId: z.string(),
  root: z.string(),
  tree: z.unknown(),
});

function zodProblem(file: string, error: z.ZodError): MedChainError {
  const issue = error.issues[0]!;
  return new MedChainError(`${file}: field ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

/** A lot file's lotId must be the id of its GTIN and lot number. */
function checkLotId(file: string, data: { gtin: string; lot: string; lotId: string }): void {
  if (!/^\d{14}$/.test(data.gtin)) throw new MedChainError(`${file}: field gtin: expected 14 digits`);
  if (data.lotId.toLowerCase() !== lotIdOf(data.gtin, data.lot).toLowerCase()) {
    throw new MedChainError(`${file}: field lotId is not the id of GTIN ${data.gtin} lot ${data.lot}`);
  }
}

/**
 * Reads a lot bundle, naming the file and field on error: a tag that is not its serial's and code's,
 * or a pack id that is not its tag's in this lot, included (an edited bundle would otherwise answer
 * scans with a pack the chain never placed). Synchronous: a data directory's thousands are read in a
 * row ({@link readEach}).
 */
export function readLotBundleSync(file: string): LotBundle {
  const parsed = bundleSchema.safeParse(readDataJson(file));
  if (!parsed.success) throw zodProblem(file, parsed.error);
  checkLotId(file, parsed.data);
  parsed.data.packs.forEach((p, i) => {
    let tag: string;
    try {
      tag = packTagOf(parsed.data.gtin, p.serial, p.code);
    } catch (err) {
      throw new MedChainError(`${file}: field packs.${i}: ${(err as Error).message}`);
    }
    if (p.tag.toLowerCase() !== tag) {
      throw new MedChainError(`${file}: field packs.${i}.tag is not the tag of its serial and code`);
    }
    if (p.packId.toLowerCase() !== packIdOf(parsed.data.lotId, p.tag).toLowerCase()) {
      throw new MedChainError(`${file}: field packs.${i}.packId is not the id of its tag in lot ${parsed.data.lot}`);
    }
  });
  return parsed.data as LotBundle;
}

/** Reads a public lot tree file (synchronously, as {@link readLotBundleSync}). */
export function readLotTreeSync(file: string): { file: LotTreeFile; tree: IdTree } {
  const parsed = treeFileSchema.safeParse(readDataJson(file));
  if (!parsed.success) throw zodProblem(file, parsed.error);
  checkLotId(file, parsed.data);
  const tree = loadIdTree(parsed.data.tree, file);
  if (tree.root !== parsed.data.root) throw new MedChainError(`${file}: field root does not match the tree`);
  return { file: parsed.data as LotTreeFile, tree };
}

/** {@link readLotBundleSync}, as a promise. */
export async function readLotBundle(file: string): Promise<LotBundle> {
  return readLotBundleSync(file);
}

/** {@link readLotTreeSync}, as a promise. */
export async function readLotTree(file: string): Promise<{ file: LotTreeFile; tree: IdTree }> {
  return readLotTreeSync(file);
}

/**
 * A data directory's JSON file (a lot bundle or tree, a container file), read synchronously and
 * size-bounded ({@link MAX_DATA_FILE_BYTES}; a pipe or device named `*.json` cannot hang a load),
 * strict UTF-8, parsed with `JSON.parse` rather than `readJsonFile`'s duplicate-key scan, which took
 * most of a load's time: every field of these files is checked against the others and their hashes.
 */
export function readDataJson(file: string): unknown {
  const text = decodeUtf8(readBoundedFileSync(file, { maxBytes: MAX_DATA_FILE_BYTES }), file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badInput(`is not JSON: ${(err as Error).message.slice(0, 200)}`, { file });
  }
}

export { zodProblem };
