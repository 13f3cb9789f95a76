import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { requestQuery } from "../../src/genomics/client.js";
import { seededRandom } from "../../src/genomics/random.js";
import { aggregatorStep, exchangePaths, labStep, publishQueryFile, verifyResult } from "../../src/genomics/workflow.js";
import { GRU, RULES, ZERO, loadGenomics, sites, variantList, type GenomicsFixture } from "./fixture.js";
import { asSigner } from "../../src/genomics/connect.js";

async function setUp(fx: GenomicsFixture) {
  const dir = await mkdtemp(path.join(tmpdir(), "medchain-genomics-"));
  const versions = fx.versions.map((v) => v.versionId);
  const keys = variantList(6);
  const { queryId, file } = await requestQuery(fx.labs[0].c, { versions, purpose: GRU, variantKeys: keys });
  await publishQueryFile(dir, file);
  const rng = seededRandom("workflow");
  const lab = (i: number) =>
    labStep(fx.labs[i]!.c, {
      dir,
      stateDir: path.join(dir, `state-${i}`),
      versionId: fx.versions[i]!.versionId,
      lab: fx.labs[i]!.id,
      counts: sites(i + 1),
      rng,
    });
  const aggregator = asSigner(fx.labs[0].c, fx.aggregator);
  return { dir, queryId, lab, aggregator };
}

/** A query run through all four rounds by all three labs: its result published. */
async function published(fx: GenomicsFixture) {
  const world = await setUp(fx);
  for (let round = 0; round < 4; round++) {
    for (const i of [0, 1, 2]) await world.lab(i);
    await aggregatorStep(world.aggregator, { dir: world.dir });
  }
  return world;
}

