import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { hexlify, Interface, ZeroHash } from "ethers";

import { groupSteps, multicallData } from "../../src/chain/batches.js";
import { connect, type Connection } from "../../src/chain/connection.js";
import { MedChainError } from "../../src/chain/errors.js";
import { JobError, runJob, type JobStep } from "../../src/chain/pipeline.js";
import { DEV_KEY, startNode, type DevNode } from "../../scripts/lib/nodes.js";
import { markKeyOf, markingSteps, wrongMarks } from "../../scripts/lib/synthetic-job.js";
import { MarkBookMock__factory, type MarkBookMock } from "../../typechain-types/index.js";
import { seeded } from "../helpers/random.js";

async function journalFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "medchain-batches-")), "job.jsonl");
}

describe("Pipelined sender: a batch's multicall calldata", function () {
  const multicall = new Interface(["function multicall(bytes[] data) returns (bytes[] results)"]);

  it("is byte for byte what ethers' ABI coder encodes, on 200 random batches of 0 to 20 calls (seed 0x6d63)", function () {
    const next = seeded(0x6d63);
    for (let i = 0; i < 200; i++) {
      const calls = Array.from({ length: Math.floor(next() * 21) }, () => {
        const size = next() < 0.2 ? Math.floor(next() * 3) * 32 : Math.floor(next() * 400);
        return hexlify(Uint8Array.from({ length: size }, () => Math.floor(next() * 256)));
      });
      const mixedCase = calls.map((c, j) => (j % 2 === 1 ? c.toUpperCase().replace("0X", "0x") : c));
      expect(multicallData(mixedCase), `batch ${i}`).to.equal(multicall.encodeFunctionData("multicall", [calls]));
    }
  });

  it("refuses a call whose data is not whole bytes of hex, naming it", function () {
    for (const bad of ["0x123", "0xzz", "1234", ""]) {
      expect(() => multicallData(["0x12", bad]), bad).to.throw(
        MedChainError,
        "batched call 1: its data is not whole bytes of hex",
      );
    }
  });
});

