import { randomBytes } from "node:crypto";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { hexlify } from "ethers";

import { leafOfBytes32, leafOfPair } from "../../src/chain/merkle-leaf.js";
import { processProof } from "../../src/chain/merkle-tree.js";
import { IdTree, loadIdTree } from "../../src/provenance/tree.js";
import { batchOfValues, buildBatch, verifyInBatch, type LeafValue } from "../../src/records/merkle.js";
import { seeded } from "../helpers/random.js";

const value = (): LeafValue => [hexlify(randomBytes(32)), hexlify(randomBytes(32))];

describe("Merkle trees: byte-for-byte what @openzeppelin/merkle-tree builds", function () {
  it("gives the library's leaves for one value and for pairs", function () {
    for (let i = 0; i < 20; i++) {
      const [a, b] = value();
      expect(leafOfPair(a, b)).to.equal(StandardMerkleTree.of([[a, b]], ["bytes32", "bytes32"]).leafHash([a, b]));
      expect(leafOfBytes32(a)).to.equal(StandardMerkleTree.of([[a]], ["bytes32"]).leafHash([a]));
    }
  });

  it("gives the library's root and every proof on random batches of 1 to 150 values (seed 0x6d65)", function () {
    const next = seeded(0x6d65);
    for (let round = 0; round < 25; round++) {
      const size = round < 5 ? round + 1 : 1 + Math.floor(next() * 150);
      const values = Array.from({ length: size }, value);
      if (size > 3) values[size - 1] = values[0]!; // a repeated value, as the library allows
      const library = StandardMerkleTree.of(values, ["bytes32", "bytes32"]);
      const ours = buildBatch(values);
      expect(ours.root, `root of ${size}`).to.equal(library.root);
      values.forEach((v, i) => {
        expect(ours.proofs[i], `proof ${i} of ${size}`).to.deep.equal(library.getProof(i));
        expect(verifyInBatch(ours.root, v, ours.proofs[i]!)).to.equal(true);
      });
    }
  });

  it("refuses a proof with any sibling changed, and an empty batch", function () {
    const values = Array.from({ length: 9 }, value);
    const batch = batchOfValues(values);
    const proof = batch.proof(4);
    expect(processProof(leafOfPair(...values[4]!), proof)).to.equal(batch.root);
    const bent = proof.map((p, i) => (i === 1 ? p.slice(0, -1) + (p.endsWith("0") ? "1" : "0") : p));
    expect(verifyInBatch(batch.root, values[4]!, bent)).to.equal(false);
    expect(verifyInBatch(batch.root, values[3]!, proof)).to.equal(false);
    expect(() => batchOfValues([])).to.throw("a batch needs at least one record");
  });

  it("gives the library's root, proofs and dump for id trees of 1 to 150 ids, and each loads the other's dump (seed 0x7472)", function () {
    const next = seeded(0x7472);
    for (let round = 0; round < 25; round++) {
      const size = round < 5 ? round + 1 : 1 + Math.floor(next() * 150);
      const ids = Array.from({ length: size }, () => hexlify(randomBytes(32)));
      const library = StandardMerkleTree.of(
        ids.map((id) => [id]),
        ["bytes32"],
      );
      const ours = IdTree.of(ids);
      expect(ours.root, `root of ${size}`).to.equal(library.root);
      ids.forEach((id, i) => {
        expect(ours.getProof(i), `proof ${i} of ${size}`).to.deep.equal(library.getProof(i));
        expect(ours.getProof([id.toUpperCase().replace("0X", "0x")])).to.deep.equal(library.getProof(i));
      });
      expect(ours.dump(), `dump of ${size}`).to.deep.equal(library.dump());
      expect(StandardMerkleTree.load(ours.dump()).root).to.equal(ours.root);
      expect(loadIdTree(library.dump(), "lot").root).to.equal(library.root);
      expect([...ours.entries()]).to.deep.equal([...library.entries()]);
    }
  });

  it("refuses an id tree dump whose nodes, positions, values or format were changed", function () {
    const ids = Array.from({ length: 7 }, () => hexlify(randomBytes(32)));
    const good = IdTree.of(ids).dump();
    const flip = (h: string) => h.slice(0, -1) + (h.endsWith("0") ? "1" : "0");
    const cases: Array<[string, (d: ReturnType<IdTree["dump"]>) => void, string]> = [
      ["an inner node", (d) => (d.tree[1] = flip(d.tree[1]!)), "Merkle tree is invalid"],
      ["the root", (d) => (d.tree[0] = flip(d.tree[0]!)), "Merkle tree is invalid"],
      ["a value", (d) => (d.values[2]!.value = [flip(d.values[2]!.value[0])]), "does not contain the expected value"],
      [
        "two positions",
        (d) => ([d.values[0]!.treeIndex, d.values[1]!.treeIndex] = [d.values[1]!.treeIndex, d.values[0]!.treeIndex]),
        "does not contain the expected value",
      ],
      ["the format", (d) => ((d as { format: string }).format = "standard-v2"), "Unknown format"],
      ["the encoding", (d) => (d.leafEncoding = ["uint256"]), "leaf encoding"],
      ["a duplicate id", (d) => (d.values[3]!.value = [...d.values[4]!.value]), "must be distinct"],
    ];
    for (const [what, change, message] of cases) {
      const dump = structuredClone(good);
      change(dump);
      expect(() => loadIdTree(dump, "lot L1"), what).to.throw(`lot L1: not a Merkle tree dump`);
      expect(() => loadIdTree(dump, "lot L1"), what).to.throw(message);
    }
    expect(() => loadIdTree(null, "lot L1")).to.throw("not a Merkle tree dump");
    expect(() => IdTree.of([])).to.throw("at least one id");
    expect(() => IdTree.of([ids[0]!, ids[0]!.toUpperCase().replace("0X", "0x")])).to.throw("must be distinct");
    expect(() => IdTree.of(ids).getProof([hexlify(randomBytes(32))])).to.throw("is not in the tree");
  });
});
