import { writeFile } from "node:fs/promises";
import type net from "node:net";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { ZeroHash } from "ethers";

import { gatewayWorlds, now, signedBatch, type GatewayWorld } from "../records/fixture.js";
import { contractRequest } from "../../src/records/access-request.js";
import { signRevocation } from "../../src/records/consent.js";
import { consentFileOf } from "../../src/records/consent-file.js";
import { parseAuthorization, toBase64Url, MAX_CONSENT_HEADER } from "../../src/records/gateway/protocol.js";
import { readProof } from "../../src/records/proof.js";
import { raw, type RawAnswer } from "../helpers/raw-http.js";

const { ethers, networkHelpers } = await network.create();

/** Text that only record bodies hold: an answer to an attack must contain none of it. */
const RECORD_TEXT = ["valueQuantity", "Creatinine", "mmol/L", "enc-demo-0002", "an invented secret"];

const get = (target: string, headers: Record<string, string> = {}) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("") +
  "\r\n";

/**
 * Hostile HTTP at the record gateway (issue 11): record ids that try to leave the index for the
 * file system, oversized and malformed requests, slow clients, forged log lines, HEAD requests, and
 * a consent revoked while a signed request was held or retried. Nothing is ever served or audited.
 */
describe("adversarial: hostile HTTP at the record gateway", function () {
  this.timeout(60_000);
  const worlds = gatewayWorlds(ethers, networkHelpers);
  after(() => worlds.cleanup());
  afterEach(() => worlds.closeGateways());

  async function audits(w: GatewayWorld): Promise<number> {
    return (await w.records.queryFilter(w.records.filters.AccessRequestAudited())).length;
  }

  /** Expects an OperationOutcome with `code`, no record text, and the chain's audit count unchanged. */
  async function expectNothingServed(w: GatewayWorld, answer: RawAnswer, status: number, code: string, before: number) {
    expect(answer.status, answer.text).to.equal(status);
    const body = JSON.parse(answer.text) as {
      resourceType: string;
      issue: Array<{ details: { coding: Array<{ code: string }> } }>;
    };
    expect(body.resourceType).to.equal("OperationOutcome");
    expect(body.issue[0]!.details.coding[0]!.code).to.equal(code);
    for (const text of RECORD_TEXT) expect(answer.text).to.not.include(text);
    expect(await audits(w)).to.equal(before);
  }

  /** The signed headers of the grantee's request for `target` (relative to the FHIR base), as sent raw. */
  async function signedHeaders(w: GatewayWorld, target: string) {
    const signed = await w.client().sign(target);
    const url = new URL(signed.url);
    return { target: url.pathname + url.search, headers: signed.headers, signed };
  }

  describe("record ids that try to reach a file", function () {
    it("answers dot segments, encoded slashes, NUL and over-long ids with 404, reading no file and auditing nothing", async function () {
      const w = await worlds.open();
      // A FHIR file next to the export, outside it: no request may reach it.
      await writeFile(
        path.join(path.dirname(w.dir), "secret.json"),
        JSON.stringify({ resourceType: "Observation", id: "secret", note: "an invented secret" }),
      );
      const before = await audits(w);
      const unsigned = [
        "/fhir/Observation/../../secret.json",
        "/fhir/../secret.json",
        "/fhir/Observation/%2e%2e%2f%2e%2e%2fsecret",
        "/fhir/Observation/..%2fsecret",
        "/fhir/Observation/obs-demo-potassium%00.json",
        "/fhir/Observation/%ZZ",
        "/fhir/..%5c..%5csecret",
        `/fhir/Observation/${"a".repeat(65)}`,
      ];
      for (const target of unsigned) {
        await expectNothingServed(w, await raw(w.gateway.url, get(target)), 404, "NotFound", before);
      }
      // The grantee's own signed requests for such ids: authenticated, and still nothing.
      for (const id of ["..%2fsecret", "%2e%2e%2f%2e%2e%2fsecret", "...", "obs-demo-potassium%2f..%2f..%2fsecret"]) {
        const { target, headers } = await signedHeaders(w, `Observation/${id}`);
        await expectNothingServed(w, await raw(w.gateway.url, get(target, headers)), 404, "NotFound", before);
      }
    });

    it("keeps a fetch's files inside its folder whatever ids a gateway sends", async function () {
      const w = await worlds.open();
      // fetchRecords names files from the references the (untrusted) gateway sends.
      const { fetchRecords } = await import("../../src/records/gateway/index.js");
      const { Hono } = await import("hono");
      const { serve } = await import("@hono/node-server");
      const app = new Hono();
      app.all("*", async (c) => {
        const url = new URL(c.req.url);
        const upstream = new URL(w.gateway.url).origin;
        const body = (await (
          await fetch(upstream + url.pathname + url.search, { headers: c.req.raw.headers })
        ).json()) as {
          entry: Array<{ resource: Record<string, unknown> }>;
        };
        const ids = ["../../../../escaped", "..", "/etc/passwd", "x".repeat(300)];
        body.entry.forEach((e, i) => (e.resource.id = ids[i % ids.length]));
        body.entry[0]!.resource.resourceType = "..";
        return c.json(body);
      });
      const proxy = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
      });
      try {
        const port = (proxy.address() as net.AddressInfo).port;
        const out = path.join(w.state, "fetched");
        const report = await fetchRecords({
          gateway: `http://127.0.0.1:${port}/fhir`,
          consent: w.consent,
          records: w.records,
          signer: w.hospitalB,
          outDir: out,
        });
        expect(report.ok).to.equal(false);
        expect(report.records.length).to.be.greaterThan(0);
        for (const r of report.records) {
          expect(r.verdict).to.equal("TAMPERED");
          const file = path.resolve(out, r.file);
          expect(file.startsWith(path.resolve(out, "quarantine") + path.sep), r.file).to.equal(true);
          expect(path.basename(file).length).to.be.at.most(100 + ".json".length);
        }
      } finally {
        await new Promise((r) => proxy.close(r));
      }
    });
  });

  describe("oversized and malformed requests", function () {
    it("refuses malformed and oversized consent headers of a signed request with 400, auditing nothing", async function () {
      const w = await worlds.open();
      const before = await audits(w);
      const { target, headers } = await signedHeaders(w, "");
      const wrongId = toBase64Url({
        ...JSON.parse(Buffer.from(headers["x-medchain-consent"]!, "base64url").toString()),
        consentId: ZeroHash,
      });
      const variants = [
        "%%%not-base64url",
        Buffer.from("not json").toString("base64url"),
        toBase64Url({ format: "medchain.consent.v2" }),
        wrongId,
        "A".repeat(MAX_CONSENT_HEADER + 1),
      ];
      for (const consent of variants) {
        const answer = await raw(w.gateway.url, get(target, { ...headers, "x-medchain-consent": consent }));
        await expectNothingServed(w, answer, 400, "MalformedRequest", before);
      }
    });

    it("refuses malformed credentials with 400, auditing nothing", async function () {
      const w = await worlds.open();
      const before = await audits(w);
      const { target, headers } = await signedHeaders(w, "");
      const credential = JSON.parse(
        Buffer.from(headers.authorization!.split(" ")[1]!, "base64url").toString(),
      ) as Record<string, unknown>;
      const variants = [
        "Bearer abc",
        `${headers.authorization} extra`,
        `MedChain-Request ${toBase64Url({ ...credential, nonce: "-1" })}`,
        `MedChain-Request ${toBase64Url({ ...credential, purpose: 0 })}`,
        `MedChain-Request ${toBase64Url({ ...credential, signature: "0xzz" })}`,
        `MedChain-Request ${toBase64Url({ ...credential, requester: "hospital-b" })}`,
        `MedChain-Request ${toBase64Url({ ...credential, v: 2 })}`,
        `MedChain-Request ${toBase64Url([1, 2, 3])}`,
      ];
      for (const authorization of variants) {
        const answer = await raw(w.gateway.url, get(target, { ...headers, authorization }));
        await expectNothingServed(w, answer, 400, "MalformedRequest", before);
      }
    });

    it("closes a request whose headers pass the limit with 431 and keeps serving", async function () {
      const w = await worlds.open();
      const before = await audits(w);
      const { target, headers } = await signedHeaders(w, "");
      const answer = await raw(w.gateway.url, get(target, { ...headers, "x-padding": "p".repeat(200 * 1024) }));
      expect(answer.status).to.equal(431);
      for (const text of RECORD_TEXT) expect(answer.text).to.not.include(text);
      expect(await audits(w)).to.equal(before);
      expect((await w.client().search()).status).to.equal(200);
    });

    it("answers a signed HEAD with 405 and audits nothing (it would serve no body)", async function () {
      const w = await worlds.open();
      const before = await audits(w);
      const { target, headers } = await signedHeaders(w, "Observation/obs-demo-potassium");
      const answer = await raw(w.gateway.url, get(target, headers).replace(/^GET/, "HEAD"), { waitMs: 2_000 });
      expect(answer.status).to.equal(405);
      expect(await audits(w)).to.equal(before);
    });

    it("logs a requester's path percent-encoded, so it cannot write lines of its own into the log", async function () {
      const lines: string[] = [];
      const w = await worlds.open({ log: (line) => lines.push(line) });
      const forged = "/fhir/Observation/x%0aGET%20/fhir:%20200,%203%20record(s)%20audited%20in%200xfeed";
      await raw(w.gateway.url, get(forged));
      const { target, headers } = await signedHeaders(w, "Observation/x%0d%0aforged");
      await raw(w.gateway.url, get(target, headers));
      expect(lines.length).to.be.greaterThan(1);
      for (const line of lines) expect(line).to.not.match(/[\r\n]/);
      expect(lines.join(" ")).to.include("%0a");
    });
  });

  describe("the links a search Bundle carries", function () {
    it("starts them at the gateway's own base, never at the Host header a request names", async function () {
      for (const publicBase of [undefined, "https://records.hospital.example/a"]) {
        const w = await worlds.open(publicBase === undefined ? {} : { publicBase });
        const base = publicBase ?? w.gateway.url.replace(/\/fhir$/, "");
        const { target, headers } = await signedHeaders(w, "");
        const request =
          `GET ${target} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n` +
          Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join("") +
          "\r\n";
        const answer = await raw(w.gateway.url, request);
        expect(answer.status).to.equal(200);
        const bundle = JSON.parse(answer.text) as { link: { url: string }[]; entry: { fullUrl: string }[] };
        expect(bundle.entry.length).to.be.above(0);
        for (const url of [bundle.link[0]!.url, ...bundle.entry.map((e) => e.fullUrl)]) {
          expect(url.startsWith(`${base}/fhir`), url).to.equal(true);
          expect(url).to.not.include("evil.example");
        }
      }
    });
  });

  describe("slow clients", function () {
    it("closes connections whose headers trickle in, while others are served", async function () {
      const w = await worlds.open({ timeouts: { headersMs: 500, requestMs: 1_000 } });
      const before = await audits(w);
      const { target, headers } = await signedHeaders(w, "");
      const started = Date.now();
      // Twenty clients each sending a signed request a byte every 50 ms (it would take minutes).
      const slow = Array.from({ length: 20 }, () =>
        raw(w.gateway.url, get(target, headers), { drip: 50, waitMs: 10_000 }),
      );
      const served = await w.client().search();
      expect(served.status).to.equal(200);
      const answers = await Promise.all(slow);
      for (const a of answers) {
        expect(a.closed).to.equal(true);
        expect([0, 408]).to.include(a.status);
        for (const text of RECORD_TEXT) expect(a.text).to.not.include(text);
      }
      expect(Date.now() - started).to.be.below(8_000);
      expect(await audits(w)).to.equal(before + 1); // the one search
    });
  });

  describe("a consent revoked around a request", function () {
    it("refuses a request signed while the consent held and sent after the patient revoked it", async function () {
      const w = await worlds.open();
      const signed = await w.client().sign("Observation/obs-demo-potassium");
      const t = await now(networkHelpers);
      await w.records.revokeConsent(
        w.terms,
        t + 3600n,
        await signRevocation(w.patientAtA, w.domain, w.terms, t + 3600n),
      );
      const before = await audits(w);
      const target = new URL(signed.url);
      const answer = await raw(w.gateway.url, get(target.pathname + target.search, signed.headers));
      await expectNothingServed(w, answer, 403, "RecordsConsentRevoked", before);
    });

    it("does not serve a retried request after revocation, although an earlier attempt was audited before it", async function () {
      const w = await worlds.open();
      const signed = await w.client().sign("Observation/obs-demo-potassium");
      // The earlier attempt: audited on chain, then the answer was lost (the gateway crashed).
      const proof = await readProof(path.join(w.proofs, "obs-demo-potassium.proof.json"));
      const read = {
        commitment: proof.record.commitment,
        batchRoot: proof.record.batchRoot,
        batchProof: proof.record.proof,
        scopeBlind: ZeroHash,
        scopeProof: [] as string[],
      };
      const credential = parseAuthorization(signed.headers.authorization)!;
      await w.records
        .connect(w.hospitalA)
        .accessByRequests(signedBatch(w.terms, [read], contractRequest(signed.request), credential.signature));
      const t = await now(networkHelpers);
      await w.records.revokeConsent(
        w.terms,
        t + 3600n,
        await signRevocation(w.patientAtA, w.domain, w.terms, t + 3600n),
      );
      const before = await audits(w);
      const target = new URL(signed.url);
      const answer = await raw(w.gateway.url, get(target.pathname + target.search, signed.headers));
      await expectNothingServed(w, answer, 403, "RecordsConsentRevoked", before);
    });

    it("refuses a consent file whose terms were edited to widen it (the chain knows only the terms' hash)", async function () {
      const w = await worlds.open();
      const widened = consentFileOf(
        { ...w.terms, categories: w.terms.categories | 0xffffn },
        undefined,
        w.domain.chainId as bigint,
        await w.records.getAddress(),
      );
      const before = await audits(w);
      const signed = await w.client({ consent: widened }).sign("Condition/cond-demo-0001");
      const target = new URL(signed.url);
      const answer = await raw(w.gateway.url, get(target.pathname + target.search, signed.headers));
      await expectNothingServed(w, answer, 403, "RecordsConsentMissing", before);
    });
  });
});
