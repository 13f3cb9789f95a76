import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { asSigner } from "../../src/genomics/connect.js";
import {
  MAX_LABS,
  MAX_REQUESTER_SHARE,
  formatEpsilon,
  opAggregate,
  opContribute,
  opInterpret,
  opInterpretations,
  opProposeRule,
  opQueryStatus,
  opRegister,
  opRequest,
  opRules,
  opVerify,
  opVerifyDataset,
  opWithdraw,
  parseEpsilon,
  parseRuleChange,
  readVariantList,
} from "../../src/genomics/operator.js";
import { seededRandom } from "../../src/genomics/random.js";
import { ethers, loadGenomics, type GenomicsFixture } from "./fixture.js";

/** The node's state any transaction changes: the block number and the nonces of every account used. */
async function chainState(fx: GenomicsFixture): Promise<string> {
  const accounts = [...fx.labs, fx.researcher].map((l) => l.account.address);
  accounts.push(...fx.governors.map((g) => g.address), fx.outsider.address);
  const nonces = await Promise.all(accounts.map((a) => ethers.provider.getTransactionCount(a, "pending")));
  return `block ${await ethers.provider.getBlockNumber()}, nonces ${nonces.join(",")}`;
}

/** Asserts `step` is refused as bad input with `message` and `field`, sending nothing. */
async function refusedBeforeSending(fx: GenomicsFixture, step: () => Promise<unknown>, message: string | RegExp) {
  const before = await chainState(fx);
  let error: unknown;
  try {
    await step();
  } catch (err) {
    error = err;
  }
  expect(error, "refused").to.be.instanceOf(Error);
  const e = error as Error & { kind?: string };
  if (typeof message === "string") expect(e.message).to.equal(message);
  else expect(e.message).to.match(message);
  expect(e.kind).to.equal("BAD_INPUT");
  expect(await chainState(fx), "nothing sent").to.equal(before);
}

