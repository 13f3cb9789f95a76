/**
 * Attacks of the third adversarial review on the records module and its gateway (not in records.ts,
 * records-gateway.ts or records-gateway-http.ts). Each test asserts the safe behaviour, so it fails
 * on the reviewed main until the weakness is fixed. The list is in FINDINGS.md.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { gatewayWorlds } from "../records/fixture.js";
import { fetchRecords, startGateway } from "../../src/records/gateway/index.js";

const { ethers, networkHelpers } = await network.create();

/** Every file and folder under `dir` (itself included) with its permission bits. */
async function modesUnder(dir: string): Promise<Array<[string, number]>> {
  const found: Array<[string, number]> = [[dir, (await stat(dir)).mode & 0o777]];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await modesUnder(full)));
    else found.push([full, (await stat(full)).mode & 0o777]);
  }
  return found;
}

describe("attack: records", function () {
  this.timeout(60_000);
  const worlds = gatewayWorlds(ethers, networkHelpers);
  after(() => worlds.cleanup());
  afterEach(() => worlds.closeGateways());

  describe("patient data stays private on the disk of whoever holds it", function () {
    it("writes the patient's fetched records, proofs and report readable by their owner only (as consent files are)", async function () {
      const w = await worlds.open();
      const out = path.join(w.state, "fetched");
      const report = await fetchRecords({
        gateway: w.gateway.url,
        consent: w.consent,
        records: w.records,
        signer: w.hospitalB,
        outDir: out,
      });
      expect(report.ok).to.equal(true);
      // Clinical FHIR resources of a patient: no other local account may read them.
      const open = (await modesUnder(out))
        .filter(([, mode]) => (mode & 0o077) !== 0)
        .map(([file, mode]) => `${path.relative(out, file) || "."} ${mode.toString(8)}`);
      expect(open, `readable by group or others: ${open.join(", ")}`).to.deep.equal([]);
    });
    it("writes the issuer's proof files, which hold each record's commitment salt, readable by their owner only", async function () {
      const w = await worlds.open();
      // With a proof's salt, anyone holding a guess of a low-entropy record (a positive/negative test
      // result) confirms it against the on-chain leaf: the salt is the secret that prevents exactly that.
      const open = (await modesUnder(w.proofs))
        .filter(([file, mode]) => file.endsWith(".json") && (mode & 0o077) !== 0)
        .map(([file, mode]) => `${path.relative(w.proofs, file)} ${mode.toString(8)}`);
      expect(open.length, `readable by group or others: ${open.slice(0, 4).join(", ")} ...`).to.equal(0);
    });
  });
  describe("a signed request is answered once", function () {
    it("stops a captured signed request replayed to a second gateway instance of the same custodian", async function () {
      const w = await worlds.open();
      const signed = await w.client().sign("");
      expect((await fetch(signed.url, { headers: signed.headers })).status).to.equal(200);
      // A second instance behind the same load balancer (its own state folder): the chain refuses the
      // nonce, the gateway finds the first audit and serves the records again to whoever sent it.
      const second = await startGateway({
        records: w.records.connect(w.hospitalA),
        source: { folder: w.dir, proofs: w.proofs },
        stateDir: path.join(w.state, "second-instance"),
        blockCacheMs: 0,
      });
      try {
        const replay = await fetch(signed.url.replace(new URL(signed.url).origin, new URL(second.url).origin), {
          headers: signed.headers,
        });
        expect(replay.status, "the replay was served").to.not.equal(200);
      } finally {
        await second.close();
      }
    });
  });
});