describe("Pipelined sender: steps sharing transactions (multicall batches, anvil)", function () {
  this.timeout(120_000);
  let node: DevNode;
  let conn: Connection;
  let me: string;

  before(async function () {
    node = await startNode("anvil", { zeroGas: true, chainId: 7335 });
    conn = await connect({ rpcUrl: node.url, privateKey: DEV_KEY });
    me = await conn.signer!.getAddress();
  });
  after(async () => node?.stop());

  /** A new mark book on the node. */
  async function newBook(): Promise<{ book: MarkBookMock; address: string }> {
    const book = await (await new MarkBookMock__factory(conn.signer!).deploy()).waitForDeployment();
    return { book, address: await book.getAddress() };
  }

  it("sends a signer's steps to one contract several to a transaction, in order, and a re-run sends nothing", async function () {
    const { book, address } = await newBook();
    const journal = await journalFile();
    const steps = markingSteps(50, "together", address, conn.provider);
    const before = await conn.provider.getTransactionCount(me);
    const report = await runJob(conn, steps, { journal, batchSize: 8 });
    expect([report.sent, report.skipped, report.refused, report.blocked]).to.deep.equal([50, 0, 0, 0]);
    expect(report.transactions).to.equal(7); // 6 batches of 8 and one of 2
    expect((await conn.provider.getTransactionCount(me)) - before).to.equal(7);
    expect(await wrongMarks(conn.provider, address, 50, "together")).to.deep.equal([]);
    // In input order: the marks' order is the steps'.
    for (let i = 0; i < 50; i++) expect(await book.orderOf(markKeyOf("together", i))).to.equal(BigInt(i + 1));
    expect(report.outcomes.map((o) => o.key)).to.deep.equal(steps.map((s) => s.key));
    expect(report.outcomes[9]!.batch).to.deep.include({ index: 1, size: 8 });
    expect(report.outcomes[9]!.hash).to.equal(report.outcomes[8]!.hash);
    const again = await runJob(conn, steps, { journal, batchSize: 8 });
    expect([again.sent, again.skipped, again.transactions]).to.deep.equal([0, 50, 0]);
    expect(again.outcomes.every((o) => o.status === "journal" && o.receipt?.status === 1)).to.equal(true);
    expect((await conn.provider.getTransactionCount(me)) - before).to.equal(7);
  });

  it("never puts a step in one transaction with a step it depends on, and mines it after", async function () {
    const { address } = await newBook();
    const steps = markingSteps(60, "levels", address, conn.provider, 3);
    const report = await runJob(conn, steps, { journal: await journalFile(), batchSize: 16 });
    expect(report.sent).to.equal(60);
    expect(await wrongMarks(conn.provider, address, 60, "levels", 3)).to.deep.equal([]);
    const outcomeOf = new Map(report.outcomes.map((o) => [o.key, o]));
    let checked = 0;
    for (const step of steps) {
      for (const dep of step.dependsOn ?? []) {
        const [a, b] = [outcomeOf.get(dep)!, outcomeOf.get(step.key)!];
        expect(b.hash).to.not.equal(a.hash);
        expect(b.receipt!.blockNumber * 10_000 + b.receipt!.index).to.be.greaterThan(
          a.receipt!.blockNumber * 10_000 + a.receipt!.index,
        );
        checked += 1;
      }
    }
    expect(checked).to.equal(19);
    expect(report.transactions).to.be.lessThan(60 / 2);
  });

  it("takes apart a batch holding a step already on chain: that step is reported as on chain, the others sent once", async function () {
    const { book, address } = await newBook();
    const steps = markingSteps(8, "apart", address, conn.provider);
    await (await book.mark(markKeyOf("apart", 3))).wait(); // done before the job, by someone else
    const journal = await journalFile();
    const report = await runJob(conn, steps, { journal, batchSize: 8 });
    expect(report.outcomes.map((o) => o.status)).to.deep.equal([
      "sent",
      "sent",
      "sent",
      "chain",
      "sent",
      "sent",
      "sent",
      "sent",
    ]);
    expect(await book.marks()).to.equal(8n);
    expect(await wrongMarks(conn.provider, address, 8, "apart")).to.deep.equal([]);
    // The re-run keeps the steps apart (the journal holds them alone) and sends nothing.
    const again = await runJob(conn, steps, { journal, batchSize: 8 });
    expect([again.sent, again.skipped, again.transactions]).to.deep.equal([0, 8, 0]);
  });

  it("names the step the contract refuses with its custom error, and blocks only what depends on it", async function () {
    const { book, address } = await newBook();
    const good = markingSteps(12, "refused", address, conn.provider);
    const zero = book.interface.encodeFunctionData("mark", [ZeroHash]);
    const steps: JobStep[] = good.map((s, i) =>
      i === 5 ? { ...s, call: { to: address, data: zero } } : i === 9 ? { ...s, dependsOn: ["mark-5"] } : s,
    );
    // Going on past it: the job ends without an error and the report names the refusal.
    const report = await runJob(conn, steps, { journal: await journalFile(), batchSize: 4, onRefused: "continue" });
    const five = report.outcomes[5]!;
    expect(five.status).to.equal("refused");
    expect(five.batch).to.equal(undefined); // refused on its own, after its batch was taken apart
    expect(five.error?.revert?.name).to.equal("MarkBookMockZeroKey");
    expect(report.outcomes[9]!.status).to.equal("blocked");
    expect(report.outcomes.filter((o) => o.status === "sent" || o.status === "chain")).to.have.length(10);
    // Stopping at it (the default): the error names the step and its custom error.
    const { address: other } = await newBook();
    const stopSteps = markingSteps(12, "stop", other, conn.provider).map((s, i) =>
      i === 5 ? { ...s, call: { to: other, data: zero } } : s,
    );
    try {
      await runJob(conn, stopSteps, { journal: await journalFile(), batchSize: 4 });
      expect.fail("the job went on past a refused step");
    } catch (err) {
      expect(err).to.be.instanceOf(JobError);
      const error = err as JobError;
      expect(error.message).to.match(/^step "mark-5": the contract refused: MarkBookMockZeroKey\(\)/);
      expect(error.revert?.name).to.equal("MarkBookMockZeroKey");
      expect(error.report.outcomes.find((o) => o.status === "refused")?.key).to.equal("mark-5");
    }
  });

  it("refuses to batch a step the contract would accept twice, or a key shaped like a batch's", async function () {
    const { address } = await newBook();
    const [step] = markingSteps(1, "unsafe", address, conn.provider);
    const unsafe = { ...step!, refusedIfDone: false };
    const other = { ...step!, key: "other", batchWith: address };
    const refusal = (job: Promise<unknown>) =>
      job.then(
        () => undefined,
        (err: unknown) => err,
      );
    const unsafeError = await refusal(runJob(conn, [unsafe, other], { journal: await journalFile(), batchSize: 4 }));
    expect(unsafeError).to.be.instanceOf(MedChainError);
    expect((unsafeError as Error).message).to.equal(
      'step "mark-0": only a step the contract refuses to repeat (refusedIfDone) may share a transaction',
    );
    const keyError = await refusal(
      runJob(conn, [{ ...step!, key: "batch:1" }, other], { journal: await journalFile(), batchSize: 4 }),
    );
    expect((keyError as Error).message).to.equal('step "batch:1": a step key must not start with "batch:"');
  });
});