const VCF = "test/fixtures/genomics/lab-a.vcf";
const NO_RULE = {
  rule: "",
  budget: "0",
  perQuery: "0",
  perCell: "0",
  requesterShare: "",
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
    const { lines, result } = await opRegister(fx.labs[0].c, {
      vcf: VCF,
      name: "exome-a",
      uses: "DUO:0000006",
      lab: "",
      out,
    });
    expect(result).to.include({ name: "exome-a", version: 1, samples: 4, sites: 5, alreadyRegistered: false });
    expect(result.dataUses).to.deep.equal(["DUO:0000006"]);
    expect(lines[0]).to.match(/^registered exome-a version 1 as 0x[0-9a-f]{64} \(tx 0x/);
    expect(lines[1]).to.match(/4 samples, 5 sites/);
    const again = await opRegister(fx.labs[0].c, { vcf: VCF, name: "exome-a", uses: "DUO:0000006", lab: "", out });
    expect(again.lines[0]).to.match(/^registered exome-a version 2/); // a new salt, so a new root: a new version
    const checked = await opVerifyDataset(
      asSigner(fx.labs[1].c, fx.outsider),
      path.join(out, "exome-a-v2.dataset.json"),
    );
    expect(checked.verdict).to.equal(undefined);
    expect(checked.result).to.include({ verdict: "VALID", status: "Active", version: 2 });
    expect(checked.lines[0]).to.match(/^VALID: version 2 of dataset/);
    const old = await opVerifyDataset(fx.labs[1].c, path.join(out, "exome-a-v1.dataset.json"));
    expect([old.verdict, old.lines[0]!.split(":")[0]]).to.deep.equal(["negative", "SUPERSEDED"]);
    const file = path.join(out, "exome-a-v2.dataset.json");
    const tampered = JSON.parse(await readFile(file, "utf8")) as { message: { samples: number } };
    tampered.message.samples = 9999;
    await writeFile(file, JSON.stringify(tampered));
    const bad = await opVerifyDataset(fx.labs[1].c, file);
    expect([bad.verdict, bad.lines[0]]).to.deep.equal(["negative", "INVALID: the signature is not the signer's"]);
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

  it("refuses, before sending, what the chain would refuse: unknown, superseded or another lab's versions, a purpose a dataset forbids, a non-governor's proposal", async function () {
    const fx = await loadGenomics();
    const dir = await mkdtemp(path.join(tmpdir(), "medchain-genomics-op-"));
    const unknown = "0x" + "ab".repeat(32);
    const v0 = fx.versions[0].versionId;
    const v2 = fx.versions[2].versionId; // allows GRU only
    await refusedBeforeSending(
      fx,
      () => opWithdraw(fx.labs[0].c, unknown),
      `--version-id: no dataset version ${unknown} on chain ${fx.labs[0].c.chainId}`,
    );
    await refusedBeforeSending(
      fx,
      () => opWithdraw(fx.labs[1].c, v0),
      `--version-id: ${v0} belongs to lab ${fx.labs[0].id}, not the signer's`,
    );
    await fx.datasets.connect(fx.labs[0].account).withdraw(v0);
    await refusedBeforeSending(fx, () => opWithdraw(fx.labs[0].c, v0), `--version-id: ${v0} is Withdrawn, not active`);
    const request = (versions: string[], purpose = "DUO:0000006", exchange = path.join(dir, `q-${Math.random()}`)) =>
      opRequest(fx.researcher.c, { versions: versions.join(","), purpose, variants: VCF, region: "", exchange });
    await refusedBeforeSending(
      fx,
      () => request([fx.versions[1].versionId, unknown]),
      `--versions: no dataset version ${unknown} on chain ${fx.labs[0].c.chainId}`,
    );
    await refusedBeforeSending(
      fx,
      () => request([v0, fx.versions[1].versionId]),
      `--versions: ${v0} is Withdrawn, not the dataset's current version`,
    );
    await refusedBeforeSending(
      fx,
      () => request([fx.versions[1].versionId, v2]),
      /^--purpose: dataset version 0x[0-9a-f]{64} does not allow DUO:0000006/,
    );
    await refusedBeforeSending(
      fx,
      () => opProposeRule(fx.labs[0].c, { rule: "window", seconds: 7200 }),
      `--as: ${fx.labs[0].account.address} is not a governor; only governors propose rule changes`,
    );
    await refusedBeforeSending(
      fx,
      () => opRegister(fx.labs[0].c, { vcf: VCF, name: "x", uses: "DUO:0000006", lab: fx.labs[1].id, out: dir }),
      `--lab: the signing account does not operate for ${fx.labs[1].id}`,
    );
    await refusedBeforeSending(
      fx,
      () => opRegister(fx.labs[0].c, { vcf: VCF, name: "x", uses: "DUO:0000006", lab: "HOSP-9999", out: dir }),
      "--lab: HOSP-9999 is no member",
    );
    const sites = path.join(dir, "sites.json");
    await writeFile(sites, JSON.stringify({ versionId: unknown, secret: "0x", counts: { sites: [] } }));
    await refusedBeforeSending(
      fx,
      () => opContribute(fx.labs[0].c, { exchange: dir, version: "", sites, state: dir }),
      `${sites}: versionId: no dataset version ${unknown} on chain ${fx.labs[0].c.chainId}`,
    );
    await writeFile(sites, JSON.stringify({ counts: { sites: [] } }));
    await refusedBeforeSending(
      fx,
      () => opContribute(fx.labs[0].c, { exchange: dir, version: "", sites, state: dir }),
      `${sites}: versionId: not a 32-byte id`,
    );
  });

  it("refuses a dataset file with a missing or malformed field, naming the field", async function () {
    const fx = await loadGenomics();
    const dir = await mkdtemp(path.join(tmpdir(), "medchain-genomics-op-"));
    const { result } = await opRegister(fx.labs[0].c, { vcf: VCF, name: "f", uses: "DUO:0000006", lab: "", out: dir });
    const good = JSON.parse(await readFile(result.publicFile as string, "utf8")) as Record<string, unknown>;
    const file = path.join(dir, "bad.dataset.json");
    for (const [change, field] of [
      [{ versionId: "0x12" }, "versionId"],
      [{ datasets: "nope" }, "datasets"],
      [{ message: { ...(good.message as object), samples: "many" } }, "message.samples"],
      [{ message: { ...(good.message as object), root: undefined } }, "message.root"],
    ] as const) {
      await writeFile(file, JSON.stringify({ ...good, ...change }));
      await refusedBeforeSending(fx, () => opVerifyDataset(fx.labs[1].c, file), new RegExp(`^${file}: ${field}: `));
    }
    await writeFile(file, "{");
    await refusedBeforeSending(fx, () => opVerifyDataset(fx.labs[1].c, file), new RegExp(`^${file}: is not JSON`));
  });

  it("parses epsilons and rule changes, naming the bad option", function () {
    expect(parseEpsilon("0.05", "x")).to.equal(50_000n);
    expect(parseEpsilon("10", "x")).to.equal(10_000_000n);
    expect(formatEpsilon(24_100_000n)).to.equal("24.1");
    expect(() => parseEpsilon("-1", "per-cell")).to.throw(/^--per-cell: "-1" is not an epsilon/);
    expect(
      parseRuleChange({
        ...NO_RULE,
        rule: "budget",
        budget: "10",
        perQuery: "0.1",
        perCell: "0.05",
        requesterShare: "25%",
      }),
    ).to.deep.equal({
      rule: "budget",
      budget: 10_000_000n,
      costPerQuery: 100_000n,
      costPerCell: 50_000n,
      requesterShare: 25,
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
      const { lines } = await opRegister(lab.c, {
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
    expect(request.lines[0]).to.match(/^query 1 approved .*5 variants over 3 datasets for DUO:0000042/);
    expect(request.result).to.include({ queryId: 1n, variants: 5, purpose: "DUO:0000042", remainingShare: "4.65" });
    expect(request.result.deadline).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // 5 variants cost 0.35 of lab 0's 5-epsilon share on each dataset.
    expect(request.lines[2]).to.equal(
      "  you may still reserve 4.65 epsilon on these datasets (your share, or what is left of a budget)",
    );
    const aggregator = asSigner(fx.labs[0].c, fx.aggregator);
    const rng = seededRandom("operator");
    const steps: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const [i, lab] of fx.labs.entries()) {
        const {
          lines: [line],
        } = await opContribute(
          lab.c,
          { exchange, version: "", sites: sitesFiles[i]!, state: path.join(out, `s${i}`) },
          rng,
        );
        if (i === 0) steps.push(line!.split(":")[0]!);
      }
      steps.push((await opAggregate(aggregator, { exchange, rounding: 1 })).lines[0]!.split(":")[0]!);
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
    expect([v.verdict, v.result.verified]).to.deep.equal([undefined, true]);
    expect(v.lines[0]).to.equal("VERIFIED: the published result is the aggregate of the recorded contributions");
    const status = await opQueryStatus(fx.researcher.c, 1n);
    expect(status.lines[0]).to.match(/^query 1: Answered, 2\/2 labs contributed; window ends \d{4}-\d\d-\d\dT/);
    expect(status.result).to.include({ status: "Answered", labs: 2, contributedLabs: 2 });
    const rules = await opRules(fx.researcher.c);
    expect(rules.lines[0]).to.match(/^rules version \d+/);
    expect(rules.lines).to.include("  one requester may spend or hold at most 50% of each dataset's budget");
    expect(rules.lines).to.include(
      "  purpose DUO:0000006 (HMB, health or medical or biomedical research) -> Hospital, Laboratory",
    );
    expect(rules.result).to.include({ budget: "10", requesterSharePercent: 50, minLabs: 2, answerWindowHours: 24 });
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
    expect((await opInterpret(fx.labs[0].c, { ...args, significance: "P" })).lines[0]).to.match(
      /^classification revision 1/,
    );
    await opInterpret(fx.labs[1].c, { ...args, significance: "LP" });
    const { lines, result } = await opInterpretations(fx.researcher.c, {
      variant: args.variant,
      condition: args.condition,
    });
    expect(result).to.include({ condition: "MONDO:0007254", stars: 2, conflict: false, inactive: 0 });
    expect(lines[0]).to.equal(
      "ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt for MONDO:0007254: Pathogenic/Likely pathogenic",
    );
    expect(lines[1]).to.equal("  review status: ★★☆☆ criteria provided, multiple submitters, no conflicts");
    await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[1].id);
    const after = (await opInterpretations(fx.researcher.c, { variant: args.variant, condition: args.condition }))
      .lines;
    expect(after[0]).to.match(/: Pathogenic$/);
    expect(after.at(-1)).to.equal(
      "  not counted: 1 classification(s) of labs that are suspended, revoked or not certified now",
    );
  });

  it("refuses a requester share outside what the contract accepts, before any proposal", async function () {
    const fx = await loadGenomics();
    expect(await fx.queries.MAX_REQUESTER_SHARE()).to.equal(BigInt(MAX_REQUESTER_SHARE));
    expect(await fx.queries.MAX_LABS()).to.equal(BigInt(MAX_LABS));
    const budget = { ...NO_RULE, rule: "budget", budget: "10", perQuery: "0.1", perCell: "0.05" };
    for (const share of ["0", "51", "", "half"]) {
      expect(() => parseRuleChange({ ...budget, requesterShare: share })).to.throw(/^--requester-share: /);
    }
    expect(parseRuleChange({ ...budget, requesterShare: "50" })).to.include({ requesterShare: 50 });
  });
});
