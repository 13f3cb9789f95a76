import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import hre, { network } from "hardhat";

import { resolveNamedAccount } from "../../src/chain/accounts.js";
import { MIN_PROGRESS_ITEMS, runTask, toJson, type TaskIo } from "../../src/chain/cli.js";
import { MedChainError, negativeVerdict } from "../../src/chain/errors.js";
import { connectHardhat } from "../../src/chain/hardhat.js";

const { ethers } = await network.create();

/** Runs a task body with stdout and stderr captured; returns what each got and the exit code. */
async function captured(
  json: boolean,
  body: (io: TaskIo) => Promise<{ result?: unknown; verdict?: "negative" } | void>,
) {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const log = console.log;
  const error = console.error;
  const before = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => void out.push(a.join(" ") + "\n");
  console.error = (...a: unknown[]) => void err.push(a.join(" ") + "\n");
  try {
    await runTask({ json }, body);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    console.log = log;
    console.error = error;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = before;
  return { out: out.join(""), err: err.join(""), code };
}

async function accountsFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "medchain-accounts-"));
  const file = path.join(dir, "medchain.accounts.json");
  await writeFile(file, JSON.stringify(content));
  return file;
}

describe("command line output", function () {
  it("prints the task's lines in human mode and exits 0", async function () {
    const r = await captured(false, async (io) => {
      io.say("anchored 3 records");
      return { result: { anchored: 3 } };
    });
    expect(r).to.deep.equal({ out: "anchored 3 records\n", err: "", code: 0 });
  });

  it("prints exactly one JSON document and nothing else under --json, with bigints as strings", async function () {
    const r = await captured(true, async (io) => {
      io.say("not shown");
      const p = io.progress("anchoring", 100);
      p.tick(100);
      p.stop();
      return { result: { gas: 57158n, leaf: new Uint8Array([1, 255]) } };
    });
    expect(r.err).to.equal("");
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.equal({ ok: true, result: { gas: "57158", leaf: "0x01ff" } });
    expect(r.out.trim().split("\n")).to.have.length(1);
  });

  it("exits 2 for a negative verdict, and says so in the JSON document", async function () {
    const human = await captured(false, async (io) => {
      io.say("TAMPERED: the record does not match its commitment");
      return { verdict: "negative" };
    });
    expect(human.code).to.equal(2);
    const json = await captured(true, async () => ({ verdict: "negative", result: { verdict: "TAMPERED" } }));
    expect(json.code).to.equal(2);
    expect(JSON.parse(json.out)).to.deep.equal({ ok: false, verdict: "negative", result: { verdict: "TAMPERED" } });
  });

  it("turns an error into one stderr line with its kind's exit code, or into the JSON error document", async function () {
    const fail = async () => {
      throw new MedChainError("--until: 2026-02-30 is not a date", { field: "--until" });
    };
    const human = await captured(false, fail);
    expect(human).to.deep.equal({ out: "", err: "error: --until: 2026-02-30 is not a date\n", code: 1 });
    const json = await captured(true, fail);
    expect(json.code).to.equal(1);
    expect(JSON.parse(json.out)).to.deep.equal({
      ok: false,
      error: {
        kind: "BAD_INPUT",
        message: "--until: 2026-02-30 is not a date",
        exitCode: 1,
        where: { field: "--until" },
      },
    });
    const negative = await captured(false, async () => {
      throw negativeVerdict("UNKNOWN: no such pack");
    });
    expect(negative.code).to.equal(2);
  });

  it("shows no progress for small jobs, and periodic lines on stderr without a terminal", async function () {
    const small = await captured(false, async (io) => {
      const p = io.progress("job", MIN_PROGRESS_ITEMS - 1);
      p.tick(MIN_PROGRESS_ITEMS - 1);
      p.stop();
    });
    expect(small.err).to.equal("");
    const big = await captured(false, async (io) => {
      const p = io.progress("job", 40);
      p.tick(40);
      io.say("done");
      p.stop();
      p.stop();
    });
    expect(big.out).to.equal("done\n");
    expect(big.err).to.equal("job: 40/40 (100%)\n");
  });

  it("writes chain values as JSON without loss", function () {
    expect(toJson({ a: 2n ** 200n, m: new Map([["k", 1n]]), s: new Set([1]) })).to.equal(
      `{"a":"${(2n ** 200n).toString()}","m":{"k":"1"},"s":[1]}`,
    );
  });
});

describe("named accounts", function () {
  afterEach(function () {
    delete process.env.MEDCHAIN_ACCOUNTS;
  });

  it('finds a name for the network first, then under "*"', async function () {
    process.env.MEDCHAIN_ACCOUNTS = await accountsFile({
      default: { "hospital-a": 4 },
      "*": { insurer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "hospital-a": 9 },
      consortium: { "hospital-a": { keystore: "HOSPITAL_A_KEY" } },
    });
    expect(await resolveNamedAccount("/nowhere", "default", "hospital-a")).to.deep.equal({ index: 4 });
    expect(await resolveNamedAccount("/nowhere", "default", "insurer")).to.deep.equal({
      address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    });
    expect(await resolveNamedAccount("/nowhere", "consortium", "hospital-a")).to.deep.equal({
      keystore: "HOSPITAL_A_KEY",
    });
  });

  it("refuses an unknown name, listing the known ones, and a malformed file naming the field", async function () {
    process.env.MEDCHAIN_ACCOUNTS = await accountsFile({ default: { lab: 6, "hospital-a": 4 } });
    const unknown = await resolveNamedAccount("/nowhere", "default", "hospital-z").catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(MedChainError);
    expect((unknown as MedChainError).message).to.match(
      /^--as: no account named "hospital-z" for network "default" in .*medchain\.accounts\.json \(known: hospital-a, lab\)$/,
    );
    process.env.MEDCHAIN_ACCOUNTS = await accountsFile({ default: { lab: "0x1234" } });
    const bad = await resolveNamedAccount("/nowhere", "default", "lab").catch((e: unknown) => e);
    expect((bad as MedChainError).kind).to.equal("BAD_INPUT");
    expect((bad as MedChainError).message).to.include("default.lab");
  });

  it("signs as the named account, and refuses --as with --from or an index the network lacks", async function () {
    const signers = await ethers.getSigners();
    process.env.MEDCHAIN_ACCOUNTS = await accountsFile({ default: { "hospital-a": 4, ghost: 500 } });
    const conn = await connectHardhat(hre, { as: "hospital-a" });
    expect(await conn.signer!.getAddress()).to.equal(signers[4]!.address);
    const both = await connectHardhat(hre, { as: "hospital-a", from: signers[1]!.address }).catch((e: unknown) => e);
    expect((both as MedChainError).message).to.equal("--as: give either --as or --from, not both");
    const ghost = await connectHardhat(hre, { as: "ghost" }).catch((e: unknown) => e);
    expect((ghost as MedChainError).message).to.equal(
      '--as: the account named "ghost" is not one of the accounts of network "default"',
    );
  });

  it("names every role of the README in the committed accounts file for the development networks", async function () {
    for (const name of ["certifier", "governor-1", "hospital-a", "hospital-b", "lab", "insurer", "regulator"]) {
      expect(await resolveNamedAccount(hre.config.paths.root, "localhost", name)).to.have.property("index");
    }
  });
});
