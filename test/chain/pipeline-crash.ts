import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { connect } from "../../src/chain/connection.js";
import { Journal } from "../../src/chain/journal.js";
import { DEV_KEY, ROOT, startNode, type NodeKind } from "../../scripts/lib/nodes.js";
import { syntheticSteps, wrongBalances, wrongMarks } from "../../scripts/lib/synthetic-job.js";
import { MarkBookMock__factory } from "../../typechain-types/index.js";
import { seeded } from "../helpers/random.js";

interface Run {
  killed: boolean;
  output: string;
}

/**
 * Where a run is killed: `delayMs` after it printed `afterMined` "mined" lines (0: after "started").
 * Counted in progress, not in time from the start, so a fast machine kills as surely as a slow one.
 */
interface KillPoint {
  afterMined: number;
  delayMs: number;
}

/** A random kill point within the first `count` transactions of a run. */
function killPoint(next: () => number, count: number): KillPoint {
  return { afterMined: Math.floor(next() * count), delayMs: Math.floor(next() * 40) };
}

/** Runs the job in a child process; kills it with SIGKILL at `kill` (or lets it finish). */
function runChild(
  url: string,
  journal: string,
  count: number,
  seed: string,
  kill?: KillPoint,
  book?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/lib/job-child.ts",
        url,
        journal,
        String(count),
        seed,
        "16",
        ...(book === undefined ? [] : [book]),
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    let killed = false;
    // A run that neither finishes nor is killed in 100 s is a stalled job: fail with what it printed.
    const stalled = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the job stalled (100 s without finishing): ${output.slice(-2_000)}`));
    }, 100_000);
    child.on("exit", () => clearTimeout(stalled));
    let mined = 0;
    let partial = ""; // a line split between two chunks
    child.stdout.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        if (line === "mined") mined += 1;
        else output += line + "\n";
      }
      if (kill !== undefined && output.includes("started") && mined >= kill.afterMined && !killed) {
        killed = true;
        setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      output += partial;
      if (signal === "SIGKILL") resolve({ killed: true, output });
      else if (code === 0) resolve({ killed: false, output });
      else reject(new Error(`the job exited with ${code}: ${output}`));
    });
  });
}

for (const kind of ["anvil", "hardhat"] as NodeKind[]) {
  const seed = 0x5eed + (kind === "anvil" ? 1 : 2);
  describe(`Pipelined sender: killed with SIGKILL at random points (${kind}, seed ${seed})`, function () {
    this.timeout(240_000);

    it("loses nothing and sends nothing twice over five killed runs and a final one", async function () {
      const node = await startNode(kind, kind === "anvil" ? { chainId: 7333 } : {});
      try {
        const conn = await connect({ rpcUrl: node.url, privateKey: DEV_KEY });
        const me = await conn.signer!.getAddress();
        const before = await conn.provider.getTransactionCount(me);
        const journal = path.join(await mkdtemp(path.join(tmpdir(), "medchain-crash-")), "job.jsonl");
        const count = 300;
        const jobSeed = `crash-${kind}-${seed}`;
        const next = seeded(seed);
        let kills = 0;
        for (let run = 0; run < 5; run++) {
          const result = await runChild(node.url, journal, count, jobSeed, killPoint(next, count / 3));
          if (result.killed) kills += 1;
        }
        const last = await runChild(node.url, journal, count, jobSeed);
        expect(last.output).to.match(/finished \d+ \d+ \d+/);
        expect(kills).to.be.greaterThan(0);
        // The chain against the input: every recipient exactly 1 wei, exactly one transaction per step.
        expect(await wrongBalances(conn.provider, count, jobSeed)).to.deep.equal([]);
        expect((await conn.provider.getTransactionCount(me)) - before).to.equal(count);
        // Dependent steps landed after the steps they depend on.
        const mined = new Map((await Journal.open(journal)).entries().map((e) => [e.key, e]));
        for (const step of syntheticSteps(count, jobSeed, 7)) {
          for (const dep of step.dependsOn ?? []) {
            const [a, b] = await Promise.all(
              [dep, step.key].map((k) => conn.provider.getTransactionReceipt(String(mined.get(k)!.hash))),
            );
            expect(b!.blockNumber * 10_000 + b!.index).to.be.greaterThan(a!.blockNumber * 10_000 + a!.index);
          }
        }
      } finally {
        await node.stop();
      }
    });

    it("loses nothing and repeats nothing when steps share transactions (multicall batches), over five killed runs", async function () {
      const node = await startNode(kind, kind === "anvil" ? { chainId: 7334 } : {});
      try {
        const conn = await connect({ rpcUrl: node.url, privateKey: DEV_KEY });
        const book = await (await new MarkBookMock__factory(conn.signer!).deploy()).waitForDeployment();
        const address = await book.getAddress();
        const me = await conn.signer!.getAddress();
        const before = await conn.provider.getTransactionCount(me);
        const journal = path.join(await mkdtemp(path.join(tmpdir(), "medchain-crash-")), "job.jsonl");
        const count = 400;
        const jobSeed = `batched-${kind}-${seed}`;
        const next = seeded(seed + 100);
        let kills = 0;
        for (let run = 0; run < 5; run++) {
          const result = await runChild(node.url, journal, count, jobSeed, killPoint(next, count / 8 / 3), address);
          if (result.killed) kills += 1;
        }
        const last = await runChild(node.url, journal, count, jobSeed, undefined, address);
        expect(last.output).to.match(/finished \d+ \d+ \d+ \d+/);
        expect(kills).to.be.greaterThan(0);
        // The chain against the input: every key marked once (a repeat would have been refused and
        // failed the job), dependents after their dependency, and far fewer transactions than steps.
        expect(await wrongMarks(conn.provider, address, count, jobSeed, 7)).to.deep.equal([]);
        expect(await book.marks()).to.equal(BigInt(count));
        const transactions = (await conn.provider.getTransactionCount(me)) - before;
        expect(transactions).to.be.lessThan(count / 2);
      } finally {
        await node.stop();
      }
    });
  });
}