describe("Pipelined sender: how steps are grouped into batches (seeded random jobs)", function () {
  const seed = 0xba7c;
  it(`keeps each batch to one signer and contract, within the size, free of its own dependencies, after them, and the same on every run (seed ${seed})`, function () {
    const next = seeded(seed);
    for (let round = 0; round < 40; round++) {
      const count = 1 + Math.floor(next() * 200);
      const size = 2 + Math.floor(next() * 10);
      const steps: (JobStep & { signerName: string })[] = Array.from({ length: count }, (_, i) => {
        const deps = i === 0 || next() < 0.5 ? [] : [`s${Math.floor(next() * i)}`];
        const batched = next() < 0.8;
        return {
          key: `s${i}`,
          signerName: `signer${Math.floor(next() * 3)}`,
          call: { to: "0x0" },
          ...(deps.length > 0 ? { dependsOn: deps } : {}),
          ...(batched ? { batchWith: next() < 0.5 ? "0xAA" : "0xbb", refusedIfDone: true } : {}),
        };
      });
      const signerOf = (s: JobStep) => (s as (typeof steps)[number]).signerName;
      const units = groupSteps(steps, signerOf, size);
      expect(groupSteps(steps, signerOf, size)).to.deep.equal(units);
      const unitIndex = new Map<string, number>();
      units.forEach((u, i) => u.keys.forEach((k) => unitIndex.set(k, i)));
      expect([...unitIndex.keys()].sort()).to.deep.equal(steps.map((s) => s.key).sort());
      const byKey = new Map(steps.map((s) => [s.key, s]));
      for (const [i, unit] of units.entries()) {
        expect(unit.keys.length).to.be.within(1, size);
        expect(unit.batch).to.equal(unit.keys.length > 1);
        const members = unit.keys.map((k) => byKey.get(k)!);
        if (unit.batch) {
          expect(new Set(members.map(signerOf)).size).to.equal(1);
          expect(new Set(members.map((m) => m.batchWith?.toLowerCase())).size).to.equal(1);
          expect(members.every((m) => m.batchWith !== undefined)).to.equal(true);
          expect(unit.key).to.match(/^batch:[0-9a-f]{32}$/);
        } else expect(unit.key).to.equal(unit.keys[0]);
        for (const m of members) for (const d of m.dependsOn ?? []) expect(unitIndex.get(d)).to.be.lessThan(i);
        // Input order within a batch.
        expect(unit.keys).to.deep.equal([...unit.keys].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
      }
    }
  });
});
