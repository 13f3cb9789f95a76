import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { startHarness, type Harness } from "./harness.js";

/**
 * Every task that reads a file, given each hostile file an attacker or a broken export produces, and
 * every numeric or id option given each hostile value: each run is refused with exit code 1 (bad
 * input) as exactly one `error:` line naming the file or option, no stack trace, and nothing sent.
 * (The module suites check the precise messages; this sweep checks that no input slips through.)
 */
describe("every task refuses hostile files and values in one line, sending nothing", function () {
  this.timeout(600_000);
  let h: Harness;
  const files: Record<string, string> = {};

  /** Hostile files: name -> content (a folder and a symbolic-link loop are made in `before`). */
  const HOSTILE_FILES: Record<string, string | Buffer> = {
    empty: "",
    "bom-only": "\ufeff",
    nul: Buffer.from([0x7b, 0x00, 0x7d]),
    "invalid-utf8": Buffer.from([0xc3, 0x28]),
    "trailing-garbage": '{"a":1} {"b":2}',
    "duplicate-key": '{"format":"x","format":"y"}',
    "past-2-53": '{"format":9007199254740993}',
    "json-null": "null",
    "json-array": "[]",
    "json-string": '"hello"',
    "ten-mb-string": JSON.stringify({ format: "x".repeat(10 * 1024 * 1024) }),
  };

  /** The tasks with a file argument: the argv with `FILE` where the file goes. */
  const FILE_TASKS: string[][] = [
    ["records", "anchor", "FILE", "--patients", "PATIENTS", "--as", "hospital-a"],
    ["records", "anchor", "GOOD_RECORD", "--patients", "FILE", "--as", "hospital-a"],
    ["records", "verify", "FILE", "PROOF"],
    ["records", "verify", "GOOD_RECORD", "FILE"],
    ["records", "retract", "FILE", "--as", "hospital-a"],
    ["records", "amend", "GOOD_RECORD", "FILE", "--as", "hospital-a"],
    ["records", "history", "FILE"],
    ["records", "break-glass", "FILE", "--reason", "1", "--as", "hospital-b"],
    ["records", "consent-revoke", "FILE", "--as", "hospital-a"],
    ["records", "access", "FILE", "PROOF", "--purpose", "TREAT", "--as", "hospital-b"],
    [
      "provenance",
      "commission",
      "--gtin",
      "09506000134352",
      "--lot",
      "L1",
      "--expiry",
      "301231",
      "--serials",
      "FILE",
      "--as",
      "manufacturer",
    ],
    ["provenance", "import", "FILE", "--as", "manufacturer"],
    ["claims", "publish-plan", "--file", "FILE", "--as", "insurer"],
    ["claims", "submit", "--fhir", "FILE", "--plan", "1", "--record", "PROOF", "--as", "hospital-a"],
    ["claims", "submit", "--fhir", "CLAIM", "--plan", "1", "--record", "FILE", "--as", "hospital-a"],
    ["claims", "submit", "--batch", "FILE", "--plan", "1", "--as", "hospital-a"],
    ["genomics", "register", "--vcf", "FILE", "--name", "x", "--uses", "DUO:0000006", "--as", "lab"],
    ["genomics", "verify-dataset", "FILE"],
    [
      "genomics",
      "request",
      "--versions",
      "0x" + "12".repeat(32),
      "--purpose",
      "DUO:0000006",
      "--variants",
      "FILE",
      "--exchange",
      "EXCHANGE",
      "--as",
      "hospital-a",
    ],
    ["genomics", "contribute", "--exchange", "EXCHANGE", "--sites", "FILE", "--as", "lab"],
  ];

  /** Hostile values of numbers, ids and amounts. */
  const HOSTILE_VALUES = [
    "１２",
    "1e3",
    "-0",
    "-1",
    "Infinity",
    "NaN",
    "0x" + "1".repeat(63),
    " 1",
    "1.5",
    "9".repeat(100),
    "",
    "x".repeat(100_000),
  ];

  /** The tasks with a numeric, id or amount option: the argv with `VALUE` where it goes. */
  const VALUE_TASKS: string[][] = [
    ["provenance", "import", "SERIALS", "--batch", "VALUE", "--as", "manufacturer"],
    ["consortium", "vote", "--proposal", "VALUE", "--as", "governor-1"],
    ["consortium", "execute", "--proposal", "VALUE", "--as", "governor-1"],
    ["consortium", "renew", "--member", "HOSP-0001", "--until", "VALUE", "--as", "certifier"],
    ["records", "review", "--id", "VALUE", "--as", "regulator"],
    ["records", "break-glass", "PROOF", "--reason", "VALUE", "--as", "hospital-b"],
    [
      "provenance",
      "commission",
      "--gtin",
      "VALUE",
      "--lot",
      "L1",
      "--expiry",
      "301231",
      "--serials",
      "SERIALS",
      "--as",
      "manufacturer",
    ],
    [
      "provenance",
      "commission",
      "--gtin",
      "09506000134352",
      "--lot",
      "L1",
      "--expiry",
      "VALUE",
      "--serials",
      "SERIALS",
      "--as",
      "manufacturer",
    ],
    [
      "claims",
      "enrol",
      "--plan",
      "VALUE",
      "--patient",
      "Patient/1",
      "--start",
      "2026-01-01",
      "--end",
      "2026-12-31",
      "--as",
      "insurer",
    ],
    [
      "claims",
      "enrol",
      "--plan",
      "1",
      "--patient",
      "Patient/1",
      "--start",
      "VALUE",
      "--end",
      "2026-12-31",
      "--as",
      "insurer",
    ],
    ["claims", "fund", "--amount", "VALUE", "--as", "insurer"],
    ["claims", "review", "--claim", "VALUE", "--decision", "approve", "--as", "insurer"],
    ["claims", "settle", "--batch", "VALUE", "--as", "insurer"],
    ["claims", "eob", "VALUE", "--as", "insurer"],
    ["genomics", "withdraw", "--version-id", "VALUE", "--as", "lab"],
    ["genomics", "propose-rule", "--rule", "window", "--hours", "VALUE", "--as", "governor-1"],
    [
      "genomics",
      "propose-rule",
      "--rule",
      "budget",
      "--budget",
      "VALUE",
      "--per-query",
      "1",
      "--requester-share",
      "50",
      "--as",
      "governor-1",
    ],
    ["genomics", "aggregate", "--exchange", "EXCHANGE", "--rounding", "VALUE"],
  ];

  before(async function () {
    process.env.MEDCHAIN_MEMBER_SECRET ??= "invented-card-secret-0001";
    h = await startHarness();
    const dir = path.join(h.dir, "hostile");
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(HOSTILE_FILES)) {
      files[name] = path.join(dir, `${name}.json`);
      await writeFile(files[name]!, content);
    }
    files.folder = path.join(dir, "a-folder.json");
    await mkdir(files.folder, { recursive: true });
    files["symlink-loop"] = path.join(dir, "loop-a.json");
    await symlink(path.join(dir, "loop-b.json"), files["symlink-loop"]);
    await symlink(files["symlink-loop"], path.join(dir, "loop-b.json"));
    files.missing = path.join(dir, "missing.json");
  });
  after(async () => h?.stop());

  const fill = (argv: string[], slot: string, value: string) =>
    argv.map((a) => {
      if (a === slot) return value;
      if (a === "PATIENTS" || a === "PROOF" || a === "CLAIM" || a === "GOOD_RECORD" || a === "SERIALS")
        return path.resolve("test/fixtures/claims/visit-claim.json"); // a real file of another kind
      if (a === "EXCHANGE") return path.join(h.dir, "exchange");
      return a;
    });

  const refusedInOneLine = async (argv: string[]) => {
    const before = await h.snapshot();
    const run = await h.run(argv);
    const shown = `${argv.map((a) => (a.length > 80 ? `${a.slice(0, 20)}…` : a)).join(" ")}\n${run.stdout.slice(0, 300)}${run.stderr.slice(0, 600)}`;
    expect(run.exitCode, shown).to.equal(1);
    expect(run.stdout, shown).to.equal("");
    const lines = run.stderr.split("\n").filter((l) => l !== "");
    expect(lines, shown).to.have.length(1);
    expect(lines[0], shown).to.match(/^error: \S/);
    expect(lines[0]!.length, shown).to.be.at.most(800);
    expect(lines[0], shown).to.not.match(/\n\s+at |TypeError|ReferenceError|Cannot read properties/);
    expect(await h.snapshot(), `nothing sent: ${shown}`).to.equal(before);
  };

  /** JSON documents that are fine text: a serials CSV of one serial `null` is a list of serials. */
  const JSON_ONLY = new Set([
    "json-null",
    "json-array",
    "json-string",
    "trailing-garbage",
    "duplicate-key",
    "past-2-53",
  ]);

  for (const argv of FILE_TASKS) {
    it(`${argv.slice(0, 2).join(" ")} ${argv[argv.indexOf("FILE") - 1]?.startsWith("--") ? argv[argv.indexOf("FILE") - 1] : "<file>"}: every hostile file`, async function () {
      const text = argv.includes("--serials");
      for (const name of [...Object.keys(HOSTILE_FILES), "folder", "symlink-loop", "missing"]) {
        if (text && JSON_ONLY.has(name)) continue;
        await refusedInOneLine(fill(argv, "FILE", files[name]!));
      }
    });
  }

  for (const argv of VALUE_TASKS) {
    it(`${argv.slice(0, 2).join(" ")} ${argv[argv.indexOf("VALUE") - 1] ?? "<value>"}: every hostile value`, async function () {
      const positional = !argv[argv.indexOf("VALUE") - 1]!.startsWith("--");
      for (const value of HOSTILE_VALUES) {
        // An empty --id lists (its default); a positional starting with "-" is Hardhat's own option error.
        if (value === "" && argv.includes("--id")) continue;
        if (positional && value.startsWith("-")) continue;
        if (value === "1.5" && argv.includes("--budget")) continue; // an epsilon is a decimal
        await refusedInOneLine(fill(argv, "VALUE", value));
      }
    });
  }
});
