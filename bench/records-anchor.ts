// Records anchoring at scale (`npm run bench:records`): writes folders of invented FHIR R4
// Observations (100,000 and 1,000,000 by default; BENCH_RECORDS="100000,1000000"), starts anvil on a
// free port, deploys the consortium and the records registry, and runs `anchorRecords` on each
// folder in a child process of its own (so its peak memory is the job's alone): reading, R4
// validation, commitments, the tree, the transaction and every proof file. Then, for a folder of
// up to 100,000, it adds 1,000 records and anchors again (only the new ones are anchored), and
// anchors it once more without validation. Writes bench/records-anchor.json and the README's
// records-anchor table.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { HDNodeWallet, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet } from "ethers";
import * as prettier from "prettier";

import { admitMember } from "../src/consortium/governance.js";
import { memberIdFromCode, metadataCommitment } from "../src/consortium/ids.js";
import { kindMask } from "../src/consortium/kinds.js";
import { DEV_MNEMONIC, ROOT, startNode } from "../scripts/lib/nodes.js";
import { linkedRecordRegistryFactory, linkedRegistryFactory } from "../scripts/lib/registry.js";

const SIZES = (process.env.BENCH_RECORDS ?? "100000,1000000").split(",").map(Number);
const PATIENTS = 1_000;
const GROWTH = 1_000;

const wallet = (i: number) =>
  new Wallet(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey);

/** An invented Observation of invented patient `p` (no real person). */
function observation(i: number, p: number): string {
  return JSON.stringify({
    resourceType: "Observation",
    id: `bench-obs-${i}`,
    status: "final",
    category: [
      { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] },
    ],
    code: {
      coding: [{ system: "http://loinc.org", code: "2345-7", display: "Glucose [Mass/volume] in Serum or Plasma" }],
    },
    subject: { reference: `Patient/bench-patient-${p}` },
    effectiveDateTime: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    valueQuantity: { value: 70 + (i % 60), unit: "mg/dL", system: "http://unitsofmeasure.org", code: "mg/dL" },
  });
}

async function writeRecords(dir: string, from: number, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const chunk = 512;
  for (let k = from; k < from + count; k += chunk) {
    const batch = [];
    for (let i = k; i < Math.min(k + chunk, from + count); i++) {
      batch.push(writeFile(path.join(dir, `obs-${String(i).padStart(7, "0")}.json`), observation(i, i % PATIENTS)));
    }
    await Promise.all(batch);
  }
}

interface Run {
  records: number;
  /** Records anchored by this run (the rest were anchored by an earlier one). */
  anchored: number;
  seconds: number;
  /** Of `seconds`: reading the folder (stat, parse, R4, commitments), and writing the proof files. */
  readingSeconds?: number;
  proofSeconds?: number;
  peakRssMB: number;
  transactions: number;
  proofFiles: number;
}

const run = promisify(execFile);

/**
 * Lets the disk settle before a timed job: `sync`, then waits (at most a minute) until the kernel's
 * dirty and writeback pages are few. Without it the job is charged for the writeback of the files
 * the generator just wrote, or for the journal and discard work of the folder just deleted (on a
 * VM disk with `discard` that made the same job two to ten times slower).
 */
async function settle(): Promise<void> {
  await run("sync", []);
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    let meminfo: string;
    try {
      meminfo = await readFile("/proc/meminfo", "utf8");
    } catch {
      return; // not Linux: the sync is all
    }
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(meminfo)?.[1] ?? 0);
    if (kB("Dirty") + kB("Writeback") < 8 * 1024) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One anchoring job in a child process; returns what it measured. */
async function anchorIn(child: Record<string, string>): Promise<Run> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "bench", "records-anchor-child.ts")],
    { cwd: ROOT, env: { ...process.env, ...child }, maxBuffer: 1 << 24 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Run;
}

