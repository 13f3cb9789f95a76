import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
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
