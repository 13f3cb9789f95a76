/**
 * What the indexer tests share: an anvil with the demo's whole story played on it (every module
 * deployed with Ignition and emitting its events), and Ponder run as a child process on a free port
 * against it (PGlite in a temp folder, or PostgreSQL), stopped with its whole process group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";

import { chapters } from "../../scripts/demo/index.js";
import { createStory, type Story } from "../../scripts/demo/story.js";
import { freePort, ROOT, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { connectIndexer, type IndexerClient } from "../../src/indexer/client.js";

export interface Chain {
  node: DevNode;
  story: Story;
  /** Removes the deployment Ignition wrote for this chain id and stops the node. */
  stop(): Promise<void>;
}

/** Starts anvil with its own chain id and plays the demo on it (quietly). */
export async function demoChain(): Promise<Chain> {
  const chainId = 41_000 + Math.floor(Math.random() * 9_000);
  const node = await startNode("anvil", { chainId, accounts: 24 });
  const deployments = path.join(ROOT, "ignition", "deployments", `chain-${chainId}`);
  try {
    const connection = await network.create({ network: "localhost", override: { url: node.url } });
    const story = await createStory(connection);
    const log = console.log;
    console.log = () => {};
    try {
      for (const chapter of chapters) await chapter(story);
    } finally {
      console.log = log;
    }
    return {
      node,
      story,
      async stop() {
        await node.stop();
        await rm(deployments, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await node.stop();
    await rm(deployments, { recursive: true, force: true });
    throw err;
  }
}

export interface Indexer {
  url: string;
  client: IndexerClient;
  process: ChildProcess;
  output(): string;
  /** SIGKILL (a crash) or SIGTERM (a clean stop) to the whole group, then waits for it to exit. */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
}

export interface IndexerOptions {
  rpcUrl: string;
  /** PGlite folder (default: a new temp folder); ignored with `databaseUrl`. */
  pgliteDir?: string;
  databaseUrl?: string;
  schema?: string;
}

/** A fresh temp folder for a PGlite database. */
export const tempDir = () => mkdtemp(path.join(tmpdir(), "medchain-indexer-"));

/** Runs `ponder start` (as `npm run indexer` does) and waits until its API answers /medchain/status. */
export async function startIndexer(options: IndexerOptions): Promise<Indexer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    MEDCHAIN_RPC_URL: options.rpcUrl,
    MEDCHAIN_POLL_MS: "100",
    MEDCHAIN_PGLITE_DIR: options.pgliteDir ?? (await tempDir()),
    DATABASE_URL: options.databaseUrl ?? "",
    // A Ponder child of a test must not inherit the test runner's own options.
    NODE_OPTIONS: "",
  };
  const bin = path.join(ROOT, "node_modules", ".bin", "ponder");
  const args = ["--root", "indexer", "start", "--schema", options.schema ?? "medchain", "--port", String(port)];
  const child = spawn(bin, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (signal: "SIGKILL" | "SIGTERM" = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid!, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ponder exited (${child.exitCode}): ${output}`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (Date.now() >= deadline) {
    await stop("SIGKILL");
    throw new Error(`ponder was not ready within 180 s: ${output}`);
  }
  return { url, client: connectIndexer(url), process: child, output: () => output, stop };
}

/** Waits until the indexer has indexed the node's latest block. */
export async function caughtUp(indexer: Indexer, node: DevNode, timeoutMs = 60_000): Promise<number> {
  const { rpcCall } = await import("../../scripts/lib/nodes.js");
  const head = Number(BigInt((await rpcCall(node.url, "eth_blockNumber")) as string));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const s = await indexer.client.status();
      if (s.indexedBlock >= head) return head;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`the indexer did not reach block ${head}: ${indexer.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
