/**
 * Local EVM nodes for tests and benchmarks: anvil (from the @foundry-rs/anvil package) and
 * `hardhat node`, each started in its own process group on a free loopback port (never a fixed one
 * another process may hold), and stopped with the whole group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, readlink } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The well-known development mnemonic both nodes fund (never use it on a real chain). */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Its first account's key. */
export const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export type NodeKind = "anvil" | "hardhat";

export interface DevNode {
  kind: NodeKind;
  url: string;
  port: number;
  chainId: bigint;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface NodeOptions {
  /** anvil only: chain id (default 31337). */
  chainId?: number;
  /** anvil only: seconds per block instead of a block per transaction. */
  blockTime?: number;
  /** anvil only: gas price and base fee 0, as on a zero-gas consortium chain. */
  zeroGas?: boolean;
  /**
   * anvil only: keep the state of recent blocks only (`--prune-history`), as a validator that is not
   * an archive node does. By default anvil keeps every block's whole state in memory, so each block
   * costs more as the chain grows: a 1,000-transaction job ran 5.7, 11.7, 19.1 s in a row on one
   * anvil, and 5.8, 5.6, 6.0, 6.3 s with pruning (the benches' anvil rows use it).
   */
  pruneHistory?: boolean;
  /** anvil only: how many funded dev accounts (default anvil's 10). */
  accounts?: number;
  /** How long to wait for the node to answer (default 90 s: `hardhat node` starts slowly on a loaded machine). */
  timeoutMs?: number;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(30_000),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode}): ${log()}`);
    try {
      return BigInt((await rpcCall(url, "eth_chainId")) as string);
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`the node at ${url} did not answer within ${timeoutMs} ms: ${log()}`);
}

/**
 * The sessions of the processes listening on TCP port `port` (Linux: the sockets in /proc/net and
 * the processes' open files), or undefined where /proc cannot tell. Processes of other users whose
 * files cannot be read are not seen: their port then looks held by nobody, never by us.
 */
export async function listenerSessions(port: number): Promise<Set<number> | undefined> {
  const hex = ":" + port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  let tables = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = await readFile(table, "utf8");
      tables += 1;
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1]!.endsWith(hex) && f[3] === "0A") inodes.add(f[9]!); // 0A: LISTEN
    }
  }
  if (tables === 0) return undefined;
  const sessions = new Set<number>();
  if (inodes.size === 0) return sessions;
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const socket = /^socket:\[(\d+)\]$/.exec(link);
      if (socket === null || !inodes.has(socket[1]!)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
      // "pid (name) state ppid pgrp session ...": the name may hold spaces and parentheses
      const session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
      if (Number.isInteger(session)) sessions.add(session);
      break;
    }
  }
  return sessions;
}

/**
 * Starts a node on a free port and waits until it answers. A port free a moment ago may be taken by
 * then (CI runs lanes side by side, each starting nodes): a node that could not bind it exits, and
 * what answered was another process's node, possibly with the same chain id. So the node counts as
 * started only if the port's listener is in its own session (where /proc tells), it still runs a
 * moment after it answered, and it answers with the chain id asked for (31337 by default);
 * otherwise another port is tried.
 */
export async function startNode(kind: NodeKind, options: NodeOptions = {}): Promise<DevNode> {
  for (let attempt = 1; ; attempt++) {
    const node = await startNodeOnce(kind, options);
    await new Promise((r) => setTimeout(r, 300));
    const sessions = await listenerSessions(node.port);
    const ours =
      node.process.exitCode === null &&
      node.process.signalCode === null &&
      node.chainId === BigInt(options.chainId ?? 31337) &&
      (sessions === undefined || (sessions.size === 1 && sessions.has(node.process.pid!)));
    if (ours) return node;
    await node.stop();
    if (attempt >= 5) throw new Error(`no ${kind} node of its own after ${attempt} ports (each was taken)`);
  }
}

async function startNodeOnce(kind: NodeKind, options: NodeOptions): Promise<DevNode> {
  const port = await freePort();
  const bin = path.join(ROOT, "node_modules", ".bin", kind === "anvil" ? "anvil" : "hardhat");
  const args =
    kind === "anvil"
      ? [
          "--port",
          String(port),
          "--chain-id",
          String(options.chainId ?? 31337),
          "--silent",
          ...(options.blockTime === undefined ? [] : ["--block-time", String(options.blockTime)]),
          ...(options.zeroGas === true ? ["--gas-price", "0", "--base-fee", "0"] : []),
          ...(options.accounts === undefined ? [] : ["--accounts", String(options.accounts)]),
          ...(options.pruneHistory === true ? ["--prune-history"] : []),
        ]
      : ["node", "--port", String(port)];
  const child = spawn(bin, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      return;
    }
    await exited;
  };
  try {
    const chainId = await waitReady(url, child, options.timeoutMs ?? 90_000, () => output);
    return { kind, url, port, chainId, process: child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