describe("genomics workflow (query rounds through the exchange folder, on chain)", function () {
  it("runs a query from request to a published, verified result", async function () {
    const fx = await loadGenomics();
    const { dir, queryId, lab, aggregator } = await setUp(fx);
    for (const i of [0, 1, 2]) expect(await lab(i)).to.equal("joined");
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("participants");
    for (const i of [0, 1, 2]) expect(await lab(i)).to.equal("shared");
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("u1");
    for (const i of [0, 1, 2]) expect(await lab(i)).to.equal("contributed");
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("survivors");
    for (const i of [0, 1, 2]) expect(await lab(i)).to.equal("unmasked");
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("published");
    expect(await lab(0)).to.equal("done");
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("done");

    const v = await verifyResult(fx.labs[2].c, dir);
    expect(v.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(v.ok).to.equal(true);
    const q = await fx.queries.queryOf(queryId);
    // Lab 0 asked: its own contribution is charged but counts for no one.
    expect([q.status, q.contributedLabs]).to.deep.equal([3n, 2n]);
    for (const d of fx.versions) {
      const b = await fx.queries.budgetOf(d.datasetKey);
      expect([b.consumed, b.reserved]).to.deep.equal([RULES.costPerQuery + RULES.costPerCell * 6n, 0n]);
    }
  });

  it("fails verification when the release or a masked vector is altered after publication", async function () {
    const fx = await loadGenomics();
    const { dir } = await published(fx);
    const p = exchangePaths(dir);
    const table = JSON.parse(await readFile(p.release, "utf8")) as { cells: Array<{ an: number }> };
    table.cells[0]!.an += 10;
    await writeFile(p.release, JSON.stringify(table));
    let v = await verifyResult(fx.labs[0].c, dir);
    expect(v.ok).to.equal(false);
    expect(v.checks.find((c) => !c.ok)?.check).to.match(/released table/);

    const transcript = JSON.parse(await readFile(p.transcript, "utf8")) as { masked: Array<{ vector: string }> };
    const bytes = Buffer.from(transcript.masked[0]!.vector, "base64");
    bytes[0] = bytes[0]! ^ 1;
    transcript.masked[0]!.vector = bytes.toString("base64");
    await writeFile(p.transcript, JSON.stringify(transcript));
    v = await verifyResult(fx.labs[0].c, dir);
    expect(v.checks.filter((c) => !c.ok).map((c) => c.check)).to.include.members([
      "each masked vector is the one its lab recorded on chain",
      "the masked inputs sum to the published aggregate",
    ]);
  });

  it("refuses malformed public files of a published result with a GenomicsInputError naming the file and field (not a TypeError or RangeError)", async function () {
    const fx = await loadGenomics();
    const { dir } = await published(fx);
    const p = exchangePaths(dir);
    const good = {
      query: await readFile(p.query, "utf8"),
      transcript: await readFile(p.transcript, "utf8"),
      release: await readFile(p.release, "utf8"),
    };
    const transcript = JSON.parse(good.transcript) as { masked: Array<{ vector: string; versionId: unknown }> };
    const cases: Array<[keyof typeof good, unknown, RegExp]> = [
      ["query", { queryId: "x", variantKeys: [] }, /queryId/],
      ["query", { ...JSON.parse(good.query), variantKeys: undefined }, /variantKeys/],
      ["transcript", {}, /context/],
      ["transcript", null, /Expected object/],
      ["transcript", { ...transcript, masked: [{ ...transcript.masked[0], versionId: 5 }] }, /masked\[0\]\.versionId/],
      ["release", { ...JSON.parse(good.release), rulesVersion: "abc" }, /rulesVersion/],
      [
        "transcript",
        { ...transcript, context: { ...JSON.parse(good.transcript).context, chainId: "zz" } },
        /context\.chainId/,
      ],
      [
        "transcript",
        { ...transcript, context: { ...JSON.parse(good.transcript).context, queries: "nope" } },
        /context\.queries/,
      ],
    ];
    for (const [which, value, field] of cases) {
      await writeFile(p[which], JSON.stringify(value));
      const err = await verifyResult(fx.labs[0].c, dir).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.name, `${which}: ${JSON.stringify(value)}`).to.equal("GenomicsInputError");
      expect(err!.message).to.include(p[which]).and.match(field);
      await writeFile(p[which], good[which]);
    }
    // a vector of bytes that are not whole uint32 words: refused by the one reader of masked vectors
    await writeFile(
      p.transcript,
      JSON.stringify({ ...transcript, masked: [{ ...transcript.masked[0], vector: "AAA=" }] }),
    );
    const err = await verifyResult(fx.labs[0].c, dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(/not whole uint32 words/);
    // a vector of 900,000 words (a query of 450,000 variants): checked in linear time, not by a regex
    // that overflows its stack on megabytes, and then simply not the one recorded on chain
    const huge = Buffer.alloc(8 * 450_000).toString("base64");
    await writeFile(
      p.transcript,
      JSON.stringify({ ...transcript, masked: [{ ...transcript.masked[0], vector: huge }] }),
    );
    const v = await verifyResult(fx.labs[0].c, dir);
    expect(v.ok).to.equal(false);
    expect(v.checks.find((c) => !c.ok)?.check).to.match(/masked vector|transcript/);
  });

  it("completes with a lab that shared its keys but never sent its masked vector, and returns its budget", async function () {
    const fx = await loadGenomics();
    const { dir, queryId, lab, aggregator } = await setUp(fx);
    for (const i of [0, 1, 2]) await lab(i); // join
    await aggregatorStep(aggregator, { dir });
    for (const i of [0, 1, 2]) await lab(i); // share
    await aggregatorStep(aggregator, { dir }); // U1 = all three
    await lab(1);
    await lab(2); // lab 0 (the requester's own lab) drops out here: the two others still make a result
    const s = await aggregatorStep(aggregator, { dir });
    expect(s.detail).to.equal("2 of 3 participants sent their masked input");
    await lab(1);
    await lab(2);
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("published");
    expect((await verifyResult(fx.labs[2].c, dir)).ok).to.equal(true);
    expect((await fx.queries.contributionOf(queryId, fx.versions[0].versionId)) === ZERO).to.equal(true);
    expect((await fx.queries.budgetOf(fx.versions[0].datasetKey)).reserved).to.equal(0n);
    expect((await fx.queries.budgetOf(fx.versions[0].datasetKey)).consumed).to.equal(0n);
  });

  it("refuses to mask against a U1 other than the one fixed on chain, or without enough labs besides the requester's", async function () {
    const fx = await loadGenomics();
    const { dir, queryId, lab, aggregator } = await setUp(fx);
    for (let round = 0; round < 2; round++) {
      for (const i of [0, 1, 2]) await lab(i);
      await aggregatorStep(aggregator, { dir });
    }
    expect((await fx.queries.queryOf(queryId)).participantsDigest).to.not.equal(ZERO);
    const p = exchangePaths(dir);
    const honest = await readFile(p.u1, "utf8");
    const u1 = JSON.parse(honest) as Array<{ versionId: string }>;
    await writeFile(p.u1, JSON.stringify(u1.filter((a) => a.versionId === fx.versions[1]!.versionId)));
    const refusal = async (i: number) => {
      try {
        await lab(i);
      } catch (err) {
        return (err as Error).message;
      }
      return "masked";
    };
    expect(await refusal(1)).to.equal("masking refused: U1 (u1.json) differs from the participant list fixed on chain");
    expect((await fx.queries.contributionOf(queryId, fx.versions[1]!.versionId)) === ZERO).to.equal(true);
    await writeFile(p.u1, honest);
    expect(await lab(1)).to.equal("contributed");
  });

  it("unmasks only after contributions close on chain, and answers once from the lab's own state", async function () {
    const fx = await loadGenomics();
    const { dir, queryId, lab, aggregator } = await setUp(fx);
    for (let round = 0; round < 2; round++) {
      for (const i of [0, 1, 2]) await lab(i);
      await aggregatorStep(aggregator, { dir });
    }
    for (const i of [0, 1, 2]) await lab(i);
    const p = exchangePaths(dir);
    const all = fx.versions.map((v) => v.versionId);
    await writeFile(p.survivors, JSON.stringify(all)); // named without closing contributions on chain
    let error: unknown;
    try {
      await lab(1);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("waiting: the aggregator has not closed the contributions on chain yet");
    await rm(p.survivors);
    expect((await aggregatorStep(aggregator, { dir })).step).to.equal("survivors");
    expect((await fx.queries.queryOf(queryId)).contributionsClosed).to.equal(true);
    expect(await lab(1)).to.equal("unmasked");
    const first = await readFile(p.unmask(all[1]!), "utf8");
    await rm(p.unmask(all[1]!)); // the aggregator deletes the answer and asks again
    expect(await lab(1)).to.equal("unmasked");
    expect(JSON.parse(await readFile(p.unmask(all[1]!), "utf8"))).to.deep.equal(JSON.parse(first));
    expect(await lab(1)).to.equal("done");
  });

  it("waits when only the requester's own lab and one other sent masked inputs", async function () {
    const fx = await loadGenomics();
    const { dir, lab, aggregator } = await setUp(fx);
    for (let round = 0; round < 2; round++) {
      for (const i of [0, 1, 2]) await lab(i);
      await aggregatorStep(aggregator, { dir });
    }
    await lab(0);
    await lab(1); // lab 2 drops out: lab 0 knows its own input, so one other lab's counts would be exposed
    let error: unknown;
    try {
      await aggregatorStep(aggregator, { dir });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal(
      "waiting: 1 of at least 2 labs besides the requester's sent masked inputs",
    );
  });

  it("refuses keys the aggregator substituted, and a survivor list that differs from the chain", async function () {
    const fx = await loadGenomics();
    const { dir, lab, aggregator } = await setUp(fx);
    for (const i of [0, 1, 2]) await lab(i);
    await aggregatorStep(aggregator, { dir });
    const p = exchangePaths(dir);
    const honest = await readFile(p.participants, "utf8");
    const ads = JSON.parse(honest) as Array<{ sPk: string }>;
    ads[1]!.sPk = ads[0]!.sPk; // the aggregator swaps in a key it knows
    await writeFile(p.participants, JSON.stringify(ads));
    let error: unknown;
    try {
      await lab(2);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.match(
      /^keys of 0x[0-9a-f]{64}: not signed by the account that advertised them$/,
    );
    await writeFile(p.participants, honest);
    for (const i of [0, 1, 2]) await lab(i);
    await aggregatorStep(aggregator, { dir });
    for (const i of [0, 1, 2]) await lab(i);
    await aggregatorStep(aggregator, { dir });
    const survivors = JSON.parse(await readFile(p.survivors, "utf8")) as string[];
    await writeFile(p.survivors, JSON.stringify(survivors.slice(0, 2))); // "the third one dropped"
    try {
      await lab(0);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal(
      "unmasking refused: the survivor list differs from the contributions on chain",
    );
  });

  it("says what it waits for instead of running a step early", async function () {
    const fx = await loadGenomics();
    const { dir, lab, aggregator } = await setUp(fx);
    await lab(0);
    await lab(1);
    let error: unknown;
    try {
      await aggregatorStep(aggregator, { dir });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("waiting: 1 of at least 2 labs besides the requester's advertised keys");
    try {
      await lab(1);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.match(/^waiting: the participant list/);
  });
});
