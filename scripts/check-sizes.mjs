// Contract-size gate for CI: fails when a contract's deployed bytecode in artifacts/ is over the
// project's limit. The limit depends on the build: 12,288 bytes (half of EIP-170's 24,576) for the
// plain build, 20,480 bytes for the coverage build (instrumented code is about 1.7 times larger and
// must still deploy, with room to grow). Which build wrote the artifacts is read from their build
// info: the coverage build compiles Hardhat's coverage library next to our sources. Initcode
// (constructor and the contracts it deploys) is checked against EIP-3860's 49,152 bytes.
// Usage: node scripts/check-sizes.mjs            (after `hardhat build` or `hardhat test --coverage`)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const LIMITS = { plain: 12_288, coverage: 20_480 };
const INITCODE_LIMIT = 49_152;

const walk = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });

const artifacts = walk("artifacts/contracts")
  .filter((p) => p.endsWith(".json") && !p.endsWith(".dbg.json") && !p.includes("/mocks/"))
  .map((p) => JSON.parse(readFileSync(p, "utf8")))
  .filter((a) => a.deployedBytecode !== undefined);

const buildInfos = new Set(artifacts.map((a) => a.buildInfoId));
const instrumented = [...buildInfos].some((id) => {
  const input = JSON.parse(readFileSync(join("artifacts/build-info", `${id}.json`), "utf8")).input;
  return Object.keys(input?.sources ?? {}).some((s) => /coverage/i.test(s) && !s.startsWith("project/"));
});
const build = instrumented ? "coverage" : "plain";
const limit = LIMITS[build];

const size = (hex) => (hex.length - 2) / 2;
const rows = artifacts
  .map((a) => ({ name: a.contractName, deployed: size(a.deployedBytecode), initcode: size(a.bytecode) }))
  .filter((r) => r.deployed > 0)
  .sort((x, y) => y.deployed - x.deployed);

const failed = rows.filter((r) => r.deployed > limit || r.initcode > INITCODE_LIMIT);
for (const r of rows) {
  const flag = r.deployed > limit ? "  OVER" : r.initcode > INITCODE_LIMIT ? "  INITCODE OVER" : "";
  console.log(`${String(r.deployed).padStart(7)} B  ${String(r.initcode).padStart(7)} B init  ${r.name}${flag}`);
}
console.log(
  `contract sizes (${build} build): largest ${rows[0]?.deployed ?? 0} B, limit ${limit} B deployed, ${INITCODE_LIMIT} B initcode`,
);
if (rows.length === 0 || failed.length > 0) {
  console.error(`size gate FAILED: ${failed.map((r) => r.name).join(", ") || "no artifacts"}`);
  process.exit(1);
}
