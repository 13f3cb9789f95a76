import type { AddressInfo } from "node:net";

import { serve, type HttpBindings, type ServerType } from "@hono/node-server";
import type { Context } from "hono";

import type { DrugProvenance } from "../../../typechain-types/index.js";
import { openContract, type Connection } from "../../chain/connection.js";
import { MedChainError } from "../../chain/errors.js";
import { slowClientOptions } from "../../chain/http-server.js";
import { MemberDirectory } from "../../consortium/directory.js";
import { chainHead } from "../../records/gateway/chain-head.js";
import { Catalog } from "../catalog.js";
import { productsOf } from "../client.js";
import { resolverApp, type ResolverIndexer } from "./app.js";
import { chainLogIndexer } from "./chain-log.js";
import { clientKey, parseTrustedProxies } from "./clients.js";

export interface ResolverOptions {
  /** DrugProvenance with a provider (read-only is enough), or a chain-layer `connection` to open it from. */
  provenance?: DrugProvenance;
  connection?: Connection;
  /** The data directory whose published `lots/*.tree.json` and `containers/*.json` give the proofs. */
  dataDir: string;
  /** The public base URL printed in the QR codes (`https://verify.example.org`); default this server's URL. */
  publicBase?: string;
  /** The indexer's client (status and custody timelines); default: read the chain's logs directly. */
  indexer?: ResolverIndexer;
  /** Member names for the timeline (default: ids only). */
  directory?: MemberDirectory;
  /** Port (default 0: a free one; the task's default is 8090) and interface (default 127.0.0.1). */
  port?: number;
  host?: string;
  /** How long the data directory is reused before it is read again for newly published lots (default 30 s). */
  catalogRefreshMs?: number;
  /** Most scans checked against the chain at once (default 64). */
  maxConcurrentChecks?: number;
  /** Most of them from one client address (default 8); an IPv6 client counts by its /64. */
  maxChecksPerClient?: number;
  /**
   * The reverse proxies in front of the resolver (IP addresses): a request from one of them counts
   * for the address it appended to `X-Forwarded-For`. Default none: every request counts for its peer.
   */
  trustedProxies?: ReadonlySet<string>;
  /**
   * How long a client may take to send its request's headers (default 10 s) and the whole request
   * (default 15 s) before its connection is closed.
   */
  timeouts?: { headersMs?: number; requestMs?: number };
  log?: (line: string) => void;
}

/**
 * Who sent a request to the Node server (`@hono/node-server` bindings): its peer, or behind a
 * trusted proxy the proxy's client. The proxies' addresses are checked and spelled one way here.
 * The first malformed X-Forwarded-For hop a trusted proxy passes on is logged (once: a proxy that
 * writes its hops in a form the resolver does not read makes every client count as the proxy).
 */
export function nodeClientOf(
  trustedProxies: ReadonlySet<string>,
  log?: (line: string) => void,
): (c: Context) => string {
  const trusted = parseTrustedProxies([...trustedProxies].join(","), "trustedProxies");
  let warned = false;
  const onMalformedHop = (hop: string) => {
    if (warned || log === undefined) return;
    warned = true;
    log(
      `a trusted proxy sent the X-Forwarded-For hop ${JSON.stringify(hop.slice(0, 60))}, which is not an address: ` +
        `such requests count as the proxy's own (logged once)`,
    );
  };
  return (c) =>
    clientKey(
      (c.env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress,
      c.req.header("X-Forwarded-For"),
      trusted,
      onMalformedHop,
    );
}

/** A running resolver. */
export interface Resolver {
  /** Where it listens: `http://127.0.0.1:<port>`. */
  url: string;
  /** The base URL its links (and the labels' QR codes) carry. */
  publicBase: string;
  close(): Promise<void>;
}

/**
 * Starts the GS1 Digital Link resolver and verify page (see `resolverApp`) on a Node HTTP server.
 * Reads the chain only (no key): verdicts by `verify`, a view call.
 */
export async function startResolver(options: ResolverOptions): Promise<Resolver> {
  if ((options.provenance === undefined) === (options.connection === undefined)) {
    throw new MedChainError("startResolver: give exactly one of provenance or connection");
  }
  const provenance = options.provenance ?? (await openContract(options.connection!, "provenance"));
  const provider = provenance.runner?.provider;
  if (provider == null) throw new MedChainError("the resolver's DrugProvenance must be connected to a provider");
  const refreshMs = options.catalogRefreshMs ?? 30_000;
  const log = options.log ?? (() => {});
  let cached: { at: number; catalog: Promise<Catalog> } | undefined;
  let lastGood: Catalog | undefined;
  const catalog = () => {
    if (cached === undefined || Date.now() - cached.at > refreshMs) {
      // A reload that fails (a file being written, a bad one published) keeps the catalog read last:
      // one broken file must not turn every scan into an error. Tried again at the next refresh.
      const previous = lastGood;
      const loading = Catalog.load(options.dataDir).then(
        (loaded) => (lastGood = loaded),
        (err: unknown) => {
          if (previous === undefined) {
            cached = undefined;
            throw err;
          }
          log(`catalog reload failed, serving the previous one: ${String((err as Error).message).split("\n")[0]}`);
          return previous;
        },
      );
      cached = { at: Date.now(), catalog: loading };
    }
    return cached.catalog;
  };
  await catalog(); // a broken data directory fails here, with its file and field, not at the first scan
  const chain = { provenance, products: await productsOf(provenance), head: chainHead(provider, 1_000), catalog };
  const host = options.host ?? "127.0.0.1";
  // The app is built once the port is known (the public base defaults to this server's URL).
  let app: ReturnType<typeof resolverApp> | undefined;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: (request, env) => app!.fetch(request, env),
        port: options.port ?? 0,
        hostname: host,
        serverOptions: {
          ...slowClientOptions(options.timeouts?.headersMs ?? 10_000, options.timeouts?.requestMs ?? 15_000),
          keepAliveTimeout: 5_000,
        },
      },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  server.maxConnections = 1_024;
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const publicBase = options.publicBase ?? url;
  try {
    app = resolverApp({
      chain,
      indexer: options.indexer ?? chainLogIndexer(provenance, catalog, () => chain.head.blockNumber()),
      directory: options.directory ?? new MemberDirectory(),
      publicBase,
      ...(options.maxConcurrentChecks === undefined ? {} : { maxConcurrentChecks: options.maxConcurrentChecks }),
      ...(options.maxChecksPerClient === undefined ? {} : { maxChecksPerClient: options.maxChecksPerClient }),
      clientOf: nodeClientOf(options.trustedProxies ?? new Set<string>(), options.log),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    url,
    publicBase,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}
