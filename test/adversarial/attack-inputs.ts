// Attacks with hostile input files on the SDK's readers (tenth review, I-series in FINDINGS.md):
// each test is the correct behaviour and failed before its fix. No chain: the readers refuse, or
// plan, before anything is sent.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { parseJsonText, readJsonFile } from "../../src/chain/files.js";
import { parseVcf } from "../../src/genomics/vcf.js";
import { planImport } from "../../src/provenance/epcis/import.js";
import { parseEpcisXml, readEpcisFile } from "../../src/provenance/epcis/xml.js";
import { lotFiles, planLot, writeLotFiles } from "../../src/provenance/lot.js";
import { readFhirFile } from "../../src/records/input.js";
import { patientMapOf } from "../../src/records/patients.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const journey = JSON.parse(await readFile(path.join(ROOT, "test/fixtures/provenance/journey.jsonld"), "utf8"));
const labVcf = await readFile(path.join(ROOT, "test/fixtures/genomics/lab-a.vcf"), "utf8");

/** The error `run` throws (it must throw). */
async function refusal(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  expect.fail("expected a refusal");
}

/** The journey document with its commissioning event changed by `change`. */
function withCommissioning(change: (event: Record<string, unknown>) => void): unknown {
  const doc = structuredClone(journey);
  change(doc.epcisBody.eventList[0]);
  return doc;
}

