// Attacks on the catalog's indexes (3e336bf: packsBySerial, packsByLot, lotsByNumber) and on the ids
// hashed as bytes with a memoized lotIdOf, and lot plans that carry their tree (cbc3cc5). Each test
// asserts the correct behaviour: the findings C1-C4, I1 and P1 (FINDINGS.md, seventh review) failed
// on those commits and are fixed; the others prove properties that held.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { concat, hexlify, keccak256, randomBytes } from "ethers";
import { network } from "hardhat";

import { MedChainError } from "../../src/chain/errors.js";
import { Catalog } from "../../src/provenance/catalog.js";
import { lotIdOf, packIdOf, packTagOf } from "../../src/provenance/ids.js";
import { lotFiles, planLot, writeLotFiles, type LotBundle } from "../../src/provenance/lot.js";
import { IdTree } from "../../src/provenance/tree.js";
import { GTIN, provenanceFixtureFor } from "../provenance/fixture.js";

const { ethers, networkHelpers } = await network.create();

const GTIN2 = "09506000134369";
const CODE = "ABCD-EFGH-JKMN-PQRS";

/** What a full scan of `catalog.packs` finds (the behaviour before the indexes). */
function scanPacks(catalog: Catalog, gtin: string, serial: string, lot?: string) {
  return [...catalog.packs.entries()]
    .map(([packId, p]) => ({ packId, ...p }))
    .filter((p) => p.gtin === gtin && p.serial === serial && (lot === undefined || p.lot === lot));
}

/** A lot with a hand-made bundle (as `Catalog.load` accepts one: serials and tags are not re-derived). */
function handLot(gtin: string, lot: string, packs: Array<{ serial: string; tag: string }>) {
  const lotId = lotIdOf(gtin, lot);
  const tree = IdTree.of([...new Set(packs.map((p) => p.tag))]);
  const bundle: LotBundle = {
    format: "medchain.provenance.lot-bundle/2",
    gtin,
    lot,
    expiry: "301231",
    lotId,
    root: tree.root,
    packs: packs.map((p) => ({ ...p, code: CODE, packId: packIdOf(lotId, p.tag), proof: [] })),
  };
  return { plan: { gtin, lot, lotId, tree }, bundle };
}

