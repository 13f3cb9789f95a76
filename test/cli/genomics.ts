import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { startHarness, type Harness } from "./harness.js";

/**
 * The genomics tasks against a node, as typed: a lab registers a dataset from its VCF and anyone
 * verifies the public dataset file; a governor proposes a rule. Then every hostile input (VCF files,
 * dataset names and files, DUO codes, query parameters, rule options, interpretations) is refused with
 * one line naming the file or option, the field and the problem, exit code 1, and nothing sent.
 */
describe("genomics tasks on a node: output and bad input", function () {
  this.timeout(300_000);
  let h: Harness;
  let datasetFile: string;
  let versionId: string;
  const VCF = path.resolve("test/fixtures/genomics/lab-a.vcf");
  const LAB = ["--as", "lab"];

  const file = (name: string) => path.join(h.dir, name);
  const write = async (name: string, text: string | Buffer) => {
    await writeFile(file(name), text);
    return file(name);
  };
  const vcfText = () => readFile(VCF, "utf8");
  const register = (...more: string[]) => {
    const base: Record<string, string> = {
      "--vcf": VCF,
      "--name": "invented-panel",
      "--uses": "DUO:0000006,DUO:0000042",
      "--out": file("genomics-data"),
    };
    for (let i = 0; i < more.length; i += 2) base[more[i]!] = more[i + 1]!;
    return ["genomics", "register", ...Object.entries(base).flat(), ...LAB];
  };
  const request = (...more: string[]) => {
    const base: Record<string, string> = {
      "--versions": versionId,
      "--purpose": "DUO:0000006",
      "--variants": VCF,
      "--exchange": file("query-x"),
    };
    for (let i = 0; i < more.length; i += 2) base[more[i]!] = more[i + 1]!;
    return ["genomics", "request", ...Object.entries(base).flat(), "--as", "hospital-a"];
  };
  const rule = (...more: string[]) => ["genomics", "propose-rule", ...more, "--as", "governor-1"];
  const interpret = (...more: string[]) => {
    const base: Record<string, string> = {
      "--variant": "chr17-43045712-G-A",
      "--condition": "MONDO:0007254",
      "--significance": "LP",
      "--evidence": "PS3,PM2",
    };
    for (let i = 0; i < more.length; i += 2) base[more[i]!] = more[i + 1]!;
    return ["genomics", "interpret", ...Object.entries(base).flat(), ...LAB];
  };

  before(async function () {
    h = await startHarness();
  });
  after(async () => h?.stop());

  describe("what the tasks print", function () {
    it("registers a dataset from a VCF with a byte-order mark, and verify-dataset says it verifies", async function () {
      const bom = await write("bom.vcf", "\ufeff" + (await vcfText()));
      const registered = await h.run([...register("--vcf", bom), "--json"]);
      expect(registered.exitCode, registered.stdout + registered.stderr).to.equal(0);
      const result = registered.json!.result as { versionId: string; publicFile: string; version: number };
      expect(result.version).to.equal(1);
      versionId = result.versionId;
      datasetFile = result.publicFile;
      const verified = await h.run(["genomics", "verify-dataset", datasetFile]);
      expect(verified.exitCode, verified.stdout + verified.stderr).to.equal(0);
    });

    it("a governor's rule proposal prints its id and the votes to cast", async function () {
      const proposed = await h.run(rule("--rule", "window", "--hours", "24"));
      expect(proposed.exitCode, proposed.stderr).to.equal(0);
      expect(proposed.stdout).to.match(/^proposed window rule change as proposal \d+\n/);
    });
  });

  describe("refuses bad input before sending, naming the file or option, the field and the problem", function () {
    type Case = [name: string, argv: () => Promise<string[]> | string[], message: string | RegExp];
    const vcf = (
      name: string,
      text: () => Promise<string | Buffer> | string | Buffer,
      message: string | RegExp,
    ): Case => [
      `register: ${name}`,
      async () => register("--vcf", await write(`${slug(name)}.vcf`, await text())),
      message,
    ];
    const dataset = (name: string, change: (d: Record<string, any>) => unknown, message: string | RegExp): Case => [
      `verify-dataset: ${name}`,
      async () => {
        const d = JSON.parse(await readFile(datasetFile, "utf8")) as Record<string, any>;
        const text = change(d);
        return [
          "genomics",
          "verify-dataset",
          await write(`${slug(name)}.dataset.json`, typeof text === "string" ? text : JSON.stringify(d)),
        ];
      },
      message,
    ];
    const variants = (name: string, text: string, message: string | RegExp): Case => [
      `request: ${name}`,
      async () => request("--variants", await write(`${slug(name)}.txt`, text)),
      message,
    ];

    const cases: Case[] = [
      // VCF files.
      ["register: no --vcf", () => register("--vcf", ""), "--vcf: give the lab's VCF file"],
      ["register: a VCF that does not exist", () => register("--vcf", file("none.vcf")), "none.vcf: no such file"],
      ["register: a folder as the VCF", () => register("--vcf", h.dir), ": is a folder, not a file"],
      vcf("an empty VCF", () => "", "an-empty-VCF.vcf:1: expected a ## header line or the #CHROM line"),
      vcf("NUL bytes", () => Buffer.from([0x23, 0x23, 0, 0, 0x0a]), "NUL-bytes.vcf: line 1: contains a NUL character"),
      vcf("invalid UTF-8", () => Buffer.from([0xff, 0xfe, 0x00]), "invalid-UTF-8.vcf: is not valid UTF-8 text"),
      vcf(
        "a GRCh37 VCF",
        async () => (await vcfText()).replace("##reference=GRCh38", "##reference=GRCh37"),
        "a-GRCh37-VCF.vcf:2: ",
      ),
      vcf(
        "a data line before the header",
        async () => "chr17\t1\t.\tA\tG\n" + (await vcfText()),
        "a-data-line-before-the-header.vcf:1: expected a ## header line or the #CHROM line",
      ),
      vcf(
        "an allele that is not DNA",
        async () => (await vcfText()).replace("chr17\t43045712\t.\tG\tA", "chr17\t43045712\t.\tG\tX"),
        "an-allele-that-is-not-DNA.vcf:",
      ),
      vcf(
        "a position of lookalike digits",
        async () => (await vcfText()).replace("43045712", "４３０４５７１２"),
        "a-position-of-lookalike-digits.vcf:",
      ),

      // Dataset names, uses, labs and folders.
      ["register: a name over 31 bytes", () => register("--name", "n".repeat(32)), "--name: "],
      ["register: a name with a slash", () => register("--name", "../escape"), '--name: "../escape" may hold only'],
      ["register: a name with a NUL", () => register("--name", "panel\u0000"), "--name: "],
      ["register: a name with a space at an end", () => register("--name", "panel "), '--name: "panel " may hold'],
      ["register: no uses", () => register("--uses", ""), "--uses: list the allowed DUO terms"],
      ["register: a DUO id past 255", () => register("--uses", "DUO:0000300"), '--uses: DUO term "DUO:0000300"'],
      ["register: a DUO shorthand", () => register("--uses", "GRU"), '--uses: DUO term "GRU": give the numeric id'],
      ["register: lookalike DUO digits", () => register("--uses", "DUO:０００００６"), "--uses: DUO term"],
      ["register: a mistyped lab id", () => register("--lab", "0x" + "ab".repeat(31) + "a"), "--lab: "],
      ["register: an unknown lab code", () => register("--lab", "LAB-9999"), "--lab: LAB-9999 is no member"],
      [
        "register: another member's lab",
        () => register("--lab", "HOSP-0001"),
        "--lab: HOSP-0001 is not an active Laboratory member",
      ],
      [
        "register: an --out that is a file",
        async () => register("--out", await write("not-a-folder", "x")),
        "--out: cannot write to ",
      ],
      // Dataset files.
      [
        "verify-dataset: a file that does not exist",
        () => ["genomics", "verify-dataset", file("x.json")],
        "x.json: no such file",
      ],
      dataset("not JSON", () => "{", "not-JSON.dataset.json: is not JSON"),
      dataset("JSON null", () => "null", "JSON-null.dataset.json: (root): not a JSON object"),
      dataset(
        "a duplicate key",
        (d) => JSON.stringify(d).replace('"chainId":', '"chainId":"1","chainId":'),
        'a-duplicate-key.dataset.json: chainId: duplicate key "chainId"',
      ),
      dataset("trailing garbage", (d) => JSON.stringify(d) + "garbage", "trailing-garbage.dataset.json: is not JSON"),
      dataset(
        "a 63-digit version id",
        (d) => void (d.versionId = "0x" + "ab".repeat(31) + "a"),
        "a-63-digit-version-id.dataset.json: versionId: not a 32-byte id",
      ),
      dataset(
        "a sample count past 2^53",
        (d) => JSON.stringify(d).replace(/"samples":\d+/, '"samples":9007199254740993'),
        /a-sample-count-past-2-53\.dataset\.json: message\.samples: the number 9007199254740993 .*cannot be held exactly/,
      ),
      dataset("a negative site count", (d) => void (d.message.sites = -1), "message.sites: not a whole number"),
      dataset("a signer that is not an address", (d) => void (d.signer = "0x12"), "signer: not an address"),

      // Versions, queries, variants.
      [
        "withdraw: a 63-digit version id",
        () => ["genomics", "withdraw", "--version-id", "0x" + "1".repeat(63), ...LAB],
        "--version-id: ",
      ],
      [
        "withdraw: a version not on chain",
        () => ["genomics", "withdraw", "--version-id", "0x" + "12".repeat(32), ...LAB],
        "--version-id: no dataset version 0x1212",
      ],
      ["request: no versions", () => request("--versions", ""), "--versions: required"],
      [
        "request: a version listed twice",
        () => request("--versions", `${versionId},${versionId}`),
        "--versions: a version is listed twice",
      ],
      ["request: a trailing comma", () => request("--versions", `${versionId},`), '--versions: "" is not a version id'],
      [
        "request: an unknown version",
        () => request("--versions", "0x" + "34".repeat(32)),
        "--versions: no dataset version",
      ],
      ["request: a purpose shorthand", () => request("--purpose", "HMB"), '--purpose: DUO term "HMB"'],
      [
        "request: a purpose the dataset does not allow",
        () => request("--purpose", "DUO:0000007"),
        "--purpose: dataset version",
      ],
      ["request: a region on no chromosome", () => request("--region", "chr99:1-2"), '--region: region "chr99:1-2"'],
      ["request: a region ending before it starts", () => request("--region", "chr17:9-2"), "--region: "],
      ["request: a region past the packing", () => request("--region", `chr17:1-${"9".repeat(30)}`), "--region: "],
      [
        "request: a variants file that does not exist",
        () => request("--variants", file("nope.txt")),
        "nope.txt: no such file",
      ],
      variants("an empty variants file", "", "an-empty-variants-file.txt: lists no variants"),
      variants(
        "a bad variant in the middle",
        "17-43045712-G-A\nchr17-not-a-variant\n17-43045750-ATCT-A\n",
        'a-bad-variant-in-the-middle.txt:2: "chr17-not-a-variant" is not a variant',
      ),
      variants("a variant listed twice", "17-43045712-G-A\n17-43045712-G-A\n", "is listed twice"),
      [
        "request: an exchange folder that is a file",
        async () => request("--exchange", await write("exchange-file", "x")),
        "--exchange: cannot write to ",
      ],

      // Rule options.
      ["propose-rule: an unknown rule", () => rule("--rule", "budgets"), '--rule: "budgets" is not one of'],
      [
        "propose-rule: a negative budget",
        () => rule("--rule", "budget", "--budget", "-1"),
        '--budget: "-1" is not an epsilon',
      ],
      ["propose-rule: a budget in exponent form", () => rule("--rule", "budget", "--budget", "1e3"), '--budget: "1e3"'],
      ["propose-rule: NaN epsilon", () => rule("--rule", "budget", "--budget", "NaN"), '--budget: "NaN"'],
      [
        "propose-rule: Infinity epsilon",
        () => rule("--rule", "budget", "--budget", "Infinity"),
        '--budget: "Infinity"',
      ],
      [
        "propose-rule: more places than micro-epsilon",
        () => rule("--rule", "budget", "--budget", "1.0000001"),
        '--budget: "1.0000001" is not an epsilon',
      ],
      [
        "propose-rule: a budget past what the contracts hold",
        () => rule("--rule", "budget", "--budget", "999999999", "--per-query", "1", "--requester-share", "50"),
        "--budget: 999999999 epsilon is more than the contracts hold",
      ],
      [
        "propose-rule: a requester share of 80%",
        () => rule("--rule", "budget", "--budget", "40", "--per-query", "1", "--requester-share", "80"),
        "--requester-share: 80% is not a share of 1% to 50%",
      ],
      [
        "propose-rule: 300 labs",
        () => rule("--rule", "release", "--min-cell-count", "5", "--min-labs", "300"),
        "--min-labs: 300 is not between 2 and 32",
      ],
      [
        "propose-rule: lookalike digits",
        () => rule("--rule", "window", "--hours", "２４"),
        '--hours: "２４" is not a whole number',
      ],
      [
        "propose-rule: a window of 0 hours",
        () => rule("--rule", "window", "--hours", "0"),
        "--hours: 0 is not between 1 and 720",
      ],
      [
        "propose-rule: hours past 2^53",
        () => rule("--rule", "window", "--hours", "9007199254740993"),
        "--hours: 9007199254740993 is not between 1 and 720",
      ],
      [
        "propose-rule: the zero aggregator",
        () => rule("--rule", "aggregator", "--account", "0x" + "0".repeat(40)),
        "--account: the zero address cannot aggregate",
      ],
      [
        "propose-rule: a kind that may not request",
        () => rule("--rule", "purpose", "--purpose", "DUO:0000006", "--kinds", "Pharmacy"),
        "--kinds: only Hospital and Laboratory",
      ],
      [
        "propose-rule: a mistyped panel member",
        () => rule("--rule", "expert-panel", "--member", "0x1234"),
        '--member: "0x1234" is not a 32-byte member id',
      ],
      [
        "propose-rule: by a lab (not a governor)",
        () => ["genomics", "propose-rule", "--rule", "window", "--hours", "24", ...LAB],
        /--as: 0x[0-9a-fA-F]{40} is not a governor/,
      ],

      // The lab's and the aggregator's steps.
      [
        "contribute: no exchange",
        () => ["genomics", "contribute", "--sites", VCF, ...LAB],
        "--exchange: the query's exchange folder is required",
      ],
      [
        "contribute: no sites file",
        () => ["genomics", "contribute", "--exchange", h.dir, ...LAB],
        "--sites: the lab's private sites file is required",
      ],
      [
        "contribute: a sites file that is JSON null",
        async () => [
          "genomics",
          "contribute",
          "--exchange",
          h.dir,
          "--sites",
          await write("null.sites.json", "null"),
          ...LAB,
        ],
        "null.sites.json: ",
      ],
      [
        "contribute: a sites file that is a VCF",
        () => ["genomics", "contribute", "--exchange", h.dir, "--sites", VCF, ...LAB],
        "lab-a.vcf: is not JSON",
      ],
      [
        "aggregate: rounding 0",
        () => ["genomics", "aggregate", "--exchange", h.dir, "--rounding", "0"],
        '--rounding: "0" is not a whole number',
      ],
      [
        "aggregate: rounding as an exponent",
        () => ["genomics", "aggregate", "--exchange", h.dir, "--rounding", "1e3"],
        '--rounding: "1e3"',
      ],

      // Interpretations.
      [
        "interpret: a variant that is not one",
        () => interpret("--variant", "chr17-abc"),
        '--variant: "chr17-abc" is not a variant',
      ],
      ["interpret: a condition that is not MONDO", () => interpret("--condition", "OMIM:1"), "--condition: "],
      ["interpret: a significance that is not ACMG", () => interpret("--significance", "X"), "--significance: "],
      [
        "interpret: an evidence code that is not ACMG",
        () => interpret("--evidence", "PS9"),
        '--evidence: "PS9" is not an ACMG/AMP evidence code',
      ],
      [
        "interpret: an evidence code listed twice",
        () => interpret("--evidence", "PS3,PS3"),
        "--evidence: PS3 is listed twice",
      ],
      [
        "interpretations: no variant",
        () => ["genomics", "interpretations", "--condition", "MONDO:0007254"],
        "--variant: required",
      ],
    ];

    for (const [name, argv, message] of cases) {
      it(name, async function () {
        await h.refused(await argv(), { exitCode: 1, message });
      });
    }

    it("a tampered dataset file is a negative verdict (exit 2), not bad input, and sends nothing", async function () {
      const d = JSON.parse(await readFile(datasetFile, "utf8")) as { message: { samples: number } };
      d.message.samples += 1;
      const before = await h.snapshot();
      const run = await h.run(["genomics", "verify-dataset", await write("tampered.dataset.json", JSON.stringify(d))]);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(2);
      expect(await h.snapshot()).to.equal(before);
    });
  });
});

/** A case name as a file name. */
function slug(name: string): string {
  return name.replace(/\W+/g, "-").replace(/^-|-$/g, "");
}
