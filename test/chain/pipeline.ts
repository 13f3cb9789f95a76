import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { hexlify, toUtf8Bytes, Transaction, Wallet, type Signer, type TransactionReceipt } from "ethers";

import { connect, type Connection } from "../../src/chain/connection.js";
import { MedChainError } from "../../src/chain/errors.js";
import { lockFile } from "../../src/chain/file-lock.js";
import { JobError, runJob, SEND_CHUNK, SEND_CHUNK_BYTES, sendChunks, type JobEvent } from "../../src/chain/pipeline.js";
import { DEV_KEY, rpcCall, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { recipientOf, syntheticSteps, wrongBalances } from "../../scripts/lib/synthetic-job.js";
import { linkedRegistryFactory } from "../../scripts/lib/registry.js";
import { countCalls } from "../../bench/epcis-import.js";
import { ConsortiumRegistry__factory } from "../../typechain-types/index.js";
import { seeded } from "../helpers/random.js";

async function journalFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "medchain-job-")), "job.jsonl");
}

describe("Pipelined sender: how a signer's transactions are split into JSON-RPC batches", function () {
  const sizes = (chunks: number[][]) => chunks.map((c) => c.length);

  it("sends small transactions 16 to a batch and large ones a few per request, in nonce order", function () {
    expect([SEND_CHUNK, SEND_CHUNK_BYTES]).to.deep.equal([16, 16_384]);
    expect(sizes(sendChunks(Array<number>(40).fill(110), (b) => b))).to.deep.equal([16, 16, 8]);
    // 3.4 KB multicall batches: four to a request
    expect(sizes(sendChunks(Array<number>(10).fill(3_400), (b) => b))).to.deep.equal([4, 4, 2]);
    expect(sendChunks([100, 100, 16_300, 100, 900], (b) => b)).to.deep.equal([[100, 100], [16_300], [100, 900]]);
    expect(sendChunks([20_000, 10], (b) => b)).to.deep.equal([[20_000], [10]]);
    expect(sendChunks([], (b: number) => b)).to.deep.equal([]);
  });

  it("keeps every transaction once and in order, each batch within 16 and 16 KB unless it is one transaction (seed 0x6368)", function () {
    const next = seeded(0x6368);
    for (let round = 0; round < 200; round++) {
      const items = Array.from({ length: Math.floor(next() * 60) }, (_, i) => ({
        nonce: i,
        bytes: next() < 0.5 ? 100 + Math.floor(next() * 200) : Math.floor(next() * 20_000),
      }));
      const chunks = sendChunks(items, (t) => t.bytes);
      expect(chunks.flat()).to.deep.equal(items);
      for (const chunk of chunks) {
        expect(chunk.length).to.be.within(1, SEND_CHUNK);
        if (chunk.length > 1) expect(chunk.reduce((sum, t) => sum + t.bytes, 0)).to.be.at.most(SEND_CHUNK_BYTES);
      }
    }
  });
});

