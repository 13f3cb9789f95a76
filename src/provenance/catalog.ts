import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { makeFolderDurably, PUBLIC_FILE_MODE, writeFileAtomic } from "../chain/atomic-write.js";
import { MedChainError } from "../chain/errors.js";
import { readEach } from "../chain/files.js";
import { containerIdOf, lotIdOf, packIdOf } from "./ids.js";
import { readDataJson, readLotBundleSync, readLotTreeSync, zodProblem, type LotBundle, type LotPlan } from "./lot.js";
import { buildIdTree, loadIdTree, proofOf, type IdTree } from "./tree.js";

/** A packed container as its packer records it (public: child ids only). */
export interface ContainerFile {
  format: "medchain.provenance.container/1";
  sscc: string;
  containerId: string;
  root: string;
  children: string[];
  tree: ReturnType<IdTree["dump"]>;
}

const containerFileSchema = z.object({
  format: z.literal("medchain.provenance.container/1"),
  sscc: z.string().regex(/^\d{18}$/, "an SSCC is 18 digits"),
  containerId: z.string(),
  root: z.string(),
  children: z.array(z.string()).min(1),
  tree: z.unknown(),
});

/** Plans a container: its Merkle tree over its children's ids. */
export function planContainer(sscc: string, children: string[]): ContainerFile & { idTree: IdTree } {
  const idTree = buildIdTree(children);
  return {
    format: "medchain.provenance.container/1",
    sscc,
    containerId: containerIdOf(sscc),
    root: idTree.root,
    children,
    tree: idTree.dump(),
    idTree,
  };
}

interface KnownPack {
  lotId: string;
  gtin: string;
  lot: string;
  /** Its leaf value in its lot's tree (its on-chain id is `packIdOf(lotId, tag)`). */
  tag: string;
  expiry?: string;
  serial?: string;
  code?: string;
}

/** A containment link as the contract takes it (`IDrugProvenance.Link`). */
export interface CatalogLink {
  child: string;
  parent: string;
  proof: string[];
}

/**
 * What an operator knows off chain: lots' public trees (over pack tags), packs from private bundles,
 * and containers' trees (over child ids). Proofs and containment links are built from it; the chain
 * decides whether they hold.
 */
export class Catalog {
  readonly lots = new Map<string, { gtin: string; lot: string; tree: IdTree }>();
  readonly containers = new Map<string, { sscc: string; tree: IdTree; children: string[] }>();
  readonly packs = new Map<string, KnownPack>();
  private readonly parentsOf = new Map<string, Set<string>>();
  /** Indexes of `packs` and `lots` (a distributor's catalog holds millions of packs: no scans). */
  private readonly packsBySerial = new Map<string, Set<string>>();
  private readonly packsByLot = new Map<string, Set<string>>();
  private readonly lotsByNumber = new Map<string, string>();

  private setPack(id: string, pack: KnownPack): void {
    const before = this.packs.get(id);
    if (before?.serial !== undefined && before.serial !== pack.serial) {
      this.packsBySerial.get(`${before.gtin}\u0000${before.serial}`)?.delete(id); // re-filed below
    }
    this.packs.set(id, pack);
    const lot = pack.lotId.toLowerCase();
    let ofLot = this.packsByLot.get(lot);
    if (ofLot === undefined) this.packsByLot.set(lot, (ofLot = new Set()));
    ofLot.add(id);
    if (pack.serial === undefined) return;
    const key = `${pack.gtin}\u0000${pack.serial}`;
    let ofSerial = this.packsBySerial.get(key);
    if (ofSerial === undefined) this.packsBySerial.set(key, (ofSerial = new Set()));
    ofSerial.add(id);
  }

  /**
   * Adds a lot's tree (and its packs, when the plan or bundle with codes is given). Each tag of the
   * tree is a pack of this lot, known by its on-chain id `packIdOf(lotId, tag)`.
   */
  addLot(plan: Pick<LotPlan, "gtin" | "lot" | "lotId"> & { tree: IdTree }, bundle?: LotBundle): void {
    if (plan.lotId.toLowerCase() !== lotIdOf(plan.gtin, plan.lot)) {
      throw new MedChainError(`lot ${plan.lot} of ${plan.gtin}: its lot id ${plan.lotId} is not that lot's`);
    }
    this.lots.set(plan.lotId.toLowerCase(), { gtin: plan.gtin, lot: plan.lot, tree: plan.tree });
    this.lotsByNumber.set(`${plan.gtin}\u0000${plan.lot}`, plan.lotId.toLowerCase());
    // Each tag's pack id hashed once (a data directory's load adds every lot it holds).
    const idOfTag = new Map<string, string>();
    const idOf = (tag: string) => {
      let id = idOfTag.get(tag.toLowerCase());
      if (id === undefined) idOfTag.set(tag.toLowerCase(), (id = packIdOf(plan.lotId, tag).toLowerCase()));
      return id;
    };
    for (const [, [tag]] of plan.tree.entries()) {
      const id = idOf(tag);
      if (!this.packs.has(id)) this.setPack(id, { lotId: plan.lotId, gtin: plan.gtin, lot: plan.lot, tag });
    }
    for (const p of bundle?.packs ?? []) {
      this.setPack(idOf(p.tag), {
        lotId: plan.lotId,
        gtin: plan.gtin,
        lot: plan.lot,
        tag: p.tag,
        expiry: bundle!.expiry,
        serial: p.serial,
        code: p.code,
      });
    }
  }

