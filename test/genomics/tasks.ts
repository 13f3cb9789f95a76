/**
 * The genomics tasks on the shared command line (`runTask`): run in-process as Hardhat runs them, bad
 * options are refused with exit code 1 and one line naming the option and the problem (or, with
 * `--json`, one JSON error document whose `where` names it), before any connection to a node is made,
 * so nothing can have been sent.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import hre from "hardhat";

const VCF = "test/fixtures/genomics/lab-a.vcf";
const VERSION = "0x" + "ab".repeat(32);

interface Run {
  out: string;
  err: string;
  code: number;
  /** How many connections to a node the task opened. */
  connections: number;
}

/** Runs `genomics <command>` with `args` (defaults for the rest), capturing its output and connections. */
async function genomics(command: string, args: Record<string, unknown>): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const { log, error } = console;
  const create = hre.network.create.bind(hre.network);
  let connections = 0;
  const before = process.exitCode;
  process.exitCode = undefined;
  hre.network.create = ((...a: Parameters<typeof create>) => (connections++, create(...a))) as typeof create;
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => void out.push(a.join(" ") + "\n");
  console.error = (...a: unknown[]) => void err.push(a.join(" ") + "\n");
  try {
    await hre.tasks.getTask(["genomics", command]).run(args);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    Object.assign(console, { log, error });
    hre.network.create = create;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out: out.join(""), err: err.join(""), code, connections };
}

const budget = { rule: "budget", budget: "10", perQuery: "0.1", perCell: "0.05", requesterShare: "25" };

/** [command, options, the one line's message]: every case is bad input refused before connecting. */
const CASES: Array<[string, Record<string, unknown>, string]> = [
  [
    "propose-rule",
    { rule: "nope" },
    '--rule: "nope" is not one of budget, release, purpose, aggregator, window, expert-panel',
  ],
  ["propose-rule", { ...budget, budget: "ten" }, '--budget: "ten" is not an epsilon (a decimal with up to 6 places)'],
  ["propose-rule", { ...budget, budget: "0" }, "--budget: must be more than 0 epsilon"],
  ["propose-rule", { ...budget, budget: "300000000" }, "--budget: 300000000 epsilon is more than the contracts hold"],
  ["propose-rule", { ...budget, perQuery: "0", perCell: "0" }, "--per-query: a query must cost something"],
  ["propose-rule", { ...budget, perCell: "0.0000001" }, '--per-cell: "0.0000001" is not an epsilon'],
  ["propose-rule", { ...budget, requesterShare: "" }, '--requester-share: "" is not a whole number'],
  ["propose-rule", { ...budget, requesterShare: "80%" }, "--requester-share: 80% is not a share of 1% to 50%"],
  ["propose-rule", { rule: "release", minCellCount: "0", minLabs: "2" }, "--min-cell-count: 0 is not between 1 and"],
  ["propose-rule", { rule: "release", minCellCount: "5", minLabs: "1" }, "--min-labs: 1 is not between 2 and 32"],
  ["propose-rule", { rule: "release", minCellCount: "5", minLabs: "300" }, "--min-labs: 300 is not between 2 and 32"],
  [
    "propose-rule",
    { rule: "release", minCellCount: "99999999999", minLabs: "2" },
    "--min-cell-count: 99999999999 is not between 1 and 4294967295",
  ],
  [
    "propose-rule",
    { rule: "purpose", purpose: "HMB", kinds: "Hospital" },
    '--purpose: DUO term "HMB": give the numeric id',
  ],
  [
    "propose-rule",
    { rule: "purpose", purpose: "DUO:0000006", kinds: "Insurer" },
    "--kinds: only Hospital and Laboratory members may request (not Insurer)",
  ],
  ["propose-rule", { rule: "purpose", purpose: "DUO:0000006", kinds: "Doctor" }, "--kinds:"],
  ["propose-rule", { rule: "aggregator", account: "0x12" }, '--account: "0x12" is not an address'],
  [
    "propose-rule",
    { rule: "aggregator", account: "0x" + "00".repeat(20) },
    "--account: the zero address cannot aggregate",
  ],
  ["propose-rule", { rule: "window", hours: "0" }, "--hours: 0 is not between 1 and 720"],
  ["propose-rule", { rule: "window", hours: "1000" }, "--hours: 1000 is not between 1 and 720"],
  ["propose-rule", { rule: "expert-panel", member: "0x1234" }, '--member: "0x1234" is not a 32-byte member id'],
  ["register", { vcf: "", name: "x", uses: "DUO:0000006" }, "--vcf: give the lab's VCF file"],
  ["register", { vcf: VCF, name: "", uses: "DUO:0000006" }, '--name: "" must be 1 to 31 bytes'],
  [
    "register",
    { vcf: VCF, name: "n".repeat(32), uses: "DUO:0000006" },
    `--name: "${"n".repeat(32)}" must be 1 to 31 bytes`,
  ],
  ["register", { vcf: VCF, name: "x", uses: "" }, "--uses: list the allowed DUO terms"],
  [
    "register",
    { vcf: VCF, name: "x", uses: "DUO:0000300" },
    '--uses: DUO term "DUO:0000300": numeric id must be 1..255',
  ],
  ["withdraw", { versionId: "0x12" }, '--version-id: "0x12" is not a version id'],
  ["request", { versions: "", purpose: "DUO:0000006", variants: VCF, exchange: "q" }, "--versions: required"],
  [
    "request",
    { versions: "0x12", purpose: "DUO:0000006", variants: VCF, exchange: "q" },
    '--versions: "0x12" is not a version id',
  ],
  [
    "request",
    { versions: `${VERSION},${VERSION}`, purpose: "DUO:0000006", variants: VCF, exchange: "q" },
    "--versions: a version is listed twice",
  ],
  ["request", { versions: VERSION, purpose: "DUO:6x", variants: VCF, exchange: "q" }, '--purpose: DUO term "DUO:6x"'],
  [
    "request",
    { versions: VERSION, purpose: "DUO:0000006", variants: VCF, region: "chr99:1-2", exchange: "q" },
    '--region: region "chr99:1-2": expected chr:start-end on GRCh38',
  ],
  [
    "request",
    { versions: VERSION, purpose: "DUO:0000006", variants: VCF, region: "chr17:9-2", exchange: "q" },
    '--region: region "chr17:9-2": start must be 1..end',
  ],
  [
    "request",
    { versions: VERSION, purpose: "DUO:0000006", variants: "missing.txt", exchange: "q" },
    "missing.txt: no such file",
  ],
  ["request", { versions: VERSION, purpose: "DUO:0000006", variants: VCF, exchange: "" }, "--exchange: required"],
  ["contribute", { exchange: "", sites: "s.json" }, "--exchange: the query's exchange folder is required"],
  ["contribute", { exchange: "q", sites: "" }, "--sites: the lab's private sites file is required"],
  ["aggregate", { exchange: "q", rounding: "0" }, '--rounding: "0" is not a whole number from 1 to 999999'],
  ["aggregate", { exchange: "q", rounding: "1e9" }, '--rounding: "1e9" is not a whole number from 1 to 999999'],
  ["verify", { exchange: "" }, "--exchange: the query's exchange folder is required"],
  ["interpret", { variant: "", condition: "MONDO:0007254", significance: "P" }, "--variant: required"],
  [
    "interpret",
    { variant: "rs7412", condition: "MONDO:0007254", significance: "P" },
    '--variant: "rs7412" is not a variant',
  ],
  [
    "interpret",
    { variant: "chr19-44908822-C-T", condition: "OMIM:7254", significance: "P" },
    '--condition: condition "OMIM:7254": expected MONDO:0000000',
  ],
  [
    "interpret",
    { variant: "chr19-44908822-C-T", condition: "MONDO:0007254", significance: "bad" },
    '--significance: significance "bad": expected P, LP, VUS, LB or B',
  ],
  [
    "interpret",
    { variant: "chr19-44908822-C-T", condition: "MONDO:0007254", significance: "P", evidence: "PS9" },
    '--evidence: "PS9" is not an ACMG/AMP evidence code',
  ],
  ["interpretations", { variant: "chr19-44908822-C-T", condition: "" }, "--condition: required"],
  [
    "interpretations",
    { variant: "chr19-44908822-C-T", condition: "MONDO:0" },
    '--condition: condition "MONDO:0": expected MONDO:0000000',
  ],
];

