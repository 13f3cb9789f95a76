import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { HDNodeWallet } from "ethers";

import { withSigner } from "../../src/chain/connection.js";
import { memberIdFromCode } from "../../src/chain/members.js";
import { proveAccount, writeAccountProof } from "../../src/consortium/account-proof.js";
import { DEV_MNEMONIC } from "../../scripts/lib/nodes.js";
import { startHarness, type Harness } from "./harness.js";

/**
 * The consortium tasks against a node, as typed: what they print (proposal ids, names, ISO dates),
 * their one JSON document, and every hostile input refused with one line naming the option and the
 * problem, the right exit code, and nothing sent.
 */
describe("consortium tasks on a node: output and bad input", function () {
  this.timeout(120_000);
  let h: Harness;
  let docs: string;
  /** Proof-of-key files signed by FRESH's key: for the applicant CLIN-0001, HOSP-0001, or hospital-a's member. */
  const proofs: Record<string, string> = {};
  const A = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"; // hospital-a
  const FRESH = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"; // dev account 19, no member yet

  before(async function () {
    h = await startHarness();
    docs = path.join(h.dir, "registration.txt");
    await writeFile(docs, "registration documents of an invented clinic");
    await mkdir(path.join(h.dir, "a-folder"));
    const freshKey = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/19").connect(h.conn.provider);
    for (const code of ["CLIN-0001", "HOSP-0001"]) {
      proofs[code] = path.join(h.dir, `${code}.proof.json`);
      const proof = await proveAccount(withSigner(h.conn, freshKey), { memberId: memberIdFromCode(code) });
      await writeAccountProof(proofs[code], proof);
    }
    // hospital-a's own account agreeing to operate for HOSP-0002 too (the registry refuses: taken)
    proofs.taken = path.join(h.dir, "taken.proof.json");
    const aKey = h.wallet("hospital-a").connect(h.conn.provider);
    await writeAccountProof(
      proofs.taken,
      await proveAccount(withSigner(h.conn, aKey), { memberId: memberIdFromCode("HOSP-0002") }),
    );
  });
  after(async () => h?.stop());

  const certify = (over: Record<string, string> = {}) => {
    const opts = {
      code: "CLIN-0001",
      kinds: "Hospital",
      account: FRESH,
      until: "2030-06-30",
      documents: docs,
      proof: proofs[over.code ?? "CLIN-0001"] ?? proofs["CLIN-0001"]!,
      ...over,
    };
    return ["consortium", "certify", ...Object.entries(opts).flatMap(([k, v]) => [`--${k}`, v]), "--as", "certifier"];
  };

  describe("what the tasks print", function () {
    it("certify prints the proposal id and the member by code; proposals lists it with its votes and expiry", async function () {
      const run = await h.run(certify());
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stdout).to.match(
        /^certified CLIN-0001 \(Hospital\) until 2030-06-30 as member 0x[0-9a-f]{64} with account 0x[0-9a-fA-F]{40}: proposal \d+;/,
      );
      const listed = await h.run(["consortium", "proposals", "--open", "--json"]);
      const rows = listed.json!.result as Array<Record<string, unknown>>;
      const row = rows.find((r) => String(r.description).startsWith("Admit "))!;
      expect(row).to.deep.include({
        action: "Admit",
        state: "Open",
        votes: "0",
        threshold: "2",
        certifiedUntil: "2030-06-30",
      });
      expect(String(row.expiresAt)).to.match(/^\d{4}-\d{2}-\d{2}T/);
      const table = await h.run(["consortium", "proposals", "--open"]);
      expect(table.stdout).to.match(/Admit 0x[0-9a-f]{64} \(Hospital\) until 2030-06-30.*Open +0\/2/);
    });

    it("vote says how many votes are in; propose prints the proposal id and what it does by name", async function () {
      const listed = await h.run(["consortium", "proposals", "--open", "--json"]);
      const id = String((listed.json!.result as Array<{ proposalId: string }>).at(-1)!.proposalId);
      const voted = await h.run(["consortium", "vote", "--proposal", id, "--as", "governor-1"]);
      expect(voted.stdout).to.match(new RegExp(`^voted for proposal ${id}: 1 of 2 votes, Open \\(tx 0x`));
      const proposed = await h.run([
        "consortium",
        "propose",
        "--action",
        "Suspend",
        "--member",
        "HOSP-0002",
        "--as",
        "governor-2",
      ]);
      expect(proposed.stdout).to.match(
        /^proposed Suspend HOSP-0002 \(0x[0-9a-f]{4}…[0-9a-f]{4}\): proposal \d+, open until \d{4}-/,
      );
    });

    it("members shows registration codes, kind and status names and ISO dates, and one JSON document", async function () {
      const table = await h.run(["consortium", "members"]);
      expect(table.stdout).to.match(/HOSP-0001 +0x037b807f…df28 +Hospital +Active +\d{4}-\d{2}-\d{2} +0x15d3/);
      const json = await h.run(["consortium", "members", "--json"]);
      expect(json.stdout.trim().split("\n")).to.have.length(1);
      const rows = json.json!.result as Array<Record<string, unknown>>;
      expect(rows.find((r) => r.code === "LAB-0001")).to.deep.include({ kinds: ["Laboratory"], status: "Active" });
    });
  });

  describe("refuses bad input before sending, naming the option", function () {
    const cases: Array<[string, () => string[], string | RegExp, number?]> = [
      ["a missing registration code", () => certify({ code: "" }), "--code: a registration code is required"],
      [
        "a code that is a mistyped id",
        () => certify({ code: "0x1234" }),
        '--code: "0x1234" is not a 32-byte member id',
      ],
      [
        "a member id without 0x as code",
        () => certify({ code: "ab".repeat(32) }),
        "looks like a member id without its 0x prefix",
      ],
      ["a code with spaces at an end", () => certify({ code: " HOSP-9" }), '--code: " HOSP-9" has spaces at an end'],
      ["a code of 129 characters", () => certify({ code: "H".repeat(129) }), "--code: longer than 128 characters"],
      [
        "a code with a control character",
        () => certify({ code: "HOSP\u0007" }),
        "--code: contains a control character",
      ],
      ["no kinds", () => certify({ kinds: "" }), "--kinds: no member kind given"],
      ["an unknown kind", () => certify({ kinds: "Hospital,Hospitl" }), '--kinds: unknown member kind "Hospitl"'],
      ["a short account", () => certify({ account: "0x12" }), '--account: "0x12" is not an address'],
      ["an account with a wrong checksum", () => certify({ account: FRESH.replace("8626f", "8626F") }), "--account:"],
      ["an impossible date", () => certify({ until: "2026-02-30" }), '--until: "2026-02-30" is not a date'],
      ["a 13th month", () => certify({ until: "2030-13-01" }), '--until: "2030-13-01" is not a date'],
      ["a date in the past", () => certify({ until: "2001-01-01" }), '--until: "2001-01-01" is before'],
      ["a date far ahead", () => certify({ until: "2999-01-01" }), "too far ahead to mean anything"],
      ["a date in a foreign form", () => certify({ until: "30/06/2030" }), '--until: "30/06/2030" is not a date'],
      ["unix seconds beyond the year 9999", () => certify({ until: "999999999999" }), "is after the year 9999"],
      ["no documents", () => certify({ documents: "" }), "--documents: the file of registration documents is required"],
      [
        "documents that do not exist",
        () => certify({ documents: path.join(h.dir, "nope.pdf") }),
        "nope.pdf: no such file",
      ],
      [
        "documents that are a folder",
        () => certify({ documents: path.join(h.dir, "a-folder") }),
        "is a folder, not a file",
      ],
      ["certify by a hospital", () => [...certify().slice(0, -1), "hospital-a"], "ConsortiumNotCertifier", 3],
      ["certify an existing member", () => certify({ code: "HOSP-0001", account: FRESH }), "ConsortiumMemberExists", 3],
      ["an account name nobody has", () => [...certify().slice(0, -1), "hospital-z"], 'no account named "hospital-z"'],
      ["--as and --from together", () => [...certify(), "--from", A], "give either --as or --from, not both"],
      [
        "--from that is not an address",
        () => [...certify().slice(0, -2), "--from", "0x12"],
        '--from: "0x12" is not an address',
      ],
      [
        "--from of another network",
        () => [...certify().slice(0, -2), "--from", "0x000000000000000000000000000000000000dEaD"],
        "is not one of the accounts",
      ],
      [
        "an unknown action",
        () => ["consortium", "propose", "--action", "Fly", "--as", "governor-1"],
        '--action: "Fly" is not one of',
      ],
      [
        "an admission by propose",
        () => ["consortium", "propose", "--action", "Admit", "--as", "governor-1"],
        "admissions go through certify",
      ],
      [
        "a mistyped member id",
        () => ["consortium", "propose", "--action", "Suspend", "--member", "0x12ab", "--as", "governor-1"],
        '--member: "0x12ab" is not a 32-byte member id',
      ],
      [
        "an unknown member",
        () => ["consortium", "propose", "--action", "Suspend", "--member", "NO-SUCH", "--as", "governor-1"],
        "ConsortiumUnknownMember",
        3,
      ],
      [
        "a threshold that overflows 64 bits",
        () => [
          "consortium",
          "propose",
          "--action",
          "SetThreshold",
          "--threshold",
          "99999999999999999999999",
          "--as",
          "governor-1",
        ],
        "--threshold: 99999999999999999999999 is more than",
      ],
      [
        "a negative threshold",
        () => ["consortium", "propose", "--action", "SetThreshold", "--threshold", "-1", "--as", "governor-1"],
        '--threshold: "-1" is not a whole number',
      ],
      [
        "a zero threshold",
        () => ["consortium", "propose", "--action", "SetThreshold", "--threshold", "0", "--as", "governor-1"],
        "--threshold: 0 is less than 1",
      ],
      [
        "a missing threshold",
        () => ["consortium", "propose", "--action", "SetThreshold", "--as", "governor-1"],
        "--threshold: SetThreshold needs",
      ],
      [
        "a threshold above the governors",
        () => ["consortium", "propose", "--action", "SetThreshold", "--threshold", "9", "--as", "governor-1"],
        "ConsortiumInvalidThreshold",
        3,
      ],
      [
        "an unknown module",
        () => ["consortium", "propose", "--action", "Pause", "--module", "recordz", "--as", "governor-1"],
        '--module: "recordz" is not one of',
      ],
      [
        "SetCertification without a date",
        () => ["consortium", "propose", "--action", "SetCertification", "--member", "HOSP-0001", "--as", "governor-1"],
        "--until: SetCertification needs",
      ],
      [
        "SetCertification on an impossible date",
        () => [
          "consortium",
          "propose",
          "--action",
          "SetCertification",
          "--member",
          "HOSP-0001",
          "--until",
          "2027-02-29",
          "--as",
          "governor-1",
        ],
        '--until: "2027-02-29" is not a date',
      ],
      [
        "SetKinds to an unknown kind",
        () => [
          "consortium",
          "propose",
          "--action",
          "SetKinds",
          "--member",
          "HOSP-0001",
          "--kinds",
          "Wizard",
          "--as",
          "governor-1",
        ],
        '--kinds: unknown member kind "Wizard"',
      ],
      [
        "AddGovernor of a non-address",
        () => ["consortium", "propose", "--action", "AddGovernor", "--account", "bob", "--as", "governor-1"],
        '--account: "bob" is not an address',
      ],
      [
        "a proposal by a hospital",
        () => ["consortium", "propose", "--action", "Suspend", "--member", "HOSP-0002", "--as", "hospital-a"],
        "ConsortiumNotGovernor",
        3,
      ],
      [
        "a proposal number that is a word",
        () => ["consortium", "vote", "--proposal", "x", "--as", "governor-1"],
        '--proposal: "x" is not a proposal number',
      ],
      [
        "proposal number zero",
        () => ["consortium", "vote", "--proposal", "0", "--as", "governor-1"],
        "--proposal: 0 is less than 1",
      ],
      [
        "a proposal number in exponent form",
        () => ["consortium", "execute", "--proposal", "1e3", "--as", "governor-1"],
        '--proposal: "1e3" is not a proposal number',
      ],
      [
        "a proposal number beyond 256 bits",
        () => ["consortium", "vote", "--proposal", "9".repeat(80), "--as", "governor-1"],
        "--proposal: 9999",
      ],
      [
        "an unknown proposal",
        () => ["consortium", "vote", "--proposal", "999", "--as", "governor-1"],
        "ConsortiumUnknownProposal(proposalId=999)",
        3,
      ],
      [
        "a vote by a hospital",
        () => ["consortium", "vote", "--proposal", "1", "--as", "hospital-a"],
        "ConsortiumNotGovernor",
        3,
      ],
      [
        "executing an executed proposal",
        () => ["consortium", "execute", "--proposal", "1", "--as", "governor-1"],
        "ConsortiumProposalAlreadyExecuted(proposalId=1)",
        3,
      ],
      [
        "account without --add or --remove",
        () => ["consortium", "account", "--as", "hospital-a"],
        "give exactly one of --add <address> or --remove <address>",
      ],
      [
        "account with both",
        () => ["consortium", "account", "--add", FRESH, "--remove", A, "--as", "hospital-a"],
        "give exactly one of --add",
      ],
      [
        "adding a malformed account",
        () => ["consortium", "account", "--add", "0xzz", "--as", "hospital-a"],
        '--add: "0xzz" is not an address',
      ],
      [
        "removing the last account",
        () => ["consortium", "account", "--remove", A, "--as", "hospital-a"],
        "ConsortiumLastAccount",
        3,
      ],
      [
        "adding an account as a non-member",
        () => ["consortium", "account", "--add", FRESH, "--proof", proofs["HOSP-0001"]!, "--as", "certifier"],
        "operates for no member: only a member's account adds accounts",
        1,
      ],
      [
        "adding an account another member has",
        () => ["consortium", "account", "--add", A, "--proof", proofs.taken!, "--as", "hospital-b"],
        "ConsortiumAccountTaken",
        3,
      ],
      [
        "emergency without an action",
        () => ["consortium", "emergency", "--as", "certifier"],
        "give exactly one of --suspend <member> or --pause <module>",
      ],
      [
        "pausing an unknown module",
        () => ["consortium", "emergency", "--pause", "billing", "--as", "governor-1"],
        '--pause: "billing" is not one of',
      ],
      [
        "suspending a mistyped id",
        () => ["consortium", "emergency", "--suspend", "0xabc", "--as", "certifier"],
        '--suspend: "0xabc" is not a 32-byte member id',
      ],
      [
        "a pause by a hospital",
        () => ["consortium", "emergency", "--pause", "records", "--as", "hospital-a"],
        "ConsortiumNotGovernor",
        3,
      ],
      [
        "renewing without a member",
        () => ["consortium", "renew", "--until", "2027-12-31", "--as", "certifier"],
        "--member: a member id (0x + 64 hex digits) or registration code is required",
      ],
      [
        "renewing to an impossible date",
        () => ["consortium", "renew", "--member", "HOSP-0001", "--until", "2027-04-31", "--as", "certifier"],
        '--until: "2027-04-31" is not a date',
      ],
      [
        "renewing an unknown member",
        () => ["consortium", "renew", "--member", "NO-SUCH", "--until", "2027-12-31", "--as", "certifier"],
        "ConsortiumUnknownMember",
        3,
      ],
      [
        "renewing beyond three years",
        () => ["consortium", "renew", "--member", "HOSP-0001", "--until", "2060-01-01", "--as", "certifier"],
        "ConsortiumRenewalNeedsVote",
        3,
      ],
      [
        "an added account that is not an address",
        () => ["consortium", "account", "--add", "0x12", "--as", "hospital-a"],
        '--add: "0x12" is not an address',
      ],
      [
        "a removed account given by name",
        () => ["consortium", "account", "--remove", "hospital-b", "--as", "hospital-a"],
        '--remove: "hospital-b" is not an address',
      ],
      [
        "adding an account as a non-member",
        () => ["consortium", "account", "--add", FRESH, "--proof", proofs["HOSP-0001"]!, "--as", "certifier"],
        "the signing account 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 operates for no member",
        1,
      ],
      [
        "removing another member's account",
        () => ["consortium", "account", "--remove", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "--as", "hospital-a"],
        "ConsortiumAccountNotOwned(account=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        3,
      ],
      [
        "certifying the zero address",
        () => certify({ account: "0x0000000000000000000000000000000000000000" }),
        "--account: the zero address is nobody's account",
      ],
      [
        "adding the zero address as governor",
        () => [
          "consortium",
          "propose",
          "--action",
          "AddGovernor",
          "--account",
          "0x0000000000000000000000000000000000000000",
          "--as",
          "governor-1",
        ],
        "--account: the zero address is nobody's account",
      ],
      [
        "a governor given by name",
        () => ["consortium", "propose", "--action", "RemoveGovernor", "--account", "governor-1", "--as", "governor-1"],
        '--account: "governor-1" is not an address',
      ],
      [
        "SetCertifier without an account",
        () => ["consortium", "propose", "--action", "SetCertifier", "--as", "governor-1"],
        '--account: "" is not an address',
      ],
      [
        "Suspend without a member",
        () => ["consortium", "propose", "--action", "Suspend", "--as", "governor-1"],
        "--member: a member id (0x + 64 hex digits) or registration code is required",
      ],
      [
        "Pause without a module",
        () => ["consortium", "propose", "--action", "Pause", "--as", "governor-1"],
        '--module: "" is not one of records, provenance, claims, genomics',
      ],
      [
        "SetKinds without kinds",
        () => ["consortium", "propose", "--action", "SetKinds", "--member", "HOSP-0001", "--as", "governor-1"],
        "--kinds: no member kind given",
      ],
      [
        "a negative proposal number",
        () => ["consortium", "vote", "--proposal", "-1", "--as", "governor-1"],
        '--proposal: "-1" is not a proposal number',
      ],
      [
        "a vote without a proposal",
        () => ["consortium", "vote", "--as", "governor-1"],
        '--proposal: "" is not a proposal number',
      ],
      [
        "a fractional proposal number",
        () => ["consortium", "execute", "--proposal", "1.5", "--as", "governor-1"],
        '--proposal: "1.5" is not a proposal number',
      ],
      ["unix seconds in the past", () => certify({ until: "1700000000" }), '--until: "1700000000" is before'],
      [
        "suspending an unknown member",
        () => ["consortium", "emergency", "--suspend", "NO-SUCH-MEMBER", "--as", "certifier"],
        "ConsortiumUnknownMember(memberId=0x",
        3,
      ],
      [
        "a suspension by a hospital",
        () => ["consortium", "emergency", "--suspend", "HOSP-0001", "--as", "hospital-b"],
        "ConsortiumNotCertifier(account=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc)",
        3,
      ],
      [
        "a renewal by a hospital",
        () => ["consortium", "renew", "--member", "HOSP-0001", "--until", "2027-12-31", "--as", "hospital-a"],
        "ConsortiumNotCertifier(account=0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65)",
        3,
      ],
      [
        "a renewal without a date",
        () => ["consortium", "renew", "--member", "HOSP-0001", "--as", "certifier"],
        "--until: a date is required (YYYY-MM-DD)",
      ],
      [
        "proposals from a registry that is not an address",
        () => ["consortium", "proposals", "--registry", "0x12"],
        '--registry: "0x12" is not an address',
      ],
      [
        "a registry that is not an address",
        () => ["consortium", "members", "--registry", "0x12"],
        '--registry: "0x12" is not an address',
      ],
      [
        "a registry address without a contract",
        () => ["consortium", "members", "--registry", FRESH],
        `--registry: no contract at ${FRESH}`,
      ],
    ];
    for (const [what, argv, message, exitCode] of cases) {
      it(`refuses ${what}`, async function () {
        await h.refused(argv(), { exitCode: exitCode ?? 1, message });
      });
    }

    it("under --json, prints one error document naming the field, and sends nothing", async function () {
      await h.refused([...certify({ until: "2026-02-30" }), "--json"], {
        exitCode: 1,
        message: '"2026-02-30" is not a date',
        where: { field: "--until" },
      });
      const refused = await h.refused(["consortium", "vote", "--proposal", "999", "--as", "governor-1", "--json"], {
        exitCode: 3,
        message: "ConsortiumUnknownProposal",
      });
      expect((refused.json!.error!.revert as { name: string; args: unknown }).name).to.equal(
        "ConsortiumUnknownProposal",
      );
    });
  });
});