  /** Adds a lot from its plan (tree and packs with codes). */
  addLotPlan(plan: LotPlan): void {
    const roots = [plan.root, plan.tree.root, plan.treeFile.root, plan.bundle.root].map((r) => r.toLowerCase());
    if (roots.some((r) => r !== roots[0])) {
      throw new MedChainError(
        `lot ${plan.lot} of ${plan.gtin}: its plan's tree, tree file and bundle have other roots`,
      );
    }
    this.addLot(plan, plan.bundle);
  }

  /** Adds a container's tree. */
  addContainer(
    file: Pick<ContainerFile, "sscc" | "containerId" | "children"> & { idTree?: IdTree; tree?: unknown },
  ): void {
    const tree = file.idTree ?? loadIdTree(file.tree, file.sscc);
    const id = file.containerId.toLowerCase();
    this.containers.set(id, { sscc: file.sscc, tree, children: file.children });
    for (const child of file.children) {
      const set = this.parentsOf.get(child.toLowerCase()) ?? new Set<string>();
      set.add(id);
      this.parentsOf.set(child.toLowerCase(), set);
    }
  }

  /** Containers known to hold `id` (at some time). */
  containersOf(id: string): string[] {
    return [...(this.parentsOf.get(id.toLowerCase()) ?? [])];
  }

  /**
   * The proof that `child` (a pack or container id) is in `parent` (a container or a lot): into a
   * lot, the proof of the pack's tag in the lot's tree.
   */
  proof(child: string, parent: string): string[] {
    return this.link(child, parent).proof;
  }

  /**
   * The link placing `child` (a pack or container id) in `parent`, as the contract takes it: into a
   * container, the child's id and its proof; into a lot, the pack's tag and its proof (the chain
   * derives the pack's id from the lot and the tag).
   */
  link(child: string, parent: string): CatalogLink {
    const c = this.containers.get(parent.toLowerCase());
    if (c !== undefined) return { child, parent, proof: proofOf(c.tree, child, `container ${c.sscc}`) };
    const l = this.lots.get(parent.toLowerCase());
    if (l !== undefined) {
      const pack = this.packs.get(child.toLowerCase());
      if (pack === undefined || pack.lotId.toLowerCase() !== parent.toLowerCase()) {
        throw new MedChainError(`lot ${l.lot}: ${child} is not one of its packs`);
      }
      return { child: pack.tag, parent, proof: proofOf(l.tree, pack.tag, `lot ${l.lot}`) };
    }
    throw new MedChainError(`no tree known for ${parent}: add the lot or container file to the data directory`);
  }

  /**
   * The pack with GTIN `gtin` and serial `serial` (in lot `lot`, when given), from the bundles loaded.
   * A pack's id depends on its lot, so a serial found in two lots without `lot` is refused by name.
   */
  findPack(gtin: string, serial: string, lot?: string): ({ packId: string } & KnownPack) | undefined {
    const found: Array<{ packId: string } & KnownPack> = [];
    for (const packId of this.packsBySerial.get(`${gtin}\u0000${serial}`) ?? []) {
      const p = this.packs.get(packId)!;
      // Checked again: the key joins two strings, and a bundle's serial is any string.
      if (p.gtin === gtin && p.serial === serial && (lot === undefined || p.lot === lot)) found.push({ packId, ...p });
    }
    found.sort((a, b) => (a.lot < b.lot ? -1 : a.lot > b.lot ? 1 : 0)); // lots in one order, however added
    if (found.length > 1) {
      throw new MedChainError(
        `GTIN ${gtin} serial ${serial} is in ${found.length} lots (${found.map((p) => p.lot).join(", ")}): name its lot (AI 10)`,
      );
    }
    return found[0];
  }

  /** The lot of `gtin` and lot number `lot`. */
  findLot(gtin: string, lot: string): { lotId: string; tree: IdTree } | undefined {
    const lotId = this.lotsByNumber.get(`${gtin}\u0000${lot}`);
    return lotId === undefined ? undefined : { lotId, tree: this.lots.get(lotId)!.tree };
  }