describe("Pipelined sender: a batch job on a real node (anvil, zero gas)", function () {
  this.timeout(120_000);
  let node: DevNode;
  let conn: Connection;
  let me: string;

  before(async function () {
    node = await startNode("anvil", { zeroGas: true, chainId: 7331 });
    conn = await connect({ rpcUrl: node.url, privateKey: DEV_KEY });
    me = await conn.signer!.getAddress();
  });
  after(async () => node?.stop());

  it("refuses to run while another run holds its journal, sending nothing, and runs once that run ends", async function () {
    const journal = await journalFile();
    const before = await conn.provider.getTransactionCount(me);
    const release = await lockFile(journal, "a job");
    const refused = await runJob(conn, syntheticSteps(3, "locked", 0), { journal }).then(
      () => expect.fail("expected the run to be refused"),
      (err: MedChainError) => err,
    );
    expect([refused.kind, refused.message]).to.deep.equal([
      "REFUSED",
      `${journal}: a job is already running on it (process ${process.pid} on this host since ${
        JSON.parse(await readFile(`${journal}.lock`, "utf8")).since
      }); wait for it to end`,
    ]);
    expect(await conn.provider.getTransactionCount(me)).to.equal(before);
    await release();
    expect((await runJob(conn, syntheticSteps(3, "locked", 0), { journal })).sent).to.equal(3);
    expect(await wrongBalances(conn.provider, 3, "locked")).to.deep.equal([]);
    await runJob(conn, syntheticSteps(3, "locked", 0), { journal }); // the finished run let go of it
  });

  it("sends every step once, in a bounded window, and a re-run sends nothing", async function () {
    const journal = await journalFile();
    const before = await conn.provider.getTransactionCount(me);
    const events: JobEvent[] = [];
    const steps = syntheticSteps(120, "once", 5);
    const report = await runJob(conn, steps, { journal, window: 8, onEvent: (e) => events.push(e) });
    expect([report.sent, report.skipped, report.refused, report.blocked]).to.deep.equal([120, 0, 0, 0]);
    expect(await wrongBalances(conn.provider, 120, "once")).to.deep.equal([]);
    expect((await conn.provider.getTransactionCount(me)) - before).to.equal(120);
    // Never more than the window in flight: count sent minus mined as the events come.
    let inFlight = 0;
    let most = 0;
    for (const e of events) {
      if (e.type === "sent") most = Math.max(most, ++inFlight);
      if (e.type === "mined") inFlight -= 1;
    }
    expect(most).to.be.within(1, 8);
    const again = await runJob(conn, steps, { journal });
    expect([again.sent, again.skipped]).to.deep.equal([0, 120]);
    expect(again.outcomes.every((o) => o.status === "journal" && o.receipt?.status === 1)).to.equal(true);
    expect((await conn.provider.getTransactionCount(me)) - before).to.equal(120);
  });

  it("mines a step after the step it depends on", async function () {
    const steps = syntheticSteps(40, "deps", 3);
    const report = await runJob(conn, steps, { journal: await journalFile(), window: 16 });
    const receiptOf = new Map(report.outcomes.map((o) => [o.key, o.receipt as TransactionReceipt]));
    let checked = 0;
    for (const step of steps) {
      for (const dep of step.dependsOn ?? []) {
        const [a, b] = [receiptOf.get(dep)!, receiptOf.get(step.key)!];
        expect(b.blockNumber * 10_000 + b.index).to.be.greaterThan(a.blockNumber * 10_000 + a.index);
        checked += 1;
      }
    }
    expect(checked).to.equal(13);
  });

  it("skips steps the chain already shows done, without sending them", async function () {
    const steps = syntheticSteps(10, "done", 0).map((s, i) => ({ ...s, isDone: async () => i % 2 === 0 }));
    const report = await runJob(conn, steps, { journal: await journalFile() });
    expect(report.outcomes.map((o) => o.status)).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "chain" : "sent")),
    );
    expect(await conn.provider.getBalance(recipientOf("done", 0))).to.equal(0n);
    expect(await conn.provider.getBalance(recipientOf("done", 1))).to.equal(1n);
  });

  it("stops at a refused step with the decoded custom error, sends none of its dependents, and reports the rest", async function () {
    const registry = await (await linkedRegistryFactory(conn.signer!)).deploy(me, [me], 1, 86400);
    await registry.waitForDeployment();
    const address = await registry.getAddress();
    const ok = syntheticSteps(3, "refused", 0);
    const bad = { key: "vote-999", call: { to: address, data: registry.interface.encodeFunctionData("vote", [999n]) } };
    const after = {
      key: "after-bad",
      dependsOn: ["vote-999"],
      call: { to: recipientOf("refused", 99), value: 1n },
      gasLimit: 30_000n,
    };
    let caught: unknown;
    try {
      await runJob(conn, [...ok, bad, after], { journal: await journalFile() });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(JobError);
    const error = caught as JobError;
    expect(error.kind).to.equal("REFUSED");
    expect(error.revert?.name).to.equal("ConsortiumUnknownProposal");
    expect(error.revert?.args).to.deep.equal({ proposalId: 999n });
    expect(error.message).to.match(
      /^step "vote-999": the contract refused: ConsortiumUnknownProposal\(proposalId=999\)/,
    );
    expect(error.report.outcomes.map((o) => [o.key, o.status])).to.deep.equal([
      ["transfer-0", "sent"],
      ["transfer-1", "sent"],
      ["transfer-2", "sent"],
      ["vote-999", "refused"],
      ["after-bad", "blocked"],
    ]);
    expect(await conn.provider.getBalance(recipientOf("refused", 99))).to.equal(0n);
  });

  it("asks one gas estimate per kind of step, each step paying for its own calldata", async function () {
    const calls = countCalls(conn.provider);
    calls.clear();
    const to = recipientOf("kinds", 0);
    // One "function" and 1,000 bytes of calldata: the first step's zero (4 gas each), the others' not (16 gas each).
    const data = (i: number) => "0x12345678" + (i === 0 ? "00" : (i + 16).toString(16)).repeat(996);
    const steps = Array.from({ length: 12 }, (_, i) => ({
      key: `kind-${i}`,
      call: { to, value: 1n, data: data(i) },
      gasKind: "transfer",
    }));
    const report = await runJob(conn, steps, { journal: await journalFile(), window: 4 });
    expect(report.sent).to.equal(12);
    expect(calls.get("eth_estimateGas")).to.equal(1);
    expect(await conn.provider.getBalance(to)).to.equal(12n);
  });

  it("on a new journal asks isDone only of a step the contract refused, and reports that one as already on chain", async function () {
    const registry = await (await linkedRegistryFactory(conn.signer!)).deploy(me, [me], 1, 86400);
    await registry.waitForDeployment();
    const asked: string[] = [];
    const isDone = (key: string, done: boolean) => async () => (asked.push(key), done);
    const steps = [
      ...syntheticSteps(3, "refused-if-done", 0).map((s) => ({
        ...s,
        refusedIfDone: true,
        isDone: isDone(s.key, false),
      })),
      {
        key: "vote-done",
        call: { to: await registry.getAddress(), data: registry.interface.encodeFunctionData("vote", [5n]) },
        refusedIfDone: true,
        isDone: isDone("vote-done", true),
      },
    ];
    const report = await runJob(conn, steps, { journal: await journalFile() });
    expect(report.outcomes.map((o) => o.status)).to.deep.equal(["sent", "sent", "sent", "chain"]);
    expect(asked).to.deep.equal(["vote-done"]);
  });

  it("goes on past a refused step when asked to, blocking only its dependents", async function () {
    const registry = ConsortiumRegistry__factory.createInterface();
    const bad = { key: "bad", call: { to: recipientOf("x", 0), data: "0x" }, isDone: async () => false };
    const steps = [
      {
        ...bad,
        call: {
          to: await (await linkedRegistryFactory(conn.signer!)).deploy(me, [me], 1, 86400).then((c) => c.getAddress()),
          data: registry.encodeFunctionData("vote", [7n]),
        },
      },
      { key: "child", dependsOn: ["bad"], call: { to: recipientOf("continue", 1), value: 1n }, gasLimit: 30_000n },
      { key: "free", call: { to: recipientOf("continue", 2), value: 1n }, gasLimit: 30_000n },
    ];
    const report = await runJob(conn, steps, { journal: await journalFile(), onRefused: "continue" });
    expect(report.outcomes.map((o) => o.status)).to.deep.equal(["refused", "blocked", "sent"]);
    expect(report.outcomes[0]!.error?.revert?.name).to.equal("ConsortiumUnknownProposal");
  });

  it("re-signs a step whose journalled nonce was taken by another transaction that landed, and sends it once", async function () {
    const journal = await journalFile();
    const steps = syntheticSteps(3, "taken", 0);
    // A crash after writing step 0's transaction to the journal but before sending it...
    const nonce = await conn.provider.getTransactionCount(me, "pending");
    const wallet = new Wallet(DEV_KEY);
    // the step's own call, as the sender journals it
    const tx = {
      to: recipientOf("taken", 0),
      value: 1n,
      data: hexlify(toUtf8Bytes("step 0")),
      nonce,
      gasLimit: 30_000n,
      gasPrice: 0n,
      type: 0,
      chainId: conn.chainId,
    };
    const raw = await wallet.signTransaction(tx);
    const hash = Transaction.from(raw).hash!;
    const entry = (key: string, extra: object) => JSON.stringify({ key, ...extra }) + "\n";
    await writeFile(
      journal,
      entry("#job", { format: "medchain.job-journal/1", chainId: conn.chainId.toString() }) +
        entry("transfer-0", {
          state: "signed",
          from: me.toLowerCase(),
          nonce,
          block: 0,
          hash,
          raw,
          tx: {
            to: tx.to,
            data: tx.data,
            value: "1",
            nonce,
            gasLimit: "30000",
            gasPrice: "0",
            type: 0,
            chainId: conn.chainId.toString(),
          },
        }),
    );
    // ...then another program used that nonce.
    await (
      await conn.signer!.sendTransaction({ to: recipientOf("other", 0), value: 5n, nonce, gasPrice: 0n, type: 0 })
    ).wait();
    const events: JobEvent[] = [];
    const report = await runJob(conn, steps, { journal, onEvent: (e) => events.push(e) });
    expect(events.some((e) => e.type === "renonced" && e.key === "transfer-0")).to.equal(true);
    expect(report.outcomes.map((o) => o.status)).to.deep.equal(["sent", "sent", "sent"]);
    expect(report.outcomes[0]!.nonce).to.not.equal(nonce);
    expect(await wrongBalances(conn.provider, 3, "taken")).to.deep.equal([]);
    expect(await rpcCall(node.url, "eth_getTransactionByHash", [hash])).to.equal(null);
  });

  it("sends the journalled transaction itself (same hash) when a crash came before it was sent", async function () {
    const journal = await journalFile();
    const first = await runJob(conn, syntheticSteps(2, "resend", 0), { journal });
    expect(first.sent).to.equal(2);
    const nonce = await conn.provider.getTransactionCount(me, "pending");
    const data = hexlify(toUtf8Bytes("step 2")); // step transfer-2's call, as the sender journals it
    const raw = await new Wallet(DEV_KEY).signTransaction({
      to: recipientOf("resend", 2),
      value: 1n,
      data,
      nonce,
      gasLimit: 30_000n,
      gasPrice: 0n,
      type: 0,
      chainId: conn.chainId,
    });
    const hash = Transaction.from(raw).hash!;
    const tx = {
      to: recipientOf("resend", 2),
      data,
      value: "1",
      nonce,
      gasLimit: "30000",
      gasPrice: "0",
      type: 0,
      chainId: conn.chainId.toString(),
    };
    await writeFile(
      journal,
      (await readFile(journal, "utf8")) +
        JSON.stringify({ key: "transfer-2", state: "signed", from: me.toLowerCase(), nonce, block: 0, hash, raw, tx }) +
        "\n",
    );
    const report = await runJob(conn, syntheticSteps(3, "resend", 0), { journal });
    expect(report.outcomes.map((o) => o.status)).to.deep.equal(["journal", "journal", "sent"]);
    expect(report.outcomes[2]!.hash).to.equal(hash);
    expect(await wrongBalances(conn.provider, 3, "resend")).to.deep.equal([]);
  });

  it("refuses a journal entry whose transaction is not the step's call: never signs an edited entry's call with its key, nor counts a step done by another transaction", async function () {
    const attacker = Wallet.createRandom().address;
    const nonce = await conn.provider.getTransactionCount(me, "latest");
    // a "signed" entry of step transfer-0 whose nonce is taken (so recovery would sign it again),
    // calling the attacker instead of the step's recipient
    const edited = await journalFile();
    const tx = { to: attacker, data: "0x", value: "1000", nonce: nonce - 1, gasLimit: "21000", gasPrice: "0", type: 0 };
    await writeFile(
      edited,
      JSON.stringify({ key: "#job", format: "medchain.job-journal/1", chainId: conn.chainId.toString() }) +
        "\n" +
        JSON.stringify({ key: "transfer-0", state: "signed", from: me.toLowerCase(), nonce: nonce - 1, block: 0, tx }) +
        "\n",
    );
    const steps = syntheticSteps(2, "tampered", 0);
    let caught: unknown;
    await runJob(conn, steps, { journal: edited }).catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(MedChainError);
    expect((caught as Error).message)
      .to.include('step "transfer-0": the journal\'s transaction')
      .and.include("is not the step's call");
    expect(await conn.provider.getBalance(attacker)).to.equal(0n);
    // a "mined" entry naming another step's (successful) transaction: refused, not skipped
    const done = await journalFile();
    const first = await runJob(conn, steps, { journal: done });
    const other = first.outcomes[1]!.hash!;
    const lines = (await readFile(done, "utf8")).split("\n").filter((l) => l !== "");
    const forged = lines.map((l) => {
      const e = JSON.parse(l) as { key: string; hash?: string };
      return e.key === "transfer-0" && e.hash !== undefined ? JSON.stringify({ ...e, hash: other }) : l;
    });
    await writeFile(done, forged.join("\n") + "\n");
    caught = undefined;
    await runJob(conn, steps, { journal: done }).catch((err: unknown) => (caught = err));
    expect((caught as Error | undefined)?.message)
      .to.include('step "transfer-0"')
      .and.include("is not the step's call");
  });

  it("refuses a journal of another chain, duplicate step keys and a dependency on a later step", async function () {
    const journal = await journalFile();
    await writeFile(journal, JSON.stringify({ key: "#job", format: "medchain.job-journal/1", chainId: "1" }) + "\n");
    const steps = syntheticSteps(1, "bad", 0);
    await expectError(runJob(conn, steps, { journal }), `${journal}: the journal is of chain 1, not 7331`);
    await expectError(
      runJob(conn, [...steps, ...steps], { journal: await journalFile() }),
      'step 1: the key "transfer-0" is used twice',
    );
    await expectError(
      runJob(conn, [{ ...steps[0]!, dependsOn: ["later"] }], { journal: await journalFile() }),
      'step "transfer-0": depends on "later", which is not an earlier step',
    );
  });
});

