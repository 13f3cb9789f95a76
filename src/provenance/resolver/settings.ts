import { FetchRequest, isAddress, JsonRpcProvider, Network } from "ethers";

import { connect, openContract } from "../../chain/connection.js";
import { badInput } from "../../chain/errors.js";
import { loadMemberDirectory } from "../../consortium/directory.js";
import { connectIndexer } from "../../indexer/client.js";
import { checkLinkBase } from "../labels.js";
import { parseTrustedProxies } from "./clients.js";
import type { ResolverOptions } from "./server.js";

/**
 * The resolver's settings from the environment, for `medchain-resolver` (plain Node, no Hardhat):
 *
 * | variable                            | meaning                                                                              |
 * | ----------------------------------- | ------------------------------------------------------------------------------------ |
 * | `MEDCHAIN_RPC_URL`                  | the chain's JSON-RPC URL (required)                                                  |
 * | `MEDCHAIN_PROVENANCE`               | the DrugProvenance address (required)                                                |
 * | `MEDCHAIN_RESOLVER_BASE`            | public base URL the QR codes carry, e.g. `https://verify.example.org`                |
 * | `MEDCHAIN_RESOLVER_DATA`            | data directory with the published lot trees (default provenance-data)                |
 * | `MEDCHAIN_RESOLVER_PORT`            | port (default 8090); `MEDCHAIN_RESOLVER_HOST` (default 127.0.0.1)                    |
 * | `MEDCHAIN_INDEXER_URL`              | the indexer (`npm run indexer`) for timelines; unset: the chain's logs               |
 * | `MEDCHAIN_MEMBERS`                  | the member directory file (default `medchain.members.json`)                          |
 * | `MEDCHAIN_RPC_TIMEOUT_MS`           | how long a node call may take before the page says 503 (default 5,000)               |
 * | `MEDCHAIN_RESOLVER_MAX_CHECKS`      | scans checked at once, all clients (default 64; more: 503)                           |
 * | `MEDCHAIN_RESOLVER_MAX_PER_CLIENT`  | of them from one client address or IPv6 /64 (default 8; more: 429)                   |
 * | `MEDCHAIN_RESOLVER_TRUSTED_PROXIES` | comma-separated addresses of the reverse proxies whose `X-Forwarded-For` is believed |
 */
export interface ResolverSettings {
  rpcUrl: string;
  provenance: string;
  publicBase?: string;
  dataDir: string;
  port: number;
  host: string;
  rpcTimeoutMs: number;
  indexerUrl?: string;
  maxConcurrentChecks: number;
  maxChecksPerClient: number;
  trustedProxies: Set<string>;
}

function intOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name] ?? "";
  if (raw === "") return fallback;
  if (!/^\d{1,6}$/.test(raw)) throw badInput(`"${raw}" is not a non-negative integer`, { field: name });
  return Number(raw);
}

function positiveOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = intOf(env, name, fallback);
  if (n === 0) throw badInput("must be at least 1", { field: name });
  return n;
}

/** The scan caps and trusted proxies (`MEDCHAIN_RESOLVER_MAX_CHECKS`, `…_MAX_PER_CLIENT`, `…_TRUSTED_PROXIES`). */
export function resolverLimits(
  env: NodeJS.ProcessEnv,
): Pick<ResolverSettings, "maxConcurrentChecks" | "maxChecksPerClient" | "trustedProxies"> {
  return {
    maxConcurrentChecks: positiveOf(env, "MEDCHAIN_RESOLVER_MAX_CHECKS", 64),
    maxChecksPerClient: positiveOf(env, "MEDCHAIN_RESOLVER_MAX_PER_CLIENT", 8),
    trustedProxies: parseTrustedProxies(env.MEDCHAIN_RESOLVER_TRUSTED_PROXIES, "MEDCHAIN_RESOLVER_TRUSTED_PROXIES"),
  };
}

/** Reads and checks the settings; one-line errors name the variable. */
export function resolverSettings(env: NodeJS.ProcessEnv): ResolverSettings {
  const int = (name: string, fallback: number) => intOf(env, name, fallback);
  const rpcUrl = env.MEDCHAIN_RPC_URL ?? "";
  if (!/^https?:\/\//.test(rpcUrl)) throw badInput("not set or not an http(s) URL", { field: "MEDCHAIN_RPC_URL" });
  const provenance = env.MEDCHAIN_PROVENANCE ?? "";
  if (!isAddress(provenance)) throw badInput(`"${provenance}" is not an address`, { field: "MEDCHAIN_PROVENANCE" });
  const base = env.MEDCHAIN_RESOLVER_BASE ?? "";
  if (base !== "") {
    checkLinkBase(base, "MEDCHAIN_RESOLVER_BASE");
  }
  return {
    rpcUrl,
    provenance,
    ...(base === "" ? {} : { publicBase: base }),
    dataDir: env.MEDCHAIN_RESOLVER_DATA || "provenance-data",
    port: int("MEDCHAIN_RESOLVER_PORT", 8090),
    host: env.MEDCHAIN_RESOLVER_HOST || "127.0.0.1",
    rpcTimeoutMs: int("MEDCHAIN_RPC_TIMEOUT_MS", 5_000),
    ...resolverLimits(env),
    ...((env.MEDCHAIN_INDEXER_URL ?? "") === "" ? {} : { indexerUrl: env.MEDCHAIN_INDEXER_URL! }),
  };
}

/** The resolver's options from its settings: a read-only connection whose node calls time out. */
export async function resolverOptionsOf(s: ResolverSettings, root = process.cwd()): Promise<ResolverOptions> {
  const request = new FetchRequest(s.rpcUrl);
  request.timeout = s.rpcTimeoutMs;
  // The chain id is asked once: without a static network ethers asks it again before every call.
  const probe = new JsonRpcProvider(request.clone(), undefined, { cacheTimeout: -1 });
  let chainId: bigint;
  try {
    chainId = (await probe.getNetwork()).chainId;
  } finally {
    probe.destroy();
  }
  const provider = new JsonRpcProvider(request, undefined, {
    cacheTimeout: -1,
    batchStallTime: 0,
    staticNetwork: Network.from(chainId),
  });
  const connection = await connect({ provider, addresses: { provenance: s.provenance } });
  return {
    provenance: await openContract(connection, "provenance", undefined, "MEDCHAIN_PROVENANCE"),
    dataDir: s.dataDir,
    ...(s.publicBase === undefined ? {} : { publicBase: s.publicBase }),
    port: s.port,
    host: s.host,
    maxConcurrentChecks: s.maxConcurrentChecks,
    maxChecksPerClient: s.maxChecksPerClient,
    trustedProxies: s.trustedProxies,
    directory: await loadMemberDirectory(root),
    ...(s.indexerUrl === undefined ? {} : { indexer: connectIndexer(s.indexerUrl, { timeoutMs: s.rpcTimeoutMs }) }),
  };
}
