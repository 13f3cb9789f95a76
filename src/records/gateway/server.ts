import type { AddressInfo } from "node:net";

import { serve, type ServerType } from "@hono/node-server";

import {
  ConsortiumRegistry__factory,
  type ConsortiumRegistry,
  type RecordRegistry,
} from "../../../typechain-types/index.js";
import { openContract, type Connection } from "../../chain/connection.js";
import { MedChainError } from "../../chain/errors.js";
import { checkPublicBase, slowClientOptions } from "../../chain/http-server.js";
import { recordsDomain } from "../consent.js";
import { gatewayApp, FHIR_BASE, type GatewayContext } from "./app.js";
import { Auditor, type AuditorOptions } from "./auditor.js";
import { chainHead, type ChainHead } from "./chain-head.js";
import { MAX_CONSENT_HEADER } from "./protocol.js";
import { RequesterRateLimit, type RateLimitOptions } from "./rate-limit.js";
import { ServedLog } from "./served.js";
import { fhirServerSource, folderSource, type RecordSource, type SourceTarget } from "./source.js";

/** Where the gateway reads the custodian's records. */
export type GatewaySource =
  /** An anchored export: a folder of FHIR JSON files (or a file or Bundle) and its proofs folder. */
  | { folder: string; proofs?: string }
  /** A FHIR server's base URL, with the proofs folder (and its `index.json`) of the anchored export. */
  | { fhirBase: string; proofs: string }
  /** A source of your own. */
  | { source: RecordSource };

export interface GatewayOptions {
  /**
   * The RecordRegistry, connected with an operating account of the custodian (a Hospital or
   * Laboratory member): the gateway serves that member's records and submits the audits from it.
   * Or give `connection` (the chain layer's, signing as that account) and it is opened from there.
   */
  records?: RecordRegistry;
  /** A chain-layer connection (`connect({ rpcUrl, privateKey, addresses })`) instead of `records`. */
  connection?: Connection;
  source: GatewaySource;
  /** Port to listen on (default 0: a free port; the task's default is 8080). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1, loopback only). */
  host?: string;
  /** Folder of the gateway's own state: the requests it answered, to refuse replays (default `.medchain-gateway`). */
  stateDir?: string;
  /** Longest a signed request may be valid for, in seconds (default 300). */
  maxLifetimeSeconds?: number;
  /**
   * Requests one requester may make: `perMinute` sustained (default 120) and `burst` at once (default
   * 30); beyond it the gateway answers 429 Too Many Requests with `Retry-After`, before any chain call.
   */
  rateLimit?: RateLimitOptions;
  /** How long the latest block is reused as the chain's time (default 1,000 ms). */
  blockCacheMs?: number;
  auditor?: AuditorOptions;
  /**
   * Slow or idle clients: a request's headers must arrive within `headersMs` (default 10 s) and the
   * whole request within `requestMs` (default 30 s), or the connection is closed (408); an idle
   * keep-alive connection is closed after `keepAliveMs` (default 5 s). Waiting for the audit does not
   * count: these bound what the client sends, not the gateway's answer.
   */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number };
  /**
   * The base URL clients reach the gateway at (`https://records.hospital.example`, behind a TLS
   * proxy), which a search Bundle's `self` link and its entries' `fullUrl` carry; default the address
   * it listens on. Never taken from a request's Host header.
   */
  publicBase?: string;
  /** Most connections open at once (default 1,024); more are refused by the server at once. */
  maxConnections?: number;
  /** Where the gateway's log lines go (default: nowhere). Lines name consents and keys, never record contents. */
  log?: (line: string) => void;
}

/** A running gateway. */
export interface Gateway {
  /** The FHIR base URL: `http://127.0.0.1:<port>/fhir`. */
  url: string;
  /** The custodian's member id. */
  custodian: string;
  source: RecordSource;
  /** Records that were not indexed, and why (no proof, changed since anchoring, no id). */
  skipped: string[];
  auditor: Auditor;
  /** Stops listening, waits for requests in progress, and closes the state files. */
  close(): Promise<void>;
}

const CUSTODIAN_KINDS = 0b11; // Hospital | Laboratory (MemberKinds on chain)
const ANY_KIND = 0x7f; // MemberKinds.ALL: a grantee may be a member of any kind

/**
 * The registry's answer to "which member does this account operate for, and is it active?", kept for
 * one block (a key removed or a member suspended in block N is refused from the next block on; the
 * audit transaction checks again anyway).
 */