async function expectError(promise: Promise<unknown>, message: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(MedChainError);
  expect((caught as Error).message).to.equal(message);
}

describe("Pipelined sender: an account the node signs for (hardhat node, eth_sendTransaction)", function () {
  this.timeout(180_000);
  let node: DevNode;
  before(async () => {
    node = await startNode("hardhat");
  });
  after(async () => node?.stop());

  it("journals each transaction's nonce before sending, its hash after, and sends every step once", async function () {
    const provider = (await connect({ rpcUrl: node.url })).provider as import("ethers").JsonRpcProvider;
    const signer = await provider.getSigner(3); // unlocked in the node: no key on this side
    const conn = await connect({ rpcUrl: node.url, signer });
    const me = await signer.getAddress();
    const before = await conn.provider.getTransactionCount(me);
    const journal = await journalFile();
    const report = await runJob(conn, syntheticSteps(30, "node-signed", 4), { journal, window: 8 });
    expect(report.sent).to.equal(30);
    expect(await wrongBalances(conn.provider, 30, "node-signed")).to.deep.equal([]);
    expect((await conn.provider.getTransactionCount(me)) - before).to.equal(30);
    const entries = (await readFile(journal, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const signed = entries.filter((e) => e.key === "transfer-0" && e.state === "signed");
    expect(signed[0]).to.not.have.property("raw");
    expect(signed[0]).to.not.have.property("hash");
    expect(signed.at(-1)).to.have.property("hash", report.outcomes[0]!.hash);
    const again = await runJob(conn, syntheticSteps(30, "node-signed", 4), { journal });
    expect([again.sent, again.skipped]).to.deep.equal([0, 30]);
  });
});
