// Attacks on the SDK's own Merkle tree (`MerkleBatch`, `IdTree`), which replaced
// `@openzeppelin/merkle-tree`'s StandardMerkleTree in the provenance module (fifth review, T-series in
// FINDINGS.md): each test is the correct behaviour; T1-T3 failed before their fix, the others prove
// properties that held.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { hexlify, randomBytes } from "ethers";
import { network } from "hardhat";

import { MedChainError } from "../../src/chain/errors.js";
import { leafOfBytes32 } from "../../src/chain/merkle-leaf.js";
import { MerkleBatch, processProof } from "../../src/chain/merkle-tree.js";
import { Catalog, planContainer, writeContainerFile } from "../../src/provenance/catalog.js";
import { commissionLot, verifyPack } from "../../src/provenance/client.js";
import { lotIdOf, packIdOf, packTagOf } from "../../src/provenance/ids.js";
import { lotFiles, planLot } from "../../src/provenance/lot.js";
import { IdTree, loadIdTree, proofOf, type IdTreeDump } from "../../src/provenance/tree.js";
import { verifyInBatch } from "../../src/records/merkle.js";
import { GTIN, provenanceFixtureFor } from "../provenance/fixture.js";

const { ethers, networkHelpers } = await network.create();

const ids = (n: number) => Array.from({ length: n }, () => hexlify(randomBytes(32)));
const library = (values: string[], sortLeaves = true) =>
  StandardMerkleTree.of(
    values.map((v) => [v]),
    ["bytes32"],
    { sortLeaves },
  );
const upper = (h: string) => "0x" + h.slice(2).toUpperCase();

/** What loading `dump` throws (or "loaded"), for the library and for ours. */
function loadBoth(dump: unknown): { library: string; ours: string } {
  const attempt = (load: () => unknown) => {
    try {
      load();
      return "loaded";
    } catch (err) {
      return (err as Error).message;
    }
  };
  return {
    library: attempt(() => StandardMerkleTree.load(structuredClone(dump) as IdTreeDump)),
    ours: attempt(() => loadIdTree(structuredClone(dump), "lot L1")),
  };
}

