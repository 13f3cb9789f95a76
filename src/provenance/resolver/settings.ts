import { FetchRequest, isAddress, JsonRpcProvider, Network } from "ethers";

import { connect, openContract } from "../../chain/connection.js";
import { badInput } from "../../chain/errors.js";
import { loadMemberDirectory } from "../../consortium/directory.js";
import { connectIndexer } from "../../indexer/client.js";
import { checkLinkBase } from "../labels.js";
import type { ResolverOptions } from "./server.js";

/**
 * The resolver's settings from the environment, for `medchain-resolver` (plain Node, no Hardhat):
 *
 * | variable                   | meaning                                                               |
 * | -------------------------- | --------------------------------------------------------------------- |
 * | `MEDCHAIN_RPC_URL`         | the chain's JSON-RPC URL (required)                                   |
 * | `MEDCHAIN_PROVENANCE`      | the DrugProvenance address (required)                                 |
 * | `MEDCHAIN_RESOLVER_BASE`   | public base URL the QR codes carry, e.g. `https://verify.example.org` |
 * | `MEDCHAIN_RESOLVER_DATA`   | data directory with the published lot trees (default provenance-data) |
 * | `MEDCHAIN_RESOLVER_PORT`   | port (default 8090); `MEDCHAIN_RESOLVER_HOST` (default 127.0.0.1)     |
 * | `MEDCHAIN_INDEXER_URL`     | the indexer (`npm run indexer`) for timelines; unset: the chain's logs |
 * | `MEDCHAIN_MEMBERS`         | the member directory file (default `medchain.members.json`)           |
 * | `MEDCHAIN_RPC_TIMEOUT_MS`  | how long a node call may take before the page says 503 (default 5,000) |
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
}

/** Reads and checks the settings; one-line errors name the variable. */
export function resolverSettings(env: NodeJS.ProcessEnv): ResolverSettings {
  const int = (name: string, fallback: number) => {
    const raw = env[name] ?? "";
    if (raw === "") return fallback;
    if (!/^\d{1,6}$/.test(raw)) throw badInput(`"${raw}" is not a non-negative integer`, { field: name });
    return Number(raw);
  };
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
    directory: await loadMemberDirectory(root),
    ...(s.indexerUrl === undefined ? {} : { indexer: connectIndexer(s.indexerUrl, { timeoutMs: s.rpcTimeoutMs }) }),
  };
}
