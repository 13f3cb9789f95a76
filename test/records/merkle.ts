import { randomBytes } from "node:crypto";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { hexlify } from "ethers";

import { leafOfBytes32, leafOfPair } from "../../src/chain/merkle-leaf.js";
import { buildBatch, MerkleBatch, processProof, verifyInBatch, type LeafValue } from "../../src/records/merkle.js";

/** A seeded generator, so a failing size can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const value = (): LeafValue => [hexlify(randomBytes(32)), hexlify(randomBytes(32))];

describe("records Merkle batches: byte-for-byte what @openzeppelin/merkle-tree builds", function () {
  it("gives the library's leaves for one value and for pairs", function () {
    for (let i = 0; i < 20; i++) {
      const [a, b] = value();
      expect(leafOfPair(a, b)).to.equal(StandardMerkleTree.of([[a, b]], ["bytes32", "bytes32"]).leafHash([a, b]));
      expect(leafOfBytes32(a)).to.equal(StandardMerkleTree.of([[a]], ["bytes32"]).leafHash([a]));
    }
  });

  it("gives the library's root and every proof on random batches of 1 to 150 values (seed 0x6d65)", function () {
    const next = random(0x6d65);
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
    const batch = MerkleBatch.ofValues(values);
    const proof = batch.proof(4);
    expect(processProof(leafOfPair(...values[4]!), proof)).to.equal(batch.root);
    const bent = proof.map((p, i) => (i === 1 ? p.slice(0, -1) + (p.endsWith("0") ? "1" : "0") : p));
    expect(verifyInBatch(batch.root, values[4]!, bent)).to.equal(false);
    expect(verifyInBatch(batch.root, values[3]!, proof)).to.equal(false);
    expect(() => MerkleBatch.ofValues([])).to.throw("a batch needs at least one record");
  });
});