describe("Attack: catalog indexes and byte-hashed, memoized ids", function () {
  this.timeout(120_000);
  const provenanceFixture = provenanceFixtureFor(ethers);

  // ---------------------------------------------------------------- ids against the contract

  it("I-ok: lotIdOf equals ProductRegistry.lotIdOf on unicode, NUL, CSET 82, long lots and edge GTINs (memo hit and miss)", async function () {
    const { products } = await networkHelpers.loadFixture(provenanceFixture);
    const lots = ["", "L1", "l1", "é", "漢字", "💊", "a\u0000b", "\u0000", "Ωmega\u200d", "x".repeat(5_000)];
    for (const gtin of [GTIN, "00000000000000", "99999999999999"]) {
      for (const lot of lots) {
        const onChain = await products.lotIdOf(BigInt(gtin), lot);
        expect(lotIdOf(gtin, lot), `miss ${gtin} ${JSON.stringify(lot.slice(0, 8))}`).to.equal(onChain);
        expect(lotIdOf(gtin, lot), `hit ${gtin} ${JSON.stringify(lot.slice(0, 8))}`).to.equal(onChain);
      }
    }
    expect(() => lotIdOf(GTIN, "\ud800")).to.throw(); // a lone surrogate: refused, on a miss and after
    expect(() => lotIdOf(GTIN, "\ud800")).to.throw();
  });

  it("I-ok: packTagOf/packIdOf equal the contract for NUL/unicode serials, lower-case codes with spaces, mixed-case ids", async function () {
    const { provenance } = await networkHelpers.loadFixture(provenanceFixture);
    for (const serial of ["\u0000", "A\u0000", "\u0000A", "ß", "İ", "x".repeat(20_000)]) {
      const tag = packTagOf(GTIN, serial, " abcd efgh-jkmn pqrs ");
      expect(tag).to.equal(await provenance.packTagOf(BigInt(GTIN), serial, "ABCDEFGHJKMNPQRS"));
      const lotId = lotIdOf(GTIN, serial.slice(0, 20));
      const mixed = (h: string) => "0x" + [...h.slice(2)].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");
      expect(packIdOf(mixed(lotId), mixed(tag))).to.equal(await provenance.packIdOf(lotId, tag));
      expect(packIdOf(lotId, tag)).to.equal(keccak256(concat([lotId, tag])));
    }
  });

  it("I-ok: packIdOf refuses bad hex before Buffer.from could truncate it (odd length, 0X, non-hex digit mid-way)", function () {
    const id = hexlify(randomBytes(32));
    const bad = [
      "0X" + id.slice(2),
      id.slice(0, 40) + "zz" + id.slice(44), // Buffer.from would stop at "zz" and hash 19 bytes
      id.slice(0, -1), // odd length: Buffer.from drops the last nibble
      id.slice(0, -1) + " ",
      " " + id.slice(1),
      id + "0",
      "0x" + "0".repeat(62) + "g0",
    ];
    for (const b of bad) {
      expect(() => packIdOf(b, id), JSON.stringify(b)).to.throw(MedChainError, "32-byte lot id");
      expect(() => packIdOf(id, b), JSON.stringify(b)).to.throw(MedChainError, "32-byte lot id");
    }
  });

  it("I1: lotIdOf checks the GTIN before its memo: a GTIN with a NUL is refused, not answered with another lot's id", function () {
    const real = lotIdOf(GTIN, "X\u0000Y"); // fills the memo key `${GTIN}\0X\0Y`
    expect(() => lotIdOf(`${GTIN}\u0000X`, "Y")).to.throw(MedChainError, "expected 14 digits");
    expect(real).to.equal(lotIdOf(GTIN, "X\u0000Y"));
  });

  it("I-ok: the memo stays correct across its bound (100,000 keys, then cleared)", function () {
    this.timeout(300_000);
    const first = lotIdOf(GTIN2, "BOUND-0");
    for (let i = 0; i < 100_050; i++) lotIdOf(GTIN, `B${i}`);
    expect(lotIdOf(GTIN2, "BOUND-0")).to.equal(first);
    expect(lotIdOf(GTIN, "B100049")).to.equal(lotIdOf(GTIN, "B100049"));
    // A fresh value after the clear is the real one (not a stale key of before).
    expect(lotIdOf(GTIN, "B7")).to.equal(
      keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "string"], [BigInt(GTIN), "B7"])),
    );
  });

  // ---------------------------------------------------------------- catalog indexes vs a full scan

  it("C-ok: a pack known first from the tree (no serial) and then from its bundle is found by serial; re-adding the tree keeps it", function () {
    const plan = planLot({ gtin: GTIN, lot: "IDX-1", expiry: "301231", serials: ["A", "B", "C"] });
    const catalog = new Catalog();
    catalog.addLot(plan); // tree only: packs without serials
    expect(catalog.findPack(GTIN, "A")).to.equal(undefined);
    catalog.addLot(plan, plan.bundle);
    catalog.addLot(plan); // tree again: must not forget the serials
    for (const s of ["A", "B", "C"]) expect(catalog.findPack(GTIN, s)).to.deep.equal(scanPacks(catalog, GTIN, s)[0]);
    expect(catalog.packsOfLot(plan.lotId.toUpperCase().replace("0X", "0x"))).to.have.length(3);
    expect(catalog.findLot(GTIN, "IDX-1")?.lotId).to.equal(plan.lotId.toLowerCase());
    expect(catalog.findLot(GTIN, "idx-1")).to.equal(undefined); // lot numbers are case-sensitive, as before
    expect(catalog.findPack(GTIN, "a")).to.equal(undefined);
  });

  it("C-ok: a re-planned lot (new codes) keeps old and new packs, as the scan did, and the import check still sees 2n packs", function () {
    const a = planLot({ gtin: GTIN, lot: "IDX-2", expiry: "301231", serials: ["A", "B"] });
    const b = planLot({ gtin: GTIN, lot: "IDX-2", expiry: "301231", serials: ["A", "B"] });
    const catalog = new Catalog();
    catalog.addLotPlan(a);
    catalog.addLotPlan(b);
    const scan = [...catalog.packs.values()].filter((p) => p.lotId.toLowerCase() === a.lotId.toLowerCase());
    expect(catalog.packsOfLot(a.lotId)).to.have.length(scan.length).and.length(4);
    expect(() => catalog.findPack(GTIN, "A")).to.throw(MedChainError, "is in 2 lots (IDX-2, IDX-2)");
    expect(scanPacks(catalog, GTIN, "A")).to.have.length(2);
  });

  it("C1: a pack filed again under another serial is found only by its serial now, as a scan finds it", function () {
    const tag = hexlify(randomBytes(32));
    const { plan, bundle } = handLot(GTIN, "IDX-3", [
      { serial: "A", tag },
      { serial: "B", tag },
    ]);
    const catalog = new Catalog();
    catalog.addLot(plan, bundle);
    expect(scanPacks(catalog, GTIN, "A")).to.deep.equal([]);
    const found = catalog.findPack(GTIN, "A");
    expect(found?.serial, "the pack findPack returns for serial A").to.not.equal("B");
    expect(found).to.equal(undefined);
  });

  it("C2: findPack answers only for the exact GTIN and serial, whatever a bundle's serial holds (no key collision through NUL)", function () {
    // Bundles in private/ are read with `serial: z.string()`: a NUL is not refused there.
    const { plan, bundle } = handLot(GTIN, "IDX-4", [{ serial: "X\u0000Y", tag: hexlify(randomBytes(32)) }]);
    const catalog = new Catalog();
    catalog.addLot(plan, bundle);
    expect(scanPacks(catalog, `${GTIN}\u0000X`, "Y")).to.deep.equal([]);
    expect(catalog.findPack(`${GTIN}\u0000X`, "Y")).to.equal(undefined);
  });

  it("C3: 'is in N lots' names the lots in sorted order, however the catalog learnt them", function () {
    const l2 = planLot({ gtin: GTIN, lot: "ORD-2", expiry: "301231", serials: ["S"] });
    const l1 = planLot({ gtin: GTIN, lot: "ORD-1", expiry: "301231", serials: ["S"] });
    const catalog = new Catalog();
    catalog.addLot(l2); // e.g. the public tree first
    catalog.addLotPlan(l1);
    catalog.addLot(l2, l2.bundle); // then its bundle
    const scanned = scanPacks(catalog, GTIN, "S").map((p) => p.lot);
    expect(scanned).to.deep.equal(["ORD-2", "ORD-1"]);
    // The message names the lots in one order (sorted), however the catalog learnt them.
    expect(() => catalog.findPack(GTIN, "S")).to.throw(
      MedChainError,
      `is in 2 lots (${[...scanned].sort().join(", ")})`,
    );
  });

  it("C4: addLot refuses a lot id that is not its GTIN and lot's, so findLot always agrees with the lots", function () {
    const a = planLot({ gtin: GTIN, lot: "NUM-1", expiry: "301231", serials: ["A"] });
    const b = planLot({ gtin: GTIN, lot: "NUM-2", expiry: "301231", serials: ["B"] });
    const catalog = new Catalog();
    catalog.addLotPlan(a);
    // The same lot id re-added under another number (addLot does not check lotId = lotIdOf(gtin, lot)).
    expect(() => catalog.addLot({ gtin: GTIN, lot: "NUM-2", lotId: a.lotId, tree: b.tree })).to.throw(MedChainError);
    // Whatever addLot accepts, findLot must agree with `lots`.
    for (const [lotId, l] of catalog.lots) expect(catalog.findLot(l.gtin, l.lot)?.lotId).to.equal(lotId);
    const viaIndex = catalog.findLot(GTIN, "NUM-1");
    if (viaIndex !== undefined) expect(catalog.lots.get(viaIndex.lotId)?.lot).to.equal("NUM-1");
  });

  it("C-ok: Catalog.load of a data directory (3 lots sharing serials, one bundle missing, a container) indexes as a scan", async function () {
    const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-catidx-"));
    try {
      const plans = ["LD-3", "LD-1", "LD-2"].map((lot) =>
        planLot({ gtin: GTIN, lot, expiry: "301231", serials: ["S1", "S2"] }),
      );
      plans.push(planLot({ gtin: GTIN2, lot: "LD-1", expiry: "301231", serials: ["S1"] }));
      for (const p of plans) await writeLotFiles(dataDir, p, false);
      await rm(lotFiles(dataDir, GTIN, "LD-2").bundle); // LD-2: public tree only
      await mkdir(path.join(dataDir, "containers"), { recursive: true });
      const catalog = await Catalog.load(dataDir);
      for (const gtin of [GTIN, GTIN2]) {
        for (const serial of ["S1", "S2", "S3"]) {
          const scan = scanPacks(catalog, gtin, serial);
          if (scan.length > 1) {
            expect(() => catalog.findPack(gtin, serial)).to.throw(
              MedChainError,
              `is in ${scan.length} lots (${scan.map((p) => p.lot).join(", ")})`,
            );
          } else expect(catalog.findPack(gtin, serial)).to.deep.equal(scan[0]);
          for (const p of scan) expect(catalog.findPack(gtin, serial, p.lot)).to.deep.equal(p);
        }
      }
      for (const p of plans) {
        expect(catalog.findLot(p.gtin, p.lot)?.lotId).to.equal(p.lotId.toLowerCase());
        expect(catalog.packsOfLot(p.lotId)).to.have.length(p.quantity);
      }
      expect(catalog.findPack(GTIN, "S1", "LD-2")).to.equal(undefined); // no bundle: no serials
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  // ---------------------------------------------------------------- plans that carry their tree

  it("P1: addLotPlan refuses a plan whose tree, tree file and bundle have different roots", function () {
    const a = planLot({ gtin: GTIN, lot: "PLAN-1", expiry: "301231", serials: ["A", "B"] });
    const b = planLot({ gtin: GTIN, lot: "PLAN-1", expiry: "301231", serials: ["A", "B"] });
    const mixed = { ...a, tree: b.tree }; // commissioned root and written tree file are a's
    const catalog = new Catalog();
    let refused = false;
    try {
      catalog.addLotPlan(mixed);
    } catch (err) {
      expect(err).to.be.instanceOf(MedChainError);
      refused = true;
    }
    if (refused) return;
    // Taken: the catalog now holds b's tree for a lot whose root on chain and file on disk are a's,
    // so a's own pack cannot be linked into its lot from this catalog (before: treeFile.tree was loaded).
    expect(() => catalog.link(a.bundle.packs[0]!.packId, a.lotId)).to.not.throw();
    expect(catalog.lots.get(a.lotId.toLowerCase())?.tree.root).to.equal(a.root);
  });

  it("P-ok: a plan round-trips through its files to the same catalog as addLotPlan builds", async function () {
    const plan = planLot({ gtin: GTIN, lot: "PLAN-2", expiry: "301231", serials: ["A", "B", "C"] });
    const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-plan-"));
    try {
      await writeLotFiles(dataDir, plan, false);
      const loaded = await Catalog.load(dataDir);
      const direct = new Catalog();
      direct.addLotPlan(plan);
      expect([...direct.packs.entries()].sort()).to.deep.equal([...loaded.packs.entries()].sort());
      expect(direct.lots.get(plan.lotId.toLowerCase())?.tree.dump()).to.deep.equal(
        loaded.lots.get(plan.lotId.toLowerCase())?.tree.dump(),
      );
      // A corrupt tree file is still refused on load (the file path is unchanged by the commit).
      await writeFile(lotFiles(dataDir, GTIN, "PLAN-2").tree, "{}\n");
      await Catalog.load(dataDir).then(
        () => expect.fail("loaded a corrupt tree file"),
        (err: unknown) => expect(err).to.be.instanceOf(MedChainError),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