  /** The packs known of lot `lotId` (ids and what is known of each). */
  packsOfLot(lotId: string): Array<{ packId: string } & KnownPack> {
    return [...(this.packsByLot.get(lotId.toLowerCase()) ?? [])].map((packId) => ({
      packId,
      ...this.packs.get(packId)!,
    }));
  }

  /**
   * Loads a data directory: `lots/*.tree.json` (public lot trees), `private/*.bundle.json` (lot
   * bundles with codes, when present) and `containers/*.json`. A missing directory is empty.
   */
  static async load(dataDir: string): Promise<Catalog> {
    const catalog = new Catalog();
    const list = async (dir: string): Promise<string[]> => {
      try {
        const names = (await readdir(path.join(dataDir, dir))).filter((f) => f.endsWith(".json")).sort();
        return names.map((f) => path.join(dataDir, dir, f));
      } catch {
        return [];
      }
    };
    const [bundleFiles, treeFiles, containerFiles] = await Promise.all([
      list("private"),
      list("lots"),
      list("containers"),
    ]);
    // In file-name order, so a damaged directory is refused naming the same file every time; each
    // file added as it is read, so the event loop's turns come between lots, not only between reads.
    const bundles = new Map<string, LotBundle>();
    await readEach(bundleFiles, (f) => {
      const b = readLotBundleSync(f);
      bundles.set(b.lotId.toLowerCase(), b);
    });
    await readEach(treeFiles, (f) => {
      const { file, tree } = readLotTreeSync(f);
      const lotId = file.lotId.toLowerCase();
      catalog.addLot({ gtin: file.gtin, lot: file.lot, lotId: file.lotId, tree }, bundles.get(lotId));
    });
    await readEach(containerFiles, (f) => catalog.addContainer(readContainerFile(f)));
    return catalog;
  }
}

/** Reads a container's public file, checked against its tree (its id, root and children). */
function readContainerFile(
  file: string,
): Pick<ContainerFile, "sscc" | "containerId" | "children"> & { idTree: IdTree } {
  const parsed = containerFileSchema.safeParse(readDataJson(file));
  if (!parsed.success) throw zodProblem(file, parsed.error);
  const data = parsed.data;
  const tree = loadIdTree(data.tree, file);
  // The file must be one container's: its id is its SSCC's, its root its tree's, its children its tree's ids.
  const problem =
    data.containerId.toLowerCase() !== containerIdOf(data.sscc).toLowerCase()
      ? `field containerId is not the id of SSCC ${data.sscc}`
      : data.root.toLowerCase() !== tree.root
        ? "field root does not match the tree"
        : !sameIds(
              data.children,
              [...tree.entries()].map(([, [id]]) => id),
            )
          ? "field children does not list the tree's ids"
          : undefined;
  if (problem !== undefined) throw new MedChainError(`${file}: ${problem}`);
  return { sscc: data.sscc, containerId: data.containerId, children: data.children, idTree: tree };
}

/** Whether two lists hold the same ids (case-insensitive), each once. */
function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(b.map((id) => id.toLowerCase()));
  const listed = new Set(a.map((id) => id.toLowerCase()));
  return (
    listed.size === a.length &&
    set.size === b.length &&
    a.length === b.length &&
    a.every((id) => set.has(id.toLowerCase()))
  );
}

/** Where a container's public file goes in a data directory. */
export function containerFile(dataDir: string, sscc: string): string {
  return path.join(dataDir, "containers", `${sscc}.json`);
}

/**
 * Writes a container's public file (child ids and tree) into a data directory. A file there of
 * another root is refused (its packing may be on chain or pending) unless `replace` says the caller
 * knows it is stale (the chain holds this container under this root, or holds none and nothing of
 * the packer's is pending).
 */
export async function writeContainerFile(
  dataDir: string,
  container: ContainerFile & { idTree?: IdTree },
  options: { replace?: boolean } = {},
): Promise<string> {
  const file = containerFile(dataDir, container.sscc);
  if (options.replace !== true && existsSync(file)) {
    // A container's file matches its packing on chain: a file of another root is never written over.
    let root: unknown;
    try {
      root = (readDataJson(file) as { root?: unknown } | null)?.root;
    } catch {
      root = undefined;
    }
    if (typeof root !== "string" || root.toLowerCase() !== container.root.toLowerCase()) {
      throw new MedChainError(
        `container ${container.sscc}: ${file} holds other children (root ${String(root)}); it is not overwritten ` +
          "(its packing may be on chain or pending; move the file away only if it never was)",
        { kind: "BAD_INPUT" },
      );
    }
  }
  await makeFolderDurably(path.dirname(file));
  const { idTree: _tree, ...publicFile } = container;
  // Whole or not at all: a torn container file would stop every later load of the data directory.
  await writeFileAtomic(file, JSON.stringify(publicFile) + "\n", PUBLIC_FILE_MODE);
  return file;
}
