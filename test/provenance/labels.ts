import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { inflateSync } from "node:zlib";

import { expect } from "chai";

import { Gs1Error, type Gs1Identity, toDigitalLink } from "../../src/provenance/gs1/index.js";
import {
  LabelError,
  labelFileStem,
  PNG_MODULE_PIXELS,
  QUIET_ZONE,
  qrModules,
  renderLabel,
  writeLabels,
} from "../../src/provenance/labels.js";
import { PNG_SIGNATURE } from "../../src/provenance/png.js";

// No QR decoder is installed, so these tests check that the drawn modules are exactly the
// matrix `qrcode` produces for the expected text (Digital Link / scratch code).

const PACK: Gs1Identity = { gtin: "09506000134352", lot: "L-7", expiry: "280430", serial: "SN0001" };
const SCRATCH = "K7Q2-9XPM-4RTV";

function darkSet(matrix: boolean[][]): Set<string> {
  const set = new Set<string>();
  matrix.forEach((row, r) => row.forEach((dark, c) => dark && set.add(`${c},${r}`)));
  return set;
}

function svgModules(svg: string, id: string): Set<string> {
  const d = new RegExp(`<path id="${id}"[^>]* d="([^"]*)"`).exec(svg)?.[1];
  expect(d, `path ${id}`).to.be.a("string");
  return new Set([...(d ?? "").matchAll(/M(\d+) (\d+)/g)].map((m) => `${m[1]},${m[2]}`));
}

interface DecodedPng {
  width: number;
  height: number;
  pixel: (x: number, y: number) => number;
}

function decodePng(png: Buffer): DecodedPng {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).to.equal(true);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("ascii", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).to.deep.equal([8, 0]);
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).to.equal((width + 1) * height);
  return { width, height, pixel: (x, y) => raw[y * (width + 1) + 1 + x] ?? -1 };
}

function pngModules(png: DecodedPng, left: number, top: number, size: number): Set<string> {
  const set = new Set<string>();
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = left + (c + QUIET_ZONE) * PNG_MODULE_PIXELS + 1;
      const y = top + (r + QUIET_ZONE) * PNG_MODULE_PIXELS + 1;
      if (png.pixel(x, y) === 0) set.add(`${c},${r}`);
    }
  }
  return set;
}

