// Throughput benchmark (`npm run bench:throughput`): starts its own nodes on free ports (anvil and
// `hardhat node`, plus anvil with 2 s blocks as a simulated consortium chain), measures each node's
// own ceiling in the same run (concurrent pre-signed simple transfers), runs a synthetic job through
// the pipelined sender twice (the second run must not be slower), records the tasks' start-up time,
// and writes bench/throughput.json and the README's throughput table. Module jobs join in phase 2.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { getAddress, HDNodeWallet, keccak256, toUtf8Bytes, Wallet, type Provider } from "ethers";
import * as prettier from "prettier";

import { connect } from "../src/chain/connection.js";
import { runJob } from "../src/chain/pipeline.js";
import { DEV_KEY, DEV_MNEMONIC, ROOT, startNode, type DevNode, type NodeKind } from "../scripts/lib/nodes.js";
import { syntheticSteps, wrongBalances } from "../scripts/lib/synthetic-job.js";
import { presignedRate, type PresignedLane } from "./presigned.js";
import { prepareClaimsJob } from "./throughput-claims.js";
import { epcisWorld, importDocument } from "./epcis-import.js";

const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1000);
const JOB_STEPS = Number(process.env.BENCH_JOB_STEPS ?? 1000);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 1000);
const EPCIS_EVENTS = Number(process.env.BENCH_EPCIS_EVENTS ?? 1000);

