// What the SDK's two HTTP servers (the record gateway and the pack resolver) share: how Node's HTTP
// server treats slow clients, and the public base URL their links carry.
import { badInput } from "./errors.js";

/**
 * Node's HTTP server options that close a client's connection once it has taken `headersMs` to send
 * its headers or `requestMs` its whole request. Node checks these timeouts every 30 s by default, so
 * a client sending its headers slowly would hold its connection that much longer (a thousand of them
 * fill the server): here they are checked every second, or sooner for shorter timeouts, never more
 * often than every 100 ms (a timeout of 0 turns the check off, not into a 1 ms timer).
 */
export function slowClientOptions(headersMs: number, requestMs: number) {
  return {
    headersTimeout: headersMs,
    requestTimeout: Math.max(requestMs, headersMs),
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersMs || 1_000)),
  };
}

/**
 * A public base URL without its trailing slash: `http(s)://domain[:port][/path]`, no query, fragment
 * or credentials, as the links a server or a printed label carries start (never taken from a
 * request's Host header). Refused naming `where` otherwise.
 */
export function checkPublicBase(base: string, where = "public base URL"): string {
  const trimmed = base.replace(/\/+$/, "");
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    !/^https?:$/.test(url.protocol) ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== ""
  ) {
    throw badInput(`${JSON.stringify(base)}: expected http(s)://domain[/path] without query or fragment`, {
      field: where,
    });
  }
  return trimmed;
}