function memberCache(registry: ConsortiumRegistry, head: ChainHead) {
  const cache = new Map<string, { block: number; answer: Promise<{ memberId: string; active: boolean }> }>();
  return async (account: string) => {
    const block = await head.blockNumber();
    const key = account.toLowerCase();
    let entry = cache.get(key);
    if (entry === undefined || entry.block !== block) {
      const answer = registry.activeMemberOf(account, ANY_KIND).then(([memberId, active]) => ({ memberId, active }));
      entry = { block, answer };
      cache.set(key, entry);
      answer.catch(() => cache.delete(key));
      if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    }
    return entry.answer;
  };
}

/**
 * Starts a record gateway: FHIR REST in front of the custodian's records, every request signed by a
 * grantee's operating key and audited on chain (`accessByRequests`) before a record leaves. Checks at
 * start that the signing account belongs to an active Hospital or Laboratory, and that every proof is
 * the custodian's for this chain and registry. Resolves once it listens.
 *
 * ```ts
 * import { connect } from "medchain";
 * import { startGateway } from "medchain/records";
 *
 * const connection = await connect({ rpcUrl, privateKey: custodianKey, deployments: "ignition/deployments" });
 * const gateway = await startGateway({ connection, source: { folder: "exports/2026-03-02" }, port: 8080 });
 * console.log(`serving at ${gateway.url}`);
 * ```
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  if ((options.records === undefined) === (options.connection === undefined)) {
    throw new MedChainError("startGateway: give exactly one of records or connection");
  }
  const records = options.records ?? (await openContract(options.connection!, "records"));
  const provider = records.runner?.provider;
  const signer = records.runner as { getAddress?: () => Promise<string> } | null;
  if (provider == null || signer === null || typeof signer.getAddress !== "function") {
    throw new MedChainError("the gateway's RecordRegistry must be connected with the custodian's account (a signer)");
  }
  const account = await signer.getAddress();
  const { chainId } = await provider.getNetwork();
  const registry = await records.getAddress();
  const consortium = ConsortiumRegistry__factory.connect(await records.consortium(), provider);
  const [custodian, active] = await consortium.activeMemberOf(account, CUSTODIAN_KINDS);
  if (!active) {
    throw new MedChainError(
      `the account ${account} is not an operating account of an active Hospital or Laboratory: it cannot audit, so it cannot serve`,
    );
  }
  const target: SourceTarget = { chainId, registry, custodian };
  const log = options.log ?? (() => {});
  const opened =
    "source" in options.source
      ? { source: options.source.source, skipped: [] }
      : "fhirBase" in options.source
        ? await fhirServerSource(options.source.fhirBase, options.source.proofs, target, { log })
        : await folderSource(options.source.folder, options.source.proofs, target);
  const head = chainHead(provider, options.blockCacheMs ?? 1_000);
  const now = () => head.now();
  const maxLifetimeSeconds = options.maxLifetimeSeconds ?? 300;
  const served = await ServedLog.open(options.stateDir ?? ".medchain-gateway", maxLifetimeSeconds, await now());
  const auditor = new Auditor(records, { log, ...options.auditor });
  const publicBase = options.publicBase === undefined ? undefined : checkPublicBase(options.publicBase, "publicBase");
  const context: GatewayContext = {
    publicBase: publicBase ?? "", // the listening address once it is known (below)
    records,
    provider,
    domain: recordsDomain(chainId, registry),
    chainId,
    registry,
    custodian,
    source: opened.source,
    auditor,
    served,
    now,
    member: memberCache(consortium, head),
    maxLifetimeSeconds,
    rateLimit: new RequesterRateLimit(options.rateLimit),
    log,
  };
  const app = gatewayApp(context);
  const prune = setInterval(() => {
    void now()
      .then((t) => served.prune(t))
      .catch(() => {});
  }, 60_000);
  prune.unref();
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 0,
        hostname: host,
        serverOptions: {
          // Larger headers are answered 431 by Node's parser before the app sees them.
          maxHeaderSize: MAX_CONSENT_HEADER + 16 * 1024,
          ...slowClientOptions(options.timeouts?.headersMs ?? 10_000, options.timeouts?.requestMs ?? 30_000),
          keepAliveTimeout: options.timeouts?.keepAliveMs ?? 5_000,
        },
      },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  server.maxConnections = options.maxConnections ?? 1_024;
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  context.publicBase = publicBase ?? `http://${hostPart}:${port}`;
  return {
    url: `http://${hostPart}:${port}${FHIR_BASE}`,
    custodian,
    source: opened.source,
    skipped: opened.skipped,
    auditor,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(prune);
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}