describe("genomics tasks on the command line", function () {
  let dir: string;
  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "medchain-genomics-tasks-"));
  });

  for (const [command, args, message] of CASES) {
    it(`refuses genomics ${command} ${JSON.stringify(args)} in one line, before connecting`, async function () {
      const r = await genomics(command, args);
      expect(r.code, r.err).to.equal(1);
      expect(r.out).to.equal("");
      const lines = r.err.split("\n").filter((l) => l !== "");
      expect(lines, r.err).to.have.length(1);
      expect(lines[0]).to.match(/^error: /);
      expect(lines[0]).to.include(message);
      // The line names where the problem is: the option, or the file.
      expect(lines[0]).to.match(/^error: (--[a-z-]+|[^:\s]+\.(txt|vcf|json)): /);
      expect(r.connections, "connections opened").to.equal(0);
    });
  }

  it("prints one JSON error document naming the option under --json, and nothing else", async function () {
    const r = await genomics("propose-rule", { ...budget, requesterShare: "80", json: true });
    expect([r.code, r.err]).to.deep.equal([1, ""]);
    expect(r.out.trimEnd().split("\n")).to.have.length(1);
    expect(JSON.parse(r.out)).to.deep.equal({
      ok: false,
      error: {
        kind: "BAD_INPUT",
        message: "--requester-share: 80% is not a share of 1% to 50%",
        exitCode: 1,
        where: { field: "--requester-share" },
      },
    });
  });

  it("names the file and line of a bad variant list under --json", async function () {
    const list = path.join(dir, "variants.txt");
    await writeFile(list, "chr19-44908822-C-T\nnot-a-variant\n");
    const r = await genomics("request", {
      versions: VERSION,
      purpose: "DUO:0000006",
      variants: list,
      exchange: path.join(dir, "q"),
      json: true,
    });
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.out).error).to.deep.include({
      message: `${list}:2: "not-a-variant" is not a variant`,
      where: { file: list, field: "line 2" },
    });
    expect(r.connections).to.equal(0);
  });

  it("refuses an exchange folder that already holds a query, so a second query never overwrites the first's file", async function () {
    await writeFile(path.join(dir, "query.json"), "{}");
    const r = await genomics("request", { versions: VERSION, purpose: "DUO:0000006", variants: VCF, exchange: dir });
    expect(r.code).to.equal(1);
    expect(r.err).to.equal(
      `error: --exchange: ${dir} already holds a query (${path.join(dir, "query.json")}); use a new folder\n`,
    );
    expect(r.connections).to.equal(0);
  });

  it("connects to --network once the options are good, and names a missing deployment", async function () {
    const r = await genomics("rules", { json: true });
    expect(r.connections).to.equal(1);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.out).error).to.deep.include({ kind: "BAD_INPUT", where: { field: "--registry" } });
  });
});
