import {
  FetchRequest,
  isAddress,
  isHexString,
  JsonRpcProvider,
  Network,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  Wallet,
  type Provider,
  type Signer,
} from "ethers";

import {
  ClaimsEngine__factory,
  ClaimsPlans__factory,
  ConsortiumRegistry__factory,
  DrugProvenance__factory,
  GenomicDatasets__factory,
  GenomicQueries__factory,
  RecordRegistry__factory,
  VariantInterpretations__factory,
} from "../../typechain-types/index.js";
import { loadDeployedAddresses } from "./deployments.js";
import { badInput, isNodeBehind, MedChainError } from "./errors.js";
import { withFees } from "./send.js";

/** The suite's contracts a connection can open by name. */
export type ContractName =
  | "registry"
  | "records"
  | "provenance"
  | "claimsPlans"
  | "claimsEngine"
  | "genomicDatasets"
  | "genomicQueries"
  | "variantInterpretations";

/** Ignition's future ids for each contract, in the order they are looked for in a deployment record. */
export const DEPLOYMENT_IDS: Readonly<Record<ContractName, readonly string[]>> = {
  registry: ["Consortium#ConsortiumRegistry"],
  records: ["Records#RecordRegistry"],
  // Deployed on an existing registry (ProvenanceOnRegistry.ts) or with it (Provenance.ts, MedChain.ts).
  provenance: ["ProvenanceOnRegistry#DrugProvenance", "Provenance#DrugProvenance"],
  claimsPlans: ["Claims#ClaimsPlans"],
  claimsEngine: ["Claims#ClaimsEngine"],
  // Deployed on an existing registry (GenomicsOnRegistry) or with it (Genomics.ts, MedChain.ts).
  genomicDatasets: ["GenomicsOnRegistry#GenomicDatasets", "Genomics#GenomicDatasets"],
  genomicQueries: ["GenomicsOnRegistry#GenomicQueries", "Genomics#GenomicQueries"],
  variantInterpretations: ["GenomicsOnRegistry#VariantInterpretations", "Genomics#VariantInterpretations"],
};

const FACTORIES = {
  registry: ConsortiumRegistry__factory,
  records: RecordRegistry__factory,
  provenance: DrugProvenance__factory,
  claimsPlans: ClaimsPlans__factory,
  claimsEngine: ClaimsEngine__factory,
  genomicDatasets: GenomicDatasets__factory,
  genomicQueries: GenomicQueries__factory,
  variantInterpretations: VariantInterpretations__factory,
} as const;

/** The typed contract (TypeChain) for each name. */
export type ContractOf<N extends ContractName> = ReturnType<(typeof FACTORIES)[N]["connect"]>;

