import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { provenanceFixtureFor } from "./fixture.js";
import { Catalog, planContainer, writeContainerFile } from "../../src/provenance/catalog.js";
import { containerIdOf } from "../../src/provenance/ids.js";
import { opPack } from "../../src/provenance/ops.js";
import { commissionLot, packContainer, registerProduct, shipItem, verifyPack } from "../../src/provenance/client.js";
import { exportEpcis } from "../../src/provenance/epcis/export.js";
import { connect, type Connection } from "../../src/chain/connection.js";
import { importEpcis, planImport, type ImportOptions, type PlannedStep } from "../../src/provenance/epcis/import.js";
import { epcisDocumentSchema, epcisEventSchema } from "../../src/provenance/epcis/schema.js";
import { readEpcisFile } from "../../src/provenance/epcis/xml.js";
import { parseGs1 } from "../../src/provenance/gs1/index.js";
import { planLot } from "../../src/provenance/lot.js";
import { resolveItem } from "../../src/provenance/resolve.js";

const { ethers, networkHelpers } = await network.create();

const FIXTURES = path.resolve("test/fixtures/provenance");

async function readDoc(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, "utf8"));
}

describe("EPCIS 2.0 import and export", function () {
  const provenanceFixture = provenanceFixtureFor(ethers);

  /** The module's fixture, with the contract connected to each acting member. */
  async function epcisFixture() {
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    const { provenance, signers } = fx;
    const contracts = {
      mfr: provenance.connect(signers.mfr),
      dist: provenance.connect(signers.dist),
      pharmacy: provenance.connect(signers.pharmacy),
    };
    return { ...fx, contracts };
  }

  type Fx = Awaited<ReturnType<typeof epcisFixture>>;
  /** The import's options and connection: the pharmacy signs the events at its location, the manufacturer the rest. */
  async function context(fx: Fx, dataDir: string): Promise<ImportOptions & { conn: Connection }> {
    const conn = await connect({
      provider: ethers.provider,
      signer: fx.signers.mfr,
      addresses: { provenance: await fx.provenance.getAddress() },
    });
    return {
      conn,
      catalog: await Catalog.load(dataDir),
      dataDir,
      journal: path.join(dataDir, "import.journal"),
      parties: { "urn:epc:id:pgln:9506000.00002": fx.ids.pharmacy },
      signerFor: (actor) => (actor === "urn:epc:id:sgln:9506000.00002.0" ? fx.signers.pharmacy : fx.signers.mfr),
    };
  }
  const run = (raw: unknown, file: string, ctx: ImportOptions & { conn: Connection }) =>
    importEpcis(ctx.conn, raw, file, ctx);
  type Journey = { epcisBody: { eventList: Array<{ childEPCs?: string[] }> } };
  /** The journey fixture, or its first `n` events. */
  async function journey(n?: number): Promise<Journey> {
    const doc = (await readDoc(path.join(FIXTURES, "journey.jsonld"))) as Journey;
    return n === undefined ? doc : { ...doc, epcisBody: { eventList: doc.epcisBody.eventList.slice(0, n) } };
  }
  /** The message of the error `promise` rejects with ("" when it resolves). */
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => "",
      (err: Error) => err.message,
    );

  it("imports a pack's journey (commission, pack, ship, receive, unpack, dispense, recall) into contract calls", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    const ctx = await context(fx, dataDir);
    const result = await run(await readDoc(path.join(FIXTURES, "journey.jsonld")), "journey.jsonld", ctx);
    expect(result.sent).to.equal(7);
    const f1 = ctx.catalog.findPack("09506000134352", "F1")!;
    const f2 = ctx.catalog.findPack("09506000134352", "F2")!;
    const scan = (p: typeof f1) => ({ gtin: p.gtin, lot: p.lot, serial: p.serial!, code: p.code! });
    expect((await verifyPack(fx.provenance, ctx.catalog, scan(f1))).verdict).to.equal("DISPENSED");
    expect(await verifyPack(fx.provenance, ctx.catalog, scan(f2))).to.include({
      verdict: "RECALLED",
      custodian: fx.ids.pharmacy,
    });
    await rm(dataDir, { recursive: true });
  });

  it("resumes an interrupted import without sending anything twice (journal and chain state)", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    const doc = await journey();
    const first = await run(await journey(3), "journey.jsonld", await context(fx, dataDir));
    expect(first.sent).to.equal(3);
    const resumed = await run(doc, "journey.jsonld", await context(fx, dataDir));
    expect(resumed).to.include({ sent: 4, skipped: 3 });
    // without the journal (lost, or the events imported by another process) the chain state still
    // shows every step was done (the pack is dispensed, the lot recalled), so nothing is sent twice
    await rm(path.join(dataDir, "import.journal"));
    const again = await run(doc, "journey.jsonld", await context(fx, dataDir));
    expect(again).to.include({ sent: 0, skipped: 7 });
    await rm(dataDir, { recursive: true });
  });

  it("refuses to pack a case the chain holds with other children, keeping the case's file", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    await run(await journey(1), "journey.jsonld", await context(fx, dataDir)); // the lot commissioned
    // the case packed by hand, with three of the four packs the document puts in it
    const catalog = await Catalog.load(dataDir);
    const sscc = "395060000000004212";
    const three = ["F1", "F2", "F3"].map((s) => catalog.findPack("09506000134352", s)!.packId);
    const { container } = await packContainer(fx.contracts.mfr, catalog, sscc, three);
    const file = await writeContainerFile(dataDir, container);
    const ctx = { ...(await context(fx, dataDir)), journal: path.join(dataDir, "other.journal") };
    const message = await failure(run(await journey(2), "journey.jsonld", ctx));
    expect(message).to.match(/^journey\.jsonld: event #1 .*pack refused: .*ProvenanceContainerExists/);
    expect(JSON.parse(await readFile(file, "utf8")).root).to.equal(container.root);
    expect((await fx.provenance.itemOf(container.containerId)).root).to.equal(container.root);
    await rm(dataDir, { recursive: true });
  });

  it("refuses an edited document's packing that an earlier run's journal holds under other children, keeping the case's file", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    const part = await journey(2);
    await run(part, "journey.jsonld", await context(fx, dataDir));
    const file = path.join(dataDir, "containers", "395060000000004212.json");
    const kept = await readFile(file, "utf8");
    // the same events (same ids, same journal) with one pack fewer in the case
    const edited = structuredClone(part);
    edited.epcisBody.eventList[1]!.childEPCs = edited.epcisBody.eventList[1]!.childEPCs!.slice(0, 3);
    const message = await failure(run(edited, "journey.jsonld", await context(fx, dataDir)));
    expect(message).to.match(/event #1 .*childEPCs.*is on chain under root 0x[0-9a-f]{64}, not this event's children/);
    expect(await readFile(file, "utf8")).to.equal(kept);
    await rm(dataDir, { recursive: true });
  });

  it("refuses to commission a lot the chain holds under another root before writing its files (its codes lost)", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    const part = await journey(1);
    await run(part, "journey.jsonld", await context(fx, dataDir));
    for (const f of ["private", "lots", "import.journal"]) await rm(path.join(dataDir, f), { recursive: true });
    const message = await failure(run(part, "journey.jsonld", await context(fx, dataDir)));
    expect(message).to.match(
      /nothing sent: event #0 .*is on chain under root 0x[0-9a-f]{64}, and its codes are not in/,
    );
    expect(existsSync(path.join(dataDir, "private"))).to.equal(false);
    expect(existsSync(path.join(dataDir, "lots"))).to.equal(false);
    await rm(dataDir, { recursive: true });
  });

  it("packs over a container file left by a packing that never landed, once nothing of the packer's is pending", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    await run(await journey(1), "journey.jsonld", await context(fx, dataDir));
    const catalog = await Catalog.load(dataDir);
    const sscc = "395060000000004212";
    const ids = ["F1", "F2", "F3", "F4"].map((s) => catalog.findPack("09506000134352", s)!.packId);
    await writeContainerFile(dataDir, planContainer(sscc, ids.slice(0, 3))); // a stale file: nothing on chain
    const items = ["F1", "F2", "F3", "F4"].map((s) => `(01)09506000134352(21)${s}`);
    const packed = await opPack(fx.contracts.mfr, dataDir, sscc, items);
    const root = (await fx.provenance.itemOf(containerIdOf(sscc))).root;
    expect(packed.result).to.include({ sscc });
    expect(JSON.parse(await readFile(path.join(dataDir, "containers", `${sscc}.json`), "utf8")).root).to.equal(root);
    expect(root).to.equal(planContainer(sscc, ids).root);
    await rm(dataDir, { recursive: true });
  });

  it("refuses a document with an event it cannot map, naming the event and the field, before sending anything", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    const ctx = await context(fx, dataDir);
    const doc = await readDoc(path.join(FIXTURES, "unsupported-step.jsonld"));
    let message = "";
    try {
      await run(doc, "unsupported-step.jsonld", ctx);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.equal(
      "unsupported-step.jsonld: 1 problem, nothing sent: event #3 (urn:uuid:6d1c2b1e-0000-4000-8000-000000000003): field bizStep: inspecting is not supported " +
        "(commissioning, packing, unpacking, shipping, receiving, dispensing, decommissioning, destroying, or disposition recalled/stolen)",
    );
    expect(existsSync(ctx.journal)).to.equal(false);
    expect(existsSync(path.join(dataDir, "private"))).to.equal(false); // no lot files either
    expect((await fx.products.queryFilter(fx.products.filters.LotCommissioned())).length).to.equal(1); // the fixture's own lot only
    await rm(dataDir, { recursive: true });
  });

  it("names the field of a shipment whose destination maps to no member", function () {
    const { errors } = planImport(
      {
        "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        type: "EPCISDocument",
        schemaVersion: "2.0",
        creationDate: "2026-01-01T00:00:00Z",
        epcisBody: {
          eventList: [
            {
              type: "ObjectEvent",
              action: "OBSERVE",
              bizStep: "shipping",
              eventTime: "2026-01-01T00:00:00Z",
              epcList: ["(00)395060000000004212"],
            },
            { type: "ObjectEvent", eventTime: 5 },
          ],
        },
      },
      "doc.jsonld",
    );
    expect(errors.map((e) => [e.eventIndex, e.field])).to.deep.equal([
      [0, "destinationList"],
      [1, "eventTime"],
    ]);
  });

  it("exports a pack's on-chain history as a valid EPCIS 2.0 document", async function () {
    const fx = await epcisFixture();
    const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-"));
    const ctx = await context(fx, dataDir);
    await run(await readDoc(path.join(FIXTURES, "journey.jsonld")), "journey.jsonld", ctx);
    const f1 = ctx.catalog.findPack("09506000134352", "F1")!;
    const doc = await exportEpcis(fx.provenance, ctx.catalog, f1.packId);
    expect(epcisDocumentSchema.safeParse(doc).success).to.equal(true);
    const events = doc.epcisBody.eventList.map((e) => epcisEventSchema.parse(e));
    expect(events.map((e) => [e.type, e.action, e.bizStep])).to.deep.equal([
      ["ObjectEvent", "ADD", "commissioning"],
      ["AggregationEvent", "ADD", "packing"],
      ["ObjectEvent", "OBSERVE", "shipping"],
      ["ObjectEvent", "OBSERVE", "receiving"],
      ["AggregationEvent", "DELETE", "unpacking"],
      ["ObjectEvent", "DELETE", "dispensing"],
      ["ObjectEvent", "OBSERVE", "holding"],
    ]);
    expect(events[5]!.epcList).to.deep.equal(["https://id.gs1.org/01/09506000134352/21/F1"]);
    expect(events[2]!.destinationList![0]!.destination).to.equal(`urn:medchain:member:${fx.ids.pharmacy}`);
    await rm(dataDir, { recursive: true });
  });

  describe("conformance examples", function () {
    // The GS1 example documents (copied from the shared conformance folder, JSON-LD and XML).
    const dir = path.join(FIXTURES, "conformance");

    /** Puts on chain what a document's events refer to but do not create (its packs and containers). */
    async function prepare(
      fx: Awaited<ReturnType<typeof epcisFixture>>,
      steps: PlannedStep[],
      raw: unknown,
      ctx: ImportOptions,
    ) {
      const packs = new Map<string, Set<string>>();
      const shipped = new Set<string>();
      const addPack = (epc: string) => {
        const { gtin, serial } = parseGs1(epc);
        if (gtin !== undefined && serial !== undefined) packs.set(gtin, (packs.get(gtin) ?? new Set()).add(serial));
      };
      const events = (raw as { epcisBody: { eventList: Array<{ childEPCs?: string[]; parentID?: string }> } }).epcisBody
        .eventList;
      for (const s of steps) {
        if ("item" in s) addPack(s.item);
        if (s.op === "ship") shipped.add(s.item);
      }
      for (const e of events) for (const c of e.childEPCs ?? []) addPack(c);
      for (const [gtin, serials] of packs) {
        if ((await fx.products.manufacturerOf(BigInt(gtin))) === ethers.ZeroHash)
          await registerProduct(fx.contracts.mfr, gtin);
        const plan = planLot({ gtin, lot: "CONF", expiry: "301231", serials: [...serials] });
        await commissionLot(fx.contracts.mfr, plan);
        ctx.catalog.addLotPlan(plan);
      }
      for (const s of steps) {
        if (s.op !== "receive" || shipped.has(s.item)) continue;
        const { sscc } = parseGs1(s.item);
        if (sscc === undefined) continue;
        const event = events[s.eventIndex]!;
        const children = (event.childEPCs ?? []).map((c) => resolveItem(ctx.catalog, c).id);
        const { container } = await packContainer(fx.contracts.mfr, ctx.catalog, sscc, children);
        await shipItem(fx.contracts.mfr, ctx.catalog, container.containerId, fx.ids.dist);
      }
    }

    it("imports every GS1 example (JSON-LD and XML) made of supported events and refuses the others event by event, naming field and reason", async function () {
      if (!existsSync(dir)) this.skip();
      const files = (await readdir(dir)).filter((f) => /\.(jsonld|xml)$/.test(f)).sort();
      const imported: string[] = [];
      const refused: Record<string, string[]> = {};
      for (const file of files) {
        const raw = await readEpcisFile(path.join(dir, file));
        const fx = await epcisFixture();
        const dataDir = await mkdtemp(path.join(tmpdir(), "epcis-conf-"));
        const { steps, errors } = planImport(raw, file, { defaultRecipient: fx.ids.dist });
        if (errors.length > 0) {
          for (const e of errors)
            expect(e.message).to.match(new RegExp(`^${file.replace(/[.]/g, "\\.")}: event #\\d+.*: field \\S+: .+`));
          refused[file] = errors.map((e) => e.message.slice(file.length + 2));
          continue;
        }
        const base = await context(fx, dataDir);
        // The receiving side of each example is the distributor; every other step is the manufacturer's.
        const receivers = new Set(steps.filter((s) => s.op === "receive").map((s) => s.actor));
        const ctx = {
          ...base,
          defaultRecipient: fx.ids.dist,
          signerFor: (actor: string | undefined) => (receivers.has(actor) ? fx.signers.dist : fx.signers.mfr),
        };
        await prepare(fx, steps, raw, ctx);
        const result = await run(raw, file, ctx);
        expect(result.sent).to.equal(steps.length);
        imported.push(file);
        await rm(dataDir, { recursive: true });
      }
      // Each refused document is refused event by event, with the field and the reason.
      expect(Object.keys(refused).sort()).to.deep.equal([
        "Example-TransactionEvents-2020_07_03y.jsonld",
        "Example_9.6.1-ObjectEvent-with-error-declaration.jsonld",
        "GS1_US_Pharma_Example_2_2_1_1.xml",
        "PersistentDisposition-example.jsonld",
        "SensorDataExample8.jsonld",
        "object_event_all_possible_fields.jsonld",
        "transaction_event_all_possible_fields.jsonld",
      ]);
      // The XML document is read (EPCIS 1.2): its commissioning events map, its cases named by SGTIN do not.
      expect(refused["GS1_US_Pharma_Example_2_2_1_1.xml"]).to.deep.equal([
        "event #2: field parentID: urn:epc:id:sgtin:030001.1012345.110 is not an SSCC (only SSCC containers are tracked)",
        "event #3: field parentID: urn:epc:id:sgtin:030001.1012345.111 is not an SSCC (only SSCC containers are tracked)",
        "event #4: field parentID: urn:epc:id:sgtin:030001.1012345.121 is not an SSCC (only SSCC containers are tracked)",
        "event #5: field ilmd.lotNumber: commissioning needs the lot number",
      ]);
      expect(imported.length + Object.keys(refused).length).to.equal(files.length);
      expect(imported).to.include.members([
        "Example_9.6.1-ObjectEvent.jsonld",
        "Example_9.6.1-ObjectEventWithDigitalLink.jsonld",
        "Example_9.6.3-AggregationEvent.jsonld",
        "Example_9.6.3-AggregationEventWithDigitalLink.jsonld",
      ]);
    });
  });
});
