import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { openClaims } from "../../src/claims/connect.js";
import { patientReference } from "../../src/claims/codes.js";
import { startHarness, type Harness } from "./harness.js";

/**
 * The claims tasks against a node, as typed: the insurer publishes a plan, funds its escrow and enrols
 * a patient; the hospital anchors the visit's record with its billing leaf and submits the FHIR Claim;
 * the EOB, settlement, withdrawal and remittance follow. Then every hostile input (plan files, FHIR
 * Claims, amounts, dates, ids, member references, batch files, options) is refused with one line
 * naming the file or option, the field and the problem, exit code 1, and nothing sent.
 */
describe("claims tasks on a node: output and bad input", function () {
  this.timeout(300_000);
  let h: Harness;
  let plan: string;
  let claim: string;
  let proof: string;
  let savedSecret: string | undefined;
  const SECRET = "invented-card-secret-0001";
  const FIXTURES = path.resolve("test/fixtures/claims");
  const INSURER = ["--as", "insurer"];
  const HOSPITAL = ["--as", "hospital-a"];

  const file = (name: string) => path.join(h.dir, name);
  const write = async (name: string, text: string) => {
    await writeFile(file(name), text);
    return file(name);
  };
  const planText = async (change: (p: Record<string, unknown>) => void = () => {}) => {
    const p = JSON.parse(await readFile(path.join(FIXTURES, "plan.json"), "utf8")) as Record<string, unknown>;
    change(p);
    return JSON.stringify(p);
  };
  const claimText = async (change: (c: Record<string, any>) => void = () => {}) => {
    const c = JSON.parse(await readFile(path.join(FIXTURES, "visit-claim.json"), "utf8")) as Record<string, any>;
    change(c);
    return JSON.stringify(c);
  };
  const submit = (fhir: string, ...more: string[]) => [
    "claims",
    "submit",
    "--fhir",
    fhir,
    "--plan",
    "1",
    "--record",
    proof,
    ...HOSPITAL,
    ...more,
  ];

  before(async function () {
    savedSecret = process.env.MEDCHAIN_MEMBER_SECRET;
    process.env.MEDCHAIN_MEMBER_SECRET = SECRET;
    h = await startHarness();
    // The harness chain is no test chain (its id is its own), so the insurer's test tokens are minted
    // through the token itself rather than `claims mint-test-token`.
    const c = await openClaims(h.as("insurer"));
    await (await c.token.getFunction("mint")(h.wallet("insurer").address, 1_000_000n * 10n ** 6n)).wait();
    plan = path.join(FIXTURES, "plan.json");
    claim = path.join(FIXTURES, "visit-claim.json");
    proof = file("no-proof-yet.json");
  });
  after(async () => {
    if (savedSecret === undefined) delete process.env.MEDCHAIN_MEMBER_SECRET;
    else process.env.MEDCHAIN_MEMBER_SECRET = savedSecret;
    await h?.stop();
  });

  describe("what the tasks print", function () {
    it("publishes a plan (with a byte-order mark), funds, enrols, submits a documented claim, prints its EOB, settles and withdraws", async function () {
      const published = await h.run([
        "claims",
        "publish-plan",
        "--file",
        await write("plan-bom.json", "\ufeff" + (await planText())),
        ...INSURER,
        "--json",
      ]);
      expect(published.exitCode, published.stdout + published.stderr).to.equal(0);
      expect(published.json!.result).to.deep.include({ planId: "1", revised: false });
      const funded = await h.run(["claims", "fund", "--amount", "50000.00", ...INSURER]);
      expect(funded.stdout, funded.stderr).to.match(/^funded escrow with 50000 \(tx 0x/);
      const enrolled = await h.run([
        "claims",
        "enrol",
        "--plan",
        "1",
        "--patient",
        "Patient/invented-patient-0001",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        ...INSURER,
        "--json",
      ]);
      expect(enrolled.exitCode, enrolled.stdout).to.equal(0);
      const billingRef = patientReference("Patient/invented-patient-0001", SECRET);
      expect(enrolled.json!.result).to.deep.include({ patientRef: billingRef });

      // The hospital anchors the visit with the patient's billing reference, then bills it.
      const patients = await write(
        "patients.json",
        JSON.stringify({
          format: "medchain.patients.v1",
          patients: [
            {
              reference: "Patient/demo-patient-0001",
              account: new Wallet("0x" + "5a".repeat(32)).address,
              billingRef,
            },
          ],
        }),
      );
      await mkdir(file("visit"), { recursive: true });
      await writeFile(
        file("visit/encounter.json"),
        await readFile(path.resolve("test/fixtures/records/lakeview-visit-encounter.json")),
      );
      const anchored = await h.run(["records", "anchor", file("visit"), "--patients", patients, ...HOSPITAL]);
      expect(anchored.exitCode, anchored.stderr).to.equal(0);
      proof = file("visit.proofs/encounter.proof.json");
      const submitted = await h.run([...submit(claim), "--json"]);
      expect(submitted.exitCode, submitted.stdout).to.equal(0);
      expect(submitted.json!.result).to.deep.include({ claimId: "1", status: "Approved" });

      const eob = await h.run(["claims", "eob", "1", "--fhir", claim, "--out", file("eob-1.json"), ...INSURER]);
      expect(eob.exitCode, eob.stderr).to.equal(0);
      expect(eob.stdout).to.include(`wrote ClaimResponse and ExplanationOfBenefit to ${file("eob-1.json")}`);
      const settled = await h.run(["claims", "settle", "--journal", file("settle.journal"), ...INSURER, "--json"]);
      expect(settled.exitCode, settled.stdout).to.equal(0);
      expect(settled.json!.result).to.deep.include({ settled: ["1"] });
      const withdrawn = await h.run(["claims", "withdraw", ...HOSPITAL]);
      expect(withdrawn.exitCode, withdrawn.stderr).to.equal(0);
      const remittance = await h.run(["claims", "remittance", "--provider", "HOSP-0001", ...INSURER, "--json"]);
      expect(remittance.json!.result).to.deep.include({ claims: 1 });
    });
  });

  describe("refuses bad input before sending, naming the file or option, the field and the problem", function () {
    type Case = [name: string, argv: () => Promise<string[]> | string[], message: string | RegExp];
    const publish = (name: string, text: () => Promise<string> | string, message: string | RegExp): Case => [
      `publish-plan: ${name}`,
      async () => [
        "claims",
        "publish-plan",
        "--file",
        await write(`plan-${slug(name)}.json`, await text()),
        ...INSURER,
      ],
      message,
    ];
    const planField = (name: string, field: string, value: unknown, message: string | RegExp): Case =>
      publish(name, () => planText((p) => (p[field] = value)), message);
    const submitted = (name: string, text: () => Promise<string> | string, message: string | RegExp): Case => [
      `submit: ${name}`,
      async () => submit(await write(`claim-${slug(name)}.json`, await text())),
      message,
    ];
    const line = (change: (item: Record<string, any>) => void) => claimText((c) => change(c.item[0]));
    const enrol = (...more: string[]) => {
      const base: Record<string, string> = {
        "--plan": "1",
        "--patient": "Patient/invented-patient-0002",
        "--start": "2026-01-01",
        "--end": "2026-12-31",
      };
      for (let i = 0; i < more.length; i += 2) base[more[i]!] = more[i + 1]!;
      return ["claims", "enrol", ...Object.entries(base).flat(), ...INSURER];
    };
    const authorise = (...more: string[]) => {
      const base: Record<string, string> = {
        "--plan": "1",
        "--patient": "Patient/invented-patient-0001",
        "--system": "http://www.ama-assn.org/go/cpt",
        "--code": "70553",
        "--units": "1",
        "--valid-from": "2026-03-01",
        "--valid-until": "2026-04-30",
      };
      for (let i = 0; i < more.length; i += 2) base[more[i]!] = more[i + 1]!;
      return ["claims", "authorise", ...Object.entries(base).flat(), ...INSURER];
    };
    const fund = (amount: string): Case => [
      `fund: the amount ${JSON.stringify(amount)}`,
      () => ["claims", "fund", "--amount", amount, ...INSURER],
      /^error: --amount: /,
    ];
    const batch = (name: string, doc: () => Promise<unknown> | unknown, message: string | RegExp): Case => [
      `submit --batch: ${name}`,
      async () => [
        "claims",
        "submit",
        "--batch",
        await write(`batch-${slug(name)}.json`, JSON.stringify(await doc())),
        "--plan",
        "1",
        ...HOSPITAL,
      ],
      message,
    ];

    const cases: Case[] = [
      // Plan files.
      [
        "publish-plan: no --file",
        () => ["claims", "publish-plan", ...INSURER],
        "--file: the plan JSON file is required",
      ],
      [
        "publish-plan: a file that does not exist",
        () => ["claims", "publish-plan", "--file", file("none.json"), ...INSURER],
        "none.json: no such file",
      ],
      [
        "publish-plan: a folder",
        () => ["claims", "publish-plan", "--file", h.dir, ...INSURER],
        ": is a folder, not a file",
      ],
      [
        "publish-plan: a loop of symbolic links",
        async () => {
          await symlink(file("loop-b.json"), file("loop-a.json")).catch(() => {});
          await symlink(file("loop-a.json"), file("loop-b.json")).catch(() => {});
          return ["claims", "publish-plan", "--file", file("loop-a.json"), ...INSURER];
        },
        "loop-a.json: cannot be read: a loop of symbolic links",
      ],
      publish("an empty file", () => "", "plan-an-empty-file.json: is empty, not JSON"),
      publish("trailing garbage", async () => (await planText()) + " }x", "plan-trailing-garbage.json: is not JSON"),
      publish(
        "a duplicate key",
        async () => (await planText()).replace('"copay":', '"deductible":"1.00","copay":'),
        'plan-a-duplicate-key.json: deductible: duplicate key "deductible"',
      ),
      publish("NUL bytes", () => "\u0000\u0000", "plan-NUL-bytes.json: is not JSON"),
      publish("a JSON array", () => "[]", "plan-a-JSON-array.json: (root): Expected object, received array"),
      planField("a negative amount", "deductible", "-5", "plan-a-negative-amount.json: deductible: negative amount"),
      planField("negative zero", "copay", "-0", "plan-negative-zero.json: copay: negative amount"),
      planField(
        "more decimals than the token has",
        "copay",
        "20.0000001",
        "plan-more-decimals-than-the-token-has.json: copay: 20.0000001 has more than 6 decimals",
      ),
      planField(
        "an amount the contract cannot hold",
        "annualLimit",
        "1000000000000000000",
        "plan-an-amount-the-contract-cannot-hold.json: annualLimit: too large for the contract",
      ),
      planField("a uint256 overflow", "annualLimit", "9".repeat(80), "plan-a-uint256-overflow.json: annualLimit: "),
      publish(
        "a number past 2^53",
        async () => (await planText()).replace('"reviewWindowDays":7', '"reviewWindowDays":9007199254740993'),
        /plan-a-number-past-2-53\.json: reviewWindowDays: the number 9007199254740993 .* cannot be held exactly/,
      ),
      planField(
        "lookalike digits",
        "copay",
        "１２",
        'plan-lookalike-digits.json: copay: not a non-negative decimal amount: "１２"',
      ),
      planField("an exponent in a string", "copay", "1e3", "plan-an-exponent-in-a-string.json: copay: not a"),
      planField("Infinity", "copay", "Infinity", "plan-Infinity.json: copay: not a non-negative decimal amount"),
      planField("NaN", "copay", "NaN", "plan-NaN.json: copay: not a non-negative decimal amount"),
      planField(
        "a 10 MB amount",
        "copay",
        "1".repeat(10_000_000),
        /plan-a-10-MB-amount\.json: copay: 1{40}… is far more than any amount$/,
      ),
      planField(
        "an impossible date",
        "effectiveFrom",
        "2026-02-30",
        'plan-an-impossible-date.json: effectiveFrom: "2026-02-30" is not a valid date',
      ),
      planField(
        "a date before 1970",
        "effectiveFrom",
        "1900-01-01",
        'plan-a-date-before-1970.json: effectiveFrom: "1900-01-01" is before 1970',
      ),
      planField(
        "a date far ahead",
        "effectiveFrom",
        "9999-12-31",
        'plan-a-date-far-ahead.json: effectiveFrom: "9999-12-31" is more than 100 years ahead',
      ),
      planField(
        "a coinsurance finer than a basis point",
        "coinsurancePercent",
        33.333,
        "plan-a-coinsurance-finer-than-a-basis-point.json: coinsurancePercent: ",
      ),
      planField("a zero review window", "reviewWindowDays", 0, "plan-a-zero-review-window.json: reviewWindowDays: "),
      planField("an unknown field", "colour", "red", /plan-an-unknown-field\.json: \(root\): Unrecognized key.*colour/),
      publish(
        "a service code with a control character",
        () => planText((p) => ((p.codes as Array<Record<string, unknown>>)[0]!.code = "99\u0000213")),
        "plan-a-service-code-with-a-control-character.json: codes.0.code: ",
      ),
      publish(
        "a code listed twice",
        () => planText((p) => (p.codes as unknown[]).push((p.codes as unknown[])[0])),
        "plan-a-code-listed-twice.json: codes.5: code 99213 listed twice",
      ),
      [
        "publish-plan: a revision of a plan that does not exist",
        () => ["claims", "publish-plan", "--file", plan, "--revise", "99", ...INSURER],
        "--plan: plan 99 does not exist",
      ],
      [
        "publish-plan: a revision id past the plan ids",
        () => ["claims", "publish-plan", "--file", plan, "--revise", "4294967296", ...INSURER],
        "--revise: 4294967296 is more than 4294967295, the largest id",
      ],
      [
        "publish-plan: as a hospital (not an insurer)",
        () => ["claims", "publish-plan", "--file", plan, ...HOSPITAL],
        /the contract refused: ConsortiumGuardedUnauthorized\(account=0x[0-9a-fA-F]{40}, requiredKinds=32\)/,
      ],

      // Enrolment and authorisation: ids, patients, dates, units.
      ["enrol: no plan", () => enrol("--plan", ""), '--plan: "" is not an id (1, 2, ...)'],
      ["enrol: plan 0", () => enrol("--plan", "0"), '--plan: "0" is not an id'],
      ["enrol: lookalike digits", () => enrol("--plan", "１"), '--plan: "１" is not an id'],
      ["enrol: an exponent", () => enrol("--plan", "1e3"), '--plan: "1e3" is not an id'],
      ["enrol: a negative plan", () => enrol("--plan", "-1"), '--plan: "-1" is not an id'],
      ["enrol: a plan past uint32", () => enrol("--plan", "4294967296"), "--plan: 4294967296 is more than"],
      ["enrol: an unknown plan", () => enrol("--plan", "77"), "--plan: plan 77 does not exist"],
      ["enrol: no patient", () => enrol("--patient", ""), "--patient: the patient's identifier is required"],
      ["enrol: a patient with a space", () => enrol("--patient", "Patient/1 "), '--patient: "Patient/1 " has spaces'],
      ["enrol: no start", () => enrol("--start", ""), "--start: the first covered day is required"],
      ["enrol: an impossible start", () => enrol("--start", "2026-02-30"), '--start: "2026-02-30" is not a valid date'],
      ["enrol: a start before 1970", () => enrol("--start", "1969-12-31"), '--start: "1969-12-31" is before 1970'],
      ["enrol: an end far ahead", () => enrol("--end", "3026-12-31"), '--end: "3026-12-31" is more than 100 years'],
      ["enrol: an end before the start", () => enrol("--end", "2025-12-31"), "--end: 2025-12-31 is before --start"],
      ["enrol: a month 13", () => enrol("--end", "2026-13-01"), '--end: "2026-13-01" is not a valid date'],
      ["enrol: an unknown named account", () => [...enrol().slice(0, -2), "--as", "insurer-z"], "insurer-z"],
      ["enrol: --as and --from", () => [...enrol(), "--from", h.wallet("insurer").address], "not both"],
      ["enrol: a --from that is not an address", () => [...enrol().slice(0, -2), "--from", "0x12"], "--from: "],
      ["authorise: zero units", () => authorise("--units", "0"), '--units: "0" is not a whole number of units'],
      ["authorise: fractional units", () => authorise("--units", "1.5"), '--units: "1.5" is not a whole number'],
      ["authorise: units past uint32", () => authorise("--units", "4294967296"), '--units: "4294967296" is not'],
      ["authorise: no code", () => authorise("--code", ""), "--code: the service code is required"],
      [
        "authorise: an end before the start",
        () => authorise("--valid-until", "2026-02-01"),
        "--valid-until: 2026-02-01 is before --valid-from 2026-03-01",
      ],
      [
        "authorise: an impossible day",
        () => authorise("--valid-from", "2026-04-31"),
        '--valid-from: "2026-04-31" is not a valid date',
      ],

      // FHIR Claims and proof files.
      [
        "submit: no --fhir",
        () => ["claims", "submit", "--plan", "1", "--record", proof, ...HOSPITAL],
        "--fhir: the FHIR Claim JSON file is required (or --batch)",
      ],
      [
        "submit: no --record",
        () => ["claims", "submit", "--fhir", claim, "--plan", "1", ...HOSPITAL],
        "--record: the record's proof file (with its billing leaf) is required",
      ],
      [
        "submit: not a Claim",
        () => submit(path.join(FIXTURES, "not-a-claim.json")),
        'not-a-claim.json: resourceType: not a FHIR Claim (resourceType must be "Claim")',
      ],
      [
        "submit: a negative amount",
        () => submit(path.join(FIXTURES, "negative-amount-claim.json")),
        "negative-amount-claim.json: item[1].net.value: negative amount -400",
      ],
      submitted(
        "more decimals than the token",
        () => line((i) => (i.net.value = "250.0000001")),
        "claim-more-decimals-than-the-token.json: item[0].net.value: 250.0000001 has more than 6 decimals",
      ),
      submitted(
        "a charge past uint96",
        () => line((i) => (i.net.value = "100000000000000000000000")),
        "claim-a-charge-past-uint96.json: item[0].net: the charge is more than the contract holds",
      ),
      submitted(
        "a charge past 2^53 as a JSON number",
        async () => (await claimText()).replace('"value":250', '"value":90071992547409930'),
        /claim-a-charge-past-2-53-as-a-JSON-number\.json: item\[0\]\.net\.value: the number 90071992547409930 .*cannot be held exactly/,
      ),
      submitted(
        "lookalike digits in an amount",
        () => line((i) => (i.net.value = "２５０")),
        "claim-lookalike-digits-in-an-amount.json: item[0].net.value: not a non-negative decimal amount",
      ),
      submitted(
        "an impossible service date",
        () => line((i) => (i.servicedDate = "2026-02-30")),
        'claim-an-impossible-service-date.json: item[0].servicedDate: "2026-02-30" is not a valid date',
      ),
      submitted(
        "a service date before 1970",
        () => line((i) => (i.servicedDate = "1901-01-01")),
        'claim-a-service-date-before-1970.json: item[0].servicedDate: "1901-01-01" is before 1970',
      ),
      submitted(
        "zero units",
        () => line((i) => (i.quantity = { value: 0 })),
        'claim-zero-units.json: item[0].quantity.value: "0" is not a whole number of units',
      ),
      submitted(
        "fractional units",
        () => line((i) => (i.quantity = { value: 1.5 })),
        'claim-fractional-units.json: item[0].quantity.value: "1.5" is not a whole number of units',
      ),
      submitted(
        "a patient with a space",
        () => claimText((c) => (c.patient = { reference: " Patient/invented-patient-0001" })),
        "claim-a-patient-with-a-space.json: patient.reference: ",
      ),
      submitted(
        "a duplicate key",
        async () => (await claimText()).replace('"use":"claim"', '"use":"claim","use":"preauthorization"'),
        'claim-a-duplicate-key.json: use: duplicate key "use"',
      ),
      submitted("a BOM and trailing garbage", async () => "\ufeff" + (await claimText()) + "]", "is not JSON"),
      [
        "submit: a proof file that does not exist",
        () => [...submit(claim).slice(0, 7), file("gone.proof.json"), ...HOSPITAL],
        "gone.proof.json: no such file",
      ],
      [
        "submit: a proof with a 63-digit commitment",
        async () => [
          ...submit(claim).slice(0, 7),
          await write("short.proof.json", JSON.stringify({ commitment: "0x" + "ab".repeat(31) + "a" })),
          ...HOSPITAL,
        ],
        "short.proof.json: commitment: not a 32-byte hex string",
      ],
      [
        "submit: a proof that is JSON null",
        async () => [...submit(claim).slice(0, 7), await write("null.proof.json", "null"), ...HOSPITAL],
        "null.proof.json: not a record proof file (a JSON object)",
      ],
      [
        "submit: an unknown plan",
        () => submit(claim).map((a) => (a === "1" ? "88" : a)),
        "--plan: plan 88 does not exist",
      ],
      ["submit: --replaces 0", () => submit(claim, "--replaces", "0"), '--replaces: "0" is not an id'],
      ["submit: --journal without --batch", () => submit(claim, "--journal", file("j")), "--journal: a journal is for"],

      // Batch files: one bad entry sends nothing.
      [
        "submit --batch: with --fhir",
        () => ["claims", "submit", "--batch", file("b.json"), "--fhir", claim, "--plan", "1", ...HOSPITAL],
        "--fhir: not with --batch",
      ],
      batch("another format", () => ({ format: "x", claims: [] }), 'format: not "medchain.claims-batch.v1"'),
      batch(
        "no claims",
        () => ({ format: "medchain.claims-batch.v1", claims: [] }),
        "claims: a non-empty list of { fhir, record } is required",
      ),
      batch(
        "an unknown field",
        () => ({ format: "medchain.claims-batch.v1", claims: [{ fhir: claim, record: proof, extra: 1 }] }),
        'claims[0]: unknown field "extra"',
      ),
      batch(
        "a claim listed twice",
        () => ({
          format: "medchain.claims-batch.v1",
          claims: [
            { fhir: claim, record: proof },
            { fhir: claim, record: proof },
          ],
        }),
        "claims[1].fhir: ",
      ),
      batch(
        "a bad claim in the middle",
        async () => {
          const ok = async (n: number) =>
            write(
              `batch-ok-${n}.json`,
              JSON.stringify({ ...JSON.parse(await claimText()), id: `visit-b${n}`, created: `2026-11-2${n}` }),
            );
          return {
            format: "medchain.claims-batch.v1",
            claims: [
              { fhir: await ok(1), record: proof },
              { fhir: path.join(FIXTURES, "negative-amount-claim.json"), record: proof },
              { fhir: await ok(3), record: proof },
            ],
          };
        },
        "negative-amount-claim.json: item[1].net.value: negative amount -400",
      ),

      // Review, appeal, settle, fund, EOB, remittance, mint.
      [
        "review: a decision that is neither",
        () => ["claims", "review", "--claim", "1", "--decision", "maybe", ...INSURER],
        '--decision: "maybe" is not approve or deny',
      ],
      [
        "review: a denial without a reason",
        () => ["claims", "review", "--claim", "1", "--decision", "deny", ...INSURER],
        "--reason: a CARC reason code is required",
      ],
      [
        "review: a reason past 65535",
        () => ["claims", "review", "--claim", "1", "--decision", "deny", "--reason", "65536", ...INSURER],
        '--reason: "65536" is not a CARC reason code',
      ],
      [
        "review: a claim id that is a word",
        () => ["claims", "review", "--claim", "one", "--decision", "approve", ...INSURER],
        '--claim: "one" is not an id',
      ],
      [
        "appeal: a reason without upholding",
        () => ["claims", "appeal", "--claim", "1", "--reason", "50", ...HOSPITAL],
        "--reason: only upholding a denial takes a reason code",
      ],
      ["settle: a batch of 0", () => ["claims", "settle", "--batch", "0", ...INSURER], '--batch: "0" is not 1-200'],
      [
        "settle: a batch as an exponent",
        () => ["claims", "settle", "--batch", "1e2", ...INSURER],
        '--batch: "1e2" is not 1-200',
      ],
      [
        "settle: a claim listed twice",
        () => ["claims", "settle", "--claims", "1,1", "--journal", file("s2.journal"), ...INSURER],
        "--claims: claim 1 is listed twice",
      ],
      [
        "settle: an empty claim id",
        () => ["claims", "settle", "--claims", "1,,2", "--journal", file("s3.journal"), ...INSURER],
        '--claims: "" is not an id',
      ],
      fund("-5"),
      fund("-0"),
      fund("0"),
      fund("1.1234567"),
      fund("１２"),
      fund("1e3"),
      fund("Infinity"),
      fund("NaN"),
      fund("0x10"),
      fund(""),
      fund("9".repeat(60)),
      fund("2000000"),
      ["eob: a claim id that is a word", () => ["claims", "eob", "first", ...INSURER], '--id: "first" is not an id'],
      [
        "eob: a --fhir that is not a Claim",
        () => ["claims", "eob", "1", "--fhir", path.join(FIXTURES, "not-a-claim.json"), ...INSURER],
        'not-a-claim.json: resourceType: not a FHIR Claim (resourceType must be "Claim")',
      ],
      [
        "eob: an --out in a folder that does not exist",
        () => ["claims", "eob", "1", "--out", file("no/such/eob.json"), ...INSURER],
        "--out: cannot write it: ENOENT",
      ],
      [
        "remittance: a mistyped member id",
        () => ["claims", "remittance", "--provider", "0x" + "ab".repeat(31) + "a", ...INSURER],
        "--provider: ",
      ],
      [
        "remittance: no provider",
        () => ["claims", "remittance", ...INSURER],
        "--provider: a member id (0x + 64 hex digits) or registration code is required",
      ],
      [
        "mint-test-token: a recipient that is not an address",
        () => ["claims", "mint-test-token", "--amount", "5", "--to", "0x12", ...INSURER],
        '--to: "0x12" is not an address',
      ],
      [
        "mint-test-token: the zero address",
        () => ["claims", "mint-test-token", "--amount", "5", "--to", "0x" + "0".repeat(40), ...INSURER],
        "--to: the zero address is nobody's account",
      ],
      [
        "mint-test-token: a chain that is not a test chain",
        () => ["claims", "mint-test-token", "--amount", "5", ...INSURER],
        "--network: chain ",
      ],
    ];

    for (const [name, argv, message] of cases) {
      it(`${name}`, async function () {
        await h.refused(await argv(), { exitCode: /contract refused/.test(String(message)) ? 3 : 1, message });
      });
    }

    it("a batch whose bad claim is in the middle sends nothing, and neither does its re-run under --json", async function () {
      const journal = file("batch-a-bad-claim-in-the-middle.json.journal");
      await h.refused(
        [
          "claims",
          "submit",
          "--batch",
          file("batch-a-bad-claim-in-the-middle.json"),
          "--plan",
          "1",
          ...HOSPITAL,
          "--json",
        ],
        { exitCode: 1, message: "negative-amount-claim.json: item[1].net.value: negative amount -400" },
      );
      await readFile(journal).then(
        () => expect.fail("a journal was written for a batch that sent nothing"),
        () => undefined,
      );
    });

    it("an option given twice is refused by the command line before the task runs", async function () {
      const before = await h.snapshot();
      const run = await h.run([...enrol(), "--as", "hospital-a"]);
      expect(run.exitCode).to.equal(1);
      expect(run.stderr).to.match(/^HHE510: Invalid option "--as"\. Options of type "STRING" cannot be repeated\.\n$/);
      expect(await h.snapshot()).to.equal(before);
    });

    it("a member secret shorter than 128 bits is refused before connecting", async function () {
      process.env.MEDCHAIN_MEMBER_SECRET = "short";
      try {
        await h.refused(enrol(), { exitCode: 1, message: "MEDCHAIN_MEMBER_SECRET: " });
      } finally {
        process.env.MEDCHAIN_MEMBER_SECRET = SECRET;
      }
    });
  });
});

/** A case name as a file name. */
function slug(name: string): string {
  return name.replace(/\W+/g, "-").replace(/^-|-$/g, "");
}
