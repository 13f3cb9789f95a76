// `npm run bench`: measures the gas of every write of the suite on the embedded chain, writes
// bench/gas.json ({ "operation": gasUsed }) and the README's gas table.
import { readFile, writeFile } from "node:fs/promises";

import { network } from "hardhat";
import * as prettier from "prettier";

import { benches } from "./index.js";
import type { GasRow } from "./types.js";

const rows: GasRow[] = [];
for (const bench of benches) {
  rows.push(...(await bench(await network.create())));
}

const json = Object.fromEntries(rows.map((r) => [r.operation, Number(r.gas)]));
await writeFile("bench/gas.json", JSON.stringify(json, null, 2) + "\n");

const table = [
  "| operation | gas | target | meets target |",
  "| --- | ---: | ---: | :---: |",
  ...rows.map(
    (r) =>
      `| \`${r.operation}\` | ${r.gas.toLocaleString("en-US")} | ${r.target === undefined ? "" : r.target.toLocaleString("en-US")} | ${
        r.target === undefined ? "" : r.gas <= r.target ? "yes" : "**no**"
      } |`,
  ),
].join("\n");
const readme = await readFile("README.md", "utf8");
const start = "<!-- gas-table:start -->";
const end = "<!-- gas-table:end -->";
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} markers for the gas table`);
// Formatted as `prettier --check .` expects, so a regenerated table needs no manual pass.
const updated = readme.slice(0, i + start.length) + "\n\n" + table + "\n\n" + readme.slice(j);
const options = (await prettier.resolveConfig("README.md")) ?? {};
await writeFile("README.md", await prettier.format(updated, { ...options, filepath: "README.md" }));

console.table(
  rows.map((r) => ({
    operation: r.operation,
    gas: Number(r.gas),
    target: r.target === undefined ? "" : Number(r.target),
  })),
);
const missed = rows.filter((r) => r.target !== undefined && r.gas > r.target);
if (missed.length > 0) {
  console.error(`targets missed: ${missed.map((r) => r.operation).join(", ")}`);
  process.exitCode = 1;
}
