import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { lockFile, lockFolder, whileHolding } from "../../src/chain/file-lock.js";
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
  this.timeout(60_000);
  /** A journal path in a fresh folder (its real path: the lock sits beside the file it names). */
  async function lockedFile(): Promise<string> {
    return path.join(await realpath(await mkdtemp(path.join(tmpdir(), "medchain-lock-"))), "job.jsonl");
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
  const BOOT = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  const PID_NS = readlinkSync("/proc/self/ns/pid");
  const MACHINE = existsSync("/etc/machine-id") ? readFileSync("/etc/machine-id", "utf8").trim() : undefined;
  /** A lock as another process of this machine would write it (override what differs). */
  const holder = (fields: Record<string, unknown>) =>
    JSON.stringify({
      host: hostname(),
      boot: BOOT,
      pidns: PID_NS,
      os: process.platform,
      start: "1",
      since: "2026-01-01T00:00:00.000Z",
      token: "f".repeat(32),
      ...fields,
    });
  const lockChild = (file: string, holdMs: number) =>
    new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/lib/lock-child.ts", file, String(holdMs)]);
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.once("exit", () => resolve(out.trim()));
    });

  it("refuses a second run while the first holds the journal, naming it, and lets one in after the release", async function () {
    const file = await lockedFile();
    const release = await lockFile(file, "a job");
    const err = await refusal(lockFile(file, "a job"));
    expect(err.message).to.match(
      new RegExp(
        `^${file}: a job is already running on it \\(process ${process.pid} on this host since \\S+\\); wait for it to end$`,
      ),
    );
    await release();
    const second = await lockFile(file, "a job");
    await release(); // the first release again leaves the second taking's lock alone
    await refusal(lockFile(file, "a job"));
    await second();
    await (
      await lockFile(file, "a job")
    )();
    expect(await readdir(path.dirname(file))).to.deep.equal([]); // no draft or lock left
    // whileHolding gives it back however the work ends
    const failed = await whileHolding(lockFile(file, "a job"), async () => {
      expect(await readdir(path.dirname(file))).to.deep.equal(["job.jsonl.lock"]);
      throw new Error("the work failed");
    }).catch((err: Error) => err.message);
    expect(failed).to.equal("the work failed");
    expect(await readdir(path.dirname(file))).to.deep.equal([]);
  });

  it("takes over the lock of a run that is gone: killed, its pid now another process's, or before a reboot", async function () {
    const file = await lockedFile();
    const gone = spawn(process.execPath, ["-e", "0"]);
    await new Promise((resolve) => gone.once("exit", resolve));
    for (const [stale, writtenAt] of [
      [holder({ pid: gone.pid }), new Date()],
      [holder({ pid: process.pid }), new Date()], // this pid, another start time
      // this machine before a reboot: its machine id, another boot id, written before this boot began
      ...(MACHINE === undefined
        ? []
        : [
            [
              holder({ pid: process.pid, boot: "0b0b0b0b-0000-4000-8000-000000000000", machine: MACHINE }),
              new Date(1e9),
            ],
          ]),
    ] as Array<[string, Date]>) {
      await writeFile(`${file}.lock`, stale);
      await utimes(`${file}.lock`, writtenAt, writtenAt);
      const release = await lockFile(file, "a job");
      expect(JSON.parse(await readFile(`${file}.lock`, "utf8"))).to.include({ pid: process.pid, boot: BOOT });
      await release();
    }
    expect(await readdir(path.dirname(file))).to.deep.equal([]);
  });

  it("lets exactly one of many concurrent takers take over a stale lock, and the others are refused", async function () {
    const file = await lockedFile();
    for (let trial = 0; trial < 20; trial++) {
      await writeFile(`${file}.lock`, holder({ pid: 999_999_999, token: `${trial}`.padStart(32, "0") }));
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => lockFile(file, "a job")));
      const taken = outcomes.filter((o) => o.status === "fulfilled");
      expect(taken, `trial ${trial}`).to.have.length(1);
      for (const o of outcomes.filter((o) => o.status === "rejected")) {
        expect(String((o as PromiseRejectedResult).reason)).to.include(
          `a job is already running on it (process ${process.pid}`,
        );
      }
      await (taken[0] as PromiseFulfilledResult<() => Promise<void>>).value();
      expect(await readdir(path.dirname(file))).to.deep.equal([]);
    }
  });

  it("takes over a stale lock whose last taker was killed midway, its mutex left behind", async function () {
    const file = await lockedFile();
    await writeFile(`${file}.lock`, holder({ pid: 999_999_999 }));
    await writeFile(`${file}.lock.break-${"f".repeat(32)}`, holder({ pid: 999_999_998, token: "e".repeat(32) }));
    await (
      await lockFile(file, "a job")
    )();
    expect(await readdir(path.dirname(file))).to.deep.equal([]);
  });

  it("lets exactly one of many processes take over a stale lock at a time", async function () {
    const file = await lockedFile();
    for (let trial = 0; trial < 3; trial++) {
      await writeFile(`${file}.lock`, holder({ pid: 999_999_999 - trial }));
      const outs = await Promise.all(Array.from({ length: 6 }, () => lockChild(file, 300)));
      const held = outs.filter((o) => o.startsWith("held ")).map((o) => o.split(" ").slice(1).map(Number));
      expect(held.length, outs.join("\n")).to.be.at.least(1);
      held.sort((a, b) => a[0]! - b[0]!);
      for (let i = 1; i < held.length; i++) {
        expect(held[i]![0], `two holders at once: ${outs.join("\n")}`).to.be.at.least(held[i - 1]![1]!);
      }
      for (const o of outs.filter((o) => !o.startsWith("held ")))
        expect(o).to.match(/^refused .*a job is already running on it/);
      expect(await readdir(path.dirname(file))).to.deep.equal([]);
    }
  });

  it("locks what a symbolic link names, and a folder by its .lock, making a missing folder only when asked to", async function () {
    const file = await lockedFile();
    const alias = path.join(path.dirname(file), "alias.jsonl");
    await writeFile(file, "");
    await symlink(file, alias);
    const release = await lockFile(file, "a job");
    await refusal(lockFile(alias, "a job")); // one journal, one lock, by either name
    await release();
    const later = path.join(path.dirname(file), "later.jsonl");
    const early = path.join(path.dirname(file), "early.jsonl");
    await symlink(later, early); // a link to a journal not written yet names that journal too
    const first = await lockFile(early, "a job");
    await refusal(lockFile(later, "a job"));
    await first();
    const parent = path.dirname(await lockedFile());
    const missing = path.join(parent, "data");
    await (
      await lockFolder(missing, "a command")
    )(); // nothing there to protect: not made for its lock
    expect(await readdir(parent)).to.deep.equal([]);
    const held = await lockFolder(missing, "a command", { create: true });
    expect(await readdir(missing)).to.deep.equal([".lock"]);
    expect((await refusal(lockFolder(missing, "a command"))).message).to.match(
      new RegExp(`^${missing}: a command is already running on it \\(process ${process.pid} on this host`),
    );
    await held();
    expect(await readdir(missing)).to.deep.equal([]);
  });

  it("refuses a lock it cannot check or did not write, saying which file to remove, and leaves it", async function () {
    const file = await lockedFile();
    const lock = `${file}.lock`;
    const hint = `wait for it to end, or remove ${lock} if it is not running`;
    await writeFile(lock, holder({ pid: 1, host: "ward-7-server", boot: "0c0c0c0c-0000-4000-8000-000000000000" }));
    expect((await refusal(lockFile(file, "a job"))).message).to.equal(
      `${file}: a job is already running on it (process 1 on host ward-7-server since 2026-01-01T00:00:00.000Z); ${hint}`,
    );
    await writeFile(lock, holder({ pid: process.pid, pidns: "pid:[1]" })); // another container here
    expect((await refusal(lockFile(file, "a job"))).message).to.include(
      `on this host since 2026-01-01T00:00:00.000Z); ${hint}`,
    );
    // a holder whose /proc was not its own (a sandbox): its pid means nothing here
    await writeFile(lock, holder({ pid: process.pid, boot: null, pidns: null, start: null }));
    expect((await refusal(lockFile(file, "a job"))).message).to.include(
      `on this host since 2026-01-01T00:00:00.000Z); ${hint}`,
    );
    // another machine of this host name (a cloned image on a shared folder), since this boot began
    await writeFile(lock, holder({ pid: process.pid, boot: "0d0d0d0d-0000-4000-8000-000000000000", machine: "other" }));
    expect((await refusal(lockFile(file, "a job"))).message).to.include(
      `on this host since 2026-01-01T00:00:00.000Z); ${hint}`,
    );
    for (const [make, what] of [
      [() => writeFile(lock, ""), "an empty file"],
      [() => writeFile(lock, holder({ pid: 0 })), "pid 0"],
      [() => writeFile(lock, "x".repeat(10_000)), "a large file"],
      [() => mkdir(lock), "a folder"],
      [() => symlink(path.join(path.dirname(file), "nowhere"), lock), "a dangling link"],
      [() => execFileSync("mkfifo", [lock]), "a FIFO"],
    ] as const) {
      await rm(lock, { recursive: true, force: true });
      await make();
      expect((await refusal(lockFile(file, "a job"))).message, what).to.equal(
        `${file}: a job is already running on it (its lock ${lock} is not one this program wrote); ${hint}`,
      );
    }
  });
});