const work = await mkdtemp(path.join(tmpdir(), "medchain-bench-records-"));
const node = await startNode("anvil", { zeroGas: true });
const results: Array<Run & { job: string }> = [];
try {
  const provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 });
  const [certifier, g1, g2, hospital] = [0, 1, 2, 4].map((i) => wallet(i).connect(provider)) as [
    Wallet,
    Wallet,
    Wallet,
    Wallet,
  ];
  const registry = await (
    await linkedRegistryFactory(certifier)
  ).deploy(certifier.address, [g1.address, g2.address], 2n, 604_800n);
  await registry.waitForDeployment();
  await admitMember(
    registry,
    certifier,
    [g1, g2],
    {
      memberId: memberIdFromCode("BENCH-HOSP-0001"),
      metadata: metadataCommitment("invented bench hospital"),
      kinds: kindMask("Hospital"),
      account: hospital.address,
      certifiedUntil: BigInt(Math.floor(Date.now() / 1000)) + 86_400n * 365n,
    },
    hospital,
  );
  const records = await (await linkedRecordRegistryFactory(certifier)).deploy(await registry.getAddress());
  await records.waitForDeployment();
  const patients = path.join(work, "patients.json");
  await writeFile(
    patients,
    JSON.stringify({
      format: "medchain.patients.v1",
      patients: Array.from({ length: PATIENTS }, (_, p) => ({
        reference: `Patient/bench-patient-${p}`,
        account: new Wallet(keccak256(toUtf8Bytes(`invented bench patient ${p}`))).address,
      })),
    }),
  );
  const registryAddress = await records.getAddress();
  const env = (dir: string) => ({
    BENCH_RPC: node.url,
    BENCH_KEY: hospital.privateKey,
    BENCH_REGISTRY: registryAddress,
    BENCH_PATIENTS: patients,
    BENCH_DIR: dir,
  });
  for (const size of SIZES) {
    const dir = path.join(work, `records-${size}`);
    console.log(`writing ${size} invented records to ${dir}`);
    await writeRecords(dir, 0, size);
    await settle();
    const first = await anchorIn(env(dir));
    results.push({ job: `anchor ${size.toLocaleString("en-US")} records`, ...first });
    console.log(JSON.stringify(results.at(-1)));
    // The re-run and the run without validation at the 10 s target's scale (100,000) only: at a
    // million each would take as long as the first job again.
    if (size <= 100_000) {
      await writeRecords(dir, size, GROWTH);
      await settle();
      const grown = await anchorIn(env(dir));
      results.push({ job: `re-run after ${GROWTH.toLocaleString("en-US")} more`, ...grown });
      console.log(JSON.stringify(results.at(-1)));
      // The same job without the R4 validation, to show what the validation costs. Into a folder of
      // its own: deleting the first job's 200,000 proof files first would leave the disk several
      // times slower for a minute (journal and discard work no `sync` waits for).
      const unvalidated = await anchorIn({ ...env(dir), BENCH_VALIDATE: "0", BENCH_OUT: `${dir}.proofs-unvalidated` });
      results.push({
        job: `anchor ${(size + GROWTH).toLocaleString("en-US")} records, R4 validation off`,
        ...unvalidated,
      });
      console.log(JSON.stringify(results.at(-1)));
    }
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.proofs`, { recursive: true, force: true });
    await rm(`${dir}.proofs-unvalidated`, { recursive: true, force: true });
    await settle();
  }
} finally {
  await node.stop();
  await rm(work, { recursive: true, force: true });
}

// A size not run this time (BENCH_RECORDS) keeps its rows from the last bench/records-anchor.json,
// marked as from an earlier run.
try {
  const earlier = JSON.parse(await readFile(path.join(ROOT, "bench", "records-anchor.json"), "utf8")) as {
    runs?: Array<Run & { job: string }>;
  };
  for (const row of earlier.runs ?? []) {
    const size = SIZES.includes(row.records) || SIZES.includes(row.records - GROWTH);
    if (!size) results.push({ ...row, job: row.job.endsWith("(earlier run)") ? row.job : `${row.job} (earlier run)` });
  }
} catch {
  // no earlier results
}
await writeFile(
  path.join(ROOT, "bench", "records-anchor.json"),
  JSON.stringify({ machine: `${process.platform} ${process.arch}, node ${process.version}`, runs: results }, null, 2) +
    "\n",
);
const table = [
  "| job | records | anchored | seconds | of which reading | of which proof files | anchored/s | peak memory (MB) | transactions | proof files written |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map(
    (r) =>
      `| ${r.job} | ${r.records} | ${r.anchored} | ${r.seconds} | ${r.readingSeconds ?? ""} | ${r.proofSeconds ?? ""} | ${Math.round(r.anchored / r.seconds)} | ${r.peakRssMB} | ${r.transactions} | ${r.proofFiles} |`,
  ),
].join("\n");
const readmeFile = path.join(ROOT, "README.md");
const readme = await readFile(readmeFile, "utf8");
const start = "<!-- records-anchor-table:start -->";
const end = "<!-- records-anchor-table:end -->";
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} markers`);
const updated = readme.slice(0, i + start.length) + "\n\n" + table + "\n\n" + readme.slice(j);
const config = await prettier.resolveConfig(readmeFile);
await writeFile(readmeFile, await prettier.format(updated, { ...config, filepath: readmeFile }));
