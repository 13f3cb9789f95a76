// Coverage gate for CI: fails when the line coverage of contracts/ (mocks excluded) in
// coverage/lcov.info is below the threshold given as the first argument (a percentage).
// lcov's format is three record types here (SF, LF, LH), too small to justify a parser package.
import { readFileSync } from "node:fs";

const threshold = Number(process.argv[2] ?? "95");
const lcov = readFileSync("coverage/lcov.info", "utf8");

let file = "";
let found = 0;
let hit = 0;
const rows = [];
for (const line of lcov.split("\n")) {
  if (line.startsWith("SF:")) file = line.slice(3).replace(/^.*?(contracts\/)/, "$1");
  else if (line.startsWith("LF:")) found = Number(line.slice(3));
  else if (line.startsWith("LH:")) hit = Number(line.slice(3));
  else if (line === "end_of_record") {
    if (file.startsWith("contracts/") && !file.startsWith("contracts/mocks/")) rows.push({ file, found, hit });
    file = "";
    found = hit = 0;
  }
}
const totalFound = rows.reduce((s, r) => s + r.found, 0);
const totalHit = rows.reduce((s, r) => s + r.hit, 0);
const pct = totalFound === 0 ? 0 : (100 * totalHit) / totalFound;
for (const r of rows) console.log(`${((100 * r.hit) / Math.max(r.found, 1)).toFixed(2).padStart(7)}%  ${r.file}`);
console.log(
  `line coverage of contracts/ (mocks excluded): ${pct.toFixed(2)}% (${totalHit}/${totalFound}), required ${threshold}%`,
);
if (rows.length === 0 || pct < threshold) {
  console.error("coverage gate FAILED");
  process.exit(1);
}
