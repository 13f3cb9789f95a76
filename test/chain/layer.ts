import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Fragment, type JsonFragment } from "ethers";
import { network } from "hardhat";
import { z } from "zod";

import { knownAbiCounts } from "../../src/chain/abi.js";
import { makePrivateFolder, writeFileAtomic, writeFilesAtomic } from "../../src/chain/atomic-write.js";
import { connect, openContract } from "../../src/chain/connection.js";
import { EXIT_CODES, isNodeBehind, MedChainError, toMedChainError, type ErrorKind } from "../../src/chain/errors.js";
import { findDuplicateKey, parseJsonText, readEach, readJsonFile, readJsonFileAs } from "../../src/chain/files.js";
import { connectHardhat } from "../../src/chain/hardhat.js";
import { memberIdFromCode, memberRef, parseMemberRef } from "../../src/chain/members.js";
import { checkSecret } from "../../src/chain/secrets.js";
import { findEvent, sendTx } from "../../src/chain/send.js";
import { parseAddress, parseDate } from "../../src/chain/values.js";
import hre from "hardhat";

const { ethers } = await network.create();

function thrown(fn: () => unknown): MedChainError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(MedChainError);
    return err as MedChainError;
  }
  throw new Error("expected an error");
}

async function rejected(promise: Promise<unknown>): Promise<MedChainError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(MedChainError);
    return err as MedChainError;
  }
  throw new Error("expected an error");
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const f = path.join(await mkdtemp(path.join(tmpdir(), "medchain-files-")), name);
  await writeFile(f, content);
  return f;
}

describe("Chain layer: member references", function () {
  it("turns a registration code into its member id and keeps the code beside it", function () {
    expect(memberRef("HOSP-0001", "--member")).to.deep.equal({ id: memberIdFromCode("HOSP-0001"), code: "HOSP-0001" });
  });

  it("accepts a 32-byte id in any case, as lower case", function () {
    const id = memberIdFromCode("LAB-7");
    expect(parseMemberRef(id.toUpperCase().replace("0X", "0x"))).to.equal(id);
  });

  it("refuses a mistyped 0x id instead of hashing it as a code", function () {
    const e = thrown(() => parseMemberRef("0x5fa60b11ab4dbe3e2cf5f38acba63364763200", "--to"));
    expect(e.message).to.equal('--to: "0x5fa60b11ab4dbe3e2cf5f38acba63364763200" is not a 32-byte member id');
    expect(e.kind).to.equal("BAD_INPUT");
    expect(e.where).to.deep.equal({ field: "--to" });
    expect(thrown(() => parseMemberRef("0X" + "ab".repeat(32), "--to")).message).to.match(/not a 32-byte member id/);
  });

  it("refuses an id without its 0x, an empty value, spaces at an end and control characters", function () {
    expect(thrown(() => parseMemberRef("ab".repeat(32), "m")).message).to.equal(
      `m: "${"ab".repeat(32)}" looks like a member id without its 0x prefix`,
    );
    expect(thrown(() => parseMemberRef("", "m")).message).to.equal(
      "m: a member id (0x + 64 hex digits) or registration code is required",
    );
    expect(thrown(() => parseMemberRef(" HOSP-1", "m")).message).to.equal('m: " HOSP-1" has spaces at an end');
    expect(thrown(() => parseMemberRef("HOSP\u00071", "m")).message).to.equal("m: contains a control character");
  });
});

