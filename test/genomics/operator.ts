import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { asSigner } from "../../src/genomics/connect.js";
import {
  formatEpsilon,
  opAggregate,
  opContribute,
  opInterpret,
  opInterpretations,
  opQueryStatus,
  opRegister,
  opRequest,
  opRules,
  opVerify,
  opVerifyDataset,
  parseEpsilon,
  parseRuleChange,
  readVariantList,
} from "../../src/genomics/operator.js";
import { seededRandom } from "../../src/genomics/random.js";
import { loadGenomics } from "./fixture.js";

const VCF = "test/fixtures/genomics/lab-a.vcf";
const NO_RULE = {
  rule: "",
  budget: "0",
  perQuery: "0",
  perCell: "0",
  minCellCount: "",
  minLabs: "",
  purpose: "",
  kinds: "",
  account: "",
  hours: "",
  member: "",
};

describe("genomics operator commands", function () {
  it("registers a dataset from a VCF, writes its public and private files, and verifies the public one", async function () {
    const fx = await loadGenomics();
    const out = await mkdtemp(path.join(tmpdir(), "medchain-genomics-op-"));
    const lines = await opRegister(fx.labs[0].c, { vcf: VCF, name: "exome-a", uses: "DUO:0000006", lab: "", out });
    expect(lines[0]).to.match(/^registered exome-a version 1 as 0x[0-9a-f]{64} \(tx 0x/);
    expect(lines[1]).to.match(/4 samples, 5 sites/);
    const again = await opRegister(fx.labs[0].c, { vcf: VCF, name: "exome-a", uses: "DUO:0000006", lab: "", out });
    expect(again[0]).to.match(/^registered exome-a version 2/); // a new salt, so a new root: a new version
    const checked = await opVerifyDataset(
      asSigner(fx.labs[1].c, fx.outsider),
      path.join(out, "exome-a-v2.dataset.json"),
    );
    expect(checked.ok).to.equal(true);
    expect(checked.lines[0]).to.match(/^VALID: version 2 of dataset/);
    const old = await opVerifyDataset(fx.labs[1].c, path.join(out, "exome-a-v1.dataset.json"));
    expect([old.ok, old.lines[0]!.split(":")[0]]).to.deep.equal([false, "SUPERSEDED"]);
    const file = path.join(out, "exome-a-v2.dataset.json");
    const tampered = JSON.parse(await readFile(file, "utf8")) as { message: { samples: number } };
    tampered.message.samples = 9999;
    await writeFile(file, JSON.stringify(tampered));
    const bad = await opVerifyDataset(fx.labs[1].c, file);
    expect([bad.ok, bad.lines[0]]).to.deep.equal([false, "INVALID: the signature is not the signer's"]);
    const priv = JSON.parse(await readFile(path.join(out, "private", "exome-a-v1.sites.json"), "utf8"));
    expect(priv.counts.sites).to.have.length(5);
  });

  it("refuses a missing use list and a signer that is no member, in one line", async function () {
    const fx = await loadGenomics();
    const out = await mkdtemp(path.join(tmpdir(), "medchain-genomics-op-"));
    let error: unknown;
    try {
      await opRegister(fx.labs[0].c, { vcf: VCF, name: "x", uses: "", lab: "", out });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("--uses: list the allowed DUO terms, e.g. DUO:0000006");
    try {
      await opRegister(asSigner(fx.labs[0].c, fx.outsider), { vcf: VCF, name: "x", uses: "6", lab: "", out });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("--lab: the signing account belongs to no member");
  });

  it("parses epsilons and rule changes, naming the bad option", function () {
    expect(parseEpsilon("0.05", "x")).to.equal(50_000n);
    expect(parseEpsilon("10", "x")).to.equal(10_000_000n);
    expect(formatEpsilon(24_100_000n)).to.equal("24.1");
    expect(() => parseEpsilon("-1", "per-cell")).to.throw(/^--per-cell: "-1" is not an epsilon/);
    expect(
      parseRuleChange({ ...NO_RULE, rule: "budget", budget: "10", perQuery: "0.1", perCell: "0.05" }),
    ).to.deep.equal({
      rule: "budget",
      budget: 10_000_000n,
      costPerQuery: 100_000n,
      costPerCell: 50_000n,
    });
    expect(parseRuleChange({ ...NO_RULE, rule: "purpose", purpose: "DUO:0000006", kinds: "Hospital" })).to.deep.equal({
      rule: "purpose",
      purpose: 6,
      kinds: 1,
    });
    expect(parseRuleChange({ ...NO_RULE, rule: "window", hours: "24" })).to.deep.equal({
      rule: "window",
      seconds: 86400,
    });
    expect(parseRuleChange({ ...NO_RULE, rule: "expert-panel", member: "none" })).to.deep.equal({
      rule: "expert-panel",
      memberId: "0x" + "00".repeat(32),
    });
    expect(() => parseRuleChange({ ...NO_RULE, rule: "release", minCellCount: "x", minLabs: "2" })).to.throw(
      /^--min-cell-count: "x" is not a whole number/,
    );
    expect(() => parseRuleChange({ ...NO_RULE, rule: "aggregator", account: "0x12" })).to.throw(/^--account/);
    expect(() => parseRuleChange({ ...NO_RULE, rule: "nope" })).to.throw(/^--rule: "nope" is not one of/);
  });

  it("reads variant lists of keys, chr-pos-ref-alt lines or a VCF, with the line of a bad one", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "medchain-genomics-op-"));
    const list = path.join(dir, "variants.txt");
    await writeFile(list, "# BRCA1 sites\nchr19-44908822-C-T\nGRCh38:17-43045750-ATCT-A\n\n");
    expect(await readVariantList(list)).to.deep.equal([
      "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt",
      "GRCh38:17-43045750-ATCT-A",
    ]);
    expect(await readVariantList(VCF)).to.have.length(5);
    await writeFile(list, "chr19-44908822-C-T\nnot-a-variant\n");
    let error: unknown;
    try {
      await readVariantList(list);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal(`${list}:2: "not-a-variant" is not a variant`);
  });

  it("runs request, contribute, aggregate and verify as the operators type them", async function () {
    const fx = await loadGenomics();
    const out = await mkdtemp(path.join(tmpdir(), "medchain-genomics-op-"));
    const exchange = path.join(out, "query");
    const sitesFiles: string[] = [];
    const versions: string[] = [];
    for (const [i, lab] of fx.labs.entries()) {
      const dir = path.join(out, `lab-${i}`);
      const lines = await opRegister(lab.c, {
        vcf: VCF,
        name: "exome",
        uses: "DUO:0000006,DUO:0000042",
        lab: lab.id,
        out: dir,
      });
      versions.push(/as (0x[0-9a-f]{64})/.exec(lines[0]!)![1]!);
      sitesFiles.push(path.join(dir, "private", "exome-v1.sites.json"));
    }
    const request = await opRequest(fx.labs[0].c, {
      versions: versions.join(","),
      purpose: "DUO:0000042",
      variants: VCF,
      region: "chr17:43000000-43100000",
      exchange,
    });
    expect(request[0]).to.match(/^query 1 approved .*5 variants over 3 datasets for DUO:0000042/);
    const aggregator = asSigner(fx.labs[0].c, fx.aggregator);
    const rng = seededRandom("operator");
    const steps: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const [i, lab] of fx.labs.entries()) {
        const [line] = await opContribute(
          lab.c,
          { exchange, version: "", sites: sitesFiles[i]!, state: path.join(out, `s${i}`) },
          rng,
        );
        if (i === 0) steps.push(line!.split(":")[0]!);
      }
      steps.push((await opAggregate(aggregator, { exchange, rounding: 1 }))[0]!.split(":")[0]!);
    }
    expect(steps).to.deep.equal([
      "joined",
      "participants",
      "shared",
      "u1",
      "contributed",
      "survivors",
      "unmasked",
      "published",
    ]);
    const v = await opVerify(fx.researcher.c, exchange);
    expect(v.ok).to.equal(true);
    expect(v.lines[0]).to.equal("VERIFIED: the published result is the aggregate of the recorded contributions");
    expect(await opQueryStatus(fx.researcher.c, 1n)).to.deep.equal(["query 1: Answered, 3/3 labs contributed"]);
    expect((await opRules(fx.researcher.c))[0]).to.match(/^rules version \d+/);
  });

  it("submits a classification and shows the variant's interpretation", async function () {
    const fx = await loadGenomics();
    const args = {
      variant: "chr19-44908822-C-T",
      condition: "MONDO:0007254",
      evidence: "PS3,PM2",
      criteria: true,
      lab: "",
    };
    expect((await opInterpret(fx.labs[0].c, { ...args, significance: "P" }))[0]).to.match(/^classification revision 1/);
    await opInterpret(fx.labs[1].c, { ...args, significance: "LP" });
    const lines = await opInterpretations(fx.researcher.c, { variant: args.variant, condition: args.condition });
    expect(lines[0]).to.equal(
      "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt for MONDO:0007254: Pathogenic/Likely pathogenic",
    );
    expect(lines[1]).to.equal("  review status: ★★☆☆ criteria provided, multiple submitters, no conflicts");
  });
});
