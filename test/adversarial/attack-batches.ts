/**
 * Adversarial tests of commit b3c9516 (multicall batches): the contracts' Multicall and the SDK's
 * batch sender (src/chain/batches.ts over src/chain/pipeline.ts).
 *
 * Findings B1-B5 (FINDINGS.md, sixth review) failed on b3c9516 and are fixed; their tests assert the
 * correct behaviour. The others are attacks that are correctly refused.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Interface, Wallet, ZeroHash } from "ethers";
import { network } from "hardhat";

import { connect, type Connection } from "../../src/chain/connection.js";
import { JobError, runJob, type JobReport, type JobStep, type StepOutcome } from "../../src/chain/pipeline.js";
import { DEV_KEY, rpcCall, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { markKeyOf, markingSteps } from "../../scripts/lib/synthetic-job.js";
import { MarkBookMock__factory, type MarkBookMock } from "../../typechain-types/index.js";
import { provenanceFixtureFor } from "../provenance/fixture.js";

const { ethers, networkHelpers } = await network.create();

async function journalFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "medchain-attack-batches-")), "job.jsonl");
}

const settle = <T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

// --------------------------------------------------------------------------------------------- contracts

describe("Adversarial: Multicall on the provenance contracts (hardhat network)", function () {
  const provenanceFixture = provenanceFixtureFor(ethers);

  it("a member's batch cannot reach ProductRegistry.drawFromLot (only DrugProvenance may call it): msg.sender stays the member", async function () {
    const { provenance, products, signers, ids, plan } = await networkHelpers.loadFixture(provenanceFixture);
    const draw = products.interface.encodeFunctionData("drawFromLot", [plan.lotId, ids.mfr]);
    await expect(products.connect(signers.mfr).multicall([draw]))
      .to.be.revertedWithCustomError(provenance, "ProvenanceOnlyCustody")
      .withArgs(signers.mfr.address);
    // Nor through DrugProvenance's own multicall (a delegatecall to itself, not a call from it).
    await expect(provenance.connect(signers.mfr).multicall([draw])).to.be.revert(ethers);
  });

  it("a member's batch cannot run a consortium-vote function (onlyConsortiumVote), nested or not", async function () {
    const { provenance, products, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
    const assign = products.interface.encodeFunctionData("assignCompanyPrefix", ["7777777", ids.mfr]);
    await expect(products.connect(signers.mfr).multicall([assign]))
      .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedNotConsortiumVote")
      .withArgs(signers.mfr.address);
    const nested = products.interface.encodeFunctionData("multicall", [[assign]]);
    await expect(products.connect(signers.mfr).multicall([nested]))
      .to.be.revertedWithCustomError(provenance, "ConsortiumGuardedNotConsortiumVote")
      .withArgs(signers.mfr.address);
  });

  it("multicall is not payable: a batch cannot carry value (no msg.value reuse across calls)", async function () {
    const { products, signers } = await networkHelpers.loadFixture(provenanceFixture);
    const data = products.interface.encodeFunctionData("multicall", [[]]);
    await expect(signers.mfr.sendTransaction({ to: await products.getAddress(), data, value: 1n })).to.be.revert(
      ethers,
    );
  });
});

// --------------------------------------------------------------------------------------------- SDK

const MARK = new Interface(["function mark(bytes32 key)"]);

describe("Adversarial: the batch sender (anvil)", function () {
  this.timeout(180_000);
  let node: DevNode;
  let conn: Connection;

  before(async function () {
    node = await startNode("anvil", { zeroGas: true, chainId: 7336 });
    conn = await connect({ rpcUrl: node.url, privateKey: DEV_KEY });
  });
  after(async () => node?.stop());

  async function newBook(c: Connection = conn): Promise<{ book: MarkBookMock; address: string }> {
    const book = await (await new MarkBookMock__factory(c.signer!).deploy()).waitForDeployment();
    return { book, address: await book.getAddress() };
  }
  /** A step that marks the zero key: refused by the contract whatever the state. */
  const zeroStep = (key: string, book: string, batched: boolean): JobStep => ({
    key,
    call: { to: book, data: MARK.encodeFunctionData("mark", [ZeroHash]) },
    refusedIfDone: true,
    isDone: async () => false,
    ...(batched ? { batchWith: book } : {}),
  });

  it("with onRefused 'stop', a step refused on its own still ends the job with a JobError when a batch was refused in the same pass", async function () {
    const { book, address } = await newBook();
    const marks = markingSteps(4, "stop-lost", address, conn.provider); // one batch of 4
    await (await book.mark(markKeyOf("stop-lost", 1))).wait(); // mark-1 already on chain: the batch is refused
    const steps: JobStep[] = [...marks, zeroStep("bad", address, false)];
    const result = await settle(runJob(conn, steps, { journal: await journalFile(), batchSize: 4 }));
    // The refusal of "bad" must not vanish because the batch before it was refused too.
    expect(result.ok, "the job returned normally although a step was refused and onRefused is 'stop'").to.equal(false);
    if (!result.ok) {
      expect(result.error).to.be.instanceOf(JobError);
      expect((result.error as JobError).message).to.match(/^step "bad": /);
      expect((result.error as JobError).revert?.name).to.equal("MarkBookMockZeroKey");
    }
  });

  it("with onRefused 'stop', innocent members of a batch refused alongside a refused single step are not reported 'refused'", async function () {
    const { book, address } = await newBook();
    const marks = markingSteps(4, "stop-members", address, conn.provider);
    await (await book.mark(markKeyOf("stop-members", 2))).wait(); // the batch is refused as a whole
    const steps: JobStep[] = [zeroStep("bad", address, false), ...marks];
    const result = await settle(runJob(conn, steps, { journal: await journalFile(), batchSize: 4 }));
    expect(result.ok).to.equal(false);
    const report = (result as { ok: false; error: JobError }).error.report;
    expect((result as { ok: false; error: JobError }).error.message).to.match(/^step "bad": /);
    // Only "bad" was refused by the contract; mark-0..3 were never tried alone (the job stopped):
    // they are "not sent" (blocked) or, for mark-2, on chain; none of them is a refusal.
    const refusedKeys = report.outcomes.filter((o) => o.status === "refused").map((o) => o.key);
    expect(refusedKeys).to.deep.equal(["bad"]);
    expect(report.refused).to.equal(1);
  });

  it("onRefused 'continue': a refused single step blocks its dependents, even those in a refused batch taken apart (no dependent sent without its dependency)", async function () {
    const { book, address } = await newBook();
    const marks = markingSteps(6, "cont", address, conn.provider);
    await (await book.mark(markKeyOf("cont", 0))).wait(); // forces the first batch apart
    const steps: JobStep[] = [
      zeroStep("bad", address, true),
      ...marks.map((s, i) => (i === 3 ? { ...s, dependsOn: ["bad"] } : s)),
    ];
    const events: string[] = [];
    const dones: string[] = [];
    const report = await runJob(conn, steps, {
      journal: await journalFile(),
      batchSize: 8,
      onRefused: "continue",
      onDone: (o) => void dones.push(o.key),
      onEvent: (e) => e.type === "sent" && events.push(e.key),
    });
    const status = Object.fromEntries(report.outcomes.map((o) => [o.key, o.status]));
    expect(status).to.deep.equal({
      bad: "refused",
      "mark-0": "chain",
      "mark-1": "sent",
      "mark-2": "sent",
      "mark-3": "blocked",
      "mark-4": "sent",
      "mark-5": "sent",
    });
    expect(await book.orderOf(markKeyOf("cont", 3))).to.equal(0n);
    expect([report.sent, report.skipped, report.refused, report.blocked]).to.deep.equal([4, 1, 1, 1]);
    // onDone once per done step.
    expect([...dones].sort()).to.deep.equal(["mark-0", "mark-1", "mark-2", "mark-4", "mark-5"]);
    expect(report.outcomes.map((o) => o.key)).to.deep.equal(steps.map((s) => s.key));
  });

  it("a batch key cannot be forged by keys containing a newline: a re-run with different steps must not report them done from another batch's journal entry", async function () {
    const { book, address } = await newBook();
    const journal = await journalFile();
    const stepOf = (key: string, seed: string): JobStep => ({
      key,
      call: { to: address, data: MARK.encodeFunctionData("mark", [markKeyOf(seed, 0)]) },
      batchWith: address,
      refusedIfDone: true,
      isDone: async () => (await book.orderOf(markKeyOf(seed, 0))) !== 0n,
    });
    // Run 1: keys "a\nb" and "c" in one batch.
    const first = await runJob(conn, [stepOf("a\nb", "nl-1"), stepOf("c", "nl-2")], { journal, batchSize: 2 });
    expect(first.transactions).to.equal(1);
    // Run 2, other steps: keys "a" and "b\nc" (never sent). "a\nb"+"\n"+"c" === "a"+"\n"+"b\nc".
    const second = await runJob(conn, [stepOf("a", "nl-3"), stepOf("b\nc", "nl-4")], { journal, batchSize: 2 });
    expect(
      second.outcomes.map((o) => o.status),
      "steps never sent were reported done from another batch's journal entry",
    ).to.deep.equal(["sent", "sent"]);
    expect(await book.orderOf(markKeyOf("nl-3", 0))).to.not.equal(0n);
    expect(await book.orderOf(markKeyOf("nl-4", 0))).to.not.equal(0n);
  });

  it("a member's outcome carries the batch's transaction; its events are all of the batch's (documented), and onDone is called once per member", async function () {
    const { address } = await newBook();
    const steps = markingSteps(5, "events", address, conn.provider);
    const seen: StepOutcome[] = [];
    const report = await runJob(conn, steps, {
      journal: await journalFile(),
      batchSize: 5,
      onDone: (o) => void seen.push(o),
    });
    expect(seen.map((o) => o.key)).to.deep.equal(steps.map((s) => s.key));
    expect(report.transactions).to.equal(1);
    expect(new Set(report.outcomes.map((o) => o.hash)).size).to.equal(1);
    expect(report.outcomes[2]!.batch).to.deep.include({ index: 2, size: 5 });
    expect(report.outcomes[2]!.events?.filter((e) => e.name === "Marked")).to.have.length(5);
  });

  it("a batch larger than the block gas limit is taken apart (or split), not retried until the job gives up", async function () {
    const own = await startNode("anvil", { zeroGas: true, chainId: 7337 });
    try {
      await rpcCall(own.url, "anvil_setBlockGasLimit", ["0x" + (600_000).toString(16)]);
      const c = await connect({ rpcUrl: own.url, privateKey: DEV_KEY });
      const { address } = await newBook(c);
      const steps = markingSteps(40, "huge", address, c.provider); // one batch of 40: ~1.2 M gas
      const result = await settle(
        // At most 4 in flight: once the batch is taken apart, the marks sent together must fit one
        // block, or anvil's automining leaves the rest in its pool until a new transaction comes.
        runJob(c, steps, { journal: await journalFile(), batchSize: 40, window: 4, giveUpAfterMs: 5_000 }),
      );
      if (!result.ok) expect.fail(`the job failed: ${(result.error as Error).message}`);
      const report = (result as { ok: true; value: JobReport }).value;
      expect(report.sent).to.equal(40);
    } finally {
      await own.stop();
    }
  });

  it("a re-run with batchSize 1 after a crash with a batch in flight reports its steps as done, not as refused", async function () {
    // A node that mines once a second, so the crashed run's batch is still pending at the re-run.
    const slow = await startNode("anvil", { zeroGas: true, chainId: 7338, blockTime: 1 });
    try {
      const c = await connect({ rpcUrl: slow.url, privateKey: DEV_KEY });
      const { address } = await newBook(c);
      const steps = markingSteps(6, "rerun-1", address, c.provider);
      const journal = await journalFile();
      // Run 1 "crashes" right after broadcasting its one batch (signed and journalled first).
      const crash = await settle(
        runJob(c, steps, {
          journal,
          batchSize: 6,
          onEvent: (e) => {
            if (e.type === "sent") throw new Error("simulated crash after the batch went out");
          },
        }),
      );
      expect(crash.ok).to.equal(false);
      // Run 2, the operator turned batching off: every step must end done (journal or chain), once.
      const result = await settle(runJob(c, steps, { journal, batchSize: 1 }));
      if (!result.ok) expect.fail(`the re-run failed: ${(result.error as Error).message}`);
      const report = (result as { ok: true; value: JobReport }).value;
      expect(report.outcomes.every((o) => o.status === "journal" || o.status === "chain")).to.equal(true);
    } finally {
      await slow.stop();
    }
  });

  it("a re-run with the same batchSize after a crash with a batch in flight recovers the batch (journal), nothing sent twice", async function () {
    const slow = await startNode("anvil", { zeroGas: true, chainId: 7339, blockTime: 1 });
    try {
      const c = await connect({ rpcUrl: slow.url, privateKey: DEV_KEY });
      const { book, address } = await newBook(c);
      const steps = markingSteps(6, "rerun-2", address, c.provider);
      const journal = await journalFile();
      const me = await c.signer!.getAddress();
      const crash = await settle(
        runJob(c, steps, {
          journal,
          batchSize: 6,
          onEvent: (e) => {
            if (e.type === "sent") throw new Error("simulated crash");
          },
        }),
      );
      expect(crash.ok).to.equal(false);
      const before = await c.provider.getTransactionCount(me, "pending");
      const report = await runJob(c, steps, { journal, batchSize: 6 });
      expect(report.outcomes.map((o) => o.status)).to.deep.equal(Array(6).fill("sent"));
      expect(report.transactions).to.equal(1);
      expect(await c.provider.getTransactionCount(me, "pending")).to.equal(before); // nothing new signed
      expect(await book.marks()).to.equal(6n);
    } finally {
      await slow.stop();
    }
  });

  it("a batch of steps of two signers is never formed: each signer's steps go in their own transactions", async function () {
    const { address } = await newBook();
    const other = new Wallet(Wallet.createRandom().privateKey, conn.provider);
    await (await conn.signer!.sendTransaction({ to: other.address, value: 10n ** 18n })).wait();
    const steps = markingSteps(6, "two-signers", address, conn.provider).map((s, i) =>
      i % 2 === 1 ? { ...s, signer: other } : s,
    );
    const report = await runJob(conn, steps, { journal: await journalFile(), batchSize: 8 });
    expect(report.transactions).to.equal(2);
    for (const o of report.outcomes) {
      const from = (await conn.provider.getTransaction(o.hash!))!.from.toLowerCase();
      const i = Number(o.key.slice(5));
      expect(from).to.equal(
        i % 2 === 1 ? other.address.toLowerCase() : (await conn.signer!.getAddress()).toLowerCase(),
      );
    }
  });
});
