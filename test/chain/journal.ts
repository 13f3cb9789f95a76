import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { lockFile, lockFolder } from "../../src/chain/file-lock.js";
import { Journal } from "../../src/chain/journal.js";

describe("Journal: resumable batch jobs", function () {
  async function freshFile(): Promise<string> {
    return path.join(await mkdtemp(path.join(tmpdir(), "medchain-journal-")), "nested", "job.jsonl");
  }

  it("remembers completed steps across runs, so a re-run skips them", async function () {
    const file = await freshFile();
    const first = await Journal.open(file);
    expect(first.has("a")).to.equal(false);
    await first.record({ key: "a", txHash: "0x01" });
    await first.record({ key: "b", txHash: "0x02" });

    const second = await Journal.open(file);
    expect(second.size).to.equal(2);
    expect(second.has("a")).to.equal(true);
    expect(second.get("b")?.txHash).to.equal("0x02");
    expect(second.has("c")).to.equal(false);
  });

  it("ignores a torn last line left by a crash mid-write", async function () {
    const file = await freshFile();
    const journal = await Journal.open(file);
    await journal.record({ key: "a" });
    await writeFile(file, (await readFile(file, "utf8")) + '{"key":"b","txH');
    const reopened = await Journal.open(file);
    expect(reopened.has("a")).to.equal(true);
    expect(reopened.has("b")).to.equal(false);
  });

  it("refuses a journal whose earlier line is corrupt, naming the file and line", async function () {
    const file = await freshFile();
    const journal = await Journal.open(file);
    await journal.record({ key: "a" });
    await writeFile(file, "not json\n" + (await readFile(file, "utf8")));
    let caught: unknown;
    try {
      await Journal.open(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(MedChainError);
    expect((caught as Error).message).to.equal(`${file}:1: the journal line is not JSON`);
  });

  it("writes several entries in one flushed write, the last entry of a key being its state", async function () {
    const file = await freshFile();
    const journal = await Journal.open(file);
    await journal.recordMany([
      { key: "a", state: "signed", nonce: 0 },
      { key: "b", state: "signed", nonce: 1 },
    ]);
    await journal.recordMany([{ key: "a", state: "mined", nonce: 0 }]);
    await journal.close();
    const reopened = await Journal.open(file);
    expect(reopened.entries().map((e) => [e.key, e.state])).to.deep.equal([
      ["a", "mined"],
      ["b", "signed"],
    ]);
    expect((await readFile(file, "utf8")).trim().split("\n")).to.have.length(3);
  });
});

describe("Journal lock: one run of a job at a time", function () {
  async function lockedFile(): Promise<string> {
    return path.join(await mkdtemp(path.join(tmpdir(), "medchain-lock-")), "job.jsonl");
  }
  async function refusal(promise: Promise<unknown>): Promise<MedChainError> {
    const err = await promise.then(
      () => expect.fail("expected the lock to be refused"),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MedChainError);
    expect((err as MedChainError).kind).to.equal("REFUSED");
    return err as MedChainError;
  }
  const holder = (fields: Record<string, unknown>) =>
    JSON.stringify({
      host: hostname(),
      since: "2026-01-01T00:00:00.000Z",
      token: "f".repeat(32),
      start: null,
      ...fields,
    });

  it("refuses a second run while the first holds the journal, naming it, and lets one in after the release", async function () {
    const file = await lockedFile();
    const release = await lockFile(file, "the job");
    const err = await refusal(lockFile(file, "the job"));
    expect(err.message).to.match(
      new RegExp(
        `^${file}: another run of the job holds it \\(process ${process.pid} on this host since \\S+\\); wait for that run to end$`,
      ),
    );
    await release();
    const second = await lockFile(file, "the job");
    await release(); // the first release again leaves the second taking's lock alone
    await refusal(lockFile(file, "the job"));
    await second();
    await (
      await lockFile(file, "the job")
    )();
    expect((await readdir(path.dirname(file))).sort()).to.deep.equal([]); // no draft or lock left
  });

  it("takes over the lock of a run that is gone (killed, or its pid now another process's)", async function () {
    const file = await lockedFile();
    const gone = spawn(process.execPath, ["-e", "0"]);
    await new Promise((resolve) => gone.once("exit", resolve));
    await writeFile(`${file}.lock`, holder({ pid: gone.pid }));
    await (
      await lockFile(file, "the job")
    )();
    // this process's pid, but another start time: the holder was an earlier process of that pid
    await writeFile(`${file}.lock`, holder({ pid: process.pid, start: "1" }));
    const release = await lockFile(file, "the job");
    expect(JSON.parse(await readFile(`${file}.lock`, "utf8"))).to.include({ pid: process.pid, host: hostname() });
    await release();
  });

  it("locks a folder by its .lock, making a missing folder only when asked to", async function () {
    const parent = path.dirname(await lockedFile());
    const missing = path.join(parent, "data");
    await (
      await lockFolder(missing, "a command")
    )(); // nothing there to protect: not made for its lock
    expect(await readdir(parent)).to.deep.equal([]);
    const release = await lockFolder(missing, "a command", { create: true });
    expect(await readdir(missing)).to.deep.equal([".lock"]);
    expect((await refusal(lockFolder(missing, "a command"))).message).to.match(
      new RegExp(`^${missing}: another run of a command holds it \\(process ${process.pid} on this host`),
    );
    await release();
    expect(await readdir(missing)).to.deep.equal([]);
  });

  it("refuses a lock of another host or one this program did not write, saying which file to remove", async function () {
    const file = await lockedFile();
    await writeFile(`${file}.lock`, holder({ pid: 1, host: "ward-7-server" }));
    expect((await refusal(lockFile(file, "the job"))).message).to.equal(
      `${file}: another run of the job holds it (process 1 on host ward-7-server since 2026-01-01T00:00:00.000Z); ` +
        `wait for that run to end, or remove ${file}.lock if no such run is going on`,
    );
    await writeFile(`${file}.lock`, "");
    expect((await refusal(lockFile(file, "the job"))).message).to.include(
      "(a lock file this program did not write); wait for that run to end, or remove",
    );
    expect(await readFile(`${file}.lock`, "utf8")).to.equal(""); // left as it was
  });
});