describe("Attack: hostile input files on the SDK's readers", function () {
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(tmpdir(), "medchain-attack-inputs-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  it("I1: refuses a device or a named pipe given as an input file at once (no endless read of /dev/zero, no hang on a FIFO)", async function () {
    const zero = path.join(dir, "zero.json");
    await symlink("/dev/zero", zero);
    const fifo = path.join(dir, "pipe.json");
    execFileSync("mkfifo", [fifo]);
    for (const file of [zero, fifo]) {
      for (const read of [() => readJsonFile(file), () => readFhirFile(file), () => readEpcisFile(file)]) {
        const err = await refusal(read);
        expect(err).to.be.instanceOf(MedChainError);
        expect((err as MedChainError).kind).to.equal("BAD_INPUT");
        expect(err.message).to.include("not a regular file");
        expect(err.message).to.include(path.basename(file));
      }
    }
  });

  it("I2: refuses one pack commissioned twice under different spellings (a Digital Link, its upper-case host, its URN)", function () {
    const doc = withCommissioning((event) => {
      const list = event.epcList as string[];
      list[1] = "HTTPS://ID.GS1.ORG/01/09506000134352/21/F1";
      list[2] = "urn:epc:id:sgtin:9506000.013435.F1";
    });
    const { steps, errors } = planImport(doc, "journey.jsonld");
    expect(errors.map((e) => e.field)).to.include("epcList");
    expect(errors.map((e) => e.problem).join(" ")).to.include("serial F1");
    expect(steps.filter((s) => s.op === "commission")).to.deep.equal([]);
    // and a lot plan refuses repeated serials whoever builds it
    const err = (() => {
      try {
        planLot({ gtin: "09506000134352", lot: "L1", expiry: "301231", serials: ["A", "B", "A"] });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).to.include('serial "A" appears twice');
  });

  it("I3: refuses an expiry date outside GS1's two-digit year window instead of moving it a century", function () {
    for (const date of ["1950-06-30", "2080-12-31"]) {
      const doc = withCommissioning((event) => {
        (event.ilmd as Record<string, string>)["cbvmda:itemExpirationDate"] = date;
      });
      const { errors } = planImport(doc, "journey.jsonld");
      const error = errors.find((e) => e.field === "ilmd.itemExpirationDate");
      expect(error, date).to.not.equal(undefined);
      expect(error!.problem).to.include(date);
    }
    const ok = withCommissioning((event) => {
      (event.ilmd as Record<string, string>)["cbvmda:itemExpirationDate"] = "2031-06-30";
    });
    expect(planImport(ok, "journey.jsonld", { defaultRecipient: "0x" + "33".repeat(32) }).errors).to.deep.equal([]);
  });

  it("I4: refuses allele counts that are no counts (negative, fractional, not numbers, AC above AN, AN above two per sample) and malformed genotypes", function () {
    const sitesOnly = (info: string, samples = "2") =>
      [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        `##medchain_samples=${samples}`,
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
        `chr19\t44908822\t.\tC\tT\t50\tPASS\t${info}`,
      ].join("\n");
    expect(parseVcf(sitesOnly("AC=1;AN=4"), "ok.vcf").sites[0]).to.include({ ac: 1, an: 4 });
    for (const info of ["AC=-5;AN=4", "AC=50;AN=4", "AC=1.5;AN=4", "AC=abc;AN=4", "AC=1;AN=-4", "AC=1;AN=5"]) {
      expect(() => parseVcf(sitesOnly(info), "bad.vcf"), info).to.throw(/INFO AC=.*counts must be whole/);
    }
    expect(() => parseVcf(sitesOnly("AC=1;AN=4", "99999999999999999999999"), "bad.vcf")).to.throw(
      /more than 100000000 samples/,
    );
    const row = labVcf.split("\n").findIndex((l) => l.startsWith("chr19"));
    for (const [genotype, reason] of [
      ["1.2", /bad genotype "1\.2"/],
      [".1", /bad genotype "\.1"/],
    ] as const) {
      const lines = labVcf.split("\n");
      lines[row] = lines[row]!.replace("0/1:10", `${genotype}:10`);
      expect(() => parseVcf(lines.join("\n"), "bad.vcf"), genotype).to.throw(reason);
    }
    const gtx = labVcf.split("\n");
    gtx[row] = gtx[row]!.replace("GT:DP", "GTX:DP");
    expect(() => parseVcf(gtx.join("\n"), "bad.vcf")).to.throw(/FORMAT must start with GT/);
    const short = labVcf.split("\n");
    short[row] = short[row]!.split("\t").slice(0, -1).join("\t");
    expect(() => parseVcf(short.join("\n"), "bad.vcf")).to.throw(
      /1 of the 4 samples' genotype columns missing or empty/,
    );
  });

  it("I5: never overwrites one lot's files (its packs' secret codes) with another lot's whose number maps to the same file name", async function () {
    const dataDir = path.join(dir, "lots");
    const first = planLot({ gtin: "09506000134352", lot: "A/B", expiry: "301231", serials: ["S1"] });
    await writeLotFiles(dataDir, first, false);
    const bundle = await readFile(lotFiles(dataDir, first.gtin, first.lot).bundle, "utf8");
    const second = planLot({ gtin: "09506000134352", lot: "A_B", expiry: "301231", serials: ["S1"] });
    const err = await refusal(() => writeLotFiles(dataDir, second, false));
    expect(err.message).to.include("would overwrite").and.include('"A/B"');
    expect(await readFile(lotFiles(dataDir, first.gtin, first.lot).bundle, "utf8")).to.equal(bundle);
    await writeLotFiles(dataDir, first, false); // the same lot again is its own
    // a file there that is no lot file is not overwritten either
    const third = planLot({ gtin: "09506000134352", lot: "C", expiry: "301231", serials: ["S1"] });
    await mkdir(path.dirname(lotFiles(dataDir, third.gtin, third.lot).tree), { recursive: true });
    await writeFile(lotFiles(dataDir, third.gtin, third.lot).tree, "not json");
    expect((await refusal(() => writeLotFiles(dataDir, third, false))).message).to.include(
      "no lot file MedChain wrote",
    );
  });

  it("I6: refuses JSON nested thousands of levels deep as bad input, naming the file (not a RangeError)", function () {
    const err = (() => {
      try {
        parseJsonText("[".repeat(20_000) + "]".repeat(20_000), "deep.json");
      } catch (e) {
        return e as MedChainError;
      }
    })();
    expect(err).to.be.instanceOf(MedChainError);
    expect(err!.kind).to.equal("BAD_INPUT");
    expect(err!.message).to.include("deep.json").and.include("nested too deeply");
  });

  it("I7: takes an EPCIS destination named constructor, __proto__ or toString for no party (the default recipient), not an Object member", function () {
    for (const name of ["constructor", "__proto__", "toString"]) {
      const doc = structuredClone(journey);
      const ship = doc.epcisBody.eventList.find((e: { bizStep: string }) => e.bizStep === "shipping");
      ship.destinationList = [{ type: "owning_party", destination: name }];
      const { steps, errors } = planImport(doc, "journey.jsonld", {
        parties: { "urn:epc:id:pgln:9506000.00002": "0x" + "22".repeat(32) },
        defaultRecipient: "0x" + "33".repeat(32),
      });
      expect(errors, name).to.deep.equal([]);
      const shipped = steps.filter((s) => s.op === "ship");
      expect(shipped.length).to.be.above(0);
      for (const s of shipped) expect((s as { to: string }).to).to.equal("0x" + "33".repeat(32));
    }
  });

  it("I8: refuses EPCIS with a repeated JSON key, and XML the parser itself rejects, as bad input naming the file", async function () {
    const twice = path.join(dir, "twice.jsonld");
    const text = JSON.stringify(journey).replace(
      '"bizStep":"commissioning"',
      '"bizStep":"commissioning","bizStep":"shipping"',
    );
    await writeFile(twice, text);
    const err = await refusal(() => readEpcisFile(twice));
    expect(err.message).to.include('duplicate key "bizStep"');
    // numbers as %.17g writers print them are read (the import maps none to the chain); 1e400 is not a number
    const sensor = structuredClone(journey);
    sensor.epcisBody.eventList[6].sensorElementList = [{ sensorReport: [{ type: "gs1:Temperature", value: 1 }] }];
    const precise = path.join(dir, "sensor.jsonld");
    await writeFile(precise, JSON.stringify(sensor).replace('"value":1}', '"value":0.10000000000000001}'));
    expect(await readEpcisFile(precise)).to.have.property("epcisBody");
    await writeFile(precise, JSON.stringify(sensor).replace('"value":1}', '"value":1e400}'));
    expect((await refusal(() => readEpcisFile(precise))).message).to.include("1e400");
    for (const xml of [
      '<?xml version="1.0"?><EPCISDocument><__proto__>x</__proto__></EPCISDocument>',
      '<?xml version="1.0"?><EPCISDocument __proto__="1"><EPCISBody/></EPCISDocument>',
    ]) {
      const bad = await refusal(() => parseEpcisXml(xml, "hostile.xml"));
      expect(bad).to.be.instanceOf(MedChainError);
      expect((bad as MedChainError).kind).to.equal("BAD_INPUT");
      expect(bad.message).to.include("hostile.xml");
    }
  });

  it("I9: refuses an address whose mixed-case letters fail the EIP-55 checksum, naming the field (not an ethers TypeError)", function () {
    const bad = "0xAb" + "ab".repeat(19);
    const err = (() => {
      try {
        patientMapOf(
          { format: "medchain.patients.v1", patients: [{ reference: "Patient/p1", account: bad }] },
          "patients.json",
        );
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).to.be.instanceOf(MedChainError);
    expect(err!.message).to.include("patients.json").and.include("EIP-55");
  });
});