describe("pack labels", function () {
  it("puts the pack's Digital Link and the scratch code in one printable SVG", function () {
    const label = renderLabel({ identity: PACK, scratchCode: SCRATCH });
    expect(label.digitalLink).to.equal(toDigitalLink(PACK));
    expect(label.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="60mm"')).to.equal(true);
    expect(label.svg).to.include(`>${SCRATCH}</text>`);
    expect(label.svg).to.include(`>${label.digitalLink}</text>`);
    expect(label.svg).to.include(">SCRATCH HERE</text>");
    expect(label.svg).to.include(">(21) SN0001</text>");
    expect(svgModules(label.svg, "digital-link-qr")).to.deep.equal(darkSet(qrModules(label.digitalLink)));
    expect(svgModules(label.svg, "scratch-code-qr")).to.deep.equal(darkSet(qrModules(SCRATCH)));
  });

  it("draws both QR codes side by side in the PNG", function () {
    const label = renderLabel({ identity: PACK, scratchCode: SCRATCH, base: "https://pharma.example.com" });
    const dl = qrModules(label.digitalLink);
    const scratch = qrModules(SCRATCH);
    const dlSide = (dl.length + 2 * QUIET_ZONE) * PNG_MODULE_PIXELS;
    const scratchSide = (scratch.length + 2 * QUIET_ZONE) * PNG_MODULE_PIXELS;
    const png = decodePng(label.png);
    expect(png.width).to.equal(dlSide + scratchSide);
    expect(png.height).to.equal(Math.max(dlSide, scratchSide));
    expect(label.png.length).to.be.greaterThan(1000);
    expect(pngModules(png, 0, 0, dl.length)).to.deep.equal(darkSet(dl));
    const top = Math.floor((png.height - scratchSide) / 2);
    expect(pngModules(png, dlSide, top, scratch.length)).to.deep.equal(darkSet(scratch));
  });

  it("escapes text for XML", function () {
    const label = renderLabel({ identity: { ...PACK, lot: "A&B<C" }, scratchCode: "x<y&z" });
    expect(label.svg).to.include(">(10) A&#38;B&#60;C</text>");
    expect(label.svg).to.include(">x&#60;y&#38;z</text>");
    expect(label.svg).to.not.include("A&B");
  });

  it("squeezes a long Digital Link and scratch code to fit the label", function () {
    const long = { ...PACK, lot: "ABCDEFGHIJKLMNOPQRST", serial: "abcdefghijklmnopqrst" };
    const code = "X".repeat(40);
    const label = renderLabel({ identity: long, scratchCode: code, base: "https://pharma.example.com/scan" });
    expect(label.svg).to.match(
      /textLength="224" lengthAdjust="spacingAndGlyphs" text-anchor="middle" id="digital-link-text"/,
    );
    expect(label.svg).to.match(
      /textLength="102" lengthAdjust="spacingAndGlyphs" text-anchor="middle" id="scratch-code-text"/,
    );
    expect(renderLabel({ identity: PACK, scratchCode: SCRATCH }).svg).to.not.include("textLength");
  });

  it("refuses a pack without serial or with an unprintable scratch code", function () {
    expect(() => renderLabel({ identity: { gtin: PACK.gtin }, scratchCode: SCRATCH })).to.throw(
      LabelError,
      'label for pack serial "?": identity.serial is missing',
    );
    expect(() => renderLabel({ identity: PACK, scratchCode: "two words" })).to.throw(LabelError, "scratchCode must be");
    expect(() => renderLabel({ identity: PACK, scratchCode: "" })).to.throw(LabelError, "scratchCode must be");
    expect(() => renderLabel({ identity: { ...PACK, gtin: "09506000134353" }, scratchCode: SCRATCH })).to.throw(
      Gs1Error,
      "bad check digit 3, expected 2",
    );
  });

  describe("writeLabels", function () {
    let dir = "";
    beforeEach(async function () {
      dir = await mkdtemp(path.join(tmpdir(), "medchain-labels-"));
    });
    afterEach(async function () {
      await rm(dir, { recursive: true, force: true });
    });

    it("writes <serial>.svg and <serial>.png for each pack, escaping unsafe serials", async function () {
      const out = path.join(dir, "lot-L-7");
      const written = await writeLabels(out, [
        { identity: PACK, scratchCode: SCRATCH },
        { identity: { ...PACK, serial: "../A/B" }, scratchCode: "C0DE" },
      ]);
      expect(written.map((w) => path.basename(w.svgFile))).to.deep.equal(["SN0001.svg", "%2E%2E%2FA%2FB.svg"]);
      expect((await readdir(out)).sort()).to.deep.equal(
        ["%2E%2E%2FA%2FB.png", "%2E%2E%2FA%2FB.svg", "SN0001.png", "SN0001.svg"].sort(),
      );
      expect(await readFile(path.join(out, "SN0001.svg"), "utf8")).to.include(`>${SCRATCH}</text>`);
      const png = await readFile(path.join(out, "SN0001.png"));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).to.equal(true);
      expect(labelFileStem("A.b c")).to.equal("A%2Eb%20c");
    });

    it("writes nothing when a serial repeats in the batch", async function () {
      const out = path.join(dir, "dup");
      const packs = [
        { identity: PACK, scratchCode: SCRATCH },
        { identity: PACK, scratchCode: "OTHER" },
      ];
      await writeLabels(out, packs).then(
        () => expect.fail("expected a LabelError"),
        (err: unknown) => expect(String(err)).to.include("serial appears twice in this batch"),
      );
      expect(existsSync(out)).to.equal(false);
    });
  });
});
