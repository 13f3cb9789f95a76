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

import { HDNodeWallet, Wallet, type Provider } from "ethers";
import * as prettier from "prettier";

import { connect } from "../src/chain/connection.js";
import { runJob } from "../src/chain/pipeline.js";
import { DEV_KEY, DEV_MNEMONIC, ROOT, rpcCall, startNode, type DevNode, type NodeKind } from "../scripts/lib/nodes.js";
import { syntheticSteps, wrongBalances } from "../scripts/lib/synthetic-job.js";

const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1000);
const JOB_STEPS = Number(process.env.BENCH_JOB_STEPS ?? 1000);

interface NodeResult {
  node: string;
  ceilingTxPerSec: number;
  jobs: { name: string; steps: number; seconds: number; txPerSec: number; ratioToCeiling: number }[];
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
 * The node's own ceiling: `count` simple transfers signed beforehand from four accounts, sent 32 at a
 * time without waiting for receipts, timed until the last one is mined.
 */
async function ceiling(node: DevNode, provider: Provider, count: number): Promise<number> {
  const wallets = devKeys(1, 4).map((k) => new Wallet(k));
  const feeData = await provider.getFeeData();
  const block = await provider.getBlock("latest");
  const fees =
    block?.baseFeePerGas != null && block.baseFeePerGas > 0n
      ? {
          type: 2,
          maxFeePerGas: block.baseFeePerGas * 2n + (feeData.maxPriorityFeePerGas ?? 0n),
          maxPriorityFeePerGas: feeData.maxPriorityFeePerGas ?? 0n,
        }
      : { type: 0, gasPrice: feeData.gasPrice ?? 0n };
  const nonces = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, "pending")));
  const raws: string[] = [];
  for (let i = 0; i < count; i++) {
    const w = i % wallets.length;
    raws.push(
      await wallets[w]!.signTransaction({
        to: "0x000000000000000000000000000000000000dEaD",
        value: 1n,
        gasLimit: 21_000n,
        nonce: nonces[w]! + Math.floor(i / wallets.length),
        chainId: node.chainId,
        ...fees,
      }),
    );
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < raws.length) await rpcCall(node.url, "eth_sendRawTransaction", [raws[next++]]);
    }),
  );
  const targets = wallets.map((w, i) => ({
    address: w.address,
    nonce: nonces[i]! + Math.ceil((count - i) / wallets.length),
  }));
  for (;;) {
    const counts = await Promise.all(targets.map((t) => provider.getTransactionCount(t.address, "latest")));
    if (counts.every((c, i) => c >= targets[i]!.nonce)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return count / ((performance.now() - started) / 1000);
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
  options: { blockTime?: number; window: number },
): Promise<NodeResult> {
  const node = await startNode(
    kind,
    options.blockTime === undefined ? {} : { blockTime: options.blockTime, chainId: 31337 },
  );
  try {
    const conn = await connect({ rpcUrl: node.url });
    const ceilingTxPerSec = await ceiling(node, conn.provider, TRANSFERS);
    const jobs: NodeResult["jobs"] = [];
    for (const name of ["synthetic job (first run)", "synthetic job (repeat)"]) {
      const seconds = await job(node.url, JOB_STEPS, `${label}-${name}`, options.window);
      const txPerSec = JOB_STEPS / seconds;
      jobs.push({
        name,
        steps: JOB_STEPS,
        seconds: round(seconds, 2),
        txPerSec: round(txPerSec),
        ratioToCeiling: round(txPerSec / ceilingTxPerSec, 2),
      });
    }
    console.log(
      `${label}: ceiling ${round(ceilingTxPerSec)} tx/s; ${jobs.map((j) => `${j.name} ${j.txPerSec} tx/s (${Math.round(j.ratioToCeiling * 100)}%)`).join("; ")}`,
    );
    return { node: label, ceilingTxPerSec: round(ceilingTxPerSec), jobs };
  } finally {
    await node.stop();
  }
}

/** Seconds from starting a task to its exit, for one that refuses bad input before connecting (median of 3). */
async function taskStartup(): Promise<number> {
  const run = promisify(execFile);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["consortium", "vote", "--proposal", "x"], {
      cwd: ROOT,
    }).catch(() => {});
    times.push((performance.now() - started) / 1000);
  }
  return round(times.sort((a, b) => a - b)[1]!, 2);
}

const results: NodeResult[] = [];
results.push(await benchNode("anvil", "anvil", { window: 64 }));
results.push(await benchNode("hardhat", "hardhat node", { window: 64 }));
results.push(await benchNode("anvil", "anvil --block-time 2", { blockTime: 2, window: 512 }));
const startup = await taskStartup();
console.log(`task start-up (hardhat consortium vote, refused before connecting): ${startup} s`);

const json = {
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
  transfersForCeiling: TRANSFERS,
  nodes: results,
  taskStartupSeconds: startup,
};
await writeFile(path.join(ROOT, "bench", "throughput.json"), JSON.stringify(json, null, 2) + "\n");

const rows = results.flatMap((r) =>
  r.jobs.map(
    (j) =>
      `| ${r.node} | ${r.ceilingTxPerSec} | ${j.name} | ${j.steps} | ${j.seconds} | ${j.txPerSec} | ${Math.round(j.ratioToCeiling * 100)}% |`,
  ),
);
const table = [
  "| node | ceiling (tx/s) | job | steps | seconds | tx/s | of ceiling |",
  "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
  `Task start-up (a task that refuses bad input before connecting): ${startup} s.`,
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