describe("Chain layer: values and secrets", function () {
  it("parses dates at UTC midnight, refuses impossible ones and years before 1970", function () {
    expect(parseDate("2030-01-01", "--until")).to.equal(1893456000n);
    expect(thrown(() => parseDate("2026-02-30", "--until")).message).to.equal(
      '--until: "2026-02-30" is not a date (YYYY-MM-DD or unix seconds)',
    );
    expect(thrown(() => parseDate("2026-13-01", "--until")).message).to.match(/is not a date/);
    expect(thrown(() => parseDate("0099-01-01", "--until")).message).to.equal('--until: "0099-01-01" is before 1970');
  });

  it("checksums addresses and refuses a bad checksum", function () {
    expect(parseAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")).to.equal(
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    );
    expect(thrown(() => parseAddress("0x70997970C51812DC3A010C7D01B50E0D17DC79c8", "--account")).message).to.match(
      /^--account: .* is not an address$/,
    );
  });

  it("checks a secret's form and names the secret, never its value", function () {
    expect(checkSecret("MEDCHAIN_HOSPITAL_KEY", "0x" + "11".repeat(32))).to.equal("0x" + "11".repeat(32));
    const e = thrown(() => checkSecret("MEDCHAIN_HOSPITAL_KEY", "0x1234-secret"));
    expect(e.message).to.equal("MEDCHAIN_HOSPITAL_KEY: must be 32 bytes of hex (0x + 64 digits)");
    expect(e.message).to.not.include("secret");
    expect(thrown(() => checkSecret("S", "short", { kind: "text", minBytes: 16 })).message).to.equal(
      "S: must be at least 16 bytes long",
    );
    expect(thrown(() => checkSecret("S", undefined)).message).to.equal("S: is not set");
  });
});

describe("Chain layer: JSON files", function () {
  it("accepts a UTF-8 byte-order mark", async function () {
    const f = await file(
      "bom.json",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"resourceType":"Patient"}')]),
    );
    expect(await readJsonFile(f)).to.deep.equal({ resourceType: "Patient" });
  });

  it("refuses a duplicate key with its path, line and column", async function () {
    const f = await file(
      "dup.json",
      '{\n  "entry": [{}, {"resource": {"status": "final", "status": "entered-in-error"}}]\n}',
    );
    const e = await rejected(readJsonFile(f));
    expect(e.message).to.equal(`${f}: entry[1].resource.status: duplicate key "status" (line 2, column 50)`);
    expect(e.where).to.deep.equal({ file: f, field: "entry[1].resource.status" });
  });

  it("sees a duplicate written with an escape, and allows the same key in sibling objects", function () {
    expect(findDuplicateKey('{"a": 1, "\\u0061": 2}')?.key).to.equal("a");
    expect(findDuplicateKey('[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]')).to.equal(undefined);
    expect(findDuplicateKey('{"weird key": {"x": 1, "x": 2}}')?.path).to.deep.equal(["weird key", "x"]);
  });

  it("names the file for syntax errors, invalid UTF-8, a missing file, a folder and an oversized file", async function () {
    expect(thrown(() => parseJsonText("{,}", "a.json")).message).to.match(/^a\.json: is not JSON: .*position 1/);
    expect((await rejected(readJsonFile(await file("latin1.json", Buffer.from([0x22, 0xe9, 0x22]))))).message).to.match(
      /: is not valid UTF-8 text$/,
    );
    expect((await rejected(readJsonFile("/no/such/file.json"))).message).to.equal("/no/such/file.json: no such file");
    expect((await rejected(readJsonFile(tmpdir()))).message).to.equal(`${tmpdir()}: is a folder, not a file`);
    const big = await file("big.json", JSON.stringify({ pad: "x".repeat(2000) }));
    expect((await rejected(readJsonFile(big, { maxBytes: 1000 }))).message).to.match(
      /: is 20\d\d bytes, more than the limit of 1000$/,
    );
  });

  it("reads many files in their order, stopping at the first failure, and lets the event loop run in between", async function () {
    const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const seen: string[] = [];
    const read = (name: string) => {
      seen.push(name);
      const until = performance.now() + 1; // each read takes a millisecond of work
      while (performance.now() < until);
      if (name === "f7" || name === "f30") throw new Error(`bad ${name}`);
      return name.toUpperCase();
    };
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      expect(await readEach(names.slice(8, 30), read, 5)).to.deep.equal(names.slice(8, 30).map((n) => n.toUpperCase()));
    } finally {
      clearInterval(timer);
    }
    expect(turns).to.be.greaterThan(0); // 22 ms of reads gave timers a turn
    seen.length = 0;
    await readEach(names, read).then(
      () => expect.fail("expected a failure"),
      (err: Error) => expect(err.message).to.equal("bad f7"),
    );
    expect(seen).to.deep.equal(names.slice(0, 8)); // nothing read after the failure
    expect(await readEach([], read)).to.deep.equal([]);
  });

  it("checks a schema and names the field", async function () {
    const f = await file("plan.json", '{"plan": {"deductible": "ten"}}');
    const schema = z.object({ plan: z.object({ deductible: z.number() }) });
    expect((await rejected(readJsonFileAs(f, schema))).message).to.equal(
      `${f}: plan.deductible: Expected number, received string`,
    );
  });
});

