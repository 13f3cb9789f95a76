import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { serve, type ServerType } from "@hono/node-server";
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroHash } from "ethers";
import { Hono } from "hono";

import {
  gatewayWorlds,
  leafFor,
  now,
  signedAccessRequest,
  signedBatch,
  type GatewayWorld,
} from "../records/fixture.js";
import { recordsDomain } from "../../src/records/consent.js";
import { consentFileOf } from "../../src/records/consent-file.js";
import { fetchRecords, startGateway } from "../../src/records/gateway/index.js";
import { readProof } from "../../src/records/proof.js";
import { accountProofFor } from "../../src/consortium/account-proof.js";

const { ethers, networkHelpers } = await network.create();

type Bundle = { entry: Array<Record<string, unknown> & { resource: Record<string, unknown> }> };

/**
 * Attacks on the record gateway and the signed-request audit (issue 11): by the grantee, another
 * member, someone holding a captured request, and the custodian's own gateway. Each is stopped by the
 * chain, by the gateway, or caught by the requester's verification.
 */
describe("adversarial: record gateway", function () {
  this.timeout(60_000);
  const worlds = gatewayWorlds(ethers, networkHelpers);
  const proxies: ServerType[] = [];
  after(() => worlds.cleanup());
  afterEach(async () => {
    await worlds.closeGateways();
    for (const p of proxies.splice(0)) await new Promise((r) => p.close(r));
  });

  /** A misbehaving gateway: forwards to the real one and rewrites its searchset Bundles with `change`. */
  async function misbehaving(upstream: string, change: (bundle: Bundle) => Promise<void> | void): Promise<string> {
    const origin = new URL(upstream).origin;
    const app = new Hono();
    app.all("*", async (c) => {
      const url = new URL(c.req.url);
      const response = await fetch(origin + url.pathname + url.search, { headers: c.req.raw.headers });
      const body = (await response.json()) as Bundle & { resourceType: string };
      if (body.resourceType === "Bundle") await change(body);
      const headers = Object.fromEntries(response.headers);
      delete headers["content-length"]; // the body changed
      return c.body(JSON.stringify(body), response.status as 200, headers);
    });
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    proxies.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  }

  const fetchVia = (w: GatewayWorld, gateway: string, out: string) =>
    fetchRecords({
      gateway,
      consent: w.consent,
      records: w.records,
      signer: w.hospitalB,
      outDir: path.join(w.state, out),
    });

  /** Hospital A's own reads: the terms and one read of the patient's potassium result. */
  async function onChain(w: GatewayWorld) {
    const proof = await readProof(path.join(w.proofs, "obs-demo-potassium.proof.json"));
    const read = {
      commitment: proof.record.commitment,
      batchRoot: proof.record.batchRoot,
      batchProof: proof.record.proof,
      scopeBlind: ZeroHash,
      scopeProof: [] as string[],
    };
    return { read, t: await now(networkHelpers), custodian: w.records.connect(w.hospitalA) };
  }

  describe("on chain", function () {
    it("stops the custodian auditing a grantee's signed request twice", async function () {
      const w = await worlds.open();
      const { read, t, custodian } = await onChain(w);
      const { struct, signature } = await signedAccessRequest(w.hospitalB, w.domain, w.terms, t);
      await custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature));
      await expect(custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature)))
        .to.be.revertedWithCustomError(w.records, "RecordsRequestUsed")
        .withArgs(w.hospitalB.address, struct.nonce);
    });

    it("stops a removed key's signature, even one made before it was removed", async function () {
      const w = await worlds.open();
      const { read, t, custodian } = await onChain(w);
      const leaked = Wallet.createRandom();
      await w.registry
        .connect(w.hospitalB)
        .addAccount(leaked.address, await accountProofFor(w.registry, leaked, w.ids.hospitalB));
      const { struct, signature } = await signedAccessRequest(leaked, w.domain, w.terms, t);
      await w.registry.connect(w.hospitalB).removeAccount(leaked.address);
      await expect(custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature)))
        .to.be.revertedWithCustomError(w.records, "RecordsRequesterNotActive")
        .withArgs(leaked.address, ZeroHash);
    });

    it("stops another member's signature reading under the grantee's consent", async function () {
      const w = await worlds.open();
      const { read, t, custodian } = await onChain(w);
      const { struct, signature } = await signedAccessRequest(w.lab, w.domain, w.terms, t);
      await expect(custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature)))
        .to.be.revertedWithCustomError(w.records, "RecordsNotGrantee")
        .withArgs(w.consent.consentId, w.ids.lab);
    });

    it("stops a request for another patient's record under a valid consent", async function () {
      const w = await worlds.open();
      const { t, custodian } = await onChain(w);
      const theirs = await readProof(path.join(w.proofs, "obs-other-patient-0001.proof.json"));
      const read = {
        commitment: theirs.record.commitment,
        batchRoot: theirs.record.batchRoot,
        batchProof: theirs.record.proof,
        scopeBlind: ZeroHash,
        scopeProof: [],
      };
      const { struct, signature } = await signedAccessRequest(w.hospitalB, w.domain, w.terms, t);
      // The leaf is recomputed from the consent's patient: the other patient's record is not there.
      await expect(custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature)))
        .to.be.revertedWithCustomError(w.records, "RecordsNotAnchored")
        .withArgs(w.ids.hospitalA, leafFor(w.patientAtA.address, theirs.record.commitment), theirs.record.batchRoot);
    });

    it("stops a signature made for one consent being used under another", async function () {
      const w = await worlds.open();
      const { read, t, custodian } = await onChain(w);
      const other = { ...w.terms, nonce: w.terms.nonce + 1n };
      const { struct, signature } = await signedAccessRequest(w.hospitalB, w.domain, other, t);
      await expect(custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature)))
        .to.be.revertedWithCustomError(w.records, "RecordsInvalidRequestSignature")
        .withArgs(w.hospitalB.address);
    });

    it("stops a signature made for another deployment (chain or registry)", async function () {
      const w = await worlds.open();
      const { read, t, custodian } = await onChain(w);
      for (const domain of [
        recordsDomain(1n, await w.records.getAddress()),
        recordsDomain(w.domain.chainId as bigint, Wallet.createRandom().address),
      ]) {
        const { struct, signature } = await signedAccessRequest(w.hospitalB, domain, w.terms, t);
        await expect(custodian.accessByRequests(signedBatch(w.terms, [read], struct, signature)))
          .to.be.revertedWithCustomError(w.records, "RecordsInvalidRequestSignature")
          .withArgs(w.hospitalB.address);
      }
    });

    it("keeps the requested resource off chain: the request hash is salted", async function () {
      const w = await worlds.open();
      const client = w.client();
      const signed = await client.sign("Observation/obs-demo-potassium");
      const answer = await client.send(signed);
      const tx = await ethers.provider.getTransaction(answer.headers.get("x-medchain-audit")!);
      const guesses = [
        "GET /fhir/Observation/obs-demo-potassium",
        "/fhir/Observation/obs-demo-potassium",
        "obs-demo-potassium",
      ];
      for (const guess of guesses) {
        expect(tx!.data).to.not.include(Buffer.from(guess).toString("hex"));
        expect(tx!.data).to.not.include(ethers.id(guess).slice(2));
        expect(tx!.data).to.not.include(ethers.id(`medchain.gateway.request.v1${guess}`).slice(2));
      }
    });
  });

  describe("at the gateway", function () {
    it("stops a captured signed request replayed after the gateway restarted", async function () {
      const w = await worlds.open();
      const signed = await w.client().sign("");
      expect((await fetch(signed.url, { headers: signed.headers })).status).to.equal(200);
      await w.gateway.close();
      const again = await startGateway({
        records: w.records.connect(w.hospitalA),
        source: { folder: w.dir, proofs: w.proofs },
        stateDir: w.state,
        blockCacheMs: 0,
      });
      try {
        const replay = await fetch(signed.url.replace(new URL(signed.url).origin, new URL(again.url).origin), {
          headers: signed.headers,
        });
        expect(replay.status).to.equal(401);
        expect(JSON.stringify(await replay.json())).to.include("Replayed");
      } finally {
        await again.close();
      }
    });

    it("stops a request taken to another custodian's gateway", async function () {
      const w = await worlds.open();
      // The lab cannot serve hospital A's records: their proofs name A as issuer.
      const refused = await startGateway({
        records: w.records.connect(w.lab),
        source: { folder: w.dir, proofs: w.proofs },
        stateDir: path.join(w.state, "lab"),
      }).catch((err: Error) => err);
      expect((refused as Error).message).to.include("not by this gateway's member");
      // A lab gateway holding nothing refuses the consent's request as not its custodian's.
      const lab = await startGateway({
        records: w.records.connect(w.lab),
        source: { folder: w.dir, proofs: path.join(w.state, "no-proofs") },
        stateDir: path.join(w.state, "lab"),
      });
      try {
        const signed = await w.client().sign("");
        const answer = await fetch(signed.url.replace(new URL(signed.url).origin, new URL(lab.url).origin), {
          headers: signed.headers,
        });
        expect(answer.status).to.equal(403);
        expect(JSON.stringify(await answer.json())).to.include("RecordsNotCustodian");
      } finally {
        await lab.close();
      }
      // And on chain only the consent's custodian may submit the grantee's request.
      const { t } = await onChain(w);
      const { struct, signature } = await signedAccessRequest(w.hospitalB, w.domain, w.terms, t, { nonce: 77n });
      await expect(w.records.connect(w.lab).accessByRequests(signedBatch(w.terms, [], struct, signature)))
        .to.be.revertedWithCustomError(w.records, "RecordsNotCustodian")
        .withArgs(w.consent.consentId, w.ids.lab);
    });
  });

  describe("caught by the requester's verification", function () {
    it("catches a gateway serving a tampered copy: TAMPERED, quarantined, the fetch fails", async function () {
      const w = await worlds.open();
      const proxy = await misbehaving(w.gateway.url, (bundle) => {
        const potassium = bundle.entry.find((e) => e.resource.id === "obs-demo-potassium")!;
        (potassium.resource.valueQuantity as { value: number }).value = 5.9;
      });
      const report = await fetchVia(w, proxy, "tampered");
      expect(report.ok).to.equal(false);
      const row = report.records.find((r) => r.reference === "Observation/obs-demo-potassium")!;
      expect(row.verdict).to.equal("TAMPERED");
      expect(row.file).to.equal("quarantine/Observation-obs-demo-potassium.json");
      expect(await readdir(path.join(w.state, "tampered", "records"))).to.not.include(
        "Observation-obs-demo-potassium.json",
      );
      expect(report.records.filter((r) => r.verdict === "VALID")).to.have.length(3);
    });

    it("catches a gateway slipping in another patient's record it did not audit", async function () {
      const w = await worlds.open();
      const theirs = JSON.parse(await readFile(path.join(w.dir, "obs-other-patient-0001.json"), "utf8"));
      const proof = await readProof(path.join(w.proofs, "share", "obs-other-patient-0001.proof.json"));
      const proxy = await misbehaving(w.gateway.url, (bundle) => {
        const extension = [
          {
            url: "https://medchain.example/fhir/StructureDefinition/record-proof",
            valueAttachment: { data: Buffer.from(JSON.stringify(proof)).toString("base64") },
          },
        ];
        bundle.entry.push({ resource: theirs, extension });
      });
      const report = await fetchVia(w, proxy, "slipped");
      const row = report.records.find((r) => r.reference === "Observation/obs-other-patient-0001")!;
      expect(row.verdict).to.equal("TAMPERED");
      expect(row.reason).to.include("not a record this consent covers");
      expect(row.audited).to.equal(false);
      expect(report.ok).to.equal(false);
    });

    it("catches a gateway that audited more in the requester's name than it sent", async function () {
      const w = await worlds.open();
      const proxy = await misbehaving(w.gateway.url, (bundle) => {
        bundle.entry = bundle.entry.filter((e) => e.resource.id !== "obs-demo-creatinine");
      });
      const report = await fetchVia(w, proxy, "withheld");
      const creatinine = await readProof(path.join(w.proofs, "obs-demo-creatinine.proof.json"));
      expect(report.auditedNotServed).to.deep.equal([leafFor(w.patientAtA.address, creatinine.record.commitment)]);
      expect(report.ok).to.equal(false);
    });

    it("catches a gateway naming an audit transaction that is not its requester's", async function () {
      const w = await worlds.open();
      const first = await w.client().search();
      const earlierTx = (first.body.meta as { extension: Array<{ valueString: string }> }).extension[0]!.valueString;
      const proxy = await misbehaving(w.gateway.url, (bundle) => {
        (bundle as unknown as { meta: { extension: Array<{ valueString: string }> } }).meta.extension[0]!.valueString =
          earlierTx;
      });
      const report = await fetchVia(w, proxy, "wrong-audit");
      expect(report.records.every((r) => !r.audited)).to.equal(true);
      expect(report.ok).to.equal(false);
    });
  });

  it("never lets a consent file for another registry through the gateway", async function () {
    const w = await worlds.open();
    const consent = consentFileOf(w.terms, undefined, w.domain.chainId as bigint, Wallet.createRandom().address);
    const answer = await fetch((await w.client({ consent }).sign("")).url, {
      headers: (await w.client({ consent }).sign("")).headers,
    });
    expect(answer.status).to.equal(403);
    expect(JSON.stringify(await answer.json())).to.include("ConsentForAnotherRegistry");
  });
});
