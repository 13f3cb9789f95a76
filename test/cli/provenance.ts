import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { memberIdFromCode } from "../../src/chain/members.js";
import { openContract } from "../../src/chain/connection.js";
import { voteAndExecute } from "../../src/consortium/governance.js";
import { productsOf, registerProduct } from "../../src/provenance/client.js";
import { EPCIS_CONTEXT } from "../../src/provenance/epcis/schema.js";
import { gs1CheckDigit } from "../../src/provenance/gs1/index.js";
import { readLotBundle } from "../../src/provenance/lot.js";
import { proposePrefixChange } from "../../src/provenance/prefixes.js";
import { startHarness, type Harness } from "./harness.js";

/**
 * The provenance tasks against a node, as typed: a lot from commissioning to a clone alert at the
 * pharmacy through the tasks (names, not numbers; `--as`; one JSON document under `--json`; exit
 * code 2 for a clone alert and for every verdict but GENUINE), and every hostile input refused with
 * one line naming what is wrong and where, exit code 1, and nothing sent. EPCIS documents are
 * checked whole before the first transaction.
 */
describe("provenance tasks on a node: output, exit codes and bad input", function () {
  this.timeout(300_000);
  let h: Harness;
  let data: string;
  const GTIN = "09506000134352";
  const MFR = ["--as", "manufacturer"];
  const sscc = (n: number) => {
    const ref = `30614141${String(n).padStart(9, "0")}`;
    return ref + gs1CheckDigit(ref);
  };
  const file = (name: string) => path.join(h.dir, name);
  const write = async (name: string, text: string) => {
    await writeFile(file(name), text);
    return file(name);
  };
  const D = () => ["--data", data];
  let code1 = "";
  const label = (serial: string) => `(01)${GTIN}(10)CLI1(21)${serial}`;

  const epcis = (events: unknown[]) =>
    JSON.stringify({
      "@context": [EPCIS_CONTEXT],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: "2026-01-01T00:00:00Z",
      epcisBody: { eventList: events },
    });
  const shipEvent = (over: Record<string, unknown> = {}) => ({
    type: "ObjectEvent",
    eventTime: "2026-01-02T10:00:00Z",
    action: "OBSERVE",
    bizStep: "shipping",
    epcList: [`https://id.gs1.org/00/${sscc(900)}`],
    ...over,
  });
  const importArgs = (doc: string, ...more: string[]) => ["provenance", "import", doc, ...D(), ...MFR, ...more];

  before(async function () {
    h = await startHarness();
    data = file("provenance-data");
    await mkdir(data);
    // The manufacturer's GS1 prefixes, by vote; its product.
    const provenance = await openContract(h.conn, "provenance");
    const registry = await openContract(h.conn, "registry");
    const products = await productsOf(provenance);
    const [g1, g2] = [h.wallet("governor-1"), h.wallet("governor-2")];
    for (const prefix of ["9506000", "0614141"]) {
      const { proposalId } = await proposePrefixChange(
        registry.connect(g1),
        products,
        "assign",
        prefix,
        memberIdFromCode("MFR-0001"),
      );
      await voteAndExecute(registry, [g1, g2], proposalId);
    }
    await registerProduct(provenance.connect(h.wallet("manufacturer")), GTIN);
  });
  after(async () => h?.stop());

  it("takes a lot through the tasks: commission, pack, ship to a named member, receive, dispense, a clone alert (exit 2), verify and export", async function () {
    const serials = await write("serials.csv", "serial\nS1\nS2\nS3\nS4\n");
    const commissioned = await h.run([
      "provenance",
      "commission",
      "--gtin",
      GTIN,
      "--lot",
      "CLI1",
      "--expiry",
      "301231",
      "--serials",
      serials,
      "--no-labels",
      ...D(),
      ...MFR,
      "--json",
    ]);
    expect(commissioned.exitCode, commissioned.stderr).to.equal(0);
    expect(commissioned.json?.result).to.include({ gtin: GTIN, lot: "CLI1", quantity: 4 });
    const bundle = await readLotBundle(path.join(data, "private", `${GTIN}-CLI1.bundle.json`));
    code1 = bundle.packs[0]!.code;
    const items = ["S1", "S2", "S3", "S4"].map((s) => `(01)${GTIN}(21)${s}`).join(",");
    const packed = await h.run(["provenance", "pack", "--sscc", sscc(1), "--items", items, ...D(), ...MFR, "--json"]);
    expect(packed.json?.result).to.include({ sscc: sscc(1), packedFrom: "lot" });
    // packing the case again is refused by the chain before anything is written: it keeps its file
    const caseFile = path.join(data, "containers", `${sscc(1)}.json`);
    const caseBefore = await readFile(caseFile, "utf8");
    const repacked = await h.run([
      "provenance",
      "pack",
      "--sscc",
      sscc(1),
      "--items",
      `(01)${GTIN}(21)S1`,
      ...D(),
      ...MFR,
    ]);
    expect(repacked.exitCode).to.not.equal(0);
    expect(await readFile(caseFile, "utf8")).to.equal(caseBefore);
    const shipped = await h.run(["provenance", "ship", `(00)${sscc(1)}`, "--to", "PHA-0001", ...D(), ...MFR]);
    expect(shipped.exitCode, shipped.stderr).to.equal(0);
    expect(shipped.stdout).to.match(new RegExp(`^\\(00\\)${sscc(1)} shipped to PHA-0001 \\(0x[0-9a-f]{64}\\)`));
    for (const op of ["receive", "unpack"]) {
      const r = await h.run(["provenance", op, `(00)${sscc(1)}`, ...D(), "--as", "pharmacy"]);
      expect(r.exitCode, r.stderr).to.equal(0);
    }
    const genuine = await h.run(["provenance", "verify", label("S1"), "--code", code1, ...D(), "--json"]);
    expect([genuine.exitCode, genuine.json?.ok]).to.deep.equal([0, true]);
    expect(genuine.json?.result).to.include({ verdict: "GENUINE", custodian: memberIdFromCode("PHA-0001") });

    const dispensed = await h.run(["provenance", "dispense", label("S1"), "--code", code1, ...D(), "--as", "pharmacy"]);
    expect([dispensed.exitCode, dispensed.stdout]).to.deep.equal([0, dispensed.stdout]);
    expect(dispensed.stdout).to.match(/^pack dispensed \(tx 0x/);
    // The same pack presented again: the alert is on chain, and the answer is no (exit 2).
    const clone = await h.run([
      "provenance",
      "dispense",
      label("S1"),
      "--code",
      code1,
      ...D(),
      "--as",
      "pharmacy",
      "--json",
    ]);
    expect(clone.exitCode).to.equal(2);
    expect(clone.json).to.deep.include({ ok: false, verdict: "negative" });
    expect(clone.json?.result).to.include({ cloneAlert: true, dispensed: false });
    const after = await h.run(["provenance", "verify", label("S1"), "--code", code1, ...D()]);
    expect(after.exitCode).to.equal(2);
    expect(after.stdout.split("\n")[0]).to.match(/^verdict: DISPENSED/);
    const exported = await h.run(["provenance", "export", `(01)${GTIN}(21)S1`, ...D(), "--json"]);
    expect(exported.exitCode, exported.stderr).to.equal(0);
    expect(exported.json?.result).to.have.property("events").that.is.greaterThan(3);
  });

  it("answers UNKNOWN for a code that matches no pack with exit code 2, and RECALLED after a recall", async function () {
    const unknown = await h.run([
      "provenance",
      "verify",
      label("S2"),
      "--code",
      "0000-0000-0000-0000",
      ...D(),
      "--json",
    ]);
    expect(unknown.exitCode).to.equal(2);
    expect(unknown.json?.result).to.include({ verdict: "UNKNOWN" });
    const bundle = await readLotBundle(path.join(data, "private", `${GTIN}-CLI1.bundle.json`));
    const recall = await h.run(["provenance", "recall", "--gtin", GTIN, "--lot", "CLI1", ...MFR]);
    expect(recall.exitCode, recall.stderr).to.equal(0);
    const recalled = await h.run(["provenance", "verify", label("S2"), "--code", bundle.packs[1]!.code, ...D()]);
    expect(recalled.exitCode).to.equal(2);
    expect(recalled.stdout).to.match(/^verdict: RECALLED/);
  });

  it("imports an EPCIS document through the tasks and, run again, sends nothing", async function () {
    const doc = await write(
      "day.jsonld",
      epcis([
        {
          type: "ObjectEvent",
          eventID: "urn:uuid:00000000-0000-4000-8000-00000000c001",
          eventTime: "2026-01-01T10:00:00Z",
          action: "ADD",
          bizStep: "commissioning",
          epcList: ["T1", "T2"].map((s) => `https://id.gs1.org/01/${GTIN}/21/${s}`),
          ilmd: { "cbvmda:lotNumber": "CLI2", "cbvmda:itemExpirationDate": "2030-12-31" },
        },
        {
          type: "AggregationEvent",
          eventID: "urn:uuid:00000000-0000-4000-8000-00000000c002",
          eventTime: "2026-01-01T11:00:00+01:00",
          action: "ADD",
          bizStep: "packing",
          parentID: `https://id.gs1.org/00/${sscc(2)}`,
          childEPCs: ["T1", "T2"].map((s) => `https://id.gs1.org/01/${GTIN}/21/${s}`),
        },
        shipEvent({
          eventID: "urn:uuid:00000000-0000-4000-8000-00000000c003",
          epcList: [`https://id.gs1.org/00/${sscc(2)}`],
        }),
      ]),
    );
    const first = await h.run(importArgs(doc, "--to", "DST-0001", "--json"));
    expect(first.exitCode, first.stdout).to.equal(0);
    expect(first.json?.result).to.include({ steps: 3, sent: 3, skipped: 0 });
    const again = await h.run(importArgs(doc, "--to", "DST-0001"));
    expect(again.exitCode).to.equal(0);
    expect(again.stdout).to.match(/3 steps, 0 sent, 3 already done/);
  });

  describe("bad input: one line naming what and where, exit code 1, nothing sent", function () {
    const cases: Array<[string, () => Promise<string[]> | string[], string | RegExp]> = [
      [
        "a label with a wrong check digit",
        () => ["provenance", "verify", `(01)09506000134353(10)L(21)S`, "--code", "0000-0000-0000-0000", ...D()],
        "check digit",
      ],
      [
        "a scratch-off code of the wrong length",
        () => ["provenance", "verify", label("S1"), "--code", "ABC", ...D()],
        /scratch-off code "ABC": expected 16 characters/,
      ],
      [
        "a scratch-off code with a letter Crockford leaves out",
        () => ["provenance", "verify", label("S1"), "--code", "IIII-0000-0000-0000", ...D()],
        "without I, L, O, U",
      ],
      [
        "a label without a lot",
        () => [
          "provenance",
          "dispense",
          `(01)${GTIN}(21)S3`,
          "--code",
          "0000-0000-0000-0000",
          ...D(),
          "--as",
          "pharmacy",
        ],
        "needs a GTIN (01), a lot (10) and a serial (21)",
      ],
      [
        "an unknown application identifier",
        () => ["provenance", "verify", `(01)${GTIN}(10)CLI1(21)S1(23)X`, "--code", "0000-0000-0000-0000", ...D()],
        /AI/,
      ],
      [
        "commission without --gtin",
        () => ["provenance", "commission", "--lot", "X", "--expiry", "301231", "--serials", "x.csv", ...D(), ...MFR],
        "--gtin: is required",
      ],
      [
        "commission with a serials file that does not exist",
        () => [
          "provenance",
          "commission",
          "--gtin",
          GTIN,
          "--lot",
          "X",
          "--expiry",
          "301231",
          "--serials",
          file("missing.csv"),
          ...D(),
          ...MFR,
        ],
        /missing\.csv: no such file/,
      ],
      [
        "commission with a serial listed twice",
        async () => [
          "provenance",
          "commission",
          "--gtin",
          GTIN,
          "--lot",
          "X",
          "--expiry",
          "301231",
          "--serials",
          await write("dup.csv", "A1\nA2\nA1\n"),
          ...D(),
          ...MFR,
        ],
        /dup\.csv:3: serial "A1" appears twice/,
      ],
      [
        "commission with an impossible expiry (30 February)",
        async () => [
          "provenance",
          "commission",
          "--gtin",
          GTIN,
          "--lot",
          "X",
          "--expiry",
          "260230",
          "--serials",
          await write("ok.csv", "A1\n"),
          ...D(),
          ...MFR,
        ],
        /260230|date/,
      ],
      [
        "commission with a lot number outside GS1 CSET 82",
        async () => [
          "provenance",
          "commission",
          "--gtin",
          GTIN,
          "--lot",
          "L OT",
          "--expiry",
          "301231",
          "--serials",
          await write("ok2.csv", "A1\n"),
          ...D(),
          ...MFR,
        ],
        /lot|AI \(10\)/,
      ],
      [
        "commission with a serial outside GS1 CSET 82",
        async () => [
          "provenance",
          "commission",
          "--gtin",
          GTIN,
          "--lot",
          "X",
          "--expiry",
          "301231",
          "--serials",
          await write("bad.csv", "A 1\n"),
          ...D(),
          ...MFR,
        ],
        /bad\.csv:1: serial "A 1"/,
      ],
      [
        "pack without --items",
        () => ["provenance", "pack", "--sscc", sscc(5), ...D(), ...MFR],
        "--items: name at least one pack or container",
      ],
      [
        "pack with an item listed twice",
        () => ["provenance", "pack", "--sscc", sscc(5), "--items", `(00)${sscc(1)},(00)${sscc(1)}`, ...D(), ...MFR],
        `--items: (00)${sscc(1)} is listed twice`,
      ],
      [
        "pack into an SSCC with a wrong check digit",
        () => ["provenance", "pack", "--sscc", "306141410000000050", "--items", `(00)${sscc(1)}`, ...D(), ...MFR],
        "check digit",
      ],
      [
        "pack without --sscc",
        () => ["provenance", "pack", "--items", `(00)${sscc(1)}`, ...D(), ...MFR],
        "--sscc: give the container's SSCC-18",
      ],
      [
        "pack a pack the data directory does not know",
        () => ["provenance", "pack", "--sscc", sscc(5), "--items", `(01)${GTIN}(21)NOPE`, ...D(), ...MFR],
        /--items \(01\)09506000134352\(21\)NOPE: no lot bundle/,
      ],
      [
        "ship to a member that does not exist",
        () => ["provenance", "ship", `(00)${sscc(1)}`, "--to", "PHA-9999", ...D(), ...MFR],
        "--to: PHA-9999 is not an active member of the consortium",
      ],
      [
        "ship to a mistyped member id",
        () => ["provenance", "ship", `(00)${sscc(1)}`, "--to", "0x1234", ...D(), ...MFR],
        /--to: "0x1234" is not a 32-byte member id/,
      ],
      ["ship without --to", () => ["provenance", "ship", `(00)${sscc(1)}`, ...D(), ...MFR], "--to"],
      [
        "ship an item that is neither an SSCC nor a serialised pack",
        () => ["provenance", "ship", `(01)${GTIN}`, "--to", "PHA-0001", ...D(), ...MFR],
        "expected an SSCC (00) or a GTIN (01) with a serial (21)",
      ],
      [
        "receive with an empty item",
        () => ["provenance", "receive", "", ...D(), "--as", "pharmacy"],
        "item: name the item",
      ],
      [
        "recall a lot that was never commissioned",
        () => ["provenance", "recall", "--gtin", GTIN, "--lot", "NEVER", ...MFR],
        "--lot: lot NEVER of 09506000134352 was never commissioned",
      ],
      ["recall without --lot", () => ["provenance", "recall", "--gtin", GTIN, ...MFR], "--lot: give the lot number"],
      [
        "recall for a reason that is not a recall reason",
        () => ["provenance", "recall", "--gtin", GTIN, "--lot", "CLI1", "--reason", "bored", ...MFR],
        '--reason: "bored" is not one of unspecified, quality-defect, contamination',
      ],
      [
        "resolver on a port that is no port",
        () => ["provenance", "resolver", "--port", "99999"],
        '--port: "99999" is not a port number',
      ],
      [
        "register a product with a GTIN of the wrong length",
        () => ["provenance", "register-product", "--gtin", "123", ...MFR],
        /GTIN|AI \(01\)/,
      ],
      [
        "register a product without --gtin",
        () => ["provenance", "register-product", ...MFR],
        "--gtin: give the product's GTIN-14",
      ],
      [
        "a prefix proposal naming no action",
        () => ["provenance", "prefix", "--as", "governor-1"],
        "give exactly one of --assign, --transfer or --revoke",
      ],
      [
        "a prefix of letters",
        () => ["provenance", "prefix", "--assign", "95O6000", "--member", "MFR-0001", "--as", "governor-1"],
        /prefix/,
      ],
      [
        "export an item the chain knows nothing about",
        () => ["provenance", "export", `(00)${sscc(77)}`, ...D()],
        `item: (00)${sscc(77)}: the chain has no event of this item`,
      ],
      [
        "an unknown named account",
        () => ["provenance", "recall", "--gtin", GTIN, "--lot", "CLI1", "--as", "nobody"],
        /--as: no account named "nobody"/,
      ],
      [
        "--as and --from together",
        () => [
          "provenance",
          "recall",
          "--gtin",
          GTIN,
          "--lot",
          "CLI1",
          "--as",
          "manufacturer",
          "--from",
          "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        ],
        "--as: give either --as or --from, not both",
      ],
      [
        "--from that is not an address",
        () => ["provenance", "recall", "--gtin", GTIN, "--lot", "CLI1", "--from", "0x123"],
        /--from: "0x123" is not an address/,
      ],
      [
        "--provenance that is not an address",
        () => ["provenance", "recall", "--gtin", GTIN, "--lot", "CLI1", ...MFR, "--provenance", "0xnope"],
        /--provenance: "0xnope" is not an address/,
      ],
      [
        "--provenance where no contract is",
        () => [
          "provenance",
          "recall",
          "--gtin",
          GTIN,
          "--lot",
          "CLI1",
          ...MFR,
          "--provenance",
          "0x000000000000000000000000000000000000dEaD",
        ],
        /--provenance: no contract at/,
      ],
      ["import a file that does not exist", () => importArgs(file("nope.jsonld")), /nope\.jsonld: no such file/],
      [
        "import a file that is not JSON",
        async () => importArgs(await write("x.jsonld", "{ not json")),
        /x\.jsonld: is not JSON/,
      ],
      [
        "import malformed XML",
        async () => importArgs(await write("x.xml", "<epcis:EPCISDocument><EPCISBody></EPCISDocument>")),
        /x\.xml: not well-formed XML: line 1/,
      ],
      [
        "import XML that is not an EPCIS document",
        async () => importArgs(await write("y.xml", '<?xml version="1.0"?><order/>')),
        /y\.xml: not an EPCIS document: the root element is order/,
      ],
      [
        "import JSON that is not an EPCIS document",
        async () => importArgs(await write("z.jsonld", JSON.stringify({ type: "Bundle" }))),
        /z\.jsonld: not an EPCIS 2\.0 document: field/,
      ],
      [
        "import an event without action",
        async () =>
          importArgs(await write("noaction.jsonld", epcis([shipEvent({ action: undefined })])), "--to", "DST-0001"),
        "event #0: field action: missing (ADD, OBSERVE or DELETE)",
      ],
      [
        "import a packing event listing a child twice",
        async () =>
          importArgs(
            await write(
              "twice.jsonld",
              epcis([
                {
                  type: "AggregationEvent",
                  eventTime: "2026-01-01T10:00:00Z",
                  action: "ADD",
                  bizStep: "packing",
                  parentID: `https://id.gs1.org/00/${sscc(6)}`,
                  childEPCs: [`https://id.gs1.org/00/${sscc(1)}`, `https://id.gs1.org/00/${sscc(1)}`],
                },
              ]),
            ),
          ),
        `event #0: field childEPCs: https://id.gs1.org/00/${sscc(1)} is listed twice`,
      ],
      [
        "import an event time that is not RFC 3339",
        async () =>
          importArgs(
            await write("time.jsonld", epcis([shipEvent({ eventTime: "2026-01-02 10:00" })])),
            "--to",
            "DST-0001",
          ),
        'event #0: field eventTime: "2026-01-02 10:00" is not an RFC 3339 date-time',
      ],
      [
        "import an event time on an impossible day",
        async () =>
          importArgs(
            await write("time2.jsonld", epcis([shipEvent({ eventTime: "2026-02-30T10:00:00Z" })])),
            "--to",
            "DST-0001",
          ),
        'field eventTime: "2026-02-30T10:00:00Z" is not an RFC 3339',
      ],
      [
        "import a time zone offset of 25 hours",
        async () =>
          importArgs(
            await write("tz.jsonld", epcis([shipEvent({ eventTimeZoneOffset: "+25:00" })])),
            "--to",
            "DST-0001",
          ),
        'field eventTimeZoneOffset: "+25:00" is not an offset',
      ],
      [
        "import the same event twice (same eventID)",
        async () =>
          importArgs(
            await write(
              "dupid.jsonld",
              epcis([
                shipEvent({ eventID: "urn:uuid:1" }),
                shipEvent({ eventID: "urn:uuid:1", eventTime: "2026-01-03T10:00:00Z" }),
              ]),
            ),
            "--to",
            "DST-0001",
          ),
        "event #1 (urn:uuid:1): field eventID: the same eventID as event #0",
      ],
      [
        "import the same event twice (same content)",
        async () => importArgs(await write("dupc.jsonld", epcis([shipEvent(), shipEvent()])), "--to", "DST-0001"),
        "event #1: field (event): a duplicate of event #0",
      ],
      [
        "import a shipment to a member that does not exist",
        async () =>
          importArgs(
            await write("tonobody.jsonld", epcis([shipEvent({ epcList: [`https://id.gs1.org/00/${sscc(1)}`] })])),
            "--to",
            "DST-9999",
          ),
        /event #0: field destinationList: 0x[0-9a-f]{64} is not an active member/,
      ],
      [
        "import a shipment nobody receives",
        async () => importArgs(await write("nodest.jsonld", epcis([shipEvent()]))),
        "event #0: field destinationList: no destination maps to a member",
      ],
      [
        "import a commissioning without its lot number",
        async () =>
          importArgs(
            await write(
              "nolot.jsonld",
              epcis([
                {
                  type: "ObjectEvent",
                  eventTime: "2026-01-01T10:00:00Z",
                  action: "ADD",
                  bizStep: "commissioning",
                  epcList: [`https://id.gs1.org/01/${GTIN}/21/Z1`],
                  ilmd: { "cbvmda:itemExpirationDate": "2030-12-31" },
                },
              ]),
            ),
          ),
        "event #0: field ilmd.lotNumber: commissioning needs the lot number",
      ],
      [
        "import a commissioning whose expiry is not a real day",
        async () =>
          importArgs(
            await write(
              "noexp.jsonld",
              epcis([
                {
                  type: "ObjectEvent",
                  eventTime: "2026-01-01T10:00:00Z",
                  action: "ADD",
                  bizStep: "commissioning",
                  epcList: [`https://id.gs1.org/01/${GTIN}/21/Z1`],
                  ilmd: { "cbvmda:lotNumber": "Z", "cbvmda:itemExpirationDate": "2030-02-30" },
                },
              ]),
            ),
          ),
        "event #0: field ilmd.itemExpirationDate: commissioning needs the expiry date",
      ],
      [
        "import a business step it cannot map",
        async () => importArgs(await write("inspect.jsonld", epcis([shipEvent({ bizStep: "inspecting" })]))),
        "event #0: field bizStep: inspecting is not supported",
      ],
      [
        "import a TransactionEvent",
        async () =>
          importArgs(
            await write(
              "tx.jsonld",
              epcis([{ type: "TransactionEvent", eventTime: "2026-01-01T10:00:00Z", action: "ADD" }]),
            ),
          ),
        "event #0: field type: TransactionEvent is not supported",
      ],
      [
        "import an event shipping a pack the data directory does not know",
        async () =>
          importArgs(
            await write(
              "unknownpack.jsonld",
              epcis([shipEvent({ epcList: [`https://id.gs1.org/01/${GTIN}/21/NOPE`] })]),
            ),
            "--to",
            "DST-0001",
          ),
        "event #0: field epcList: https://id.gs1.org/01/09506000134352/21/NOPE: no lot bundle",
      ],
      [
        "import with a parties file naming a malformed member id",
        async () =>
          importArgs(
            await write("ok.jsonld", epcis([shipEvent()])),
            "--parties",
            await write("parties.json", JSON.stringify({ "urn:epc:id:pgln:1": "0x12" })),
          ),
        /parties\.json: field urn:epc:id:pgln:1: a member id/,
      ],
      [
        "import with --to a mistyped member id",
        async () => importArgs(await write("ok3.jsonld", epcis([shipEvent()])), "--to", "0xabc"),
        /--to: "0xabc" is not a 32-byte member id/,
      ],
    ];
    for (const [what, argv, message] of cases) {
      it(`refuses ${what}`, async function () {
        await h.refused(await argv(), { exitCode: 1, message });
      });
    }

    it("reports every problem of a document in one line, before anything is sent", async function () {
      const doc = await write(
        "many.jsonld",
        epcis([
          shipEvent({ action: undefined }),
          shipEvent({ eventTime: "yesterday" }),
          shipEvent({ bizStep: "inspecting" }),
        ]),
      );
      const run = await h.refused(importArgs(doc, "--to", "DST-0001", "--json"), {
        exitCode: 1,
        message:
          /many\.jsonld: 3 problems, nothing sent: event #0: field action: .*; event #1: field eventTime: .*; event #2: field bizStep: /,
      });
      expect(run.json?.error).to.include({ kind: "BAD_INPUT" });
    });
  });
});