describe("Chain layer: private files", function () {
  it("writes files owner-only by default and creates folders no other local account may enter", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "medchain-private-"));
    const folder = path.join(dir, "a", "b");
    await makePrivateFolder(folder);
    const file = path.join(folder, "record.json");
    await writeFile(file, "old\n", { mode: 0o644 });
    await writeFileAtomic(file, "{}\n"); // replaces a world-readable file with an owner-only one
    const mode = async (p: string) => (await stat(p)).mode & 0o777;
    expect([await mode(path.join(dir, "a")), await mode(folder), await mode(file)]).to.deep.equal([
      0o700, 0o700, 0o600,
    ]);
  });

  it("writes a batch of files each whole with its own mode, and on a failure leaves no temporary file behind", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "medchain-atomic-"));
    const files = Array.from({ length: 20 }, (_, i) => ({
      file: path.join(dir, `f${i}.json`),
      text: `${JSON.stringify({ i })}\n`,
      mode: i % 2 === 0 ? 0o600 : 0o644,
    }));
    const umask = process.umask(0o022);
    try {
      await writeFilesAtomic(files, 4);
    } finally {
      process.umask(umask);
    }
    for (const f of files) {
      expect(await readFile(f.file, "utf8")).to.equal(f.text);
      expect((await stat(f.file)).mode & 0o777).to.equal(f.mode);
    }
    const before = (await readdir(dir)).sort();
    // one file of the batch cannot be written (its folder does not exist): nothing is renamed, nothing left over
    const broken = [
      { file: path.join(dir, "f0.json"), text: "new\n" },
      { file: path.join(dir, "missing", "x.json"), text: "x\n" },
    ];
    await writeFilesAtomic(broken).then(
      () => expect.fail("expected a failure"),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal("ENOENT"),
    );
    expect((await readdir(dir)).sort()).to.deep.equal(before);
    expect(await readFile(files[0]!.file, "utf8")).to.equal(files[0]!.text);
    // a rename that fails (the target is a folder): the files renamed before it stand, no temporary file stays
    await mkdir(path.join(dir, "folder.json"));
    const renaming = [
      { file: path.join(dir, "f1.json"), text: "one\n" },
      { file: path.join(dir, "folder.json"), text: "x\n" },
      { file: path.join(dir, "f2.json"), text: "two\n" },
    ];
    await writeFilesAtomic(renaming).then(
      () => expect.fail("expected a failure"),
      (err: NodeJS.ErrnoException) => expect(err.code).to.be.oneOf(["EISDIR", "ENOTEMPTY", "EEXIST"]),
    );
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    expect(await readFile(path.join(dir, "f1.json"), "utf8")).to.equal("one\n");
    expect(await readFile(path.join(dir, "f2.json"), "utf8")).to.equal(files[2]!.text);
  });
});

