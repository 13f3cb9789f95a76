import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { MedChainError } from "../chain/errors.js";
import { containerIdOf } from "./ids.js";
import { readJson, readLotBundle, readLotTree, zodProblem, type LotBundle, type LotPlan } from "./lot.js";
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
  expiry?: string;
  serial?: string;
  code?: string;
}

/**
 * What an operator knows off chain: lots' public trees, packs from private bundles, and containers'
 * trees. Proofs and containment links are built from it; the chain decides whether they hold.
 */
export class Catalog {
  readonly lots = new Map<string, { gtin: string; lot: string; tree: IdTree }>();
  readonly containers = new Map<string, { sscc: string; tree: IdTree; children: string[] }>();
  readonly packs = new Map<string, KnownPack>();
  private readonly parentsOf = new Map<string, Set<string>>();

  /** Adds a lot's tree (and its packs, when the plan or bundle with codes is given). */
  addLot(plan: Pick<LotPlan, "gtin" | "lot" | "lotId"> & { tree: IdTree }, bundle?: LotBundle): void {
    this.lots.set(plan.lotId.toLowerCase(), { gtin: plan.gtin, lot: plan.lot, tree: plan.tree });
    for (const [, [id]] of plan.tree.entries()) {
      if (!this.packs.has(id.toLowerCase()))
        this.packs.set(id.toLowerCase(), { lotId: plan.lotId, gtin: plan.gtin, lot: plan.lot });
    }
    for (const p of bundle?.packs ?? []) {
      this.packs.set(p.packId.toLowerCase(), {
        lotId: plan.lotId,
        gtin: plan.gtin,
        lot: plan.lot,
        expiry: bundle!.expiry,
        serial: p.serial,
        code: p.code,
      });
    }
  }

  /** Adds a lot from its plan (tree and packs with codes). */
  addLotPlan(plan: LotPlan): void {
    this.addLot({ ...plan, tree: loadIdTree(plan.treeFile.tree, plan.lot) }, plan.bundle);
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

  /** The proof that `child` is in `parent` (a container or a lot). */
  proof(child: string, parent: string): string[] {
    const c = this.containers.get(parent.toLowerCase());
    if (c !== undefined) return proofOf(c.tree, child, `container ${c.sscc}`);
    const l = this.lots.get(parent.toLowerCase());
    if (l !== undefined) return proofOf(l.tree, child, `lot ${l.lot}`);
    throw new MedChainError(`no tree known for ${parent}: add the lot or container file to the data directory`);
  }

  /** The pack with GTIN `gtin` and serial `serial`, from the bundles loaded. */
  findPack(gtin: string, serial: string): ({ packId: string } & KnownPack) | undefined {
    for (const [packId, p] of this.packs) if (p.gtin === gtin && p.serial === serial) return { packId, ...p };
    return undefined;
  }

  /** The lot of `gtin` and lot number `lot`. */
  findLot(gtin: string, lot: string): { lotId: string; tree: IdTree } | undefined {
    for (const [lotId, l] of this.lots) if (l.gtin === gtin && l.lot === lot) return { lotId, tree: l.tree };
    return undefined;
  }

  /**
   * Loads a data directory: `lots/*.tree.json` (public lot trees), `private/*.bundle.json` (lot
   * bundles with codes, when present) and `containers/*.json`. A missing directory is empty.
   */
  static async load(dataDir: string): Promise<Catalog> {
    const catalog = new Catalog();
    const list = async (dir: string): Promise<string[]> => {
      try {
        return (await readdir(path.join(dataDir, dir))).filter((f) => f.endsWith(".json")).sort();
      } catch {
        return [];
      }
    };
    const bundles = new Map<string, LotBundle>();
    for (const f of await list("private")) {
      const b = await readLotBundle(path.join(dataDir, "private", f));
      bundles.set(b.lotId.toLowerCase(), b);
    }
    for (const f of await list("lots")) {
      const { file, tree } = await readLotTree(path.join(dataDir, "lots", f));
      catalog.addLot(
        { gtin: file.gtin, lot: file.lot, lotId: file.lotId, tree },
        bundles.get(file.lotId.toLowerCase()),
      );
    }
    for (const f of await list("containers")) {
      const file = path.join(dataDir, "containers", f);
      const parsed = containerFileSchema.safeParse(await readJson(file));
      if (!parsed.success) throw zodProblem(file, parsed.error);
      catalog.addContainer(parsed.data);
    }
    return catalog;
  }
}

/** Where a container's public file goes in a data directory. */
export function containerFile(dataDir: string, sscc: string): string {
  return path.join(dataDir, "containers", `${sscc}.json`);
}

/** Writes a container's public file (child ids and tree) into a data directory. */
export async function writeContainerFile(
  dataDir: string,
  container: ContainerFile & { idTree?: IdTree },
): Promise<string> {
  const file = containerFile(dataDir, container.sscc);
  await mkdir(path.dirname(file), { recursive: true });
  const { idTree: _tree, ...publicFile } = container;
  await writeFile(file, JSON.stringify(publicFile) + "\n");
  return file;
}
