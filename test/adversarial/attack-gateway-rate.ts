// Attack on the record gateway's rate limit (fourth review, G1 in FINDINGS.md): the allowance is
// meant to be spent only by requests its requester signed.
import { expect } from "chai";
import { network } from "hardhat";
import { hexlify, randomBytes } from "ethers";

import { gatewayWorlds } from "../records/fixture.js";
import { AUTH_SCHEME, toBase64Url } from "../../src/records/gateway/protocol.js";

const { ethers, networkHelpers } = await network.create();

describe("Attack: spending another requester's rate allowance at the record gateway", function () {
  this.timeout(60_000);
  const worlds = gatewayWorlds(ethers, networkHelpers);
  after(() => worlds.cleanup());
  afterEach(() => worlds.closeGateways());

  it("G1: refuses with 401 a request naming a contract account (an ERC-1271 wallet) with a signature it does not accept, spending none of its allowance", async function () {
    const w = await worlds.open({ rateLimit: { perMinute: 1, burst: 2 } });
    // any account with code: a consortium's multisig operating key would be one
    const wallet = await w.records.getAddress();
    const forged = () =>
      `${AUTH_SCHEME} ${toBase64Url({
        v: 1,
        requester: wallet,
        consentId: w.consent.consentId,
        purpose: 1,
        salt: hexlify(randomBytes(32)),
        nonce: "1",
        deadline: String(Math.floor(Date.now() / 1000) + 60),
        signature: hexlify(randomBytes(65)),
      })}`;
    const statuses: number[] = [];
    const reasons: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${w.gateway.url.replace(/\/fhir$/, "")}/fhir/Observation`, {
        headers: { authorization: forged() },
      });
      statuses.push(res.status);
      reasons.push(await res.text());
    }
    // before the fix: 403/401 for the first two (not a member), then 429: the wallet's allowance was spent
    expect(statuses).to.deep.equal([401, 401, 401, 401]);
    for (const r of reasons) expect(r).to.include("RecordsInvalidRequestSignature");
  });

  it("G2: never tracks a key of no member, so fresh keys by the thousand cannot push a throttled member out of the allowance table", async function () {
    const w = await worlds.open({ rateLimit: { perMinute: 1, burst: 2 } });
    // A key of no member, signing its own requests properly: refused as not a member every time,
    // never throttled (a throttle would mean it holds a slot in the table).
    const outsider = w.client({ signer: ethers.Wallet.createRandom() });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const signed = await outsider.sign("");
      const res = await fetch(signed.url, { headers: signed.headers });
      statuses.push(res.status);
      expect(await res.text()).to.include("RecordsRequesterNotActive");
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401]); // a key of no member: 401 (before the fix, 429 from the third)
    // the member's own allowance is still whole, and then spent
    const member = w.client();
    const answers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const signed = await member.sign("");
      answers.push((await fetch(signed.url, { headers: signed.headers })).status);
    }
    expect(answers).to.deep.equal([200, 200, 429]);
  });

  it("G3: refuses replays of a captured request as Replayed without spending its requester's allowance, so resending it cannot lock the requester out", async function () {
    const w = await worlds.open({ rateLimit: { perMinute: 1, burst: 2 } });
    const member = w.client();
    const captured = await member.sign("Observation/obs-demo-creatinine");
    expect((await fetch(captured.url, { headers: captured.headers })).status).to.equal(200);
    for (let i = 0; i < 5; i++) {
      const replay = await fetch(captured.url, { headers: captured.headers });
      expect(replay.status).to.equal(401);
      expect(await replay.text()).to.include("Replayed");
    }
    // before the fix: 429, the replays had spent the allowance's second token
    const fresh = await member.sign("Observation/obs-demo-creatinine");
    expect((await fetch(fresh.url, { headers: fresh.headers })).status).to.equal(200);
  });

  it("G4: answers 400 MalformedRequest, not 500, to a credential whose nonce or deadline is above 2^256 - 1", async function () {
    const w = await worlds.open();
    const over = (2n ** 256n).toString();
    for (const field of ["nonce", "deadline"]) {
      const credential = {
        v: 1,
        requester: "0x1111111111111111111111111111111111111111",
        consentId: w.consent.consentId,
        purpose: 1,
        salt: hexlify(randomBytes(32)),
        nonce: "1",
        deadline: "1",
        signature: "0x00",
        [field]: over,
      };
      const res = await fetch(`${w.gateway.url.replace(/\/fhir$/, "")}/fhir`, {
        headers: { authorization: `${AUTH_SCHEME} ${toBase64Url(credential)}` },
      });
      expect(res.status, field).to.equal(400);
      const text = await res.text();
      expect(text).to.include("MalformedRequest");
      expect(text).to.include("2^256 - 1");
    }
  });
});
