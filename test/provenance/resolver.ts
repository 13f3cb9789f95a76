import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, Network } from "ethers";
import { network } from "hardhat";

import { MemberDirectory } from "../../src/consortium/directory.js";
import { labelBase, renderLabel } from "../../src/provenance/labels.js";
import { packIdentity } from "../../src/provenance/lot.js";
import { gs1CheckDigit, toDigitalLink } from "../../src/provenance/gs1/index.js";
import { ProductRegistry__factory } from "../../typechain-types/index.js";
import {
  LINK_TYPES,
  LINKSET_MEDIA_TYPE,
  MAX_LINK_LENGTH,
  startResolver,
  type ResolverChain,
  type ResolverIndexer,
} from "../../src/provenance/resolver/index.js";
import { GTIN, publishScenario, resolverScenarioFor, scenarioResolver } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const BASE = "https://verify.medchain.example";
const DIRECTORY = new MemberDirectory(["MFR-1", "PHA-1", "HOS-1", "DST-1"]);

describe("GS1 Digital Link resolver (HTTP)", function () {
  const resolverScenario = resolverScenarioFor(ethers, networkHelpers);

  async function scenarioApp(
    options: { indexer?: (base: ResolverIndexer) => ResolverIndexer; chain?: Partial<ResolverChain> } = {},
  ) {
    const fx = await networkHelpers.loadFixture(resolverScenario);
    const { app } = await scenarioResolver(ethers, fx, { publicBase: BASE, directory: DIRECTORY, ...options });
    const get = (path: string, headers: Record<string, string> = {}) =>
      app.request(path.startsWith("http") ? path.slice(BASE.length) : path, { headers });
    const link = (plan: typeof fx.plan, i?: number, code?: string) => {
      const pack = i === undefined ? undefined : plan.bundle.packs[i]!;
      const url = toDigitalLink(
        { gtin: plan.gtin, lot: plan.lot, ...(pack ? { serial: pack.serial } : {}) },
        BASE,
      ).slice(BASE.length);
      return code === undefined ? url : `${url}?code=${encodeURIComponent(code)}`;
    };
    return { fx, app, get, link };
  }

  /** An app whose every lot check waits at the chain's clock until `open()`: its scans stay in flight. */
  async function heldOpenApp(options: Pick<Parameters<typeof scenarioResolver>[2], "directory" | "limits">) {
    const fx = await networkHelpers.loadFixture(resolverScenario);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { chain: real } = await scenarioResolver(ethers, fx, { publicBase: BASE });
    const { app } = await scenarioResolver(ethers, fx, {
      publicBase: BASE,
      ...options,
      chain: { head: { now: () => gate.then(() => real.head.now()), blockNumber: () => real.head.blockNumber() } },
    });
    return { app, open, lot: `/01/${GTIN}/10/${fx.plan.lot}` };
  }

  describe("verdicts, from the chain", function () {
    it("says GENUINE for a pack scanned with its code, with who holds it and its custody timeline by member name", async function () {
      const { fx, get, link } = await scenarioApp();
      const res = await get(link(fx.plan, 0, fx.plan.bundle.packs[0]!.code), { "Accept-Language": "en" });
      expect(res.status).to.equal(200);
      const body = await res.text();
      expect(body).to.include("Genuine").and.include("Now held by PHA-1");
      expect(body).to.include("Made by MFR-1").and.include("Shipped by MFR-1 to PHA-1");
      expect(body).to.include("(in case/pallet SSCC 106141410000000033)");
      expect(res.headers.get("referrer-policy")).to.equal("no-referrer"); // the code in the URL goes nowhere else
    });

    it("says already dispensed, likely a clone, for a pack dispensed before, showing the clone alert", async function () {
      const { fx, get, link } = await scenarioApp();
      expect(fx.cloneAlert).to.equal(true);
      const body = await (await get(link(fx.plan, 1, fx.plan.bundle.packs[1]!.code))).text();
      expect(body).to.include("Already dispensed: likely a clone");
      expect(body).to.include("Dispensed to a patient by PHA-1").and.include("Clone alert: presented again at HOS-1");
    });

    it("says recalled, with the reason and the date, for a lot recalled, with or without the code", async function () {
      const { fx, get, link } = await scenarioApp();
      const lotOnly = await get(link(fx.recalled, 0));
      expect(lotOnly.status).to.equal(200);
      const text = await lotOnly.text();
      expect(text)
        .to.include("Recalled")
        .and.match(/Recalled on \w+ \d+, \d{4}: contamination\./);
      const withCode = await (await get(link(fx.recalled, 0, fx.recalled.bundle.packs[0]!.code))).text();
      expect(withCode).to.include("This pack is genuine but its lot was recalled");
    });

    it("says expired for a pack of an expired lot", async function () {
      const { fx, get, link } = await scenarioApp();
      const body = await (await get(link(fx.expired, 0, fx.expired.bundle.packs[0]!.code))).text();
      expect(body).to.include("This pack is genuine but expired");
    });

    it("answers 404 UNKNOWN for an unknown serial or a wrong code, never GENUINE", async function () {
      const { fx, get } = await scenarioApp();
      const wrong = await get(`/01/${GTIN}/10/${fx.plan.lot}/21/SN9999?code=ABCD-EFGH-JKMN-PQRS`);
      expect(wrong.status).to.equal(404);
      expect(await wrong.text()).to.include("No pack with this label and code is known");
    });

    it("gives the lot's facts and asks for the code (a GET form) when the link has no code", async function () {
      const { fx, get, link } = await scenarioApp();
      const res = await get(`${link(fx.plan, 0)}?17=301231`);
      expect(res.status).to.equal(200);
      const body = await res.text();
      expect(body).to.include("Lot known: enter the code").and.include("December 31, 2030");
      expect(body).to.match(/<form class="code" method="get" action="\/01\/09506000134352\/10\/LOT-42\/21\/SN1000">/);
      expect(body).to.include('name="17" value="301231"');
      expect(body).to.include("MFR-1");
    });

    it("warns when the expiry printed on the label is not the lot's", async function () {
      const { fx, get, link } = await scenarioApp();
      const body = await (await get(`${link(fx.plan, 0)}?17=291231`)).text();
      expect(body).to.include("The expiry printed on this label (291231) is not the lot");
    });

    it("refuses a malformed scratch-off code with 400 and the form again, before any chain call", async function () {
      const { fx, get, link } = await scenarioApp();
      const res = await get(link(fx.plan, 0, "not a code"));
      expect(res.status).to.equal(400);
      expect(await res.text())
        .to.include('role="alert"')
        .and.include("That code is not 16 letters and digits");
    });

    it("answers a product link with the product and its manufacturer", async function () {
      const { get } = await scenarioApp();
      const res = await get(`/01/${GTIN}`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.include("Product known");
    });
  });

  describe("status codes", function () {
    it("answers 404 for an unknown GTIN or lot, and for a key other than a GTIN", async function () {
      const { get } = await scenarioApp();
      expect((await get("/01/09506000134369/10/LOT-42/21/SN1000")).status).to.equal(404);
      expect((await get(`/01/${GTIN}/10/NEVER/21/SN1000`)).status).to.equal(404);
      expect((await get("/01/09506000134369")).status).to.equal(404);
      const gln = "950600000001" + String(gs1CheckDigit("950600000001"));
      expect((await get(`/414/${gln}`)).status).to.equal(404);
    });

    it("answers 400 with the parser's one-line reason for malformed links", async function () {
      const { get } = await scenarioApp();
      for (const [path, reason] of [
        ["/01/09506000134353/10/LOT-42", "check digit"],
        ["/01/09506000134352/99/X", "AI (99)"],
        ["/10/LOT-42", "no GS1 primary key"],
        ["/01/09506000134352/10/%ZZ", "percent-encoding"],
      ] as const) {
        const res = await get(path);
        expect(res.status, path).to.equal(400);
        expect(await res.text(), path).to.include(reason);
      }
    });

    it("answers 414 for a link longer than any pack link, without parsing it", async function () {
      const { get } = await scenarioApp();
      const res = await get(`/01/${GTIN}/10/${"A".repeat(MAX_LINK_LENGTH)}`);
      expect(res.status).to.equal(414);
    });

    it("answers 406 when the client accepts neither HTML nor a linkset", async function () {
      const { get } = await scenarioApp();
      expect((await get(`/01/${GTIN}`, { Accept: "image/png" })).status).to.equal(406);
    });

    it("answers 503 when the chain cannot be reached", async function () {
      const dead = new JsonRpcProvider("http://127.0.0.1:9", undefined, { staticNetwork: Network.from(31337n) });
      const { get, fx } = await scenarioApp({
        chain: { products: ProductRegistry__factory.connect(await fx0Products(), dead) },
      });
      const res = await get(`/01/${GTIN}/10/${fx.plan.lot}`);
      expect(res.status).to.equal(503);
      expect(await res.text()).to.include("The consortium chain cannot be reached");
      dead.destroy();
    });

    it("answers 429 to a client holding its share of scans while others are served, and 503 once all slots are taken", async function () {
      const { app, open, lot } = await heldOpenApp({
        directory: DIRECTORY,
        limits: {
          maxConcurrentChecks: 5,
          maxChecksPerClient: 2,
          clientOf: (c) => c.req.header("X-Test-Client") ?? "none",
        },
      });
      const from = (client: string) => app.request(lot, { headers: { "X-Test-Client": client } });
      const held = [from("a"), from("a")];
      const refused = await from("a");
      expect(refused.status).to.equal(429);
      expect(refused.headers.get("retry-after")).to.equal("1");
      expect(await refused.text()).to.include("Too many checks at once");
      held.push(from("b"), from("b"), from("c"));
      const full = await from("d");
      expect(full.status).to.equal(503);
      open();
      const answers = await Promise.all(held);
      expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
      // the slots were given back: the refused client is served now
      expect((await from("a")).status).to.equal(200);
    });

    it("has no per-client cap when embedded without a way to tell clients apart: only the total", async function () {
      const { app, open, lot } = await heldOpenApp({ limits: { maxConcurrentChecks: 10, maxChecksPerClient: 2 } });
      const held = Array.from({ length: 10 }, () => app.request(lot));
      expect((await app.request(lot)).status).to.equal(503);
      open();
      expect(new Set((await Promise.all(held)).map((r) => r.status))).to.deep.equal(new Set([200]));
    });

    it("serves a scan through a trusted reverse proxy on the Node server, counted for the client it names", async function () {
      const fx = await networkHelpers.loadFixture(resolverScenario);
      const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-resolver-proxy-"));
      await publishScenario(fx, dataDir);
      const resolver = await startResolver({
        provenance: fx.provenance,
        dataDir,
        trustedProxies: new Set(["127.0.0.1"]),
        maxChecksPerClient: 1,
      });
      try {
        const lot = `${resolver.url}/01/${GTIN}/10/${fx.plan.lot}`;
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) => fetch(lot, { headers: { "X-Forwarded-For": `203.0.113.${i + 1}` } })),
        );
        // six clients, one scan each: none is over its share of one
        expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
      } finally {
        await resolver.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });

    it("refuses methods other than GET and HEAD", async function () {
      const { app } = await scenarioApp();
      expect((await app.request(`/01/${GTIN}`, { method: "POST" })).status).to.equal(405);
    });
  });

  describe("linkset (RFC 9264)", function () {
    it("returns the linkset for Accept: application/linkset+json, listing verification, product information and recall status", async function () {
      const { fx, get, link } = await scenarioApp();
      const res = await get(link(fx.plan, 0), { Accept: LINKSET_MEDIA_TYPE });
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.equal(LINKSET_MEDIA_TYPE);
      const { linkset } = (await res.json()) as { linkset: Record<string, { href: string }[]>[] };
      const anchor = `${BASE}/01/${GTIN}/10/LOT-42/21/SN1000`;
      expect(linkset[0]!.anchor).to.equal(anchor);
      expect(linkset[0]![LINK_TYPES.verificationService]![0]!.href).to.equal(anchor);
      expect(linkset[0]![LINK_TYPES.pip]![0]!.href).to.equal(`${BASE}/01/${GTIN}/10/LOT-42`);
      expect(linkset[0]![LINK_TYPES.recallStatus]![0]!.href).to.equal(`${BASE}/01/${GTIN}/10/LOT-42#verdict`);
      expect(res.headers.get("link")).to.include('rel="linkset"');
    });

    it("returns the linkset for ?linkType=all and redirects ?linkType=gs1:pip to the product page", async function () {
      const { get } = await scenarioApp();
      const all = await get(`/01/${GTIN}/10/LOT-42?linkType=all`);
      expect(all.status).to.equal(200);
      expect(((await all.json()) as { linkset: unknown[] }).linkset).to.have.length(1);
      const pip = await get(`/01/${GTIN}/10/LOT-42/21/SN1000?linkType=gs1:pip`);
      expect(pip.status).to.equal(307);
      expect(pip.headers.get("location")).to.equal(`${BASE}/01/${GTIN}/10/LOT-42`);
    });

    it("answers an unknown GTIN's linkset with 404 JSON", async function () {
      const { get } = await scenarioApp();
      const res = await get("/01/09506000134369", { Accept: LINKSET_MEDIA_TYPE });
      expect(res.status).to.equal(404);
      expect(((await res.json()) as { status: number }).status).to.equal(404);
    });
  });

  describe("languages", function () {
    it("speaks Chinese to a browser asking for zh, English otherwise, with a switch to the other", async function () {
      const { fx, get, link } = await scenarioApp();
      const zh = await (
        await get(link(fx.plan, 0, fx.plan.bundle.packs[0]!.code), { "Accept-Language": "zh-CN,zh;q=0.9" })
      ).text();
      expect(zh).to.include('<html lang="zh-CN">').and.include("正品").and.include("当前持有方 PHA-1");
      expect(zh).to.include('hreflang="en"').and.include("lang=en");
      const en = await (await get(link(fx.plan, 0), { "Accept-Language": "fr-FR,fr;q=0.9" })).text();
      expect(en).to.include('<html lang="en">');
      const switched = await (await get(`${link(fx.plan, 0)}?lang=zh-CN`, { "Accept-Language": "en" })).text();
      expect(switched).to.include('<html lang="zh-CN">');
    });
  });

  describe("hostile input", function () {
    it("escapes what a link carries and serves a strict CSP without scripts", async function () {
      const { get } = await scenarioApp();
      const res = await get(`/01/${GTIN}/10/%3Cscript%3E`);
      const body = await res.text();
      expect(body).not.to.include("<script");
      const csp = res.headers.get("content-security-policy")!;
      expect(csp)
        .to.include("default-src 'none'")
        .and.include("style-src 'self'")
        .and.include("frame-ancestors 'none'");
      expect(csp).not.to.include("script-src");
    });

    it("escapes a lot number from the chain that looks like markup", async function () {
      const { fx, get } = await scenarioApp();
      const res = await get(`/01/${GTIN}/10/${encodeURIComponent('"><b>')}/21/X`);
      expect(res.status).to.equal(404);
      expect(await res.text()).not.to.include('"><b>');
      void fx;
    });
  });

  describe("indexer", function () {
    it("says so when the indexer trails the chain; the verdict still comes from the chain", async function () {
      const { fx, get, link } = await scenarioApp({
        indexer: (real) => ({
          custodyTimeline: (id) => real.custodyTimeline(id),
          status: async () => ({ ...(await real.status()), indexedBlock: (await real.status()).indexedBlock - 10 }),
        }),
      });
      const body = await (await get(link(fx.plan, 1, fx.plan.bundle.packs[1]!.code))).text();
      expect(body).to.include("Already dispensed").and.include("the indexer is 10 blocks behind the chain");
    });

    it("shows the verdict without the timeline when the indexer does not answer", async function () {
      const { fx, get, link } = await scenarioApp({
        indexer: () => ({
          custodyTimeline: () => Promise.reject(new Error("connect ECONNREFUSED")),
          status: () => Promise.reject(new Error("connect ECONNREFUSED")),
        }),
      });
      const res = await get(link(fx.plan, 0, fx.plan.bundle.packs[0]!.code));
      expect(res.status).to.equal(200);
      expect(await res.text())
        .to.include("Genuine")
        .and.include("indexer does not answer");
    });
  });

  describe("labels", function () {
    it("prints QR codes of this resolver's domain (MEDCHAIN_RESOLVER_BASE or --label-base) that it answers, without the hidden code", async function () {
      const { fx, get } = await scenarioApp();
      const pack = fx.plan.bundle.packs[0]!;
      const base = labelBase("", { MEDCHAIN_RESOLVER_BASE: `${BASE}/` });
      expect(base).to.equal(BASE);
      const label = renderLabel({ identity: packIdentity(fx.plan, pack.serial), scratchCode: pack.code, base });
      expect(label.digitalLink).to.equal(`${BASE}/01/${GTIN}/10/LOT-42/21/${pack.serial}?17=301231`);
      expect(label.digitalLink).not.to.include(pack.code);
      expect((await get(label.digitalLink)).status).to.equal(200);
      expect(labelBase("", {})).to.equal("https://id.gs1.org");
      expect(labelBase("https://verify.other.example", { MEDCHAIN_RESOLVER_BASE: BASE })).to.equal(
        "https://verify.other.example",
      );
      expect(() => labelBase("verify.example.org?x=1")).to.throw("--label-base");
      expect(() => labelBase("", { MEDCHAIN_RESOLVER_BASE: "ftp://x" })).to.throw("MEDCHAIN_RESOLVER_BASE");
    });
  });

  async function fx0Products(): Promise<string> {
    const fx = await networkHelpers.loadFixture(resolverScenario);
    return fx.provenance.products();
  }
});
