import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { connect } from "../../src/chain/connection.js";
import { runJob, type JobEvent } from "../../src/chain/pipeline.js";
import { DEV_KEY, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { startProxy, type RpcProxy } from "../../scripts/lib/rpc-proxy.js";
import { syntheticSteps, wrongBalances } from "../../scripts/lib/synthetic-job.js";

async function journalFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "medchain-faults-")), "job.jsonl");
}

describe("Pipelined sender: a failing node (fault-injection proxy on loopback)", function () {
  this.timeout(120_000);
  let node: DevNode;
  let proxy: RpcProxy;

  before(async () => {
    node = await startNode("anvil", { zeroGas: true, chainId: 7332 });
  });
  afterEach(async () => proxy?.close());
  after(async () => node?.stop());

  async function run(seed: string, count: number, onStart?: () => void, requestTimeoutMs?: number) {
    const conn = await connect({
      rpcUrl: proxy.url,
      privateKey: DEV_KEY,
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    });
    const me = await conn.signer!.getAddress();
    const before = await conn.provider.getTransactionCount(me);
    const events: JobEvent[] = [];
    onStart?.();
    const report = await runJob(conn, syntheticSteps(count, seed, 4), {
      journal: await journalFile(),
      window: 8,
      resendAfterMs: 400,
      onEvent: (e) => events.push(e),
    });
    const direct = await connect({ rpcUrl: node.url });
    return {
      report,
      events,
      wrong: await wrongBalances(direct.provider, count, seed),
      txs: (await direct.provider.getTransactionCount(me)) - before,
    };
  }

  it("sends a dropped transaction again, and it lands once", async function () {
    proxy = await startProxy(node.url, { dropSends: [3, 10, 11] });
    const { report, events, wrong, txs } = await run("dropped", 30);
    expect(proxy.stats.dropped).to.equal(3);
    expect(wrong).to.deep.equal([]);
    expect(txs).to.equal(30);
    expect(report.resent).to.be.at.least(3);
    expect(events.filter((e) => e.type === "resent" && e.why === "the node dropped it").length).to.be.at.least(3);
  });

  it("retries with backoff through HTTP 503s and JSON-RPC errors, reporting each retry", async function () {
    proxy = await startProxy(node.url, { http503Every: 7, rpcErrorEvery: 5 });
    const { report, events, wrong, txs } = await run("errors", 40);
    expect(proxy.stats.http503 + proxy.stats.rpcErrors).to.be.greaterThan(5);
    expect(wrong).to.deep.equal([]);
    expect(txs).to.equal(40);
    expect(report.retries).to.be.greaterThan(0);
    const retry = events.find((e) => e.type === "retry");
    expect(retry).to.include.keys("what", "attempt", "delayMs", "message");
  });

  it("asks again when the node never answers a request, after the request timeout, and lands every step once", async function () {
    proxy = await startProxy(node.url);
    let started = 0;
    const { report, events, wrong, txs } = await run(
      "silent",
      40,
      () => {
        started = Date.now();
        proxy.faults.silentEvery = 6;
      },
      400,
    );
    expect(proxy.stats.silent).to.be.greaterThan(0);
    expect(wrong).to.deep.equal([]);
    expect(txs).to.equal(40);
    expect(report.sent).to.equal(40);
    expect(events.some((e) => e.type === "retry" && /timeout/i.test(e.message))).to.equal(true);
    expect(Date.now() - started).to.be.below(60_000); // not ethers' own 5-minute wait
  });

  it("rides out a node restart (connections refused for a second) mid-job", async function () {
    proxy = await startProxy(node.url);
    let restarted: Promise<void> | undefined;
    const { report, wrong, txs } = await run("restart", 60, () => {
      restarted = new Promise((resolve) => setTimeout(resolve, 150)).then(() => proxy.restart(1_000));
    });
    await restarted;
    expect(proxy.stats.restarts).to.equal(1);
    expect(wrong).to.deep.equal([]);
    expect(txs).to.equal(60);
    expect(report.sent).to.equal(60);
  });

  it("gives up after the node has failed for giveUpAfterMs, naming the node and saying a re-run resumes", async function () {
    proxy = await startProxy(node.url);
    const conn = await connect({ rpcUrl: proxy.url, privateKey: DEV_KEY });
    proxy.faults.http503Every = 1;
    let caught: unknown;
    try {
      await runJob(conn, syntheticSteps(5, "down", 0), { journal: await journalFile(), giveUpAfterMs: 800 });
    } catch (err) {
      caught = err;
    }
    expect((caught as { kind?: string }).kind).to.equal("UNREACHABLE");
    expect((caught as Error).message).to.match(
      /has failed for 1 s .*run the job again to resume: nothing is lost or sent twice$/,
    );
  });
});
