// Attacks on the GS1 Digital Link resolver and verify page (fourth review, R-series in FINDINGS.md):
// each test is the correct behaviour and failed before its fix.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { LINKSET_MEDIA_TYPE, startResolver } from "../../src/provenance/resolver/index.js";
import { GTIN, publishScenario, resolverScenarioFor, scenarioResolver } from "../provenance/fixture.js";
import { raw } from "../helpers/raw-http.js";
import { slowClientOptions } from "../../src/chain/http-server.js";

const { ethers, networkHelpers } = await network.create();
const BASE = "https://verify.medchain.example";

describe("Attack: the GS1 Digital Link resolver", function () {
  this.timeout(60_000);
  const resolverScenario = resolverScenarioFor(ethers, networkHelpers);
  const logs: string[] = [];

  async function scenarioApp() {
    const fx = await networkHelpers.loadFixture(resolverScenario);
    const { app } = await scenarioResolver(ethers, fx, { publicBase: BASE, log: (line) => logs.push(line) });
    const get = (p: string, headers: Record<string, string> = {}) => app.request(p, { headers });
    return { fx, app, get };
  }

  it("R1: treats linkType=constructor, __proto__ or toString as no link type (not a 500)", async function () {
    const { get } = await scenarioApp();
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const res = await get(`/01/${GTIN}?linkType=${name}`);
      expect(res.status, name).to.equal(200);
      expect(await res.text(), name).to.include("Product known");
    }
    expect(logs.filter((l) => l.startsWith("500"))).to.deep.equal([]);
  });

  it("R2: never links the language switch (or the code form) to another host for a path starting // or /\\", async function () {
    const { get, fx } = await scenarioApp();
    const serial = fx.plan.bundle.packs[0]!.serial;
    for (const p of [
      "//evil.example/01/09506000134352",
      "/\\evil.example/01/09506000134352",
      "//evil.example",
      `//evil.example/01/${GTIN}/10/LOT-42/21/${serial}`,
    ]) {
      const body = await (await get(p)).text();
      const href = /class="lang" href="([^"]*)"/.exec(body)?.[1] ?? "";
      expect(href, p).to.match(/^\/[^/\\]/);
      expect(body, p).not.to.match(/(href|action)="\/\//);
    }
  });

  it("R3: does not echo a crafted link's text (nor a scratch-off code in it) on the 400 page, only the parser's reason", async function () {
    const { get, fx } = await scenarioApp();
    const serial = fx.plan.bundle.packs[0]!.serial;
    const code = fx.plan.bundle.packs[0]!.code;
    const spoof = encodeURIComponent("This pack is GENUINE. Call +1-800-FAKE to reorder");
    const res = await get(`/01/${GTIN}/10/LOT-42/21/${serial}?17=999999&note=${spoof}&code=${code}`);
    expect(res.status).to.equal(400);
    // what the page says (the language switch's href keeps the link as scanned, which is not shown)
    const shown = (await res.text()).replace(/<[^>]*>/g, " ");
    expect(shown).to.include("AI (17)").and.include("month 99");
    expect(shown).not.to.include("FAKE");
    expect(shown).not.to.include(code);
    const json = await get(`/01/${GTIN}/10/LOT-42?17=999999&note=${spoof}`, { Accept: LINKSET_MEDIA_TYPE });
    expect(json.status).to.equal(400);
    expect(await json.text()).not.to.include("FAKE");
  });

  it("R4: marks JSON error answers and linkType redirects uncacheable, varying on Accept (a 404 is cacheable by default)", async function () {
    const { get } = await scenarioApp();
    for (const res of [
      await get("/01/09506000134369", { Accept: LINKSET_MEDIA_TYPE }),
      await get(`/01/${GTIN}/10/%ZZ`, { Accept: "application/json" }),
    ]) {
      expect(res.headers.get("cache-control")).to.equal("no-store");
      expect(res.headers.get("vary")).to.include("Accept");
    }
    const redirect = await get(`/01/${GTIN}/10/LOT-42?linkType=gs1:pip`);
    expect(redirect.status).to.equal(307);
    expect(redirect.headers.get("cache-control")).to.equal("no-store");
  });

  it("R5: keeps serving the last good catalog when a reload meets a broken or half-written lot file (no 500 for every scan)", async function () {
    const fx = await networkHelpers.loadFixture(resolverScenario);
    const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-attack-resolver-"));
    const lines: string[] = [];
    const resolver = await (async () => {
      await publishScenario(fx, dataDir);
      return startResolver({ provenance: fx.provenance, dataDir, catalogRefreshMs: 0, log: (l) => lines.push(l) });
    })();
    try {
      const pack = fx.plan.bundle.packs[0]!;
      const link = `${resolver.url}/01/${GTIN}/10/${fx.plan.lot}/21/${pack.serial}?code=${pack.code}`;
      expect((await fetch(link)).status).to.equal(200);
      const [tree] = (await readdir(path.join(dataDir, "lots"))).filter((f) => f.endsWith(".json"));
      await writeFile(path.join(dataDir, "lots", tree!), '{"lot": "half-writ'); // a publication in progress
      const during = await fetch(link);
      expect(during.status).to.equal(200);
      expect(await during.text()).to.include("Genuine");
      expect(lines.some((l) => l.includes("catalog reload failed"))).to.equal(true);
    } finally {
      await resolver.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("R6: answers 404 for the links of a lot never commissioned, as JSON linkset and as linkType=all (not a linkset for a fake lot)", async function () {
    const { fx, get } = await scenarioApp();
    for (const [target, headers] of [
      [`/01/${GTIN}/10/NOPE`, { Accept: LINKSET_MEDIA_TYPE }],
      [`/01/${GTIN}/10/NOPE?linkType=all`, { Accept: "text/html" }],
    ] as const) {
      const answer = await get(target, headers);
      expect(answer.status, target).to.equal(404);
      expect(await answer.text()).to.not.include("verificationService");
    }
    const real = await get(`/01/${GTIN}/10/${fx.plan.lot}`, { Accept: LINKSET_MEDIA_TYPE });
    expect(real.status).to.equal(200);
    expect(await real.text()).to.include("verificationService");
  });

  it("R7: closes connections whose headers trickle in once the headers timeout passes, while scans are served", async function () {
    const fx = await networkHelpers.loadFixture(resolverScenario);
    const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-attack-resolver-"));
    await publishScenario(fx, dataDir);
    const resolver = await startResolver({ provenance: fx.provenance, dataDir, timeouts: { headersMs: 500 } });
    try {
      const started = Date.now();
      // Twenty clients sending a scan's request a byte every 100 ms (it would take seconds each).
      const request = `GET /01/${GTIN}/10/${fx.plan.lot} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"a".repeat(40)}\r\n\r\n`;
      const slow = Array.from({ length: 20 }, () => raw(resolver.url, request, { drip: 100, waitMs: 10_000 }));
      expect((await fetch(`${resolver.url}/01/${GTIN}/10/${fx.plan.lot}`)).status).to.equal(200);
      for (const answer of await Promise.all(slow)) {
        expect(answer.closed).to.equal(true);
        expect([0, 408]).to.include(answer.status);
      }
      // 500 ms of headers, checked every 500 ms: closed well before the 7 s the requests would take
      expect(Date.now() - started).to.be.below(4_000);
      // a timeout of 0 (off) is not checked on a 1 ms timer, nor is any below 100 ms
      expect([0, 50, 500, 10_000].map((ms) => slowClientOptions(ms, ms).connectionsCheckingInterval)).to.deep.equal([
        1_000, 100, 500, 1_000,
      ]);
    } finally {
      await resolver.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
