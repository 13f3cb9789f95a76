import { isIP } from "node:net";

import { badInput } from "../../chain/errors.js";

/**
 * Who is scanning: the key the resolver's per-client cap counts by. The TCP peer, unless the peer is
 * one of `trustedProxies` (the reverse proxy in front of the resolver): then the nearest address of
 * `X-Forwarded-For` that is not a trusted proxy itself (the proxies append, so addresses further
 * left are the client's to write and prove nothing; a hop may carry a port, `a.b.c.d:port` or
 * `[v6]:port`, which is dropped). IPv6 clients count by their /64: one host usually holds a whole
 * /64, and counting single addresses would let it take every slot. A holder of a whole /48 has
 * 65,536 /64s, so as many keys: only the total cap bounds it (a coarser key would lump together an
 * ISP's customers). NAT64 clients (`64:ff9b::/96`) count as the IPv4 client their address embeds.
 */
export function clientKey(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: ReadonlySet<string>,
  /** Told of a malformed hop a trusted proxy passed on (its requests then count as the proxy's). */
  onMalformedHop?: (hop: string) => void,
): string {
  let address = normalizeAddress(peer);
  if (address !== undefined && trustedProxies.has(address) && forwardedFor !== undefined) {
    const raw = forwardedFor.split(",").map((h) => h.trim());
    const hops = raw.map(normalizeHop);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i];
      if (hop === undefined) {
        onMalformedHop?.(raw[i]!);
        break; // a malformed hop: the proxy's own peer is all that is known
      }
      address = hop;
      if (!trustedProxies.has(hop)) break;
    }
  }
  if (address === undefined) return "unknown";
  if (isIP(address) === 4) return address;
  const groups = ipv6Groups(address);
  if (groups[0] === "64" && groups[1] === "ff9b" && groups.slice(2, 6).every((g) => g === "0"))
    return embeddedIPv4(groups); // NAT64, the well-known prefix: an IPv4 client behind a translator
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** An `X-Forwarded-For` hop's address, also from `a.b.c.d:port` or `[v6]:port` (port 0-65535); else undefined. */
function normalizeHop(raw: string): string | undefined {
  const withPort = /^(\d+\.\d+\.\d+\.\d+|\[[^\]]*\]):(\d{1,5})$/.exec(raw);
  if (withPort === null) return normalizeAddress(raw); // a bare IPv6 is never read as address:port
  return Number(withPort[2]) <= 65535 ? normalizeAddress(withPort[1]) : undefined;
}

/** An IPv4 or IPv6 address in one spelling (IPv4-mapped IPv6 as IPv4, IPv6 lower-case and expanded); else undefined. */
function normalizeAddress(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.length > 64) return undefined;
  const address = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return undefined;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === "0") && groups[5] === "ffff") {
    // IPv4-mapped (`::ffff:192.0.2.7`, however spelled): the IPv4 client it is
    return embeddedIPv4(groups);
  }
  return groups.join(":");
}

/** The IPv4 address in the last 32 bits of an IPv6 address's eight groups. */
function embeddedIPv4(groups: readonly string[]): string {
  const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The eight groups of a valid IPv6 address, without leading zeros (an embedded IPv4 tail becomes two groups). */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16).toString(16));
}

/** `MEDCHAIN_RESOLVER_TRUSTED_PROXIES`: comma-separated IP addresses; a bad one is named. */
export function parseTrustedProxies(raw: string | undefined, field: string): Set<string> {
  const out = new Set<string>();
  if (raw === undefined || raw.trim() === "") return out;
  for (const part of raw.split(",")) {
    const address = normalizeAddress(part.trim());
    if (address === undefined) throw badInput(`"${part.trim().slice(0, 64)}" is not an IP address`, { field });
    out.add(address);
  }
  return out;
}

/**
 * The resolver's scan slots: at most `total` scans checked against the chain at once, and at most
 * `perClient` of them for one client, so that one scanner (or one script) cannot hold every slot
 * and turn everyone else's scans into 503s. A dozen lines: the rate-limit middlewares of the Hono
 * ecosystem count requests per time window, not requests in flight, which is what protects the node.
 */
export class ScanSlots {
  readonly #inFlight = new Map<string, number>();
  #total = 0;

  constructor(
    readonly total: number,
    readonly perClient: number,
  ) {
    if (!Number.isSafeInteger(total) || total < 1)
      throw badInput(`${total} is not a positive integer`, { field: "maxConcurrentChecks" });
    if (!Number.isSafeInteger(perClient) || perClient < 1)
      throw badInput(`${perClient} is not a positive integer`, { field: "maxChecksPerClient" });
  }

  /** A slot for `client`, with its release (call it once); or why there is none. */
  take(client: string): { release: () => void } | { refused: "total" | "client" } {
    if (this.#total >= this.total) return { refused: "total" };
    const mine = this.#inFlight.get(client) ?? 0;
    if (mine >= this.perClient) return { refused: "client" };
    this.#total++;
    this.#inFlight.set(client, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = this.#inFlight.get(client)! - 1;
        if (left === 0) this.#inFlight.delete(client);
        else this.#inFlight.set(client, left);
      },
    };
  }

  /** Scans in flight, all clients together. */
  get inFlight(): number {
    return this.#total;
  }

  /** Clients with a scan in flight. */
  get clients(): number {
    return this.#inFlight.size;
  }
}
