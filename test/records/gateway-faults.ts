import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { HDNodeWallet } from "ethers";

import { anchorGatewayExport, COVERED, deployRecords, type RecordsFixture } from "./fixture.js";
import { DEV_MNEMONIC, freePort, rpcCall, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { startProxy, type RpcProxy } from "../../scripts/lib/rpc-proxy.js";
import { patientAccountFor, PURPOSES } from "../../src/records/consent.js";
import { consentFileOf, consentTerms, grantConsent, type ConsentFile } from "../../src/records/consent-file.js";
import {
  fetchRecords,
  gatewayOptionsOf,
  gatewaySettings,
  GatewayClient,
  startGateway,
  type Gateway,
  type SignedRequest,
} from "../../src/records/gateway/index.js";

/** The key of the development mnemonic's account `i` (anvil and the connection below derive the same). */
const devKey = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
const HOSPITAL_A = 4; // deployRecords' hospital A is the fifth account

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Faults with a real node in another process (anvil, zero gas, on a free port): the node stops or
 * goes away while requests are in flight, and the gateway process is killed mid-request. Nothing is
 * served unaudited, nothing is audited twice, and the same signed requests are served once the
 * node (or the gateway) is back.
 */
describe("records gateway under faults (anvil in another process)", function () {
  this.timeout(120_000);
  let node: DevNode;
  let proxy: RpcProxy;
  let fx: RecordsFixture;
  let work: string;
  let dir: string;
  let proofs: string;
  let consent: ConsentFile;

  before(async function () {
    node = await startNode("anvil", { zeroGas: true });
    proxy = await startProxy(node.url);
    // Twenty derived accounts (anvil funds ten; with zero gas the others need nothing).
    const { ethers } = await network.create({
      network: "localhost",
      override: { url: node.url, accounts: { mnemonic: DEV_MNEMONIC, count: 20 }, timeout: 5_000 },
    });
    fx = await deployRecords(ethers);
    work = await mkdtemp(path.join(tmpdir(), "medchain-gateway-faults-"));
    ({ dir, proofs } = await anchorGatewayExport(
      fx,
      work,
      patientAccountFor("0x" + "6b".repeat(32), fx.ids.hospitalA).address,
    ));
    const t = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const terms = consentTerms({
      patient: fx.patientAtA.address,
      custodian: fx.ids.hospitalA,
      grantee: fx.ids.hospitalB,
      purpose: PURPOSES.TREAT,
      categories: COVERED,
      from: t,
      days: 30,
    });
    await grantConsent(fx.records.connect(fx.hospitalB), fx.patientAtA, terms, t + 3600n);
    consent = consentFileOf(terms, undefined, fx.domain.chainId as bigint, await fx.records.getAddress());
    // From here on a block every second, as on a real chain: an audit waits for its block.
    await rpcCall(node.url, "evm_setAutomine", [false]);
    await rpcCall(node.url, "evm_setIntervalMining", [1]);
  });

  after(async function () {
    await proxy?.close();
    await node?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  /** Hospital A's gateway as an operator runs it: a JSON-RPC provider (through the proxy) and its key. */
  async function gatewayThroughProxy(state: string, log: (line: string) => void = () => {}): Promise<Gateway> {
    const options = await gatewayOptionsOf({
      ...gatewaySettings({
        MEDCHAIN_RPC_URL: proxy.url,
        MEDCHAIN_GATEWAY_KEY: devKey(HOSPITAL_A),
        MEDCHAIN_RECORDS: await fx.records.getAddress(),
        MEDCHAIN_GATEWAY_RECORDS: dir,
        MEDCHAIN_GATEWAY_PROOFS: proofs,
        MEDCHAIN_GATEWAY_STATE: state,
      }),
      rpcTimeoutMs: 1_000,
    });
    return startGateway({ ...options, port: 0, auditor: { receiptTimeoutMs: 2_500 }, log });
  }

  const client = (gateway: string) =>
    new GatewayClient({ gateway, consent, signer: fx.hospitalB, domain: fx.domain, retries: 0 });

  const send = async (s: SignedRequest) => {
    try {
      const r = await fetch(s.url, { headers: s.headers });
      return { status: r.status, text: await r.text() };
    } catch (err) {
      return { status: 0, text: String(err) };
    }
  };

  /** How many audit entries the chain holds for one signed request (requester and nonce). */
  const auditsOf = async (s: SignedRequest) =>
    (await fx.records.queryFilter(fx.records.filters.AccessRequestAudited(s.request.requester, s.request.nonce)))
      .length;

  /** Sends the same signed request until it is answered 200 (the node is back). */
  async function servedOnRetry(s: SignedRequest) {
    let last = { status: 0, text: "" };
    await until(`a retry of nonce ${s.request.nonce} to be served`, async () => {
      last = await send(s);
      return last.status === 200;
    });
    return JSON.parse(last.text) as { total: number; meta: { extension: Array<{ valueString: string }> } };
  }

  it("answers 503 and serves nothing while the node is stopped mid-audit, then serves the same requests once, audited once", async function () {
    const lines: string[] = [];
    const gateway = await gatewayThroughProxy(path.join(work, "state-stopped"), (line) => lines.push(line));
    try {
      const c = client(gateway.url);
      const signed = await Promise.all(Array.from({ length: 6 }, () => c.sign("")));
      const sentBefore = gateway.auditor.stats.transactions;
      // No block until the node is frozen: the audit cannot land first, however slow this process is.
      await rpcCall(node.url, "evm_setIntervalMining", [0]);
      const answers = Promise.all(signed.map(send));
      await until("the audit transaction to be sent", () => gateway.auditor.stats.transactions > sentBefore);
      process.kill(-node.process.pid!, "SIGSTOP"); // the node freezes before the block with the audit
      const beforeStop = /audit transaction (0x[0-9a-f]{64}) sent/.exec(lines.join("\n"))![1]!;
      let during;
      try {
        during = await answers;
        const late = await send(await c.sign("Observation/obs-demo-potassium"));
        during.push(late);
      } finally {
        process.kill(-node.process.pid!, "SIGCONT");
        await rpcCall(node.url, "evm_setIntervalMining", [1]);
      }
      for (const answer of during) {
        expect(answer.status, answer.text).to.equal(503);
        expect(JSON.parse(answer.text).resourceType).to.equal("OperationOutcome");
        expect(answer.text).to.include("ChainUnavailable");
        expect(answer.text).to.not.include("valueQuantity");
      }
      // The node is back: its pending audit lands; the same signed requests are served from it.
      const txs = new Set<string>();
      for (const s of signed) {
        const bundle = await servedOnRetry(s);
        expect(bundle.total).to.equal(4);
        txs.add(bundle.meta.extension[0]!.valueString);
        expect(await auditsOf(s), "audited exactly once").to.equal(1);
      }
      // The audit sent before the stop landed when the node resumed, and its requests were served from it.
      expect([...txs]).to.include(beforeStop);
    } finally {
      await gateway.close();
    }
  });

  it("answers 503 while the node refuses connections, and recovers when it is reachable again", async function () {
    const gateway = await gatewayThroughProxy(path.join(work, "state-refused"));
    try {
      const c = client(gateway.url);
      const down = proxy.restart(5_000); // every connection cut; refused for five seconds
      await sleep(100);
      const signed = await Promise.all(Array.from({ length: 3 }, () => c.sign("")));
      const during = await Promise.all(signed.map(send));
      for (const answer of during) {
        expect(answer.status, answer.text).to.equal(503);
        expect(answer.text).to.not.include("valueQuantity");
      }
      await down;
      for (const s of signed) {
        expect((await servedOnRetry(s)).total).to.equal(4);
        expect(await auditsOf(s)).to.equal(1);
      }
    } finally {
      await gateway.close();
    }
  });

  it("survives the gateway process being killed mid-request: the fetch retries, is served once audited, and writes whole files", async function () {
    const port = await freePort();
    const state = path.join(work, "state-killed");
    const env = {
      ...process.env,
      MEDCHAIN_RPC_URL: node.url,
      MEDCHAIN_GATEWAY_KEY: devKey(HOSPITAL_A),
      MEDCHAIN_RECORDS: await fx.records.getAddress(),
      MEDCHAIN_GATEWAY_RECORDS: dir,
      MEDCHAIN_GATEWAY_PROOFS: proofs,
      MEDCHAIN_GATEWAY_PORT: String(port),
      MEDCHAIN_GATEWAY_STATE: state,
    };
    const children: ChildProcess[] = [];
    const start = async () => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/records/gateway/main.ts"], {
        env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let out = "";
      child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
      await until(
        "the gateway process to listen",
        () => out.includes("listening at") || child.exitCode !== null,
        60_000,
      );
      expect(child.exitCode, out).to.equal(null);
      return { child, output: () => out };
    };
    try {
      const first = await start();
      // No block until the gateway is killed: its audit cannot land, nor the request be served, first.
      await rpcCall(node.url, "evm_setIntervalMining", [0]);
      const out = path.join(work, "fetched");
      const fetching = fetchRecords({
        gateway: `http://127.0.0.1:${port}/fhir`,
        consent,
        records: fx.records,
        signer: fx.hospitalB,
        outDir: out,
        client: { retries: 400, retryDelayMs: 100 },
      });
      await until("the gateway to send the audit", () => first.output().includes("audit transaction"));
      process.kill(-first.child.pid!, "SIGKILL"); // mid-request: the audit is sent, nothing is served yet
      await sleep(300);
      expect(await readdir(work)).to.not.include("fetched");
      await rpcCall(node.url, "evm_setIntervalMining", [1]);
      await start(); // the operator restarts it on the same state
      const report = await fetching;
      expect(report.ok, JSON.stringify(report)).to.equal(true);
      expect(report.records.filter((r) => r.verdict === "VALID" && r.audited)).to.have.length(4);
      const audits = await fx.records.queryFilter(
        fx.records.filters.AccessRequestAudited(fx.hospitalB.address, BigInt(report.nonce)),
      );
      expect(audits, "audited once, by the killed process's transaction").to.have.length(1);
      expect(audits[0]!.transactionHash).to.equal(report.auditTx);
      // Whole files only: the output folder is complete, no staging folder is left behind.
      expect((await readdir(work)).filter((f) => f.includes(".partial"))).to.deep.equal([]);
      expect(JSON.parse(await readFile(path.join(out, "report.json"), "utf8")).ok).to.equal(true);
      // The restarted gateway's served log reads back line by line (no torn entry).
      for (const file of await readdir(state)) {
        for (const line of (await readFile(path.join(state, file), "utf8")).split("\n").filter((l) => l !== "")) {
          expect(() => JSON.parse(line)).to.not.throw();
        }
      }
    } finally {
      for (const child of children) {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await rpcCall(node.url, "evm_setIntervalMining", [1]); // the block a second the other tests expect
    }
  });
});
