// The test files `npm run coverage` runs: every Solidity test, and the mocha tests that drive the
// contracts on the in-process chain. Left out, because they add no contract lines and only time:
// tests of code off chain (GS1 parsing, Merkle hashing, secure aggregation maths, the hostile-input
// sweep of the task parsers) and tests whose chain is another process (anvil or hardhat node), which
// Hardhat's coverage cannot instrument (the indexer, the pipelined sender's crash and fault tests,
// the resolver in a browser, the tasks' harness and the gateway's fault tests on anvil). `npm test`
// runs them all.
// Usage: hardhat test --coverage $(node scripts/coverage-tests.mjs)
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const OFF_CHAIN = [
  /^test\/indexer\//,
  /^test\/chain\//,
  /^test\/helpers\//,
  /^test\/fixtures\//,
  /^test\/cli\//, // the task harness runs the tasks against anvil
  /^test\/records\/gateway-faults\.ts$/, // anvil in another process
  /^test\/provenance\/resolver-browser\.ts$/,
  /^test\/provenance\/gs1(-conformance)?\.ts$/,
  /^test\/records\/merkle\.ts$/,
];

const walk = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });

const files = walk("test")
  .map((p) => p.split("\\").join("/"))
  .filter((p) => p.endsWith(".t.sol") || (p.endsWith(".ts") && !p.endsWith(".d.ts")))
  .filter((p) => !OFF_CHAIN.some((re) => re.test(p)))
  .sort();
console.log(files.join("\n"));
