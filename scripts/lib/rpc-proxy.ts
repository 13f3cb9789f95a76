/**
 * A small fault-injecting JSON-RPC proxy on loopback, between a client and a local node: it can
 * drop a transaction (answer eth_sendRawTransaction with its hash without forwarding it, as a node
 * that loses its mempool does), answer with errors (HTTP 503 or a JSON-RPC internal error), and
 * "restart" (refuse connections for a while). Only for tests: it talks to 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

import { keccak256 } from "ethers";

interface RpcRequest {
  jsonrpc: "2.0";
  id: unknown;
  method: string;
  params?: unknown[];
}

export interface Faults {
  /** Drop these eth_sendRawTransaction calls (1-based count of such calls seen). */
  dropSends?: number[];
  /** Answer every n-th HTTP request with HTTP 503. */
  http503Every?: number;
  /** Answer every n-th JSON-RPC call (not sends) with a JSON-RPC internal error. */
  rpcErrorEvery?: number;
  /** Never answer every n-th HTTP request (hold it open, as a loaded node that lost it). */
  silentEvery?: number;
  /**
   * Forward these eth_sendRawTransaction calls (1-based count) to the node but answer "transaction
   * underpriced": a send the node took while the client saw it fail, as when a timed-out send is
   * retried on a chain whose base fee rose meanwhile.
   */
  acceptedButUnderpriced?: number[];
  /** Answer these eth_call calls (1-based count) as anvil does when asked just past its newest block. */
  behindCalls?: number[];
  /**
   * Refuse these eth_sendRawTransaction calls (1-based count) without forwarding them, with the
   * given message (e.g. "transaction underpriced"); the refused signed bytes are kept in `refused`.
   */
  refuseSends?: Record<number, string>;
}

export interface RpcProxy {
  url: string;
  port: number;
  /** Counters of what was injected. */
  stats: {
    requests: number;
    dropped: number;
    http503: number;
    rpcErrors: number;
    restarts: number;
    silent: number;
    underpriced: number;
    behind: number;
  };
  faults: Faults;
  /** The signed transactions refused by `refuseSends`, in order. */
  refused: string[];
  /** Closes every connection and refuses new ones for `downMs`, then listens again on the same port. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

export async function startProxy(target: string, faults: Faults = {}): Promise<RpcProxy> {
  const stats = {
    requests: 0,
    dropped: 0,
    http503: 0,
    rpcErrors: 0,
    restarts: 0,
    silent: 0,
    underpriced: 0,
    behind: 0,
  };
  let ethCalls = 0;
  const underpriced = new Set<unknown>();
  let sends = 0;
  let calls = 0;
  const sockets = new Set<Socket>();

  const forward = async (payload: RpcRequest[]): Promise<unknown[]> => {
    if (payload.length === 0) return [];
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    const body = (await response.json()) as unknown;
    return Array.isArray(body) ? body : [body];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    const text = await readBody(req);
    if (proxy.faults.http503Every !== undefined && stats.requests % proxy.faults.http503Every === 0) {
      stats.http503 += 1;
      res.writeHead(503, { "content-type": "text/plain" }).end("service unavailable (injected)");
      return;
    }
    if (proxy.faults.silentEvery !== undefined && stats.requests % proxy.faults.silentEvery === 0) {
      stats.silent += 1; // no answer: the socket stays open until the client gives up or the proxy closes
      return;
    }
    const parsed = JSON.parse(text) as RpcRequest | RpcRequest[];
    const batch = Array.isArray(parsed) ? parsed : [parsed];
    const answers = new Map<unknown, unknown>();
    const pass: RpcRequest[] = [];
    for (const call of batch) {
      if (call.method === "eth_sendRawTransaction") {
        sends += 1;
        if (proxy.faults.dropSends?.includes(sends)) {
          stats.dropped += 1;
          answers.set(call.id, { jsonrpc: "2.0", id: call.id, result: keccak256(String(call.params?.[0])) });
          continue;
        }
        const refusal = proxy.faults.refuseSends?.[sends];
        if (refusal !== undefined) {
          proxy.refused.push(String(call.params?.[0]));
          answers.set(call.id, { jsonrpc: "2.0", id: call.id, error: { code: -32000, message: refusal } });
          continue;
        }
        if (proxy.faults.acceptedButUnderpriced?.includes(sends)) {
          stats.underpriced += 1;
          underpriced.add(call.id);
        }
      } else {
        if (call.method === "eth_call" && proxy.faults.behindCalls?.includes(++ethCalls)) {
          stats.behind += 1;
          const message = "BlockOutOfRangeError: block height is 82 but requested was 81 (injected)";
          answers.set(call.id, { jsonrpc: "2.0", id: call.id, error: { code: -32603, message } });
          continue;
        }
        calls += 1;
        if (proxy.faults.rpcErrorEvery !== undefined && calls % proxy.faults.rpcErrorEvery === 0) {
          stats.rpcErrors += 1;
          answers.set(call.id, {
            jsonrpc: "2.0",
            id: call.id,
            error: { code: -32603, message: "internal error (injected)" },
          });
          continue;
        }
      }
      pass.push(call);
    }
    for (const answer of await forward(pass)) {
      const id = (answer as { id: unknown }).id;
      answers.set(
        id,
        underpriced.delete(id)
          ? { jsonrpc: "2.0", id, error: { code: -32000, message: "transaction underpriced (injected)" } }
          : answer,
      );
    }
    const out = batch.map((call) => answers.get(call.id));
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(Array.isArray(parsed) ? out : out[0]));
  };

  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((req, res) => {
        handle(req, res).catch(() => {
          if (!res.headersSent) res.writeHead(502).end("bad gateway");
        });
      });
      server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address !== null ? address.port : port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  const port = await listen(0);
  const proxy: RpcProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    faults,
    refused: [],
    async restart(downMs: number) {
      stats.restarts += 1;
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await listen(port);
    },
    close: stop,
  };
  return proxy;
}