/** Fee fields every write on this connection uses (e.g. `gasPrice: 0n` on a zero-gas consortium chain). */
export interface FeeOverrides {
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

/**
 * A connection to a MedChain deployment: a provider, optionally a signer, the chain id, and where to
 * find the contracts. Made by {@link connect} (an RPC URL and a signer or private key) or by
 * `connectHardhat` (a Hardhat network, for the tasks). Every SDK function takes one.
 */
export interface Connection {
  readonly provider: Provider;
  /** Who signs writes; absent on a read-only connection. */
  readonly signer?: Signer;
  readonly chainId: bigint;
  /** Fee values the network mandates, applied to every write (absent: ask the node). */
  readonly fees?: FeeOverrides;
  /** Contract addresses given explicitly; they win over the deployment record. */
  readonly addresses: Readonly<Partial<Record<ContractName, string>>>;
  /** Ignition's deployments folder (`<dir>/chain-<id>/deployed_addresses.json`), if any. */
  readonly deploymentsDir?: string;
  /** Where the connection goes, for messages: `http://127.0.0.1:8545` or the Hardhat network name. */
  readonly endpoint: string;
  /** How errors name each address's source (`--registry` for a task); default the contract name. */
  readonly labels?: Readonly<Partial<Record<ContractName, string>>>;
}

/** What {@link connect} needs: an RPC URL (or a provider) and, for writes, a signer or a private key. */
export interface ConnectOptions {
  /** The node's JSON-RPC URL. Give this or `provider`. */
  rpcUrl?: string;
  /** An ethers provider of your own. */
  provider?: Provider;
  /** An ethers signer (connected to the provider if it has none). Give this or `privateKey`, or neither for read-only. */
  signer?: Signer;
  /** A private key (0x + 64 hex digits); pass it from your secret store, never from a command line. */
  privateKey?: string;
  /** The chain id you expect: a node on another chain is refused. */
  chainId?: bigint | number;
  /** Contract addresses; those not given are read from `deployments`. */
  addresses?: Partial<Record<ContractName, string>>;
  /** Ignition's deployments folder to read addresses from (e.g. `ignition/deployments`). */
  deployments?: string;
  /** Fee values for every write, e.g. `{ gasPrice: 0n }` on a zero-gas chain. */
  fees?: FeeOverrides;
  /** How long to wait for the node to answer the first call (default 10 s). */
  timeoutMs?: number;
  /**
   * How long to wait for any later answer (default 30 s; ethers' own is 5 minutes). A request the
   * node never answers (a loaded node can lose one) then fails and is retried, instead of holding
   * a batch job for minutes.
   */
  requestTimeoutMs?: number;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : "/…"}`; // paths and queries may hold API keys
  } catch {
    return "the RPC URL";
  }
}

async function probeChainId(url: string, timeoutMs: number): Promise<bigint> {
  const request = new FetchRequest(url);
  request.timeout = timeoutMs;
  request.setHeader("content-type", "application/json");
  request.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  let body: { result?: unknown; error?: { message?: string } };
  try {
    const response = await request.send();
    response.assertOk();
    body = response.bodyJson as typeof body;
  } catch (err) {
    throw new MedChainError(`cannot reach the node at ${redactUrl(url)}: ${(err as Error).message.split("\n")[0]}`, {
      kind: "UNREACHABLE",
      cause: err,
    });
  }
  if (typeof body.result !== "string" || !isHexString(body.result)) {
    throw new MedChainError(
      `the node at ${redactUrl(url)} did not answer eth_chainId (${body.error?.message ?? "no result"})`,
      {
        kind: "UNREACHABLE",
      },
    );
  }
  return BigInt(body.result);
}

/** Reads that may be asked again without effect. */
const READ_METHODS = new Set([
  "eth_call",
  "eth_estimateGas",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getTransactionCount",
  "eth_getBlockByNumber",
  "eth_getLogs",
]);

/**
 * A JSON-RPC provider that asks a read again (up to 4 times, 50 to 400 ms apart) when the node
 * answers that it is not yet at the block asked for (`isNodeBehind`: the node's own error, never a
 * contract's revert): a race inside the node that a batch job must not die of. Only those reads are
 * asked again; the other answers of the batch are kept as they came (a write is never sent twice
 * here: the batch sender owns that), and if asking again fails, the first answers are returned.
 */
class MedChainRpcProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const calls = Array.isArray(payload) ? payload : [payload];
    // ethers types the answers as results, though an answer may be an error (which is what is looked for)
    let answers: (JsonRpcResult | JsonRpcError)[] = await this.post(payload);
    for (let attempt = 0; attempt < 4; attempt++) {
      const again = calls.filter((call) => {
        const answer = answers.find((a) => a.id === call.id);
        return READ_METHODS.has(call.method) && answer !== undefined && "error" in answer && isNodeBehind(answer.error);
      });
      if (again.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      let retried: (JsonRpcResult | JsonRpcError)[];
      try {
        retried = await this.post(again);
      } catch {
        break; // the reads keep their "behind" answers; the rest of the batch its own
      }
      answers = answers.map((a) => retried.find((r) => r.id === a.id) ?? a);
    }
    return answers as JsonRpcResult[];
  }

  /**
   * ethers' `_send`, with the body encoded and the answer decoded by the platform rather than by
   * ethers' UTF-8 codec, which walks every character in JavaScript: a batch job's signed
   * transactions and receipts are megabytes, and that walk was a tenth of an EPCIS import's client
   * time. An answer that is not UTF-8 JSON goes to ethers' own decoding, for its own error.
   */
  private async post(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<(JsonRpcResult | JsonRpcError)[]> {
    const request = this._getConnection();
    request.body = Buffer.from(JSON.stringify(payload), "utf8");
    request.setHeader("content-type", "application/json");
    const response = await request.send();
    response.assertOk();
    let answer: unknown;
    try {
      answer = JSON.parse(UTF8.decode(response.body ?? new Uint8Array()));
    } catch {
      answer = response.bodyJson; // throws ethers' error for a body that is not JSON
    }
    return (Array.isArray(answer) ? answer : [answer]) as (JsonRpcResult | JsonRpcError)[];
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Checks a private key's form without ever printing it. */
export function walletFromKey(privateKey: string, provider: Provider, label = "privateKey"): Wallet {
  if (!isHexString(privateKey, 32)) throw badInput("must be 32 bytes of hex (0x + 64 digits)", { field: label });
  return new Wallet(privateKey, provider);
}

function checkAddresses(addresses: Partial<Record<ContractName, string>>): void {
  for (const [name, address] of Object.entries(addresses)) {
    if (address !== undefined && !isAddress(address)) throw badInput(`"${address}" is not an address`, { field: name });
  }
}

/**
 * Connects to a node: from `rpcUrl` (the chain id is asked once, so a down node fails at once with
 * `UNREACHABLE` instead of retrying for ever) or from your own `provider`; signs with `signer` or
 * `privateKey` when given.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  if ((options.rpcUrl === undefined) === (options.provider === undefined)) {
    throw badInput("give exactly one of rpcUrl or provider", { field: "connect" });
  }
  if (options.signer !== undefined && options.privateKey !== undefined) {
    throw badInput("give a signer or a private key, not both", { field: "connect" });
  }
  const addresses = { ...options.addresses };
  checkAddresses(addresses);
  let provider: Provider;
  let chainId: bigint;
  let endpoint: string;
  if (options.rpcUrl !== undefined) {
    endpoint = redactUrl(options.rpcUrl);
    chainId = await probeChainId(options.rpcUrl, options.timeoutMs ?? 10_000);
    const request = new FetchRequest(options.rpcUrl);
    request.timeout = options.requestTimeoutMs ?? 30_000;
    provider = new MedChainRpcProvider(request, undefined, {
      staticNetwork: Network.from(chainId),
      pollingInterval: 250,
      // ethers reuses an identical call's answer for 250 ms: a nonce asked right after a receipt
      // would be the stale one ("nonce too low"). Every answer is asked anew.
      cacheTimeout: -1,
      // Calls made together still go in one JSON-RPC batch, but none waits 10 ms for company.
      batchStallTime: 0,
    });
  } else {
    provider = options.provider!;
    endpoint = "the given provider";
    try {
      chainId = (await provider.getNetwork()).chainId;
    } catch (err) {
      throw new MedChainError(`cannot reach the node: ${(err as Error).message.split("\n")[0]}`, {
        kind: "UNREACHABLE",
        cause: err,
      });
    }
  }
  if (options.chainId !== undefined && BigInt(options.chainId) !== chainId) {
    throw badInput(`the node at ${endpoint} is on chain ${chainId}, not ${options.chainId}`, { field: "chainId" });
  }
  let signer: Signer | undefined;
  if (options.privateKey !== undefined) signer = walletFromKey(options.privateKey, provider);
  else if (options.signer !== undefined) {
    signer = options.signer.provider === null ? options.signer.connect(provider) : options.signer;
  }
  if (signer !== undefined) signer = withFees(signer, options.fees);
  return {
    provider,
    ...(signer === undefined ? {} : { signer }),
    chainId,
    ...(options.fees === undefined ? {} : { fees: options.fees }),
    addresses,
    ...(options.deployments === undefined ? {} : { deploymentsDir: options.deployments }),
    endpoint,
  };
}

/** The same connection signing with another signer (e.g. each governor in turn). */
export function withSigner(conn: Connection, signer: Signer): Connection {
  return { ...conn, signer: withFees(signer.provider === null ? signer.connect(conn.provider) : signer, conn.fees) };
}

/** The connection's signer, or a bad-input error saying that `action` needs one. */
export function requireSigner(conn: Connection, action = "this action"): Signer {
  if (conn.signer === undefined) throw badInput(`${action} needs a signer: connect with a signer or a private key`);
  return conn.signer;
}

/**
 * The address of one of the suite's contracts: `explicit` if given, else the connection's
 * `addresses`, else the deployment record. Checks there is code there. `label` names the option or
 * field in errors (`--registry` for a task).
 */
export async function contractAddress(
  conn: Connection,
  name: ContractName,
  explicit?: string,
  label: string = conn.labels?.[name] ?? name,
): Promise<string> {
  let address = explicit !== undefined && explicit !== "" ? explicit : conn.addresses[name];
  if (address === undefined && conn.deploymentsDir !== undefined) {
    const recorded = await loadDeployedAddresses(conn.chainId, conn.deploymentsDir);
    address = DEPLOYMENT_IDS[name].map((id) => recorded[id]).find((a) => a !== undefined);
  }
  if (address === undefined) {
    throw badInput(
      `no ${DEPLOYMENT_IDS[name].at(-1)} deployed on chain ${conn.chainId}: deploy it with Ignition first or give its address`,
      { field: label },
    );
  }
  if (!isAddress(address)) throw badInput(`"${address}" is not an address`, { field: label });
  let code: string;
  try {
    code = await conn.provider.getCode(address);
  } catch (err) {
    throw new MedChainError(`cannot reach the node at ${conn.endpoint}: ${(err as Error).message.split("\n")[0]}`, {
      kind: "UNREACHABLE",
      cause: err,
    });
  }
  if (code === "0x") throw badInput(`no contract at ${address} on chain ${conn.chainId}`, { field: label });
  return address;
}

/**
 * One of the suite's contracts, typed (TypeChain), signed by the connection's signer (or read-only).
 * `explicit` and `label` as in {@link contractAddress}.
 */
export async function openContract<N extends ContractName>(
  conn: Connection,
  name: N,
  explicit?: string,
  label?: string,
): Promise<ContractOf<N>> {
  // The address check costs a call; it is done once per connection and contract.
  let perConnection = checked.get(conn);
  if (perConnection === undefined) checked.set(conn, (perConnection = new Map()));
  const key = `${name}:${explicit ?? ""}`;
  let address = perConnection.get(key);
  if (address === undefined) {
    address = contractAddress(conn, name, explicit, label);
    perConnection.set(key, address);
    address.catch(() => perConnection.delete(key));
  }
  return FACTORIES[name].connect(await address, conn.signer ?? conn.provider) as ContractOf<N>;
}

const checked = new WeakMap<Connection, Map<string, Promise<string>>>();
