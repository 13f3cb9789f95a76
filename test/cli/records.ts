import { copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { startHarness, type Harness } from "./harness.js";

/**
 * The records tasks against a node, as typed: anchoring a folder (and again when it has grown),
 * verifying (a 50 MB record too), history, retract, amend, break-glass, their one JSON document and
 * exit codes, and every hostile input refused with one line naming the file, the field and the
 * problem, the right exit code, and nothing sent.
 */
describe("records tasks on a node: output and bad input", function () {
  this.timeout(300_000);
  let h: Harness;
  let patients: string;
  let folder: string;
  const FIXTURES = path.resolve("test/fixtures/records");
  const PATIENT = new Wallet("0x" + "5a".repeat(32)).address; // the invented patient's account at hospital-a
  const A = ["--as", "hospital-a"];

  const file = (name: string) => path.join(h.dir, name);
  const write = async (name: string, text: string) => {
    await writeFile(file(name), text);
    return file(name);
  };
  const observation = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      resourceType: "Observation",
      id: "obs-cli",
      status: "final",
      code: { text: "glucose" },
      subject: { reference: "Patient/demo-patient-0001" },
      effectiveDateTime: "2026-03-02T09:15:00Z",
      ...over,
    });
  const anchor = (target: string, ...more: string[]) => [
    "records",
    "anchor",
    target,
    "--patients",
    patients,
    ...A,
    ...more,
  ];

  before(async function () {
    h = await startHarness();
    patients = await write(
      "patients.json",
      JSON.stringify({
        format: "medchain.patients.v1",
        patients: [{ reference: "Patient/demo-patient-0001", account: PATIENT }],
      }),
    );
    folder = file("visit");
    await mkdir(folder);
    for (const f of await readdir(path.join(FIXTURES, "visit")))
      await copyFile(path.join(FIXTURES, "visit", f), path.join(folder, f));
  });
  after(async () => h?.stop());

  describe("what the tasks print", function () {
    it("anchors a folder and prints one JSON document; re-run on the grown folder anchors only the new record and keeps the old proof files", async function () {
      const first = await h.run(anchor(folder, "--json"));
      expect(first.exitCode, first.stderr).to.equal(0);
      expect(first.json!.ok).to.equal(true);
      expect(first.json!.result).to.deep.include({ records: 3, anchored: 3, alreadyAnchored: 0, sent: 2 });
      const proofs = `${folder}.proofs`;
      const before = await readFile(path.join(proofs, "encounter.proof.json"), "utf8");
      await writeFile(path.join(folder, "observation-later.json"), observation({ id: "obs-later" }));
      const again = await h.run(anchor(folder));
      expect(again.exitCode, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/^anchored .*observation-later\.json \(record\) as 0x[0-9a-f]{64} \(tx 0x/m);
      expect(again.stdout).to.include("4 record(s): 1 anchored now, 3 anchored before (proof files kept)");
      expect(await readFile(path.join(proofs, "encounter.proof.json"), "utf8")).to.equal(before);
      const nothing = await h.run(anchor(folder, "--json"));
      expect(nothing.json!.result).to.deep.include({ anchored: 0, alreadyAnchored: 4, sent: 0 });
    });

    it("verify says VALID (exit 0) or TAMPERED (exit 2, a negative verdict in JSON)", async function () {
      const proof = `${folder}.proofs/observation-hba1c.proof.json`;
      const record = path.join(folder, "observation-hba1c.json");
      const ok = await h.run(["records", "verify", record, proof]);
      expect([ok.exitCode, ok.stdout]).to.satisfy(
        ([c, out]: [number, string]) => c === 0 && out.startsWith("VALID: anchored by 0x"),
      );
      const changed = await write("tampered.json", (await readFile(record, "utf8")).replace('"final"', '"amended"'));
      const bad = await h.run(["records", "verify", changed, proof]);
      expect(bad.exitCode).to.equal(2);
      expect(bad.stdout).to.match(/^TAMPERED: the record does not match the commitment in its proof/);
      const json = await h.run(["records", "verify", changed, proof, "--json"]);
      expect(json.exitCode).to.equal(2);
      expect(json.json).to.deep.include({ ok: false, verdict: "negative" });
      expect((json.json!.result as { verdict: string }).verdict).to.equal("TAMPERED");
    });

    it("verifies a 50 MB record without sending it to the node, and accepts a byte-order mark", async function () {
      // A scanned report: a DocumentReference whose attachment is 50 MB of base64 (invented bytes).
      const scan = Buffer.alloc(37.5 * 1024 * 1024, 7).toString("base64");
      const document = {
        resourceType: "DocumentReference",
        id: "scan-big",
        status: "current",
        subject: { reference: "Patient/demo-patient-0001" },
        content: [{ attachment: { contentType: "application/pdf", data: scan } }],
      };
      const big = await write("big.json", "\ufeff" + JSON.stringify(document));
      expect((await readFile(big)).length).to.be.greaterThan(50 * 1024 * 1024);
      const dir = file("big");
      await mkdir(dir);
      await copyFile(big, path.join(dir, "big.json"));
      const anchored = await h.run(anchor(dir, "--json"));
      expect(anchored.exitCode, anchored.stdout + anchored.stderr).to.equal(0);
      const verified = await h.run(["records", "verify", big, `${dir}.proofs/big.proof.json`]);
      expect(verified.exitCode, verified.stderr).to.equal(0);
      expect(verified.stdout).to.match(/^VALID/);
    });

    it("history lists the versions; amend and retract end a record, break-glass prints its id", async function () {
      const proof = `${folder}.proofs/observation-glucose.proof.json`;
      const v2 = await write(
        "glucose-v2.json",
        (await readFile(path.join(folder, "observation-glucose.json"), "utf8")).replace('"final"', '"amended"'),
      );
      const amended = await h.run(["records", "amend", v2, proof, ...A, "--json"]);
      expect(amended.exitCode, amended.stdout).to.equal(0);
      const newProof = (amended.json!.result as { proof: string }).proof;
      const history = await h.run(["records", "history", newProof, "--json"]);
      const versions = history.json!.result as Array<{ status: string; current: boolean }>;
      expect(versions.map((v) => [v.status, v.current])).to.deep.equal([
        ["Superseded", false],
        ["Active", true],
      ]);
      const lines = await h.run(["records", "history", proof]);
      expect(lines.stdout).to.match(
        /^1\. 0x[0-9a-f]{64} Superseded anchored .*superseded .*<- this proof\n2\. 0x[0-9a-f]{64} Active/,
      );
      const retracted = await h.run(["records", "retract", newProof, ...A]);
      expect(retracted.stdout).to.match(/^retracted 1 leaf\(s\) of .*, 0 already retracted \(tx 0x/);
      const gone = await h.run(["records", "verify", v2, newProof]);
      expect([gone.exitCode, gone.stdout.slice(0, 10)]).to.deep.equal([2, "RETRACTED:"]);
      const glass = await h.run([
        "records",
        "break-glass",
        `${folder}.proofs/encounter.proof.json`,
        "--reason",
        "7",
        "--as",
        "hospital-b",
        "--json",
      ]);
      expect(glass.exitCode, glass.stdout).to.equal(0);
      expect(glass.json!.result).to.deep.include({ reason: 7 });
    });
  });

  describe("refuses bad input before sending, naming the file and the field", function () {
    type Case = [name: string, argv: () => Promise<string[]> | string[], message: string | RegExp, exitCode?: number];
    const recordCase = (name: string, text: string, message: string | RegExp): Case => [
      name,
      async () => anchor(await write(`${name.replace(/\W+/g, "-")}.json`, text)),
      message,
    ];
    const cases: Case[] = [
      [
        "no patients file",
        () => ["records", "anchor", folder, ...A],
        "--patients: the hospital's patients file is required",
      ],
      [
        "a patients file that does not exist",
        () => ["records", "anchor", folder, "--patients", file("none.json"), ...A],
        "none.json",
      ],
      [
        "a patients file that is not a patients file",
        async () => ["records", "anchor", folder, "--patients", await write("p-bad.json", '{"format":"x"}'), ...A],
        "p-bad.json",
      ],
      ["a target that does not exist", () => anchor(file("missing-folder")), "missing-folder: no such file or folder"],
      [
        "an empty folder",
        async () => {
          await mkdir(file("empty"), { recursive: true });
          return anchor(file("empty"));
        },
        "empty: the folder has no .json files",
      ],
      recordCase("not JSON", "{ nope", /not-JSON\.json: is not JSON: .*line 1 column 3/),
      recordCase(
        "a duplicate key",
        observation().replace('"status":"final"', '"status":"final","status":"entered-in-error"'),
        'a-duplicate-key.json: status: duplicate key "status"',
      ),
      recordCase(
        "an unknown resource type",
        observation({ resourceType: "Observatoin" }),
        'resourceType: "Observatoin" is not a FHIR R4 resource type',
      ),
      recordCase("no resourceType", '{"id":"x"}', 'no-resourceType.json: not a FHIR resource (no "resourceType")'),
      recordCase(
        "a status of the wrong type",
        observation({ status: 5 }),
        /a-status-of-the-wrong-type\.json: Observation\.status: /,
      ),
      recordCase(
        "an impossible date",
        observation({ effectiveDateTime: "2026-02-30" }),
        /an-impossible-date\.json: Observation\.effective\[x\]: invalid dateTime value/,
      ),
      recordCase("an unknown field", observation({ colour: "red" }), /an-unknown-field\.json: Observation\.colour: /),
      recordCase(
        "a required field missing",
        observation({ status: undefined }),
        /a-required-field-missing\.json: Observation\.status: /,
      ),
      recordCase("a JSON array", "[1,2]", "a-JSON-array.json: not a FHIR resource (the JSON is not an object)"),
      recordCase("invalid UTF-8", "\u0000", /invalid-UTF-8\.json: /),
      recordCase(
        "a record of no patient",
        JSON.stringify({ resourceType: "Practitioner", id: "p" }),
        "a-record-of-no-patient.json: patient/subject/beneficiary: the record names no patient",
      ),
      recordCase(
        "a patient not in the patients file",
        observation({ subject: { reference: "Patient/999" } }),
        'subject: the patient "Patient/999" is not in the patients file',
      ),
      recordCase(
        "a Bundle without entries",
        JSON.stringify({ resourceType: "Bundle", type: "collection", entry: [] }),
        "a-Bundle-without-entries.json: entry: the Bundle has no entries",
      ),
      recordCase(
        "a Bundle entry without a resource",
        JSON.stringify({ resourceType: "Bundle", type: "collection", entry: [{ fullUrl: "urn:uuid:1" }] }),
        'a-Bundle-entry-without-a-resource.json: entry[0]: the entry has no "resource"',
      ),
      recordCase(
        "a Bundle entry of the wrong type",
        JSON.stringify({
          resourceType: "Bundle",
          type: "collection",
          entry: [{ resource: JSON.parse(observation({ status: true })) }],
        }),
        /a-Bundle-entry-of-the-wrong-type\.json#entry\[0\]: Observation\.status: /,
      ),
      [
        "an unknown named account",
        () => ["records", "anchor", folder, "--patients", patients, "--as", "hospital-z"],
        "hospital-z",
      ],
      [
        "both --as and --from",
        () => [...anchor(folder), "--from", h.wallet("hospital-a").address],
        "give either --as or --from, not both",
      ],
      [
        "a --from that is not an address",
        () => ["records", "anchor", folder, "--patients", patients, "--from", "0x12"],
        '--from: "0x12" is not an address',
      ],
      [
        "a --records that is not an address",
        () => [...anchor(folder), "--records", "0x12"],
        '--records: "0x12" is not an address',
      ],
      [
        "a --records without a contract",
        () => [...anchor(folder), "--records", h.wallet("lab").address],
        "--records: no contract at",
      ],
      ["--keyed without the hospital key", () => [...anchor(folder), "--keyed"], "MEDCHAIN_HOSPITAL_KEY: is not set"],
      [
        "verify: a record that does not exist",
        () => ["records", "verify", file("nope.json"), `${folder}.proofs/encounter.proof.json`],
        "nope.json: no such file",
      ],
      [
        "verify: a proof that does not exist",
        () => ["records", "verify", path.join(folder, "encounter.json"), file("nope.proof.json")],
        "nope.proof.json",
      ],
      [
        "verify: a proof that is not JSON",
        async () => ["records", "verify", path.join(folder, "encounter.json"), await write("x.proof.json", "{")],
        "x.proof.json",
      ],
      [
        "verify: a proof with a short salt",
        async () => {
          const p = JSON.parse(await readFile(`${folder}.proofs/encounter.proof.json`, "utf8")) as {
            record: { salt: string };
          };
          p.record.salt = "0x12";
          return [
            "records",
            "verify",
            path.join(folder, "encounter.json"),
            await write("short.proof.json", JSON.stringify(p)),
          ];
        },
        "short.proof.json: not a record proof: record.salt must be 32 bytes of hex",
      ],
      [
        "verify: a proof for another chain",
        async () => {
          const p = JSON.parse(await readFile(`${folder}.proofs/encounter.proof.json`, "utf8")) as { chainId: string };
          p.chainId = "1";
          return [
            "records",
            "verify",
            path.join(folder, "encounter.json"),
            await write("chain1.proof.json", JSON.stringify(p)),
          ];
        },
        /chain1\.proof\.json: the proof is for chain 1, but the network is chain \d+/,
      ],
      [
        "retract: another member's record",
        () => ["records", "retract", `${folder}.proofs/encounter.proof.json`, "--as", "hospital-b"],
        /encounter\.proof\.json: issuer: the record was anchored by 0x[0-9a-f]{64}, not by your member/,
      ],
      [
        "retract: a proof that does not exist",
        () => ["records", "retract", file("gone.proof.json"), ...A],
        "gone.proof.json",
      ],
      [
        "amend: a new version that is not FHIR",
        async () => [
          "records",
          "amend",
          await write("v2-bad.json", observation({ status: 5 })),
          `${folder}.proofs/encounter.proof.json`,
          ...A,
        ],
        /v2-bad\.json: Observation\.status: /,
      ],
      [
        "amend: another member's record",
        () => [
          "records",
          "amend",
          path.join(folder, "encounter.json"),
          `${folder}.proofs/encounter.proof.json`,
          "--as",
          "hospital-b",
        ],
        "issuer: the record was anchored by",
      ],
      [
        "break-glass: a reason that is not a number",
        () => [
          "records",
          "break-glass",
          `${folder}.proofs/encounter.proof.json`,
          "--reason",
          "stroke",
          "--as",
          "hospital-b",
        ],
        '--reason: "stroke" is not an emergency reason code (0-65535)',
      ],
      [
        "break-glass: a reason too large",
        () => [
          "records",
          "break-glass",
          `${folder}.proofs/encounter.proof.json`,
          "--reason",
          "65536",
          "--as",
          "hospital-b",
        ],
        '--reason: "65536" is not an emergency reason code',
      ],
      [
        "break-glass: no reason",
        () => ["records", "break-glass", `${folder}.proofs/encounter.proof.json`, "--as", "hospital-b"],
        '--reason: "" is not an emergency reason code',
      ],
      [
        "review: an id that is not a number",
        () => ["records", "review", "--id", "one", "--as", "regulator"],
        '--id: "one" is not a break-glass id',
      ],
      [
        "review: id zero",
        () => ["records", "review", "--id", "0", "--as", "regulator"],
        '--id: "0" is not a break-glass id',
      ],
      [
        "consent-grant: no scope",
        () => ["records", "consent-grant", "--custodian", "HOSP-0001", "--grantee", "HOSP-0002", "--as", "hospital-b"],
        "give exactly one scope: --categories <set> or --proofs <files>",
      ],
      [
        "consent-grant: a mistyped custodian id",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "0x12",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encounter",
          "--as",
          "hospital-b",
        ],
        '--custodian: "0x12" is not a 32-byte member id',
      ],
      [
        "consent-grant: a grantee code with spaces",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          " HOSP-0002",
          "--categories",
          "encounter",
          "--as",
          "hospital-b",
        ],
        '--grantee: " HOSP-0002" has spaces at an end',
      ],
      [
        "consent-grant: an unknown purpose",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encounter",
          "--purpose",
          "FUN",
          "--as",
          "hospital-b",
        ],
        '--purpose: unknown purpose "FUN"',
      ],
      [
        "consent-grant: an unknown category",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encountr",
          "--as",
          "hospital-b",
        ],
        '--categories: unknown category "encountr"',
      ],
      [
        "consent-grant: without the patient key",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encounter",
          "--as",
          "hospital-b",
        ],
        "MEDCHAIN_PATIENT_KEY: is not set",
      ],
      [
        "consent-revoke: a consent file that does not exist",
        () => ["records", "consent-revoke", file("c.json"), "--as", "hospital-b"],
        "c.json",
      ],
      [
        "access: an unknown purpose",
        () => [
          "records",
          "access",
          file("c.json"),
          `${folder}.proofs/encounter.proof.json`,
          "--purpose",
          "FUN",
          "--as",
          "hospital-b",
        ],
        '--purpose: unknown purpose "FUN"',
      ],
      [
        "access: a consent file that is not JSON",
        async () => [
          "records",
          "access",
          await write("c-bad.json", "{"),
          `${folder}.proofs/encounter.proof.json`,
          "--as",
          "hospital-b",
        ],
        "c-bad.json",
      ],
      [
        "audit: a mistyped member id",
        () => ["records", "audit", "--member", "0xabc"],
        '--member: "0xabc" is not a 32-byte member id',
      ],
      [
        "audit: a patient that is not an address",
        () => ["records", "audit", "--patients", "0x12,0x34"],
        '--patients: "0x12" is not an address',
      ],
      ["history: a proof that does not exist", () => ["records", "history", file("h.proof.json")], "h.proof.json"],
      [
        "patient-accounts: a mistyped hospital id",
        () => ["records", "patient-accounts", "0x1234"],
        '"0x1234" is not a 32-byte member id',
      ],
      [
        "patient-accounts: without the patient key",
        () => ["records", "patient-accounts", "HOSP-0001"],
        "MEDCHAIN_PATIENT_KEY: is not set",
      ],
    ];
    cases.push(
      [
        "consent-grant: zero days",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encounter",
          "--days",
          "0",
          "--as",
          "hospital-b",
        ],
        '--days: "0" is not a number of days from 1 to 3650',
      ],
      [
        "consent-grant: days that are not a number",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encounter",
          "--days",
          "30d",
          "--as",
          "hospital-b",
        ],
        '--days: "30d" is not a number of days',
      ],
      [
        "consent-grant: days too many",
        () => [
          "records",
          "consent-grant",
          "--custodian",
          "HOSP-0001",
          "--grantee",
          "HOSP-0002",
          "--categories",
          "encounter",
          "--days",
          "99999",
          "--as",
          "hospital-b",
        ],
        '--days: "99999" is not a number of days',
      ],
    );
    cases.push(
      [
        "a patients file that is another JSON file",
        () => ["records", "anchor", folder, "--patients", path.resolve("package.json"), ...A],
        "package.json: not a patients file: format",
      ],
      [
        "review: marking by a hospital",
        () => ["records", "review", "--id", "1", "--as", "hospital-a"],
        "ConsortiumGuardedUnauthorized(account=0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65, requiredKinds=64)",
        3,
      ],
      [
        "review: an unknown break-glass id",
        () => ["records", "review", "--id", "99", "--as", "regulator"],
        /Records\w+\(/,
        3,
      ],
      [
        "audit: a patient that is the zero address",
        () => ["records", "audit", "--patients", "0x0000000000000000000000000000000000000000"],
        "--patients: the zero address is nobody's account",
      ],
      [
        "verify: a record given as a folder",
        () => ["records", "verify", folder, `${folder}.proofs/encounter.proof.json`],
        "is a folder, not a file",
      ],
      [
        "break-glass: a negative reason",
        () => [
          "records",
          "break-glass",
          `${folder}.proofs/encounter.proof.json`,
          "--reason",
          "-1",
          "--as",
          "hospital-b",
        ],
        '--reason: "-1" is not an emergency reason code',
      ],
      recordCase(
        "a record that is a JSON string",
        '"Observation"',
        "a-record-that-is-a-JSON-string.json: not a FHIR resource (the JSON is not an object)",
      ),
      recordCase(
        "a resourceType that is a number",
        observation({ resourceType: 7 }),
        'a-resourceType-that-is-a-number.json: not a FHIR resource (no "resourceType")',
      ),
      recordCase(
        "a value of the wrong type",
        observation({ valueQuantity: { value: "six" } }),
        /a-value-of-the-wrong-type\.json: Observation\.value\[x\]\.value: invalid JSON type/,
      ),
    );
    for (const [name, argv, message, exitCode] of cases) {
      it(`refuses ${name}`, async function () {
        await h.refused(await argv(), { exitCode: exitCode ?? 1, message });
      });
    }

    it("names the file and the field in the JSON error document too", async function () {
      const bad = await write("json-bad.json", observation({ status: 5 }));
      const run = await h.refused([...anchor(bad), "--json"], {
        exitCode: 1,
        message: "Observation.status",
        where: { file: bad, field: "Observation.status" },
      });
      expect(run.json!.error!.kind).to.equal("BAD_INPUT");
    });
  });
});
