import { FetchRequest, isAddress, JsonRpcProvider } from "ethers";

import { connect, openContract } from "../../chain/connection.js";
import { badInput, MedChainError } from "../../chain/errors.js";
import { checkPublicBase } from "../../chain/http-server.js";
import { checkSecret } from "../../chain/secrets.js";
import type { GatewayOptions, GatewaySource } from "./server.js";

/**
 * The gateway's settings from the environment, for running it from plain Node without Hardhat
 * (`medchain-records-gateway`, the package's command, or your own program):
 *
 * | variable                     | meaning                                                            |
 * | ---------------------------- | ------------------------------------------------------------------ |
 * | `MEDCHAIN_RPC_URL`           | the chain's JSON-RPC URL (required)                                |
 * | `MEDCHAIN_GATEWAY_KEY`       | the custodian's operating key, 0x + 64 hex digits (required)       |
 * | `MEDCHAIN_RECORDS`           | the RecordRegistry's address (required)                            |
 * | `MEDCHAIN_GATEWAY_RECORDS`   | the anchored export: a folder of FHIR JSON files, a file or Bundle |
 * | `MEDCHAIN_GATEWAY_FHIR_BASE` | or a FHIR server's base URL (then `MEDCHAIN_GATEWAY_PROOFS` too)   |
 * | `MEDCHAIN_GATEWAY_PROOFS`    | the export's proofs folder (default `<records>.proofs`)            |
 * | `MEDCHAIN_GATEWAY_PORT`      | port (default 8080); `MEDCHAIN_GATEWAY_HOST` (default 127.0.0.1)   |
 * | `MEDCHAIN_GATEWAY_STATE`     | the gateway's state folder (default `.medchain-gateway`)           |
 * | `MEDCHAIN_RPC_TIMEOUT_MS`    | how long a node call may take before it fails (default 10,000)     |
 * | `MEDCHAIN_GAS_PRICE`         | a fixed gas price in wei for the audits, e.g. 0 on a zero-gas chain |
 * | `MEDCHAIN_GATEWAY_RATE`      | requests per minute one requester may make (default 120)           |
 * | `MEDCHAIN_GATEWAY_BURST`     | requests one requester may make at once (default 30)               |
 * | `MEDCHAIN_GATEWAY_PUBLIC_BASE` | the URL clients reach it at, for the Bundles' links (`https://…`) |
 */
export interface GatewaySettings {
  rpcUrl: string;
  key: string;
  records: string;
  source: GatewaySource;
  port: number;
  host: string;
  stateDir: string;
  rpcTimeoutMs: number;
  /** The fixed gas price of the audits (absent: ask the node). */
  gasPrice?: bigint;
  /** The per-requester bound (429 beyond it). */
  rateLimit: { perMinute: number; burst: number };
  /** The URL clients reach the gateway at (absent: the address it listens on). */
  publicBase?: string;
}

/** Reads and checks the settings; one-line errors name the variable. */
export function gatewaySettings(env: NodeJS.ProcessEnv): GatewaySettings {
  const need = (name: string) => {
    const value = env[name] ?? "";
    if (value === "") throw badInput("is not set", { field: name });
    return value;
  };
  const int = (name: string, fallback: number) => {
    const raw = env[name] ?? "";
    if (raw === "") return fallback;
    if (!/^\d+$/.test(raw)) throw badInput(`"${raw}" is not a non-negative integer`, { field: name });
    return Number(raw);
  };
  const positive = (name: string, fallback: number) => {
    const n = int(name, fallback);
    if (n < 1 || n > 1_000_000) throw badInput(`${n} is not between 1 and 1000000`, { field: name });
    return n;
  };
  const wei = (name: string) => {
    const raw = env[name] ?? "";
    if (!/^\d{1,30}$/.test(raw)) throw badInput(`"${raw}" is not a whole number of wei`, { field: name });
    return BigInt(raw);
  };
  const rpcUrl = need("MEDCHAIN_RPC_URL");
  if (!/^https?:\/\//.test(rpcUrl)) throw badInput("not an http(s) URL", { field: "MEDCHAIN_RPC_URL" });
  // The key's form is checked by the chain layer's one rule for secrets, naming the variable, never the value.
  const key = checkSecret("MEDCHAIN_GATEWAY_KEY", env.MEDCHAIN_GATEWAY_KEY);
  const records = need("MEDCHAIN_RECORDS");
  if (!isAddress(records)) throw badInput(`"${records}" is not an address`, { field: "MEDCHAIN_RECORDS" });
  const folder = env.MEDCHAIN_GATEWAY_RECORDS ?? "";
  const fhirBase = env.MEDCHAIN_GATEWAY_FHIR_BASE ?? "";
  const proofs = env.MEDCHAIN_GATEWAY_PROOFS ?? "";
  if ((folder === "") === (fhirBase === "")) {
    throw new MedChainError(
      "set exactly one of MEDCHAIN_GATEWAY_RECORDS (a folder) or MEDCHAIN_GATEWAY_FHIR_BASE (a FHIR server)",
    );
  }
  if (fhirBase !== "" && proofs === "")
    throw badInput("the proofs folder is required with a FHIR server", { field: "MEDCHAIN_GATEWAY_PROOFS" });
  return {
    rpcUrl,
    key,
    records,
    source: fhirBase !== "" ? { fhirBase, proofs } : { folder, ...(proofs === "" ? {} : { proofs }) },
    port: int("MEDCHAIN_GATEWAY_PORT", 8080),
    host: env.MEDCHAIN_GATEWAY_HOST || "127.0.0.1",
    stateDir: env.MEDCHAIN_GATEWAY_STATE || ".medchain-gateway",
    rpcTimeoutMs: int("MEDCHAIN_RPC_TIMEOUT_MS", 10_000),
    rateLimit: { perMinute: positive("MEDCHAIN_GATEWAY_RATE", 120), burst: positive("MEDCHAIN_GATEWAY_BURST", 30) },
    ...((env.MEDCHAIN_GAS_PRICE ?? "") === "" ? {} : { gasPrice: wei("MEDCHAIN_GAS_PRICE") }),
    ...((env.MEDCHAIN_GATEWAY_PUBLIC_BASE ?? "") === ""
      ? {}
      : { publicBase: checkPublicBase(env.MEDCHAIN_GATEWAY_PUBLIC_BASE!, "MEDCHAIN_GATEWAY_PUBLIC_BASE") }),
  };
}

/**
 * The gateway's options from its settings, through the chain layer (`connect`, `openContract`): a
 * JSON-RPC provider whose calls fail after `rpcTimeoutMs` (a stopped node must not hold requests for
 * ethers' default five minutes) and the custodian's key signing locally.
 */
export async function gatewayOptionsOf(s: GatewaySettings): Promise<GatewayOptions> {
  const request = new FetchRequest(s.rpcUrl);
  request.timeout = s.rpcTimeoutMs;
  const provider = new JsonRpcProvider(request, undefined, {
    cacheTimeout: -1,
    pollingInterval: 250,
    batchStallTime: 0,
  });
  const connection = await connect({
    provider,
    privateKey: s.key,
    addresses: { records: s.records },
    ...(s.gasPrice === undefined ? {} : { fees: { gasPrice: s.gasPrice } }),
  });
  const records = await openContract(connection, "records", undefined, "MEDCHAIN_RECORDS");
  return {
    records,
    source: s.source,
    port: s.port,
    host: s.host,
    stateDir: s.stateDir,
    rateLimit: s.rateLimit,
    ...(s.publicBase === undefined ? {} : { publicBase: s.publicBase }),
  };
}
