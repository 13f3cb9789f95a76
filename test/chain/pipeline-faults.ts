import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Transaction, Wallet } from "ethers";

import { connect } from "../../src/chain/connection.js";
import { toMedChainError } from "../../src/chain/errors.js";
import { runJob, type JobEvent } from "../../src/chain/pipeline.js";
import { DEV_KEY, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { startProxy, type RpcProxy } from "../../scripts/lib/rpc-proxy.js";
import { recipientOf, syntheticSteps, wrongBalances } from "../../scripts/lib/synthetic-job.js";

async function journalFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "medchain-faults-")), "job.jsonl");
}

/**
 * The chain as the node itself sees it, from now on: `expectOnce(count, seed)` checks that every
 * recipient holds exactly 1 wei and the job's account sent exactly `count` transactions since
 * (nothing lost, nothing sent twice).
 */
async function chainFrom(url: string) {
  const { provider } = await connect({ rpcUrl: url });
  const me = await new Wallet(DEV_KEY).getAddress();
  const before = await provider.getTransactionCount(me);
  return {
    provider,
    async expectOnce(count: number, seed: string) {
      expect(await wrongBalances(provider, count, seed)).to.deep.equal([]);
      expect((await provider.getTransactionCount(me)) - before).to.equal(count);
    },
  };
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
    const chain = await chainFrom(node.url);
    const events: JobEvent[] = [];
    onStart?.();
    const report = await runJob(conn, syntheticSteps(count, seed, 4), {
      journal: await journalFile(),
      window: 8,
      resendAfterMs: 400,
      onEvent: (e) => events.push(e),
    });
    return { report, events, chain };
  }

  it("sends a dropped transaction again, and it lands once", async function () {
    proxy = await startProxy(node.url, { dropSends: [3, 10, 11] });
    const { report, events, chain } = await run("dropped", 30);
    expect(proxy.stats.dropped).to.equal(3);
    await chain.expectOnce(30, "dropped");
    expect(report.resent).to.be.at.least(3);
    expect(events.filter((e) => e.type === "resent" && e.why === "the node dropped it").length).to.be.at.least(3);
  });

  describe("on a chain with a base fee", function () {
    let feeNode: DevNode;
    before(async () => {
      feeNode = await startNode("anvil", { chainId: 7335 });
    });
    after(async () => feeNode?.stop());

    async function feeJob(seed: string, count: number, journal: string) {
      const conn = await connect({ rpcUrl: proxy.url, privateKey: DEV_KEY });
      return runJob(conn, syntheticSteps(count, seed, 0), { journal, window: 1, resendAfterMs: 400 });
    }

    it("lands a step once when a send the node took was answered underpriced and the step was signed anew at its nonce", async function () {
      proxy = await startProxy(feeNode.url, { acceptedButUnderpriced: [2, 5] }); // a base fee: a re-signing has new bytes
      const conn = await connect({ rpcUrl: proxy.url, privateKey: DEV_KEY });
      const chain = await chainFrom(feeNode.url);
      const report = await runJob(conn, syntheticSteps(12, "underpriced", 4), {
        journal: await journalFile(),
        window: 4,
        resendAfterMs: 400,
      });
      expect(proxy.stats.underpriced).to.equal(2);
      expect(report.sent).to.equal(12);
      await chain.expectOnce(12, "underpriced");
    });

    it("lands a step once when the node took a send it answered underpriced, then refused the re-signing as a replacement", async function () {
      // One step at a time: send 2 is step 1's first signing (taken, answered underpriced), send 3 its second.
      proxy = await startProxy(feeNode.url, {
        acceptedButUnderpriced: [2],
        refuseSends: { 3: "replacement transaction underpriced" },
      });
      const chain = await chainFrom(feeNode.url);
      const report = await feeJob("replacement", 4, await journalFile());
      expect(proxy.refused).to.have.length(1);
      expect(report.sent).to.equal(4);
      await chain.expectOnce(4, "replacement");
    });

    it("signs a step again at most three times, each with fee cap and tip 12.5% higher, then stops; a re-run lands every step once", async function () {
      const refuse = "transaction underpriced";
      proxy = await startProxy(feeNode.url, { refuseSends: { 2: refuse, 3: refuse, 4: refuse, 5: refuse } });
      const journal = await journalFile();
      const chain = await chainFrom(feeNode.url);
      let caught: unknown;
      try {
        await feeJob("refused-fees", 3, journal);
      } catch (err) {
        caught = err;
      }
      expect((caught as { kind?: string }).kind).to.equal("BAD_INPUT");
      expect((caught as Error).message).to.match(
        /refused step "transfer-1" as underpriced 4 times, fees raised each time .*nothing is lost or sent twice$/,
      );
      const signings = proxy.refused.map((raw) => Transaction.from(raw));
      expect(signings).to.have.length(4);
      expect(new Set(signings.map((t) => t.nonce)).size).to.equal(1);
      for (let i = 1; i < signings.length; i++) {
        const [was, now] = [signings[i - 1]!, signings[i]!];
        expect(now.maxFeePerGas! * 1000n).to.be.at.least(was.maxFeePerGas! * 1125n);
        expect(now.maxPriorityFeePerGas! * 1000n).to.be.at.least(was.maxPriorityFeePerGas! * 1125n);
      }
      // The re-run recovers step 1 from the journal; its first send is answered underpriced too, so
      // the recovered step is signed again (from the journalled transaction) and then lands.
      proxy.faults.refuseSends = { 6: refuse };
      const report = await feeJob("refused-fees", 3, journal);
      expect(proxy.refused).to.have.length(5);
      expect(report.sent + report.skipped).to.equal(3);
      await chain.expectOnce(3, "refused-fees");
    });

    it("signs a step with higher fees when another transaction stays pooled at its nonce, answered as a replacement twice", async function () {
      proxy = await startProxy(feeNode.url, {
        refuseSends: { 2: "replacement transaction underpriced", 3: "replacement transaction underpriced" },
      });
      const chain = await chainFrom(feeNode.url);
      const report = await feeJob("pooled", 3, await journalFile());
      expect(proxy.refused).to.have.length(2);
      expect(report.sent).to.equal(3);
      const [first, second] = proxy.refused.map((raw) => Transaction.from(raw));
      expect(second!.hash).to.equal(first!.hash); // the same bytes sent again first
      const landed = await chain.provider.getTransaction(report.outcomes[1]!.hash!);
      expect(landed!.nonce).to.equal(first!.nonce);
      expect(landed!.maxFeePerGas! * 1000n).to.be.at.least(first!.maxFeePerGas! * 1125n);
      await chain.expectOnce(3, "pooled");
    });
  });

  it("stops at once, saying so, when a zero-gas chain answers underpriced: there is no fee to raise", async function () {
    proxy = await startProxy(node.url, { refuseSends: { 2: "transaction underpriced" } });
    const conn = await connect({ rpcUrl: proxy.url, privateKey: DEV_KEY });
    let caught: unknown;
    try {
      await runJob(conn, syntheticSteps(3, "zero-gas-underpriced", 0), { journal: await journalFile(), window: 1 });
    } catch (err) {
      caught = err;
    }
    expect(proxy.refused).to.have.length(1);
    expect((caught as { kind?: string }).kind).to.equal("BAD_INPUT");
    expect((caught as Error).message).to.match(
      /refused step "transfer-1" as underpriced, and its fees cannot be raised/,
    );
  });

  it("asks a read again when the node answers that it is behind the block asked for, and calls a node that stays behind unreachable", async function () {
    proxy = await startProxy(node.url, { behindCalls: [1, 2] });
    const conn = await connect({ rpcUrl: proxy.url });
    const read = { to: recipientOf("behind", 0), data: "0x" };
    expect(await conn.provider.call(read)).to.equal("0x");
    expect(proxy.stats.behind).to.equal(2);
    proxy.faults.behindCalls = Array.from({ length: 20 }, (_, i) => i + 3);
    const error = await conn.provider.call(read).then(
      () => undefined,
      (err: unknown) => toMedChainError(err),
    );
    expect(proxy.stats.behind).to.equal(7); // the first answer and 4 more asks
    expect(error?.kind).to.equal("UNREACHABLE");
    expect(error?.message).to.match(/BlockOutOfRangeError/);
  });

  it("retries with backoff through HTTP 503s and JSON-RPC errors, reporting each retry", async function () {
    proxy = await startProxy(node.url, { http503Every: 7, rpcErrorEvery: 5 });
    const { report, events, chain } = await run("errors", 40);
    expect(proxy.stats.http503 + proxy.stats.rpcErrors).to.be.greaterThan(5);
    await chain.expectOnce(40, "errors");
    expect(report.retries).to.be.greaterThan(0);
    const retry = events.find((e) => e.type === "retry");
    expect(retry).to.include.keys("what", "attempt", "delayMs", "message");
  });

  it("asks again when the node never answers a request, after the request timeout, and lands every step once", async function () {
    proxy = await startProxy(node.url);
    let started = 0;
    const { report, events, chain } = await run(
      "silent",
      40,
      () => {
        started = Date.now();
        proxy.faults.silentEvery = 6;
      },
      400,
    );
    expect(proxy.stats.silent).to.be.greaterThan(0);
    await chain.expectOnce(40, "silent");
    expect(report.sent).to.equal(40);
    expect(events.some((e) => e.type === "retry" && /timeout/i.test(e.message))).to.equal(true);
    expect(Date.now() - started).to.be.below(60_000); // not ethers' own 5-minute wait
  });

  it("rides out a node restart (connections refused for a second) mid-job", async function () {
    proxy = await startProxy(node.url);
    let restarted: Promise<void> | undefined;
    const { report, chain } = await run("restart", 60, () => {
      restarted = new Promise((resolve) => setTimeout(resolve, 150)).then(() => proxy.restart(1_000));
    });
    await restarted;
    expect(proxy.stats.restarts).to.equal(1);
    await chain.expectOnce(60, "restart");
    expect(report.sent).to.equal(60);
  });

  it("gives up on a call that keeps failing even while the job's other calls succeed", async function () {
    proxy = await startProxy(node.url);
    const conn = await connect({ rpcUrl: proxy.url, privateKey: DEV_KEY });
    // Step "stuck" can never be checked; the 150 steps beside it are checked in 100 ms each, one
    // after another (window 2), so for about 15 s some call of the job succeeds every 100 ms.
    const steps = syntheticSteps(150, "stuck-check", 0).map((step) => ({
      ...step,
      isDone: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100)),
    }));
    steps.unshift({
      key: "stuck",
      call: { to: recipientOf("stuck-check", 0), value: 1n },
      gasLimit: 30_000n,
      isDone: () => Promise.reject(new Error("the node timed out (injected)")),
    });
    const started = Date.now();
    let caught: unknown;
    try {
      await runJob(conn, steps, { journal: await journalFile(), window: 2, giveUpAfterMs: 1_000 });
    } catch (err) {
      caught = err;
    }
    expect((caught as { kind?: string }).kind).to.equal("UNREACHABLE");
    expect((caught as Error).message).to.include('checking step "stuck"');
    expect(Date.now() - started).to.be.below(10_000); // not after the other steps stopped succeeding
  });

  it("stops, naming the step and its nonce, when the node mines none of the job's transactions for giveUpAfterMs; a re-run after mining resumes lands each once", async function () {
    const stopped = await startNode("anvil", { zeroGas: true, chainId: 7336 });
    try {
      const rpc = (method: string, params: unknown[] = []) =>
        fetch(stopped.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
      await rpc("evm_setAutomine", [false]); // the node takes transactions and mines none
      const conn = await connect({ rpcUrl: stopped.url, privateKey: DEV_KEY });
      const chain = await chainFrom(stopped.url);
      const journal = await journalFile();
      const started = Date.now();
      let caught: unknown;
      try {
        await runJob(conn, syntheticSteps(3, "not-mined", 0), { journal, giveUpAfterMs: 1_500 });
      } catch (err) {
        caught = err;
      }
      expect((caught as { kind?: string }).kind).to.equal("UNREACHABLE");
      expect((caught as Error).message).to.match(
        /has mined none of account 0x[0-9a-f]{40}'s transactions for \d+ s \(the lowest, step "transfer-0" at nonce \d+, waits in its pool\); run the job again to resume/,
      );
      expect(Date.now() - started).to.be.below(10_000);
      await rpc("evm_setAutomine", [true]);
      await rpc("evm_mine");
      const report = await runJob(conn, syntheticSteps(3, "not-mined", 0), { journal });
      expect(report.sent + report.skipped).to.equal(3);
      await chain.expectOnce(3, "not-mined");
    } finally {
      await stopped.stop();
    }
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