interface NodeResult {
  node: string;
  /** Set when the node failed during the run (its rows are then missing). */
  error?: string;
  /** Each job is measured right after a ceiling run on the same node, and compared with it. */
  jobs: {
    name: string;
    ceilingTxPerSec: number;
    steps: number;
    /** Transactions the job mined (fewer than steps when steps share transactions). */
    transactions: number;
    seconds: number;
    /** Steps (events, claims) per second. */
    stepsPerSec: number;
    /** Steps per second over the ceiling's transactions per second. */
    ratioToCeiling: number;
    /**
     * Claims submit: the node's own rate for the job's kind of transaction (`CLAIMS` claims' `submit`
     * signed beforehand and sent concurrently), and the job's rate over it.
     */
    claimsCeilingPerSec?: number;
    ratioToClaimsCeiling?: number;
    /** JSON-RPC calls per step (EPCIS import: where the time goes). */
    callsPerStep?: number;
    calls?: Record<string, number>;
  }[];
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Keys of dev accounts 1..n (account 0 runs the jobs). */
function devKeys(from: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${from + i}`).privateKey,
  );
}

/**
 * The node's own ceiling: `count` simple transfers signed beforehand from eight accounts, each to a
 * fresh address (as the synthetic job's are: anvil's cost per block grows with its state), sent
 * concurrently (`presignedRate`), timed until the last one is mined.
 */
async function ceiling(node: DevNode, provider: Provider, count: number, seed: string): Promise<number> {
  const lanes: PresignedLane[] = devKeys(1, 8).map((k) => ({ wallet: new Wallet(k), txs: [] }));
  for (let i = 0; i < count; i++) {
    lanes[i % lanes.length]!.txs.push({
      to: getAddress("0x" + keccak256(toUtf8Bytes(`ceiling:${seed}:${i}`)).slice(26)),
      value: 1n,
      gasLimit: 21_000n,
    });
  }
  return presignedRate(node, provider, lanes);
}

async function job(url: string, steps: number, seed: string, window: number): Promise<number> {
  const conn = await connect({ rpcUrl: url, privateKey: DEV_KEY });
  const journal = path.join(await mkdtemp(path.join(tmpdir(), "medchain-bench-")), "job.jsonl");
  const started = performance.now();
  const report = await runJob(conn, syntheticSteps(steps, seed, 0), { journal, window });
  const seconds = (performance.now() - started) / 1000;
  const wrong = await wrongBalances(conn.provider, steps, seed);
  if (report.sent !== steps || wrong.length > 0)
    throw new Error(`the synthetic job lost or duplicated steps: ${wrong.slice(0, 3).join(", ")}`);
  return seconds;
}

async function benchNode(
  kind: NodeKind,
  label: string,
  options: { blockTime?: number; window: number; claims?: boolean },
): Promise<NodeResult> {
  // anvil without its archive of every block's state (see NodeOptions.pruneHistory): with it, each
  // block costs more as the chain grows, and a repeated job is slower for the node's sake, not the sender's.
  const node = await startNode(kind, {
    ...(kind === "anvil" ? { pruneHistory: true } : {}),
    ...(options.blockTime === undefined ? {} : { blockTime: options.blockTime, chainId: 31337 }),
  });
  try {
    const conn = await connect({ rpcUrl: node.url });
    const jobs: NodeResult["jobs"] = [];
    for (const name of ["synthetic job (first run)", "synthetic job (repeat)"]) {
      process.stderr.write(`${label}: ${name}\n`); // where a stuck run is
      const ceilingTxPerSec = await ceiling(node, conn.provider, TRANSFERS, `${label}-${name}`);
      const seconds = await job(node.url, JOB_STEPS, `${label}-${name}`, options.window);
      const stepsPerSec = JOB_STEPS / seconds;
      jobs.push({
        name,
        ceilingTxPerSec: round(ceilingTxPerSec),
        steps: JOB_STEPS,
        transactions: JOB_STEPS,
        seconds: round(seconds, 2),
        stepsPerSec: round(stepsPerSec),
        ratioToCeiling: round(stepsPerSec / ceilingTxPerSec, 2),
      });
    }
    // EPCIS import: 1,000 invented events (commission a lot, pack its case at the line, ship the
    // case, receive it), then 1,000 more on the same chain (a repeated import must not be slower).
    const world = await epcisWorld(node.url);
    for (const [run, name] of [
      [1, "EPCIS import (first)"],
      [2, "EPCIS import (repeat)"],
    ] as const) {
      process.stderr.write(`${label}: ${name}\n`);
      const ceilingTxPerSec = await ceiling(node, conn.provider, TRANSFERS, `${label}-${name}`);
      const r = await importDocument(world, EPCIS_EVENTS, run, options.window);
      const stepsPerSec = r.sent / r.seconds;
      jobs.push({
        name,
        ceilingTxPerSec: round(ceilingTxPerSec),
        steps: r.sent,
        transactions: r.transactions,
        seconds: round(r.seconds, 2),
        stepsPerSec: round(stepsPerSec),
        ratioToCeiling: round(stepsPerSec / ceilingTxPerSec, 2),
        callsPerStep: r.callsPerEvent,
        calls: r.calls,
      });
    }
    if (options.claims === true) {
      // The claims module's batch submission, measured against the ceiling right before it and
      // against the node's own rate for the same claims' transactions, signed beforehand.
      process.stderr.write(`${label}: claims submit\n`);
      const { claimCeiling, submit } = await prepareClaimsJob(node, CLAIMS);
      const ceilingTxPerSec = await ceiling(node, conn.provider, TRANSFERS, `${label}-claims`);
      const claimsCeilingPerSec = await claimCeiling();
      const started = performance.now();
      const transactions = await submit();
      const seconds = (performance.now() - started) / 1000;
      jobs.push({
        name: "claims submit (FHIR batch)",
        ceilingTxPerSec: round(ceilingTxPerSec),
        steps: CLAIMS,
        transactions,
        seconds: round(seconds, 2),
        stepsPerSec: round(CLAIMS / seconds),
        ratioToCeiling: round(CLAIMS / seconds / ceilingTxPerSec, 2),
        claimsCeilingPerSec: round(claimsCeilingPerSec),
        ratioToClaimsCeiling: round(CLAIMS / seconds / claimsCeilingPerSec, 2),
      });
    }
    const summary = jobs.map((j) => `ceiling ${j.ceilingTxPerSec} tx/s, ${j.name} ${j.stepsPerSec} steps/s`);
    console.log(`${label}: ${summary.join("; ")}`);
    return { node: label, jobs };
  } finally {
    await node.stop();
  }
}

/** Seconds from starting a task to its exit, for one that refuses bad input before connecting (median of 3). */
async function taskStartup(args: string[]): Promise<number> {
  const run = promisify(execFile);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run(path.join(ROOT, "node_modules", ".bin", "hardhat"), args, {
      cwd: ROOT,
    }).catch(() => {});
    times.push((performance.now() - started) / 1000);
  }
  return round(times.sort((a, b) => a - b)[1]!, 2);
}

// BENCH_NODES (comma-separated labels) runs only those nodes; the others keep their rows from the
// last bench/throughput.json. A node that fails is recorded with its error instead of its rows.
const NODES: [NodeKind, string, { blockTime?: number; window: number; claims?: boolean }][] = [
  ["anvil", "anvil", { window: 64, claims: true }],
  ["hardhat", "hardhat node", { window: 64, claims: true }],
  ["anvil", "anvil --block-time 2", { blockTime: 2, window: 512 }],
];
const only = process.env.BENCH_NODES?.split(",").map((s) => s.trim());
const previous = only
  ? ((JSON.parse(await readFile(path.join(ROOT, "bench", "throughput.json"), "utf8")) as { nodes: NodeResult[] })
      .nodes ?? [])
  : [];
const results: NodeResult[] = [];
for (const [kind, label, options] of NODES) {
  if (only !== undefined && !only.includes(label)) {
    const kept = previous.find((r) => r.node === label);
    if (kept !== undefined) results.push(kept);
    continue;
  }
  try {
    results.push(await benchNode(kind, label, options));
  } catch (err) {
    console.log(`${label}: failed: ${(err as Error).message}`);
    results.push({ node: label, jobs: [], error: (err as Error).message } as NodeResult);
  }
}
const startup = await taskStartup(["consortium", "vote", "--proposal", "x"]);
console.log(`task start-up (hardhat consortium vote, refused before connecting): ${startup} s`);
const claimsStartup = await taskStartup([
  "claims",
  "submit",
  "--fhir",
  "claim.json",
  "--record",
  "r.json",
  "--plan",
  "x",
]);
console.log(`claims task start-up (hardhat claims submit, refused before connecting): ${claimsStartup} s`);

const json = {
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
  transfersForCeiling: TRANSFERS,
  nodes: results,
  taskStartupSeconds: startup,
  claimsTaskStartupSeconds: claimsStartup,
};
await writeFile(path.join(ROOT, "bench", "throughput.json"), JSON.stringify(json, null, 2) + "\n");

const rows = results.flatMap((r) =>
  r.jobs.map(
    (j) =>
      `| ${r.node} | ${j.ceilingTxPerSec} | ${j.name} | ${j.steps} | ${j.transactions} | ${j.seconds} | ${j.stepsPerSec} | ${Math.round(j.ratioToCeiling * 100)}% |`,
  ),
);
const table = [
  "| node | ceiling (tx/s) | job | steps | transactions | seconds | steps/s | of ceiling |",
  "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
  ...results.flatMap((r) =>
    r.jobs
      .filter((j) => j.claimsCeilingPerSec !== undefined)
      .map(
        (j) =>
          `- Claims on ${r.node}: the node itself executes ${j.claimsCeilingPerSec} claims per second (${CLAIMS} claims' \`submit\` transactions signed beforehand and sent concurrently); the job reaches ${Math.round(j.ratioToClaimsCeiling! * 100)}% of that.`,
      ),
  ),
  "",
  `Task start-up (a task that refuses bad input before connecting): ${startup} s (consortium vote), ${claimsStartup} s (claims submit).`,
].join("\n");
const readmeFile = path.join(ROOT, "README.md");
const readme = await readFile(readmeFile, "utf8");
const start = "<!-- throughput-table:start -->";
const end = "<!-- throughput-table:end -->";
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} markers for the throughput table`);
const updated = readme.slice(0, i + start.length) + "\n\n" + table + "\n\n" + readme.slice(j);
// Formatted as `npm run format` would, so `prettier --check` stays green after a bench run.
const config = await prettier.resolveConfig(readmeFile);
await writeFile(readmeFile, await prettier.format(updated, { ...config, filepath: readmeFile }));