describe("Attack: the SDK's Merkle tree against @openzeppelin/merkle-tree and the contract", function () {
  this.timeout(120_000);
  const provenanceFixture = provenanceFixtureFor(ethers);

  it("T1: loads a tree the library wrote with sortLeaves: false, with the library's proofs, and the chain calls its packs genuine", async function () {
    const values = ids(9);
    const unsorted = library(values, false);
    const tree = loadIdTree(JSON.parse(JSON.stringify(unsorted.dump())), "lot L1");
    expect(tree.root).to.equal(unsorted.root);
    values.forEach((v, i) => {
      expect(tree.getProof(i), `proof ${i}`).to.deep.equal(unsorted.getProof(i));
      expect(tree.getProof([upper(v)]), `proof of ${v}`).to.deep.equal(unsorted.getProof(i));
    });
    expect(tree.dump()).to.deep.equal(unsorted.dump());

    // End to end: a lot committed with the library's unsorted root, its file published as the
    // library wrote it; the resolver's catalog loads it and the chain accepts the proof it gives.
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    const plan = planLot({ gtin: GTIN, lot: "UNSORTED-1", expiry: "301231", serials: ["U1", "U2", "U3", "U4", "U5"] });
    // The tags in an order whose unsorted layout is not the sorted one (some orders pair alike).
    const tags = plan.bundle.packs.map((p) => p.tag);
    const orders = tags.map((_, k) => [...tags.slice(k), ...tags.slice(0, k)].reverse());
    const theirs = orders.map((order) => library(order, false)).find((t) => t.root !== plan.root)!;
    expect(theirs.root).to.not.equal(plan.root); // another layout, another root
    await commissionLot(fx.provenance.connect(fx.signers.mfr), { ...plan, root: theirs.root });
    const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-tree-"));
    try {
      const file = lotFiles(dataDir, plan.gtin, plan.lot).tree;
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify({ ...plan.treeFile, root: theirs.root, tree: theirs.dump() }) + "\n");
      const catalog = await Catalog.load(dataDir);
      for (const p of plan.bundle.packs) {
        const scan = { gtin: plan.gtin, lot: plan.lot, serial: p.serial, code: p.code };
        expect((await verifyPack(fx.provenance, catalog, scan)).verdict, p.serial).to.equal("GENUINE");
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("T2: refuses a dump whose nodes only print as hex or whose leaf encoding is nested, as the library does", function () {
    const good = library(ids(5)).dump();
    const wrapped = { ...good, tree: good.tree.map((n, i) => (i === 1 ? [n] : n)) };
    expect(loadBoth(wrapped)).to.deep.equal({
      library: "Merkle tree is invalid",
      ours: "lot L1: not a Merkle tree dump (tree node 1: expected 32 bytes of hex)",
    });
    const nested = { ...good, leafEncoding: [["bytes32"]] };
    expect(loadBoth(nested).ours).to.equal(
      'lot L1: not a Merkle tree dump (leaf encoding [["bytes32"]], expected ["bytes32"])',
    );
    expect(loadBoth(nested).library).to.not.equal("loaded");
    expect(() => loadIdTree({ ...good, leafEncoding: ["bytes32", "bytes32"] }, "lot L1")).to.throw(
      'lot L1: not a Merkle tree dump (leaf encoding ["bytes32","bytes32"], expected ["bytes32"])',
    );
  });

  it("T3: refuses a proof element or leaf that is not 32 bytes of hex instead of hashing part of it", function () {
    const values = ids(6);
    const tree = IdTree.of(values);
    const leaf = leafOfBytes32(values[2]!);
    const proof = tree.getProof(2);
    expect(processProof(leaf, proof)).to.equal(tree.root);
    const cases: Array<[string, () => unknown, string]> = [
      ["a sibling with 2 bytes more", () => processProof(leaf, [proof[0]! + "abcd", ...proof.slice(1)]), "proof 0"],
      ["a sibling with 12 bytes less", () => processProof(leaf, [proof[0]!, proof[1]!.slice(0, 42)]), "proof 1"],
      ["a leaf with a byte more", () => processProof(leaf + "00", proof), "the leaf"],
      ["a sibling that is not hex", () => processProof(leaf, ["0x" + "zz".repeat(32)]), "proof 0"],
    ];
    for (const [what, run, where] of cases) {
      expect(run, what).to.throw(MedChainError, `${where} (`);
      expect(run, what).to.throw("): expected 32 bytes of hex");
    }
    // The library refuses them too (its check: "Merkle tree nodes must be Uint8Array of length 32").
    expect(() => StandardMerkleTree.verify(tree.root, ["bytes32"], [values[2]!], [proof[0]! + "abcd"])).to.throw(
      "Merkle tree nodes must be Uint8Array of length 32",
    );
    const pair = [values[0]!, values[1]!] as [string, string];
    expect(() => verifyInBatch(tree.root, pair, [proof[0]! + "ab"])).to.throw(
      `proof 0 (${proof[0]!}ab): expected 32 bytes of hex`,
    );
    expect(() => MerkleBatch.ofLeaves([leaf, "0x1234"])).to.throw("leaf 1 (0x1234): expected 32 bytes of hex");
  });

  it("refuses malformed dumps with one line naming what is wrong (where the library loads some of them)", function () {
    const values = ids(5);
    const good = library(values).dump();
    const inner = 2; // an inner node's index in a tree of 9 nodes
    const cases: Array<[string, (d: IdTreeDump) => unknown, string, "loaded" | "refused"]> = [
      [
        "a negative tree index",
        (d) => (d.values[0]!.treeIndex = -1),
        "leaf 0: tree index -1 is not a leaf of its own",
        "refused",
      ],
      [
        "a fractional tree index",
        (d) => (d.values[1]!.treeIndex = 5.5),
        "leaf 1: tree index 5.5 is not a leaf of its own",
        "refused",
      ],
      [
        "a tree index past the end",
        (d) => (d.values[2]!.treeIndex = 9),
        "leaf 2: tree index 9 is not a leaf of its own",
        "refused",
      ],
      [
        "an inner node's index",
        (d) => (d.values[3]!.treeIndex = inner),
        "leaf 3: tree index 2 is not a leaf of its own",
        "refused",
      ],
      [
        "a tree index as a string",
        (d) => ((d.values[0] as { treeIndex: unknown }).treeIndex = String(d.values[0]!.treeIndex)),
        `leaf 0: tree index ${good.values[0]!.treeIndex} is not a leaf of its own`,
        "loaded",
      ],
      [
        "no tree index",
        (d) => delete (d.values[4] as { treeIndex?: number }).treeIndex,
        "leaf 4: tree index undefined is not a leaf of its own",
        "refused",
      ],
      [
        "two values at one leaf",
        (d) => (d.values[1]!.treeIndex = d.values[0]!.treeIndex),
        `leaf 1: tree index ${good.values[0]!.treeIndex} is not a leaf of its own`,
        "refused",
      ],
      [
        "two values' positions swapped",
        (d) => ([d.values[0]!.treeIndex, d.values[1]!.treeIndex] = [d.values[1]!.treeIndex, d.values[0]!.treeIndex]),
        `leaf 0: Merkle tree does not contain the expected value at ${good.values[1]!.treeIndex}`,
        "refused",
      ],
      ["an extra node", (d) => d.tree.push(d.tree[1]!), "5 values need a tree of 9 nodes, not 10", "refused"],
      ["a node missing", (d) => d.tree.pop(), "5 values need a tree of 9 nodes, not 8", "refused"],
      ["a leaf no value names", (d) => d.values.pop(), "4 values need a tree of 7 nodes, not 9", "loaded"],
      ["an inner node changed", (d) => (d.tree[1] = d.tree[2]!), "Merkle tree is invalid at node 1", "refused"],
      [
        "a duplicated id",
        (d) => (d.values[1] = structuredClone(d.values[0]!)),
        "the ids of a lot or container must be distinct",
        "loaded",
      ],
      [
        "a value without 0x",
        (d) => (d.values[2]!.value = [d.values[2]!.value[0].slice(2)]),
        "value 2: expected [bytes32]",
        "refused",
      ],
      [
        "a value of 31 bytes",
        (d) => (d.values[2]!.value = [d.values[2]!.value[0].slice(0, -2)]),
        "value 2: expected [bytes32]",
        "refused",
      ],
      [
        "a bare value",
        (d) => ((d.values[3] as { value: unknown }).value = d.values[3]!.value[0]),
        "value 3: expected [bytes32]",
        "refused",
      ],
      ["a null value", (d) => ((d.values as unknown[])[0] = null), "value 0: expected [bytes32]", "refused"],
      [
        "a node without 0x",
        (d) => (d.tree[4] = d.tree[4]!.slice(2)),
        "tree node 4: expected 32 bytes of hex",
        "refused",
      ],
      ["no values", (d) => ((d.values = []), (d.tree = [])), "a Merkle tree needs at least one id", "refused"],
      [
        "another format",
        (d) => ((d as { format: string }).format = "simple-v1"),
        "Unknown format 'simple-v1'",
        "refused",
      ],
      [
        "values not an array",
        (d) => ((d as { values: unknown }).values = {}),
        "expected values and tree arrays",
        "refused",
      ],
    ];
    for (const [what, change, message, theirs] of cases) {
      const dump = structuredClone(good) as IdTreeDump;
      change(dump);
      const got = loadBoth(dump);
      expect(got.ours, what).to.equal(`lot L1: not a Merkle tree dump (${message})`);
      expect(got.library === "loaded" ? "loaded" : "refused", `the library on ${what}`).to.equal(theirs);
    }
    expect(() => loadIdTree(null, "lot L1")).to.throw("lot L1: not a Merkle tree dump (not an object)");
    expect(() => loadIdTree("standard-v1", "lot L1")).to.throw("lot L1: not a Merkle tree dump (not an object)");
    // A duplicate the library wrote itself is refused too (a lot's tags and a container's children are distinct).
    const dup = library([values[0]!, values[0]!, values[1]!]).dump();
    expect(loadBoth(dup)).to.deep.equal({
      library: "loaded",
      ours: "lot L1: not a Merkle tree dump (the ids of a lot or container must be distinct)",
    });
  });

  it("loads permuted values with their tree indexes kept, and mixed-case ids and nodes, with the library's root and proofs", function () {
    const values = ids(8);
    const lib = library(values);
    const permuted = structuredClone(lib.dump());
    permuted.values.reverse();
    const tree = loadIdTree(permuted, "lot L1");
    expect(tree.root).to.equal(lib.root);
    for (const v of values) expect(tree.getProof([v])).to.deep.equal(lib.getProof([v]));
    expect([...tree.entries()].map(([, [v]]) => v)).to.deep.equal([...values].reverse());

    const shouting = structuredClone(lib.dump());
    shouting.tree = shouting.tree.map(upper);
    shouting.values = shouting.values.map((v) => ({ ...v, value: [upper(v.value[0]!)] }));
    const loud = loadIdTree(shouting, "lot L1");
    expect(loud.root).to.equal(lib.root);
    values.forEach((v, i) => expect(loud.getProof([v])).to.deep.equal(lib.getProof(i)));
  });

  it("refuses a proof of an id not in the tree, a prototype key or an index outside it", function () {
    const values = ids(4);
    const tree = IdTree.of(values);
    const stranger = hexlify(randomBytes(32));
    expect(() => tree.getProof([stranger])).to.throw(MedChainError, `${stranger} is not in the tree`);
    expect(() => proofOf(tree, stranger, "lot L1")).to.throw(`lot L1: ${stranger} is not one of its children`);
    for (const key of ["__proto__", "constructor", "toString", values[0]!.slice(2), ""]) {
      expect(() => tree.getProof([key]), key).to.throw(`${key} is not in the tree`);
    }
    for (const index of [-1, 4, 1.5, NaN, Infinity]) {
      expect(() => tree.getProof(index), String(index)).to.throw(`no leaf ${index} in a tree of 4`);
    }
    expect(() => IdTree.of([values[0]!, "0x1234"])).to.throw("id 1 (0x1234): expected 32 bytes of hex");
  });

  it("refuses a tree array far longer than its values without reading it, and loads 20,000 ids", function () {
    const values = ids(3);
    const dump = { ...library(values).dump(), tree: new Array<string>(1_000_000).fill("0x") };
    const started = Date.now();
    expect(() => loadIdTree(dump, "lot L1")).to.throw("3 values need a tree of 5 nodes, not 1000000");
    expect(Date.now() - started).to.be.below(5_000); // reads no entry (wide: a GC of the big array may fall inside)
    const many = ids(20_000);
    const big = JSON.parse(JSON.stringify(IdTree.of(many).dump())) as IdTreeDump;
    const tree = loadIdTree(big, "lot L1");
    expect(tree.length).to.equal(20_000);
    expect(processProof(leafOfBytes32(many[12_345]!), tree.getProof([many[12_345]!]))).to.equal(tree.root);
  });

  it("computes packTagOf and packIdOf as the contract does on unicode, empty and long serials, edge GTINs and mixed-case ids", async function () {
    const { provenance } = await networkHelpers.loadFixture(provenanceFixture);
    const code = "ABCD-EFGH-JKMN-PQRS";
    const serials = ["", "0", "é", "漢字", "💊", "a\u0000b", "Ωmega\u200d", "x".repeat(2_000)];
    for (const gtin of [GTIN, "00000000000000", "99999999999999"]) {
      for (const serial of serials) {
        const tag = packTagOf(gtin, serial, code);
        const onChain = await provenance.packTagOf(BigInt(gtin), serial, "ABCDEFGHJKMNPQRS");
        expect(tag, `${gtin} ${JSON.stringify(serial.slice(0, 12))}`).to.equal(onChain);
        const lotId = lotIdOf(gtin, "L1");
        expect(packIdOf(upper(lotId), upper(tag))).to.equal(await provenance.packIdOf(lotId, tag));
      }
    }
    // A lone surrogate cannot be sent to the contract at all: refused, never hashed some other way.
    expect(() => packTagOf(GTIN, "\ud800", code)).to.throw("invalid surrogate pair");
  });

  it("refuses a pack id of a lot id or tag that is not 32 bytes of hex with a MedChainError, not a hash", function () {
    const id = hexlify(randomBytes(32));
    const bad = [
      id.slice(0, -2),
      id + "00",
      id.slice(2),
      "0X" + id.slice(2),
      "0x" + "g".repeat(64),
      "",
      "0x",
      12 as unknown as string,
      null as unknown as string,
    ];
    for (const b of bad) {
      for (const [lotId, tag] of [
        [b, id],
        [id, b],
      ]) {
        expect(() => packIdOf(lotId!, tag!), String(b)).to.throw(
          MedChainError,
          "a pack id needs a 32-byte lot id and a 32-byte tag",
        );
      }
    }
  });

  it("T4: refuses a published container file whose id, root or children are not its tree's, naming the file and the field", async function () {
    const ids = Array.from({ length: 3 }, () => hexlify(randomBytes(32)));
    const sscc = "106141410000000016";
    const good = planContainer(sscc, ids);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        "another container's id",
        { containerId: planContainer("106141410000000023", ids).containerId },
        "field containerId is not the id of SSCC 106141410000000016",
      ],
      ["another root", { root: hexlify(randomBytes(32)) }, "field root does not match the tree"],
      [
        "a child the tree does not hold",
        { children: [...ids.slice(0, 2), hexlify(randomBytes(32))] },
        "field children does not list the tree's ids",
      ],
      ["a child left out", { children: ids.slice(0, 2) }, "field children does not list the tree's ids"],
      ["a child twice", { children: [ids[0], ids[0], ids[1]] }, "field children does not list the tree's ids"],
    ];
    for (const [what, change, message] of cases) {
      const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-container-"));
      try {
        const file = await writeContainerFile(dataDir, { ...good, ...change } as typeof good);
        const err = await Catalog.load(dataDir).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err, what).to.be.instanceOf(MedChainError);
        expect(err!.message, what).to.equal(`${file}: ${message}`);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-container-"));
    try {
      await writeContainerFile(dataDir, {
        ...good,
        children: [...ids].reverse().map((id) => id.toUpperCase().replace("0X", "0x")),
      });
      const catalog = await Catalog.load(dataDir);
      expect(catalog.proof(ids[1]!, good.containerId)).to.deep.equal(good.idTree.getProof([ids[1]!]));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