describe("Chain layer: errors", function () {
  it("maps every kind to its documented exit code", function () {
    expect(EXIT_CODES).to.deep.equal({ BAD_INPUT: 1, NEGATIVE_VERDICT: 2, REFUSED: 3, UNREACHABLE: 4, INTERNAL: 5 });
    const kinds: ErrorKind[] = ["BAD_INPUT", "NEGATIVE_VERDICT", "REFUSED", "UNREACHABLE", "INTERNAL"];
    expect(kinds.map((kind) => new MedChainError("x", { kind }).exitCode)).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it("knows the custom errors and events of every compiled contract", function () {
    const { errors, events } = knownAbiCounts();
    expect(errors).to.be.greaterThan(50);
    expect(events).to.be.greaterThan(30);
  });

  it("compiles only ABIs whose every fragment ethers and Ignition can parse (no contract-typed library parameter)", async function () {
    const names = [...(await hre.artifacts.getAllFullyQualifiedNames())].filter((name) =>
      name.startsWith("contracts/"),
    );
    expect(names.length).to.be.greaterThan(20);
    const unparsable: string[] = [];
    for (const name of names) {
      const { abi } = await hre.artifacts.readArtifact(name);
      for (const item of abi as JsonFragment[]) {
        try {
          Fragment.from(item);
        } catch {
          unparsable.push(`${name}: ${item.type} ${item.name ?? ""}`);
        }
      }
    }
    expect(unparsable).to.deep.equal([]);
  });

  it("calls a node's own 'behind the block' answer UNREACHABLE, never a contract revert whose reason says the same", function () {
    const behind = { code: -32000, message: "header not found" };
    expect(isNodeBehind(behind)).to.equal(true);
    expect(
      isNodeBehind({ code: -32603, message: "BlockOutOfRangeError: block height is 9 but requested was 8" }),
    ).to.equal(true);
    const revertData = "0x08c379a0" + "00".repeat(96);
    for (const revert of [
      { code: 3, message: "execution reverted: header not found", data: revertData },
      { code: -32000, message: "header not found", data: revertData },
      { code: -32000, message: "execution reverted: unknown block" },
      { code: -32000, message: "missing trie node 0xabc (path )" },
    ]) {
      expect(isNodeBehind(revert), revert.message).to.equal(false);
      const err = Object.assign(new Error("missing revert data"), { code: "CALL_EXCEPTION", info: { error: revert } });
      expect(toMedChainError(err).kind, revert.message).to.not.equal("UNREACHABLE");
    }
    const lagging = Object.assign(new Error("missing revert data"), {
      code: "CALL_EXCEPTION",
      info: { error: behind },
    });
    expect(toMedChainError(lagging).kind).to.equal("UNREACHABLE");
    expect(toMedChainError(lagging).message).to.equal("the node is unreachable or failing: header not found");
  });

  it("classifies a connection failure as UNREACHABLE and anything unknown as INTERNAL", function () {
    expect(
      toMedChainError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })).kind,
    ).to.equal("UNREACHABLE");
    expect(toMedChainError(new TypeError("x is undefined")).kind).to.equal("INTERNAL");
  });
});

