import { readdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";

import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";

import { COVERED, COVERED_REFERENCES, DAY, gatewayWorlds, now, PATIENT_SECRET, type GatewayWorld } from "./fixture.js";
import { patientAccountFor, PURPOSES, signRevocation } from "../../src/records/consent.js";
import { consentFileOf, consentTerms, grantConsent, newRecordsScope } from "../../src/records/consent-file.js";
import { readProof } from "../../src/records/proof.js";
import { MODULE_IDS } from "../../src/consortium/kinds.js";
import { fetchRecords, formatFetchReport, GatewayClient, startGateway } from "../../src/records/gateway/index.js";
import { RequesterRateLimit } from "../../src/records/gateway/rate-limit.js";
import { amendRecord, retractRecord } from "../../src/records/lifecycle.js";
import { accountProofFor } from "../../src/consortium/account-proof.js";

const { ethers, networkHelpers } = await network.create();

/** Text that only record bodies hold: a refusal must contain none of it. */
const RECORD_TEXT = ["valueQuantity", "obs-demo-potassium", "Creatinine", "enc-demo-0002", "mmol/L"];

type World = GatewayWorld;

describe("records gateway (a real server on loopback, audited on chain)", function () {
  this.timeout(60_000);
  const worlds = gatewayWorlds(ethers, networkHelpers);
  after(() => worlds.cleanup());
  afterEach(() => worlds.closeGateways());
  const world = () => worlds.open();

  async function accessCount(w: World): Promise<number> {
    return (await w.records.queryFilter(w.records.filters.RecordAccessed())).length;
  }

  /** Sends one signed request once and returns status, body text and headers. */
  async function ask(client: GatewayClient, target: string) {
    const signed = await client.sign(target);
    const response = await fetch(signed.url, { headers: signed.headers });
    return { status: response.status, text: await response.text(), headers: response.headers, signed };
  }

  /** Expects an OperationOutcome refusal with no record in it and nothing audited. */
  async function expectRefusal(
    w: World,
    answer: { status: number; text: string; headers: Headers },
    status: number,
    code: string,
    before: number,
  ) {
    expect(answer.status, answer.text).to.equal(status);
    const body = JSON.parse(answer.text) as {
      resourceType: string;
      issue: Array<{ details: { coding: Array<{ code: string }>; text: string } }>;
    };
    expect(body.resourceType).to.equal("OperationOutcome");
    expect(body.issue[0]!.details.coding[0]!.code).to.equal(code);
    expect(body.issue[0]!.details.text).to.be.a("string").and.not.equal("");
    for (const text of RECORD_TEXT) expect(answer.text).to.not.include(text);
    expect(answer.headers.get("x-medchain-proof")).to.equal(null);
    expect(await accessCount(w)).to.equal(before);
  }

  describe("serving", function () {
    it("answers a search with a searchset Bundle of exactly the covered records, each with its shareable proof, audited once", async function () {
      const w = await world();
      const answer = await w.client().search();
      const bundle = answer.body as {
        total: number;
        entry: Array<{
          resource: { resourceType: string; id: string };
          extension: Array<{ valueAttachment: { data: string } }>;
        }>;
        meta: { extension: Array<{ valueString: string }> };
      };
      expect(bundle.total).to.equal(4);
      expect(bundle.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort()).to.deep.equal(
        COVERED_REFERENCES,
      );
      for (const entry of bundle.entry) {
        const proof = JSON.parse(Buffer.from(entry.extension[0]!.valueAttachment.data, "base64").toString("utf8"));
        expect(proof.billing, "never the billing part").to.equal(undefined);
        expect(proof.issuer).to.equal(w.ids.hospitalA);
      }
      const txHash = bundle.meta.extension[0]!.valueString;
      const receipt = await ethers.provider.getTransactionReceipt(txHash);
      const names = receipt!.logs.map((l) => w.records.interface.parseLog(l)?.name);
      expect(names).to.deep.equal(["AccessRequestAudited", ...Array(4).fill("RecordAccessed")]);
      expect(await w.records.isRequestNonceUsed(w.hospitalB.address, answer.request.request.nonce)).to.equal(true);
    });

    it("reads one record with its proof in X-MedChain-Proof and the audit transaction in X-MedChain-Audit", async function () {
      const w = await world();
      const before = await accessCount(w);
      const { resource, proof, auditTx } = await w.client().read("Observation/obs-demo-potassium");
      expect(resource.id).to.equal("obs-demo-potassium");
      const mine = await readProof(path.join(w.proofs, "share", "obs-demo-potassium.proof.json"));
      expect(proof).to.deep.equal(mine);
      expect((await ethers.provider.getTransactionReceipt(auditTx))!.status).to.equal(1);
      expect(await accessCount(w)).to.equal(before + 1);
    });

    it("lets the requester fetch, verify every record VALID and audited, and write records and a verdict report", async function () {
      const w = await world();
      const out = path.join(w.state, "fetched");
      const report = await fetchRecords({
        gateway: w.gateway.url,
        consent: w.consent,
        records: w.records,
        signer: w.hospitalB,
        outDir: out,
      });
      expect(report.ok).to.equal(true);
      expect(report.records.map((r) => [r.reference, r.verdict, r.audited])).to.have.deep.members(
        COVERED_REFERENCES.map((r) => [r, "VALID", true]),
      );
      expect((await readdir(path.join(out, "records"))).length).to.equal(8);
      const written = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
      expect(written.auditTx).to.equal(report.auditTx);
    });

    it("leaves out records the custodian retracted since the gateway indexed them (a read is 410), and quarantines superseded ones: the fetch fails", async function () {
      const w = await world();
      const hospitalA = w.records.connect(w.hospitalA);
      const creatinine = path.join(w.proofs, "obs-demo-creatinine.proof.json");
      await retractRecord(hospitalA, await readProof(creatinine), creatinine);
      const potassium = path.join(w.proofs, "obs-demo-potassium.proof.json");
      const resource = JSON.parse(await readFile(path.join(w.dir, "obs-demo-potassium.json"), "utf8"));
      await amendRecord(
        hospitalA,
        await readProof(potassium),
        potassium,
        { ...resource, status: "amended" },
        {
          outFile: path.join(w.state, "potassium-v2.proof.json"),
          salts: { kind: "random" },
        },
      );
      const out = path.join(w.state, "fetched");
      const report = await fetchRecords({
        gateway: w.gateway.url,
        consent: w.consent,
        records: w.records,
        signer: w.hospitalB,
        outDir: out,
      });
      const verdicts = Object.fromEntries(report.records.map((r) => [r.reference, [r.verdict, r.file.split("/")[0]]]));
      expect(verdicts).to.deep.equal({
        "DiagnosticReport/dr-demo-chest-xray": ["VALID", "records"],
        "Encounter/enc-demo-0002": ["VALID", "records"],
        "Observation/obs-demo-potassium": ["SUPERSEDED", "quarantine"],
      });
      expect(report.ok).to.equal(false);
      expect(formatFetchReport(report)).to.include("VERIFICATION FAILED");
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client(), "Observation/obs-demo-creatinine"), 410, "RecordsRetracted", before);
    });

    it("audits concurrent requests in fewer transactions than requests, each exactly once", async function () {
      const w = await world();
      const before = await accessCount(w);
      const sent = w.gateway.auditor.stats.transactions;
      const answers = await Promise.all(Array.from({ length: 12 }, () => w.client().search(["Observation"])));
      expect(answers.every((a) => a.status === 200)).to.equal(true);
      expect(w.gateway.auditor.stats.transactions - sent).to.be.lessThan(12);
      expect(await accessCount(w)).to.equal(before + 12 * 2);
    });

    it("serves only the records of a specific-records consent", async function () {
      const w = await world();
      const potassium = await readProof(path.join(w.proofs, "obs-demo-potassium.proof.json"));
      const scope = newRecordsScope([potassium.record.commitment]);
      const t = await now(networkHelpers);
      const terms = consentTerms({ ...baseRequest(w, t), categories: 0n, scope });
      await grantConsent(w.records.connect(w.hospitalB), w.patientAtA, terms, t + 3600n);
      const consent = consentFileOf(terms, scope, w.domain.chainId as bigint, await w.records.getAddress());
      const answer = await w.client({ consent }).search();
      const entries = (answer.body.entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id);
      expect(entries).to.deep.equal(["obs-demo-potassium"]);
    });
  });

  describe("refusals: the right status, an OperationOutcome, no record, nothing audited", function () {
    it("refuses an unsigned request with 401 login", async function () {
      const w = await world();
      const before = await accessCount(w);
      const response = await fetch(`${w.gateway.url}/Observation/obs-demo-potassium`);
      const answer = { status: response.status, text: await response.text(), headers: response.headers };
      await expectRefusal(w, answer, 401, "Unsigned", before);
      expect(answer.headers.get("www-authenticate")).to.equal("MedChain-Request");
    });

    it("refuses a consent that was never granted with 403", async function () {
      const w = await world();
      const before = await accessCount(w);
      const terms = { ...w.terms, nonce: w.terms.nonce + 1n };
      const consent = consentFileOf(terms, undefined, w.domain.chainId as bigint, await w.records.getAddress());
      await expectRefusal(w, await ask(w.client({ consent }), ""), 403, "RecordsConsentMissing", before);
    });

    it("refuses once the patient has revoked the consent, with 403", async function () {
      const w = await world();
      const t = await now(networkHelpers);
      await w.records.revokeConsent(
        w.terms,
        t + 3600n,
        await signRevocation(w.patientAtA, w.domain, w.terms, t + 3600n),
      );
      const before = await accessCount(w);
      await expectRefusal(
        w,
        await ask(w.client(), "Observation/obs-demo-potassium"),
        403,
        "RecordsConsentRevoked",
        before,
      );
    });

    it("refuses an expired consent with 403", async function () {
      const w = await world();
      await networkHelpers.time.increase(31n * DAY);
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client(), ""), 403, "RecordsConsentExpired", before);
    });

    it("refuses another purpose than the consent's with 403", async function () {
      const w = await world();
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client({ purpose: PURPOSES.HRESCH }), ""), 403, "RecordsWrongPurpose", before);
    });

    it("answers a record of a category outside the consent exactly like a missing one (404)", async function () {
      const w = await world();
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client(), "Condition/cond-demo-0001"), 404, "NotFound", before);
      await expectRefusal(w, await ask(w.client(), "Condition/no-such-record"), 404, "NotFound", before);
    });

    it("answers another patient's record under a valid consent with 404", async function () {
      const w = await world();
      const before = await accessCount(w);
      const answer = await ask(w.client(), "Observation/obs-other-patient-0001");
      await expectRefusal(w, answer, 404, "NotFound", before);
      expect(answer.text).to.not.include("7.7");
    });

    it("refuses a replayed signed request with 401, and the chain audited it once", async function () {
      const w = await world();
      const client = w.client();
      const signed = await client.sign("Observation/obs-demo-potassium");
      const first = await fetch(signed.url, { headers: signed.headers });
      expect(first.status).to.equal(200);
      const before = await accessCount(w);
      const again = await fetch(signed.url, { headers: signed.headers });
      await expectRefusal(
        w,
        { status: again.status, text: await again.text(), headers: again.headers },
        401,
        "Replayed",
        before,
      );
    });

    it("refuses a member suspended since the consent with 403", async function () {
      const w = await world();
      await w.registry.connect(w.certifier).emergencySuspend(w.ids.hospitalB);
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client(), ""), 403, "RecordsRequesterNotActive", before);
    });

    it("refuses a key its member removed with 401", async function () {
      const w = await world();
      const spare = (await ethers.getSigners())[15]!;
      await w.registry
        .connect(w.hospitalB)
        .addAccount(spare.address, await accountProofFor(w.registry, spare, w.ids.hospitalB));
      await w.registry.connect(spare).removeAccount(w.hospitalB.address);
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client(), ""), 401, "RecordsRequesterNotActive", before);
    });

    it("refuses while the consortium has paused the records module, with 503", async function () {
      const w = await world();
      await w.registry.connect(w.governors[0]!).pauseModule(MODULE_IDS.records);
      const before = await accessCount(w);
      const answer = await ask(w.client(), "");
      await expectRefusal(w, answer, 503, "ConsortiumGuardedPaused", before);
      expect(answer.headers.get("retry-after")).to.equal("2");
    });

    it("refuses a signature of another member than the grantee with 403", async function () {
      const w = await world();
      const before = await accessCount(w);
      await expectRefusal(w, await ask(w.client({ signer: w.insurer }), ""), 403, "RecordsNotGrantee", before);
    });

    it("refuses a signature of a key of no member with 401", async function () {
      const w = await world();
      const before = await accessCount(w);
      await expectRefusal(
        w,
        await ask(w.client({ signer: Wallet.createRandom() }), ""),
        401,
        "RecordsRequesterNotActive",
        before,
      );
    });

    it("answers a requester past its rate with 429 and Retry-After, auditing nothing, while other requesters are unaffected", async function () {
      const limited = await worlds.open({ rateLimit: { perMinute: 1, burst: 2 } });
      for (let i = 0; i < 2; i++) expect((await ask(limited.client(), "")).status).to.equal(200);
      const before = await accessCount(limited);
      const third = await ask(limited.client(), "");
      await expectRefusal(limited, third, 429, "TooManyRequests", before);
      expect(Number(third.headers.get("retry-after"))).to.be.within(1, 60);
      await expectRefusal(
        limited,
        await ask(limited.client({ signer: limited.insurer }), ""),
        403,
        "RecordsNotGrantee",
        before,
      );
    });

    it("refills a requester's allowance over time and bounds how many requesters it tracks", function () {
      let now = 0;
      const limit = new RequesterRateLimit({ perMinute: 60, burst: 2 }, () => now);
      expect([limit.take("0xA"), limit.take("0xa"), limit.take("0xA")]).to.deep.equal([0, 0, 1]);
      now += 1_000;
      expect([limit.take("0xA"), limit.take("0xA")]).to.deep.equal([0, 1]);
      for (let i = 0; i < 20_000; i++) limit.take(`0x${i.toString(16)}`);
      expect((limit as unknown as { buckets: Map<string, unknown> }).buckets.size).to.be.at.most(10_000);
    });

    it("refuses a request whose path was changed after signing with 401", async function () {
      const w = await world();
      const before = await accessCount(w);
      const signed = await w.client().sign("Observation/obs-demo-creatinine");
      const response = await fetch(signed.url.replace("creatinine", "potassium"), { headers: signed.headers });
      await expectRefusal(
        w,
        { status: response.status, text: await response.text(), headers: response.headers },
        401,
        "RecordsInvalidRequestSignature",
        before,
      );
    });

    it("refuses an expired signed request with 401 expired", async function () {
      const w = await world();
      const client = w.client();
      const signed = await client.sign("");
      // The deadline counts from the later of the chain's clock and the wall clock (the gateway's
      // clock too); after a snapshot is restored on a slow run the chain can be minutes behind the
      // wall, so move it past both.
      const wall = Math.floor(Date.now() / 1000);
      await networkHelpers.time.increaseTo(Math.max(await networkHelpers.time.latest(), wall) + 600);
      const before = await accessCount(w);
      const answer = await fetch(signed.url, { headers: signed.headers });
      await expectRefusal(
        w,
        { status: answer.status, text: await answer.text(), headers: answer.headers },
        401,
        "RecordsSignatureExpired",
        before,
      );
    });

    it("refuses a consent for another custodian with 403", async function () {
      const w = await world();
      const t = await now(networkHelpers);
      const atB = patientAccountFor(PATIENT_SECRET, w.ids.hospitalB);
      const terms = consentTerms({
        ...baseRequest(w, t),
        patient: atB.address,
        custodian: w.ids.hospitalB,
        grantee: w.ids.hospitalA,
      });
      const consent = consentFileOf(terms, undefined, w.domain.chainId as bigint, await w.records.getAddress());
      const before = await accessCount(w);
      await expectRefusal(
        w,
        await ask(w.client({ consent, signer: w.hospitalA }), ""),
        403,
        "RecordsNotCustodian",
        before,
      );
    });

    it("refuses a malformed credential with 400", async function () {
      const w = await world();
      const before = await accessCount(w);
      const response = await fetch(w.gateway.url, { headers: { authorization: "MedChain-Request not-json!" } });
      await expectRefusal(
        w,
        { status: response.status, text: await response.text(), headers: response.headers },
        400,
        "MalformedRequest",
        before,
      );
    });

    it("refuses writes with 405", async function () {
      const w = await world();
      const before = await accessCount(w);
      const response = await fetch(`${w.gateway.url}/Observation`, { method: "POST", body: "{}" });
      await expectRefusal(
        w,
        { status: response.status, text: await response.text(), headers: response.headers },
        405,
        "MethodNotAllowed",
        before,
      );
    });
  });

  describe("records from a FHIR server", function () {
    /** A small FHIR server over the export's files (`GET /fhir/<Type>/<id>`), with overrides by reference. */
    async function fhirServer(w: World, changed: Record<string, unknown> = {}) {
      const files = new Map<string, string>();
      for (const f of await readdir(w.dir)) {
        const resource = JSON.parse(await readFile(path.join(w.dir, f), "utf8")) as {
          resourceType: string;
          id: string;
        };
        files.set(
          `${resource.resourceType}/${resource.id}`,
          JSON.stringify(changed[`${resource.resourceType}/${resource.id}`] ?? resource),
        );
      }
      const app = new Hono();
      app.get("/fhir/:type/:id", (c) => {
        const body = files.get(`${c.req.param("type")}/${c.req.param("id")}`);
        return body === undefined
          ? c.json({ resourceType: "OperationOutcome" }, 404)
          : c.body(body, 200, { "content-type": "application/fhir+json" });
      });
      const server = await new Promise<ServerType>((resolve) => {
        const srv = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(srv));
      });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
      return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
    }

    it("serves what the FHIR server holds as anchored, and leaves out a resource it changed since", async function () {
      const w = await world();
      const potassium = JSON.parse(await readFile(path.join(w.dir, "obs-demo-potassium.json"), "utf8"));
      const fhir = await fhirServer(w, {
        "Observation/obs-demo-potassium": { ...potassium, valueQuantity: { ...potassium.valueQuantity, value: 5.9 } },
      });
      const lines: string[] = [];
      const gateway = await startGateway({
        records: w.records.connect(w.hospitalA),
        source: { fhirBase: fhir.base, proofs: w.proofs },
        stateDir: path.join(w.state, "fhir"),
        log: (line) => lines.push(line),
      });
      try {
        const client = new GatewayClient({
          gateway: gateway.url,
          consent: w.consent,
          signer: w.hospitalB,
          domain: w.domain,
          retries: 0,
        });
        const answer = await client.search();
        const ids = (answer.body.entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id).sort();
        expect(ids).to.deep.equal(["dr-demo-chest-xray", "enc-demo-0002", "obs-demo-creatinine"]);
        expect(lines.join("\n")).to.include("the FHIR server's copy is not what was anchored");
        const read = await ask(client, "Observation/obs-demo-potassium");
        expect(read.status).to.equal(404);
        expect(read.text).to.not.include("5.9");
      } finally {
        await gateway.close();
        await fhir.close();
      }
    });

    it("answers 502 and serves nothing when the FHIR server does not answer", async function () {
      const w = await world();
      const fhir = await fhirServer(w);
      const gateway = await startGateway({
        records: w.records.connect(w.hospitalA),
        source: { fhirBase: fhir.base, proofs: w.proofs },
        stateDir: path.join(w.state, "fhir-down"),
      });
      await fhir.close();
      try {
        const client = new GatewayClient({
          gateway: gateway.url,
          consent: w.consent,
          signer: w.hospitalB,
          domain: w.domain,
          retries: 0,
        });
        const before = await accessCount(w);
        await expectRefusal(w, await ask(client, ""), 502, "SourceUnavailable", before);
      } finally {
        await gateway.close();
      }
    });

    it("refuses to start without the proof index that says which resource each proof is for", async function () {
      const w = await world();
      const message = await startGateway({
        records: w.records.connect(w.hospitalA),
        source: { fhirBase: "http://127.0.0.1:9/fhir", proofs: path.join(w.state, "empty") },
      }).then(
        () => "started",
        (err: Error) => err.message,
      );
      expect(message).to.include("index.json");
    });
  });

  describe("what is never served", function () {
    it("leaves out a record that no longer matches its proof", async function () {
      const w = await world();
      const file = path.join(w.dir, "obs-demo-potassium.json");
      const original = await readFile(file, "utf8");
      const record = JSON.parse(original);
      record.valueQuantity.value = 5.9;
      await writeFile(file, JSON.stringify(record));
      try {
        const again = await startGateway({
          records: w.records.connect(w.hospitalA),
          source: { folder: w.dir, proofs: w.proofs },
          stateDir: path.join(w.state, "state2"),
        });
        await again.close();
        expect(again.skipped.join("\n")).to.include("obs-demo-potassium");
        expect(again.source.byReference("Observation/obs-demo-potassium")).to.equal(undefined);
        expect(again.source.byReference("Observation/obs-demo-creatinine")).to.not.equal(undefined);
      } finally {
        await writeFile(file, original);
      }
    });

    it("refuses to start for an account that is not an active Hospital or Laboratory", async function () {
      const w = await world();
      let message = "";
      try {
        await startGateway({ records: w.records.connect(w.insurer), source: { folder: w.dir, proofs: w.proofs } });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.include("not an operating account of an active Hospital or Laboratory");
    });
  });
});

/** A consent request like the world's, from `t`. */
function baseRequest(w: World, t: bigint) {
  return {
    patient: w.patientAtA.address,
    custodian: w.ids.hospitalA,
    grantee: w.ids.hospitalB,
    purpose: PURPOSES.TREAT,
    categories: COVERED,
    from: t,
    days: 30,
  };
}
