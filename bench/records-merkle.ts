// The Merkle work of records anchoring alone (`npm run bench:records-merkle`): building a batch of
// n record leaves and reading every proof, with `@openzeppelin/merkle-tree`'s StandardMerkleTree
// (which re-verifies each proof it hands out) and with MedChain's MerkleBatch (the same tree in one
// byte array, hashed with @noble/hashes, proofs read from the tree), on random values. The roots
// must agree. Prints one JSON line per run; writes bench/records-merkle.json.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { hexlify } from "ethers";

import { batchOfValues, type LeafValue } from "../src/records/merkle.js";
import { ROOT } from "../scripts/lib/nodes.js";

const LIBRARY_SIZES = (process.env.BENCH_LIBRARY ?? "10000").split(",").map(Number);
const OUR_SIZES = (process.env.BENCH_OURS ?? "10000,100000,1000000").split(",").map(Number);

const values = (n: number): LeafValue[] =>
  Array.from({ length: n }, () => [hexlify(randomBytes(32)), hexlify(randomBytes(32))] as LeafValue);

function timed<T>(fn: () => T): [T, number] {
  const started = performance.now();
  const out = fn();
  return [out, Math.round(performance.now() - started) / 1000];
}

const runs: Array<{ implementation: string; leaves: number; seconds: number; root: string }> = [];
for (const n of [...new Set([...LIBRARY_SIZES, ...OUR_SIZES])].sort((a, b) => a - b)) {
  const input = values(n);
  const [ours, oursSeconds] = timed(() => {
    const batch = batchOfValues(input);
    for (let i = 0; i < n; i++) batch.proof(i);
    return batch.root;
  });
  if (OUR_SIZES.includes(n)) runs.push({ implementation: "MerkleBatch", leaves: n, seconds: oursSeconds, root: ours });
  if (LIBRARY_SIZES.includes(n)) {
    const [library, librarySeconds] = timed(() => {
      const tree = StandardMerkleTree.of(input, ["bytes32", "bytes32"]);
      for (let i = 0; i < n; i++) tree.getProof(i);
      return tree.root;
    });
    if (library !== ours) throw new Error(`the roots of ${n} leaves differ: ${library} and ${ours}`);
    runs.push({ implementation: "StandardMerkleTree", leaves: n, seconds: librarySeconds, root: library });
  }
  console.log(JSON.stringify(runs.filter((r) => r.leaves === n)));
}
await writeFile(
  path.join(ROOT, "bench", "records-merkle.json"),
  JSON.stringify({ machine: `${process.platform} ${process.arch}, node ${process.version}`, runs }, null, 2) + "\n",
);
