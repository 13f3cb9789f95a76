/**
 * What the indexer (the Ponder project in `indexer/`) follows, from the environment: the chain's
 * RPC URL and id and the addresses of the suite's contracts from the Ignition deployment file the
 * tasks already use. One-line errors name the variable or the file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { Interface, isAddress } from "ethers";

import { badInput, MedChainError } from "../chain/errors.js";

/** The contracts the indexer follows, by the name its handlers use. */
export const INDEXED_CONTRACTS = [
  "ConsortiumRegistry",
  "RecordRegistry",
  "DrugProvenance",
  "ProductRegistry",
  "ClaimsPlans",
  "ClaimsEngine",
  "SettlementVault",
  "GenomicDatasets",
  "GenomicQueries",
  "VariantInterpretations",
] as const;
export type IndexedContract = (typeof INDEXED_CONTRACTS)[number];

export interface IndexerSettings {
  rpcUrl: string;
  chainId: number;
  /** The deployment file the addresses came from ("" when every address came from the environment). */
  deploymentFile: string;
  /** The contracts deployed on this chain (a module not deployed is simply not followed). */
  addresses: Partial<Record<IndexedContract, `0x${string}`>>;
  startBlock: number;
  pollingIntervalMs: number;
}

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  let body: { result?: unknown; error?: { message?: string } };
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new MedChainError(`MEDCHAIN_RPC_URL: cannot reach ${url} (${(err as Error).message})`, {
      kind: "UNREACHABLE",
      cause: err,
    });
  }
  if (body.error !== undefined)
    throw new MedChainError(`MEDCHAIN_RPC_URL: ${method} failed: ${body.error.message ?? "error"}`, {
      kind: "UNREACHABLE",
    });
  return body.result;
}

/** An address a deployed contract returns from a no-argument view (`products()`, `vault()`). */
async function addressFrom(url: string, at: string, fn: string): Promise<`0x${string}` | undefined> {
  const iface = new Interface([`function ${fn}() view returns (address)`]);
  const data = iface.encodeFunctionData(fn, []);
  const out = (await rpc(url, "eth_call", [{ to: at, data }, "latest"])) as string;
  if (typeof out !== "string" || out.length < 66) return undefined;
  return iface.decodeFunctionResult(fn, out)[0] as `0x${string}`;
}

/**
 * Reads the settings (async: the chain id and the contracts the suite creates itself, the product
 * registry and the settlement vault, are asked of the node):
 *
 * | variable | meaning |
 * |---|---|
 * | `MEDCHAIN_RPC_URL` | the chain's JSON-RPC URL (default `http://127.0.0.1:8545`) |
 * | `MEDCHAIN_CHAIN_ID` | its chain id (default: asked of the node; checked against it) |
 * | `MEDCHAIN_DEPLOYMENT` | the Ignition `deployed_addresses.json` (default `ignition/deployments/chain-<id>/deployed_addresses.json`) |
 * | `MEDCHAIN_START_BLOCK` | the first block to index (default 0: the deployment's blocks are not in that file) |
 * | `MEDCHAIN_POLL_MS` | how often to poll for new blocks (default 1000) |
 */
export async function indexerSettings(env: NodeJS.ProcessEnv, root = process.cwd()): Promise<IndexerSettings> {
  const rpcUrl = env.MEDCHAIN_RPC_URL || "http://127.0.0.1:8545";
  if (!/^https?:\/\/\S+$/.test(rpcUrl))
    throw badInput(`"${rpcUrl}" is not an http(s) URL`, { field: "MEDCHAIN_RPC_URL" });
  const int = (name: string, fallback: number) => {
    const raw = env[name] ?? "";
    if (raw === "") return fallback;
    if (!/^\d{1,15}$/.test(raw)) throw badInput(`"${raw}" is not a non-negative integer`, { field: name });
    return Number(raw);
  };
  const nodeChainId = Number(BigInt((await rpc(rpcUrl, "eth_chainId", [])) as string));
  const chainId = int("MEDCHAIN_CHAIN_ID", nodeChainId);
  if (chainId !== nodeChainId)
    throw badInput(`${chainId} but the node at ${rpcUrl} is chain ${nodeChainId}`, { field: "MEDCHAIN_CHAIN_ID" });
  const file = path.resolve(
    root,
    env.MEDCHAIN_DEPLOYMENT || path.join("ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json"),
  );
  let recorded: Record<string, unknown>;
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badInput(
      code === "ENOENT"
        ? `no such file: deploy the suite with Ignition on chain ${chainId} first, or point MEDCHAIN_DEPLOYMENT at its deployed_addresses.json`
        : `not a deployment record (${code ?? (err as Error).message})`,
      { file, field: "MEDCHAIN_DEPLOYMENT" },
    );
  }
  if (recorded === null || typeof recorded !== "object" || Array.isArray(recorded))
    throw badInput("not a deployment record (expected an object of addresses)", { file });
  const addresses: IndexerSettings["addresses"] = {};
  for (const name of INDEXED_CONTRACTS) {
    // Ignition's future ids are `<Module>#<Contract>` (Records#…, RecordsOnRegistry#…): any module will do.
    const hits = Object.entries(recorded).filter(([id]) => id.endsWith(`#${name}`));
    const address = hits.at(-1)?.[1];
    if (address === undefined) continue;
    if (typeof address !== "string" || !isAddress(address))
      throw badInput(`${JSON.stringify(address)} is not an address`, { file, field: hits.at(-1)![0] });
    addresses[name] = address as `0x${string}`;
  }
  if (Object.keys(addresses).length === 0)
    throw badInput("names none of the MedChain contracts", { file, field: "MEDCHAIN_DEPLOYMENT" });
  // Contracts the suite deploys from its own constructors are not in Ignition's record.
  if (addresses.DrugProvenance !== undefined && addresses.ProductRegistry === undefined)
    addresses.ProductRegistry = await addressFrom(rpcUrl, addresses.DrugProvenance, "products");
  if (addresses.ClaimsEngine !== undefined && addresses.SettlementVault === undefined)
    addresses.SettlementVault = await addressFrom(rpcUrl, addresses.ClaimsEngine, "vault");
  return {
    rpcUrl,
    chainId,
    deploymentFile: file,
    addresses,
    startBlock: int("MEDCHAIN_START_BLOCK", 0),
    pollingIntervalMs: Math.max(50, int("MEDCHAIN_POLL_MS", 1000)),
  };
}
