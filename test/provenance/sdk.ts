import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { Gs1Error } from "../../src/provenance/gs1/index.js";
import {
  lotIdOf,
  newScratchCode,
  normalizeCode,
  packIdOf,
  packTagOf,
  SCRATCH_CODE_LENGTH,
} from "../../src/provenance/ids.js";
import { Catalog, planContainer, writeContainerFile } from "../../src/provenance/catalog.js";
import {
  codesOnDisk,
  lotFiles,
  parseSerialsCsv,
  planLot,
  readLotBundle,
  writeLotFiles,
  writeLotsFiles,
} from "../../src/provenance/lot.js";
import { resolveItem } from "../../src/provenance/resolve.js";
import { scanFromLabel } from "../../src/provenance/resolve.js";
import { parseCompanyPrefix, prefixCallData } from "../../src/provenance/prefixes.js";
import { ProductRegistry__factory } from "../../typechain-types/index.js";
import { seeded } from "../helpers/random.js";

const GTIN = "09506000134352";

describe("provenance SDK", function () {
  it("makes distinct 80-bit scratch-off codes that survive being retyped in lower case", function () {
    const codes = new Set(Array.from({ length: 200 }, () => newScratchCode()));
    expect(codes.size).to.equal(200);
    const code = [...codes][0]!;
    expect(normalizeCode(code.toLowerCase())).to.have.length(SCRATCH_CODE_LENGTH);
    expect(packTagOf(GTIN, "S1", code)).to.equal(packTagOf(GTIN, "S1", code.toLowerCase().replace(/-/g, " ")));
  });

  it("refuses a scratch-off code of the wrong length or with ambiguous letters", function () {
    expect(() => normalizeCode("ABCD")).to.throw(MedChainError, /expected 16 characters/);
    expect(() => normalizeCode("ABCD-EFGH-IJKL-MNOP")).to.throw(MedChainError, /without I, L, O, U/);
  });

  it("reads a CSV of serials, skipping the header, and names the line of a bad or repeated serial", function () {
    expect(parseSerialsCsv("serial\nA1\nA2,extra\n\n", "s.csv")).to.deep.equal(["A1", "A2"]);
    expect(() => parseSerialsCsv("A1\nA1\n", "s.csv")).to.throw(MedChainError, 's.csv:2: serial "A1" appears twice');
    expect(() => parseSerialsCsv("A1\nB 2\n", "s.csv")).to.throw(MedChainError, /^s\.csv:2: serial "B 2"/);
    expect(() => parseSerialsCsv("serial\n", "s.csv")).to.throw(MedChainError, "s.csv: no serials");
  });

  it("plans a lot whose bundle proofs all lead to its root, with a fresh code per pack", function () {
    const plan = planLot({ gtin: GTIN, lot: "L1", expiry: "301231", serials: ["A", "B", "C"] });
    expect(new Set(plan.bundle.packs.map((p) => p.code)).size).to.equal(3);
    for (const p of plan.bundle.packs) {
      expect(p.tag).to.equal(packTagOf(GTIN, p.serial, p.code));
      expect(StandardMerkleTree.verify(plan.root, ["bytes32"], [p.tag], p.proof)).to.equal(true);
      // the pack's id is bound to its lot: the same tag in another lot names another item
      expect(p.packId).to.equal(packIdOf(plan.lotId, p.tag));
      expect(packIdOf(lotIdOf(GTIN, "L2"), p.tag)).to.not.equal(p.packId);
    }
    // the public tree holds pack tags only: no serial, no code
    const published = JSON.stringify(plan.treeFile);
    for (const p of plan.bundle.packs) {
      expect(published).to.not.include(`"${p.serial}"`);
      expect(published).to.not.include(p.code);
    }
  });

  it("builds a lot link from the pack's tag and refuses a pack of another lot, naming the lot", function () {
    const a = planLot({ gtin: GTIN, lot: "LA", expiry: "301231", serials: ["A1", "A2"] });
    const b = planLot({ gtin: GTIN, lot: "LB", expiry: "301231", serials: ["B1"] });
    const catalog = new Catalog();
    catalog.addLotPlan(a);
    catalog.addLotPlan(b);
    const pack = a.bundle.packs[1]!;
    expect(catalog.link(pack.packId, a.lotId)).to.deep.equal({ child: pack.tag, parent: a.lotId, proof: pack.proof });
    expect(() => catalog.link(pack.packId, b.lotId)).to.throw(
      MedChainError,
      `lot LB: ${pack.packId} is not one of its packs`,
    );
  });

  it("refuses a serial found in two lots unless the lot is named", function () {
    const catalog = new Catalog();
    for (const lot of ["LA", "LB"]) catalog.addLotPlan(planLot({ gtin: GTIN, lot, expiry: "301231", serials: ["S1"] }));
    expect(() => resolveItem(catalog, `(01)${GTIN}(21)S1`)).to.throw(
      MedChainError,
      `item (01)${GTIN}(21)S1: GTIN ${GTIN} serial S1 is in 2 lots (LA, LB): name its lot (AI 10)`,
    );
    const named = resolveItem(catalog, `(01)${GTIN}(10)LB(21)S1`);
    expect(named.id).to.equal(catalog.findPack(GTIN, "S1", "LB")!.packId);
    expect(() => resolveItem(catalog, `(01)${GTIN}(10)LC(21)S1`)).to.throw(
      MedChainError,
      `GTIN ${GTIN} lot LC serial S1`,
    );
  });

  it("finds packs by serial and lot, and lots by number, as a scan of everything it knows would (seeded lots)", function () {
    const next = seeded(0xca7a);
    const catalog = new Catalog();
    const gtins = [GTIN, "09506000134369"];
    for (let i = 0; i < 30; i++) {
      const serials = [
        ...new Set(Array.from({ length: 1 + Math.floor(next() * 4) }, () => `S${Math.floor(next() * 6)}`)),
      ];
      catalog.addLotPlan(planLot({ gtin: gtins[i % 2]!, lot: `L${i}`, expiry: "301231", serials }));
    }
    const all = [...catalog.packs.entries()].map(([packId, p]) => ({ packId, ...p }));
    for (const gtin of gtins) {
      for (let n = 0; n < 7; n++) {
        const serial = `S${n}`;
        const scan = all.filter((p) => p.gtin === gtin && p.serial === serial);
        if (scan.length > 1) expect(() => catalog.findPack(gtin, serial)).to.throw(MedChainError, /name its lot/);
        else expect(catalog.findPack(gtin, serial)).to.deep.equal(scan[0]);
        for (const p of scan) expect(catalog.findPack(gtin, serial, p.lot)).to.deep.equal(p);
      }
    }
    for (const [lotId, l] of catalog.lots) {
      expect(catalog.findLot(l.gtin, l.lot)?.lotId).to.equal(lotId);
      const scan = all.filter((p) => p.lotId.toLowerCase() === lotId).sort((a, b) => a.packId.localeCompare(b.packId));
      const found = catalog.packsOfLot(lotId.toUpperCase().replace("0X", "0x"));
      expect(found.sort((a, b) => a.packId.localeCompare(b.packId))).to.deep.equal(scan);
    }
    expect(catalog.findLot(GTIN, "L99")).to.equal(undefined);
  });

  it("refuses a lot bundle whose pack id is not its tag's id in the lot, or whose tag is not its serial's and code's, naming the field", async function () {
    const plan = planLot({ gtin: GTIN, lot: "L1", expiry: "301231", serials: ["A", "B"] });
    const dir = await mkdtemp(path.join(tmpdir(), "bundle-"));
    const file = path.join(dir, "lot.bundle.json");
    const forged = { ...plan.bundle, packs: plan.bundle.packs.map((p, i) => (i === 1 ? { ...p, packId: p.tag } : p)) };
    await writeFile(file, JSON.stringify(forged));
    let message = "";
    await readLotBundle(file).catch((err: Error) => (message = err.message));
    expect(message).to.equal(`${file}: field packs.1.packId is not the id of its tag in lot L1`);
    await writeFile(file, JSON.stringify({ ...plan.bundle, lot: "L2" }));
    await readLotBundle(file).catch((err: Error) => (message = err.message));
    expect(message).to.equal(`${file}: field lotId is not the id of GTIN ${GTIN} lot L2`);
    // another pack's serial (or code) under a tag and pack id that are consistent with each other
    const swapped = { ...plan.bundle, packs: plan.bundle.packs.map((p, i) => (i === 0 ? { ...p, serial: "B" } : p)) };
    await writeFile(file, JSON.stringify(swapped));
    await readLotBundle(file).catch((err: Error) => (message = err.message));
    expect(message).to.equal(`${file}: field packs.0.tag is not the tag of its serial and code`);
    const recoded = {
      ...plan.bundle,
      packs: plan.bundle.packs.map((p, i) => (i === 1 ? { ...p, code: "not a code" } : p)),
    };
    await writeFile(file, JSON.stringify(recoded));
    await readLotBundle(file).catch((err: Error) => (message = err.message));
    expect(message).to.equal(
      `${file}: field packs.1: scratch-off code "not a code": expected ${SCRATCH_CODE_LENGTH} characters of 0-9 and A-Z without I, L, O, U`,
    );
    await writeFile(file, JSON.stringify(plan.bundle));
    expect((await readLotBundle(file)).packs).to.have.length(2);
    await rm(dir, { recursive: true });
  });

  it("loads a data directory read many files at a time as it was written, and names the first damaged file in name order", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "catalog-"));
    const plans = Array.from({ length: 30 }, (_, i) =>
      planLot({ gtin: GTIN, lot: `L${String(i).padStart(2, "0")}`, expiry: "301231", serials: [`A${i}`, `B${i}`] }),
    );
    await writeLotsFiles(dir, plans);
    for (const plan of plans.slice(0, 10)) {
      await writeContainerFile(
        dir,
        planContainer(
          `0095060001${plan.lot.slice(1)}000000`,
          plan.bundle.packs.map((p) => p.packId),
        ),
      );
    }
    const catalog = await Catalog.load(dir);
    expect([catalog.lots.size, catalog.packs.size, catalog.containers.size]).to.deep.equal([30, 60, 10]);
    for (const plan of plans) {
      for (const p of plan.bundle.packs) {
        expect(catalog.findPack(GTIN, p.serial)).to.include({
          packId: p.packId.toLowerCase(),
          code: p.code,
          lot: plan.lot,
        });
      }
    }
    const bundleOf = (i: number) => lotFiles(dir, GTIN, plans[i]!.lot).bundle;
    // two damaged bundles: the error names the first by name, however the reads finish
    await writeFile(bundleOf(21), "{");
    await writeFile(bundleOf(4), JSON.stringify({ ...plans[4]!.bundle, lot: "L99" }));
    for (let run = 0; run < 3; run++) {
      await Catalog.load(dir).then(
        () => expect.fail("expected a refusal"),
        (err: Error) =>
          expect(err.message).to.equal(`${bundleOf(4)}: field lotId is not the id of GTIN ${GTIN} lot L99`),
      );
    }
    await rm(dir, { recursive: true });
  });

  it("makes a new data directory's public folders as the umask says and only private/ owner-only", async function () {
    const umask = process.umask(0o022);
    try {
      const parent = await mkdtemp(path.join(tmpdir(), "lots-modes-"));
      const dir = path.join(parent, "new", "provenance-data");
      await writeLotsFiles(dir, [planLot({ gtin: GTIN, lot: "M1", expiry: "301231", serials: ["A"] })]);
      const mode = async (p: string) => (await stat(p)).mode & 0o777;
      const files = lotFiles(dir, GTIN, "M1");
      expect({
        parent: await mode(path.join(parent, "new")),
        dataDir: await mode(dir),
        lots: await mode(path.dirname(files.tree)),
        tree: await mode(files.tree),
        private: await mode(path.dirname(files.bundle)),
        bundle: await mode(files.bundle),
      }).to.deep.equal({ parent: 0o755, dataDir: 0o755, lots: 0o755, tree: 0o644, private: 0o700, bundle: 0o600 });
      await rm(parent, { recursive: true });
    } finally {
      process.umask(umask);
    }
  });

  it("reads back a lot bundle larger than an input file may be (64 MiB): what it writes, it loads", async function () {
    this.timeout(20_000);
    const dir = await mkdtemp(path.join(tmpdir(), "lots-big-"));
    const plan = planLot({ gtin: GTIN, lot: "BIG", expiry: "301231", serials: ["A", "B"] });
    await writeLotsFiles(dir, [plan]);
    const { bundle } = lotFiles(dir, GTIN, "BIG");
    // the same bundle, padded with 65 MiB of white space (as a lot of some 45,000 packs is large)
    await writeFile(bundle, JSON.stringify(plan.bundle) + " ".repeat(65 * 1024 * 1024));
    expect((await Catalog.load(dir)).findPack(GTIN, "B")?.code).to.equal(plan.bundle.packs[1]!.code);
    await rm(dir, { recursive: true });
  });

  it("never writes a lot's codes or a container's tree over other ones on disk, and a re-run of a commissioning reuses its codes", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "lots-again-"));
    const serials = ["R1", "R2", "R3"];
    const first = planLot({ gtin: GTIN, lot: "RE1", expiry: "301231", serials });
    await writeLotsFiles(dir, [first]);
    const { bundle } = lotFiles(dir, GTIN, "RE1");
    const kept = await readFile(bundle, "utf8");
    // a second run (the first's commissioning pending) that drew new codes is refused, the file kept
    const fresh = planLot({ gtin: GTIN, lot: "RE1", expiry: "301231", serials });
    await writeLotsFiles(dir, [fresh]).then(
      () => expect.fail("expected a refusal"),
      (err: MedChainError) => expect(err.message).to.include(`holds this lot with other codes (root ${first.root})`),
    );
    expect(await readFile(bundle, "utf8")).to.equal(kept);
    // the same codes with another expiry (a corrected re-run while the first was pending) are refused too
    const codes0 = first.bundle.packs.map((p) => p.code);
    const later = planLot({ gtin: GTIN, lot: "RE1", expiry: "311231", serials, codes: codes0 });
    await writeLotsFiles(dir, [later]).then(
      () => expect.fail("expected a refusal"),
      (err: MedChainError) => expect(err.message).to.include("holds this lot with expiry 301231, not 311231"),
    );
    // what a re-run does instead: the codes on disk, in the order of the serials asked, give the same root
    const codes = codesOnDisk(dir, GTIN, "RE1", ["R3", "R1", "R2"])!;
    expect(codes).to.deep.equal([2, 0, 1].map((i) => first.bundle.packs[i]!.code));
    const again = planLot({ gtin: GTIN, lot: "RE1", expiry: "301231", serials: ["R3", "R1", "R2"], codes });
    expect(again.root).to.equal(first.root);
    await writeLotsFiles(dir, [again]);
    expect(codesOnDisk(dir, GTIN, "RE1", ["R1", "R2"])).to.equal(undefined); // other serials: no reuse
    expect(codesOnDisk(dir, GTIN, "NONE", serials)).to.equal(undefined);
    // a container's file: the same tree again is fine, another refused unless the chain holds it
    const sscc = "009506000100000017";
    const a = planContainer(
      sscc,
      first.bundle.packs.map((p) => p.packId),
    );
    const b = planContainer(sscc, [first.bundle.packs[0]!.packId]);
    const file = await writeContainerFile(dir, a);
    await writeContainerFile(dir, a);
    await writeContainerFile(dir, b).then(
      () => expect.fail("expected a refusal"),
      (err: MedChainError) => expect(err.message).to.include(`holds other children (root ${a.root})`),
    );
    expect(JSON.parse(await readFile(file, "utf8")).root).to.equal(a.root);
    await writeContainerFile(dir, b, { replace: true });
    expect(JSON.parse(await readFile(file, "utf8")).root).to.equal(b.root);
    await rm(dir, { recursive: true });
  });

  it("writes a lot's labels (each with its pack's scratch code) owner-only", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "labels-"));
    const plan = planLot({ gtin: GTIN, lot: "LB1", expiry: "301231", serials: ["Q1"] });
    const files = await writeLotFiles(dir, plan, true);
    const mode = async (p: string) => (await stat(p)).mode & 0o777;
    const names = await readdir(files.labels);
    expect(names.sort()).to.deep.equal(["Q1.png", "Q1.svg"]);
    expect(await mode(files.labels)).to.equal(0o700);
    for (const name of names) expect(await mode(path.join(files.labels, name))).to.equal(0o600);
    await rm(dir, { recursive: true });
  });

  it("refuses a named pipe in the data directory at once instead of waiting on it", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "catalog-fifo-"));
    const fifo = path.join(dir, "containers", "006141411234567890.json");
    await writeContainerFile(
      dir,
      planContainer("006141411234567891", [packIdOf(lotIdOf(GTIN, "L1"), "0x" + "11".repeat(32))]),
    );
    execFileSync("mkfifo", [fifo]);
    await Catalog.load(dir).then(
      () => expect.fail("expected a refusal"),
      (err: Error) => expect(err.message).to.equal(`${fifo}: is not a regular file (a device, pipe or socket)`),
    );
    await rm(dir, { recursive: true });
  });

  it("never writes two lots of one batch over each other's files (their lot numbers differing only in characters a file name drops)", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "lots-"));
    const a = planLot({ gtin: GTIN, lot: "A/B", expiry: "301231", serials: ["S1"] });
    const b = planLot({ gtin: GTIN, lot: "A_B", expiry: "301231", serials: ["S2"] });
    let error: MedChainError | undefined;
    await writeLotsFiles(dir, [a, b]).catch((err: MedChainError) => (error = err));
    expect(error?.kind).to.equal("BAD_INPUT");
    expect(error?.message).to.match(/^lot "A_B" of GTIN 09506000134352 would overwrite .*, which holds lot "A\/B"/);
    expect(await readdir(dir)).to.deep.equal([]); // refused before anything is written
    // lot numbers are case-sensitive, file names on macOS and Windows are not
    const lower = planLot({ gtin: GTIN, lot: "ab", expiry: "301231", serials: ["S3"] });
    const upper = planLot({ gtin: GTIN, lot: "AB", expiry: "301231", serials: ["S4"] });
    await writeLotsFiles(dir, [lower, upper]).then(
      () => expect.fail("expected a refusal"),
      (err: MedChainError) => expect(err.message).to.match(/^lot "AB" of GTIN .* which holds lot "ab"/),
    );
    // one lot planned twice with other codes
    const again = planLot({ gtin: GTIN, lot: "A/B", expiry: "301231", serials: ["S1"] });
    await writeLotsFiles(dir, [a, again]).then(
      () => expect.fail("expected a refusal"),
      (err: MedChainError) =>
        expect(err.message).to.equal(`lot "A/B" of GTIN ${GTIN} is planned twice, with other codes`),
    );
    expect(await readdir(dir)).to.deep.equal([]);
    await writeLotsFiles(dir, [a]);
    await writeLotsFiles(dir, [a]); // the same lot again (a re-run) is no collision
    await writeLotsFiles(dir, [b]).then(
      () => expect.fail("expected a refusal"),
      (err: MedChainError) => expect(err.message).to.match(/^lot "A_B" .* which holds lot "A\/B"/),
    );
    expect((await Catalog.load(dir)).findPack(GTIN, "S1")?.code).to.equal(a.bundle.packs[0]!.code);
    await rm(dir, { recursive: true });
  });

  it("refuses a lot with a bad GTIN check digit or a bad expiry before anything is sent", function () {
    expect(() => planLot({ gtin: "09506000134353", lot: "L1", expiry: "301231", serials: ["A"] })).to.throw(
      MedChainError,
      /check digit/,
    );
    expect(() => planLot({ gtin: GTIN, lot: "L1", expiry: "301341", serials: ["A"] })).to.throw(Gs1Error);
  });

  it("turns a malformed pack label into one line naming the problem", function () {
    expect(() => scanFromLabel("(01)09506000134353(10)L1(21)S1", "x")).to.throw(Gs1Error, /check digit/);
    expect(() => scanFromLabel(`(01)${GTIN}(21)S1`, "x")).to.throw(MedChainError, /needs a GTIN \(01\), a lot \(10\)/);
    expect(() => scanFromLabel(`https://id.gs1.org/01/${GTIN}/10/L1/21/S1?17=301399`, "x")).to.throw(Gs1Error);
  });

  it("accepts GS1 company prefixes of 4 to 12 digits and names the option of a bad one", function () {
    expect(parseCompanyPrefix(" 0614141 ")).to.equal("0614141");
    for (const bad of ["061", "0614141000001", "06-4141", "abcd", ""]) {
      expect(() => parseCompanyPrefix(bad, "assign")).to.throw(
        MedChainError,
        `--assign: "${bad}" is not a GS1 company prefix`,
      );
    }
  });

  it("encodes each prefix change as the module's vote-only call, and needs a member to assign or transfer to", function () {
    const provenance = { interface: ProductRegistry__factory.createInterface() };
    const member = "0x" + "11".repeat(32);
    const assign = provenance.interface.decodeFunctionData(
      "assignCompanyPrefix",
      prefixCallData(provenance, "assign", "0614141", member),
    );
    expect([...assign]).to.deep.equal(["0614141", member]);
    const transfer = prefixCallData(provenance, "transfer", "0614141", member);
    expect(transfer.slice(0, 10)).to.equal(provenance.interface.getFunction("transferCompanyPrefix")!.selector);
    const revoke = provenance.interface.decodeFunctionData(
      "revokeCompanyPrefix",
      prefixCallData(provenance, "revoke", "0614141"),
    );
    expect([...revoke]).to.deep.equal(["0614141"]);
    expect(() => prefixCallData(provenance, "assign", "0614141")).to.throw(MedChainError, "--member");
  });
});
