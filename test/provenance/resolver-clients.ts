import { expect } from "chai";

import { seededRandom } from "../../src/genomics/random.js";
import { clientKey, ScanSlots } from "../../src/provenance/resolver/index.js";
import { nodeClientOf } from "../../src/provenance/resolver/server.js";
import { resolverSettings } from "../../src/provenance/resolver/settings.js";

const NONE = new Set<string>();
const PROXY = new Set(["10.0.0.2"]);

describe("Resolver scan caps: who is scanning, and how many scans each may hold", function () {
  describe("clientKey", function () {
    it("counts a direct client by its TCP peer and ignores any X-Forwarded-For it sends", function () {
      expect(clientKey("198.51.100.7", undefined, NONE)).to.equal("198.51.100.7");
      expect(clientKey("198.51.100.7", "203.0.113.1", NONE)).to.equal("198.51.100.7");
      expect(clientKey("198.51.100.7", "203.0.113.1", PROXY)).to.equal("198.51.100.7");
    });

    it("counts a request through a trusted proxy by the address the proxy appended, not the ones the client wrote", function () {
      expect(clientKey("10.0.0.2", "203.0.113.1", PROXY)).to.equal("203.0.113.1");
      // the client wrote 192.0.2.99 itself; the proxy appended the real peer last
      expect(clientKey("10.0.0.2", "192.0.2.99, 203.0.113.1", PROXY)).to.equal("203.0.113.1");
      // two trusted proxies in a row: the first untrusted hop from the right
      expect(clientKey("10.0.0.2", "203.0.113.1, 10.0.0.2", PROXY)).to.equal("203.0.113.1");
      // a proxy that sent no header: the proxy itself
      expect(clientKey("10.0.0.2", undefined, PROXY)).to.equal("10.0.0.2");
    });

    it("stops at a malformed hop instead of believing what lies left of it", function () {
      expect(clientKey("10.0.0.2", "192.0.2.99, not-an-ip", PROXY)).to.equal("10.0.0.2");
      // a port out of range, or not a number, is as malformed as any other hop
      expect(clientKey("10.0.0.2", "192.0.2.99, 203.0.113.1:65536", PROXY)).to.equal("10.0.0.2");
      expect(clientKey("10.0.0.2", "192.0.2.99, 203.0.113.1:https", PROXY)).to.equal("10.0.0.2");
      expect(clientKey("10.0.0.2", "192.0.2.99, [2001:db8::1]:65536", PROXY)).to.equal("10.0.0.2");
      expect(clientKey("10.0.0.2", "192.0.2.99, 203.0.113.1:", PROXY)).to.equal("10.0.0.2");
      expect(clientKey("10.0.0.2", "x".repeat(10_000), PROXY)).to.equal("10.0.0.2");
      expect(clientKey(undefined, "203.0.113.1", PROXY)).to.equal("unknown");
    });

    it("counts a hop the proxy wrote with a port by its address alone", function () {
      expect(clientKey("10.0.0.2", "203.0.113.1:443", PROXY)).to.equal("203.0.113.1");
      expect(clientKey("10.0.0.2", "203.0.113.1:0", PROXY)).to.equal("203.0.113.1");
      expect(clientKey("10.0.0.2", "[2001:db8:1:2::77]:65535", PROXY)).to.equal("2001:db8:1:2::/64");
      // a trusted proxy's own hop with a port is still the trusted proxy
      expect(clientKey("10.0.0.2", "203.0.113.1:51234, 10.0.0.2:8080", PROXY)).to.equal("203.0.113.1");
    });

    it("reads a bare IPv6 hop as an address, never as an address and a port", function () {
      expect(clientKey("10.0.0.2", "2001:db8:1:2::80", PROXY)).to.equal("2001:db8:1:2::/64");
      // without its last group it would be 2001:db8::1:2:3:4, in another /64
      expect(clientKey("10.0.0.2", "2001:db8::1:2:3:4:5", PROXY)).to.equal("2001:db8:0:1::/64");
    });

    it("counts an IPv6 client by its /64, however the address is spelled", function () {
      const a = clientKey("2001:db8:1:2::1", undefined, NONE);
      expect(a).to.equal("2001:db8:1:2::/64");
      expect(clientKey("2001:0DB8:0001:0002:ffff:0:0:9", undefined, NONE)).to.equal(a);
      expect(clientKey("2001:db8:1:3::1", undefined, NONE)).to.not.equal(a);
      expect(clientKey("10.0.0.2", "[2001:db8:1:2::77]", PROXY)).to.equal(a);
    });

    it("counts an IPv4-mapped IPv6 peer as the IPv4 client it is", function () {
      expect(clientKey("::ffff:198.51.100.7", undefined, NONE)).to.equal("198.51.100.7");
      expect(clientKey("::FFFF:c633:6407", undefined, NONE)).to.equal("198.51.100.7");
      expect(clientKey("::ffff:10.0.0.2", "203.0.113.1", PROXY)).to.equal("203.0.113.1");
    });

    it("counts a NAT64 client (64:ff9b::/96) as the IPv4 client its address embeds, not by a /64 all of them share", function () {
      expect(clientKey("64:ff9b::c000:201", undefined, NONE)).to.equal("192.0.2.1");
      expect(clientKey("64:FF9B::192.0.2.1", undefined, NONE)).to.equal("192.0.2.1");
      expect(clientKey("64:ff9b::c000:202", undefined, NONE)).to.equal("192.0.2.2");
      expect(clientKey("10.0.0.2", "[64:ff9b::c000:201]:443", PROXY)).to.equal("192.0.2.1");
      // outside the well-known /96 it is an IPv6 client like any other
      expect(clientKey("64:ff9b:1::c000:201", undefined, NONE)).to.equal("64:ff9b:1:0::/64");
    });
  });

  describe("nodeClientOf", function () {
    const request = (peer: string | undefined, forwardedFor?: string) =>
      ({
        env: peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } },
        req: { header: (name: string) => (name.toLowerCase() === "x-forwarded-for" ? forwardedFor : undefined) },
      }) as unknown as Parameters<ReturnType<typeof nodeClientOf>>[0];

    it("reads the Node server's peer, and the proxy's X-Forwarded-For only when the peer is a trusted proxy", function () {
      const direct = nodeClientOf(new Set());
      expect(direct(request("::ffff:127.0.0.1", "203.0.113.1"))).to.equal("127.0.0.1");
      const proxied = nodeClientOf(new Set(["127.0.0.1"]));
      expect(proxied(request("::ffff:127.0.0.1", "192.0.2.5, 203.0.113.1"))).to.equal("203.0.113.1");
      expect(proxied(request(undefined, "203.0.113.1"))).to.equal("unknown");
      // a proxy given in another spelling is the same proxy
      const mapped = nodeClientOf(new Set(["::FFFF:127.0.0.1"]));
      expect(mapped(request("127.0.0.1", "203.0.113.1"))).to.equal("203.0.113.1");
      expect(() => nodeClientOf(new Set(["proxy.local"]))).to.throw("trustedProxies");
    });

    it("logs the first malformed hop a trusted proxy passes on, once, escaped to one line", function () {
      const lines: string[] = [];
      const proxied = nodeClientOf(new Set(["127.0.0.1"]), (line) => lines.push(line));
      expect(proxied(request("127.0.0.1", "203.0.113.1, client\nforged"))).to.equal("127.0.0.1");
      expect(proxied(request("127.0.0.1", "nope"))).to.equal("127.0.0.1");
      expect(proxied(request("198.51.100.7", "nope"))).to.equal("198.51.100.7"); // not a proxy: not read
      expect(lines).to.deep.equal([
        'a trusted proxy sent the X-Forwarded-For hop "client\\nforged", which is not an address: such requests count as the proxy\'s own (logged once)',
      ]);
      const calls: string[] = [];
      expect(clientKey("10.0.0.2", "192.0.2.1, bad", PROXY, (hop) => calls.push(hop))).to.equal("10.0.0.2");
      expect(clientKey("10.0.0.2", "192.0.2.1", PROXY, (hop) => calls.push(hop))).to.equal("192.0.2.1");
      expect(calls).to.deep.equal(["bad"]);
    });
  });

  describe("ScanSlots", function () {
    it("refuses a client's scan beyond its share, while other clients are still served, then everyone's beyond the total", function () {
      const slots = new ScanSlots(3, 2);
      const a1 = slots.take("a");
      const a2 = slots.take("a");
      expect(slots.take("a")).to.deep.equal({ refused: "client" });
      const b1 = slots.take("b");
      expect("release" in b1).to.equal(true);
      expect(slots.take("c")).to.deep.equal({ refused: "total" });
      if (!("release" in a1) || !("release" in a2)) throw new Error("a's first two scans were refused");
      a1.release();
      a1.release(); // a second release frees nothing more
      expect(slots.inFlight).to.equal(2);
      expect("release" in slots.take("c")).to.equal(true);
      expect(slots.take("d")).to.deep.equal({ refused: "total" });
    });

    it("never holds more than its caps, and frees every slot, over random takes and releases", function () {
      const rng = seededRandom("scan-slots");
      for (let round = 0; round < 20; round++) {
        const total = 1 + Math.floor(rng.uniform() * 12);
        const perClient = 1 + Math.floor(rng.uniform() * 5);
        const slots = new ScanSlots(total, perClient);
        const held: Array<{ client: string; release: () => void }> = [];
        for (let step = 0; step < 500; step++) {
          if (held.length > 0 && rng.uniform() < 0.45) {
            const i = Math.floor(rng.uniform() * held.length);
            const [h] = held.splice(i, 1);
            h!.release();
            if (rng.uniform() < 0.2) h!.release();
          } else {
            const client = `c${Math.floor(rng.uniform() * 4)}`;
            const mine = held.filter((h) => h.client === client).length;
            const got = slots.take(client);
            if ("release" in got) held.push({ client, release: got.release });
            else if (got.refused === "total") expect(held.length).to.equal(total);
            else expect(mine).to.equal(perClient);
            if (held.length < total && mine < perClient) expect("release" in got).to.equal(true);
          }
          expect(slots.inFlight).to.equal(held.length).and.be.at.most(total);
          expect(slots.clients).to.equal(new Set(held.map((h) => h.client)).size);
        }
        for (const h of held) h.release();
        expect([slots.inFlight, slots.clients]).to.deep.equal([0, 0]);
      }
    });

    it("refuses caps that are not positive integers, naming the option", function () {
      expect(() => new ScanSlots(0, 1)).to.throw("maxConcurrentChecks");
      expect(() => new ScanSlots(4, 1.5)).to.throw("maxChecksPerClient");
    });
  });

  describe("settings", function () {
    const env = { MEDCHAIN_RPC_URL: "http://127.0.0.1:1", MEDCHAIN_PROVENANCE: "0x" + "11".repeat(20) };

    it("reads the caps and the trusted proxies from the environment, with defaults of 64, 8 and none", function () {
      const defaults = resolverSettings(env);
      expect([defaults.maxConcurrentChecks, defaults.maxChecksPerClient, defaults.trustedProxies.size]).to.deep.equal([
        64, 8, 0,
      ]);
      const set = resolverSettings({
        ...env,
        MEDCHAIN_RESOLVER_MAX_CHECKS: "200",
        MEDCHAIN_RESOLVER_MAX_PER_CLIENT: "4",
        MEDCHAIN_RESOLVER_TRUSTED_PROXIES: "10.0.0.2, ::1",
      });
      expect([set.maxConcurrentChecks, set.maxChecksPerClient]).to.deep.equal([200, 4]);
      expect([...set.trustedProxies]).to.deep.equal(["10.0.0.2", "0:0:0:0:0:0:0:1"]);
    });

    it("refuses a bad cap or proxy address, naming the variable", function () {
      expect(() => resolverSettings({ ...env, MEDCHAIN_RESOLVER_MAX_PER_CLIENT: "0" })).to.throw(
        "MEDCHAIN_RESOLVER_MAX_PER_CLIENT",
      );
      expect(() => resolverSettings({ ...env, MEDCHAIN_RESOLVER_MAX_CHECKS: "lots" })).to.throw(
        "MEDCHAIN_RESOLVER_MAX_CHECKS",
      );
      expect(() => resolverSettings({ ...env, MEDCHAIN_RESOLVER_TRUSTED_PROXIES: "10.0.0.2,proxy.local" })).to.throw(
        /MEDCHAIN_RESOLVER_TRUSTED_PROXIES.*proxy\.local|proxy\.local.*MEDCHAIN_RESOLVER_TRUSTED_PROXIES/,
      );
    });
  });
});