describe("Chain layer: connecting and sending", function () {
  it("refuses an unreachable node at once with UNREACHABLE, without printing the URL's path", async function () {
    const e = await rejected(connect({ rpcUrl: "http://127.0.0.1:1/secret-api-key", timeoutMs: 2000 }));
    expect(e.kind).to.equal("UNREACHABLE");
    expect(e.message).to.match(/^cannot reach the node at http:\/\/127\.0\.0\.1:1\/…: /);
    expect(e.message).to.not.include("secret-api-key");
  });

  it("decodes a node's answers as UTF-8 JSON, batches included, and refuses one that is not JSON or not UTF-8", async function () {
    // a node that answers eth_chainId, then what each test asks of it
    let answer: (body: { method: string; id: number }[] | { method: string; id: number }) => Buffer;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const one = (c: { id: number }) => ({ jsonrpc: "2.0", id: c.id, result: "0x7a69" });
        const isProbe = !Array.isArray(body) && body.method === "eth_chainId";
        res.setHeader("content-type", "application/json");
        res.end(isProbe ? JSON.stringify(one(body)) : answer(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const conn = await connect({ rpcUrl: `http://127.0.0.1:${port}` });
      const provider = conn.provider as unknown as { send(m: string, p: unknown[]): Promise<unknown> };
      const name = "Nœud ✓ 東京 🩺";
      answer = (body) => {
        const calls = Array.isArray(body) ? body : [body];
        const out = calls.map((c) => ({ jsonrpc: "2.0", id: c.id, result: `${name} ${c.method}` }));
        return Buffer.from(JSON.stringify(Array.isArray(body) ? out : out[0]), "utf8");
      };
      const [a, b] = await Promise.all([provider.send("web3_clientVersion", []), provider.send("net_version", [])]);
      expect([a, b]).to.deep.equal([`${name} web3_clientVersion`, `${name} net_version`]);
      answer = () => Buffer.from("<html>bad gateway</html>");
      await provider.send("web3_clientVersion", []).then(
        () => expect.fail("expected a refusal"),
        (err: Error) => expect(err.message).to.match(/not valid JSON/),
      );
      answer = () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"\xff\xfe"}
      await provider.send("web3_clientVersion", []).then(
        () => expect.fail("expected a refusal"),
        (err: Error) => expect(err.message).to.match(/invalid|not valid JSON/i),
      );
    } finally {
      server.close();
    }
  });

  it("refuses a private key of the wrong form without echoing it, and both a signer and a key", async function () {
    const e = await rejected(connect({ provider: ethers.provider, privateKey: "0xnot-a-key" }));
    expect(e.message).to.equal("privateKey: must be 32 bytes of hex (0x + 64 digits)");
    const [signer] = await ethers.getSigners();
    expect(
      (await rejected(connect({ provider: ethers.provider, privateKey: "0x" + "11".repeat(32), signer }))).message,
    ).to.equal("connect: give a signer or a private key, not both");
  });

  it("names the option of a missing or wrong contract address", async function () {
    const conn = await connectHardhat(hre, { addresses: { registry: "0x0000000000000000000000000000000000000001" } });
    expect((await rejected(openContract(conn, "registry"))).message).to.equal(
      `--registry: no contract at 0x0000000000000000000000000000000000000001 on chain ${conn.chainId}`,
    );
    const none = await connectHardhat(hre, { readOnly: true });
    expect((await rejected(openContract({ ...none, deploymentsDir: tmpdir() }, "records"))).message).to.equal(
      `records: no Records#RecordRegistry deployed on chain ${none.chainId}: deploy it with Ignition first or give its address`,
    );
    expect(
      (await rejected(connectHardhat(hre, { from: "0x0000000000000000000000000000000000000002" }))).message,
    ).to.match(/^--from: 0x0+2 is not one of the accounts of network "default"$/);
  });

  it("returns one result for a write: hash, receipt and decoded events; a refusal carries the decoded error", async function () {
    const conn = await connectHardhat(hre);
    const own = conn.network.ethers; // the same embedded chain as the connection
    const [certifier] = await own.getSigners();
    // The registry links its governance library (ConsortiumGovernance).
    const governance = await own.deployContract("ConsortiumGovernance");
    const registry = await own.deployContract(
      "ConsortiumRegistry",
      [certifier!.address, [certifier!.address], 1, 86400],
      { libraries: { ConsortiumGovernance: await governance.getAddress() } },
    );
    const result = await sendTx(conn, registry.pauseModule(ethers.id("medchain.module.records")));
    expect(result.receipt.status).to.equal(1);
    expect(result.hash).to.equal(result.receipt.hash);
    expect(findEvent(result, "ModulePaused")?.args).to.have.property("moduleId", ethers.id("medchain.module.records"));
    const e = await rejected(sendTx(conn, registry.vote(42n)));
    expect(e.kind).to.equal("REFUSED");
    expect(e.revert?.name).to.equal("ConsortiumUnknownProposal");
    expect(e.revert?.args).to.deep.equal({ proposalId: 42n });
    expect(e.message).to.equal("the contract refused: ConsortiumUnknownProposal(proposalId=42)");
  });
});
