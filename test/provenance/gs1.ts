import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import {
  AI,
  compressDigitalLink,
  decompressDigitalLink,
  GS,
  Gs1Error,
  type Gs1ErrorCode,
  type Gs1Identity,
  gs1CheckDigit,
  isValidGtin14,
  isValidSscc,
  normalizeGtin,
  parseDigitalLink,
  parseElementString,
  parseEpcUrn,
  parseGs1,
  parseGs1Date,
  toDigitalLink,
  toElementString,
  toEpcClassUrn,
  toSgtinUrn,
  toSsccUrn,
  formatDigitalLink,
  formatElementString,
  parseDigitalLinkParts,
  identityElements,
  validateAssociations,
  validateLot,
  validateSerial,
} from "../../src/provenance/gs1/index.js";

// Project fixtures: GS1's published example keys (check digits as GS1 prints them).
const GTIN = "09506000134352"; // GS1 EPCIS 2.0 example GTIN, company prefix 9506000 (7 digits)
const SSCC = "952012345678912345"; // GS1 Digital Link standard example SSCC: extension 9, company prefix 5201234
const PACK: Gs1Identity = { gtin: GTIN, lot: "LOT-2026/A", expiry: "280430", serial: "SN0001x" };

function gs1ErrorOf(run: () => unknown): Gs1Error {
  try {
    run();
  } catch (err) {
    if (err instanceof Gs1Error) return err;
    throw err;
  }
  expect.fail("expected a Gs1Error");
}

describe("GS1 identifiers", function () {
  describe("check digits and validators", function () {
    it("computes the GS1 mod-10 check digit of GTINs and SSCCs", function () {
      expect(gs1CheckDigit(GTIN.slice(0, -1))).to.equal(2);
      expect(gs1CheckDigit(SSCC.slice(0, -1))).to.equal(5);
      expect(gs1CheckDigit("0234567")).to.equal(3);
    });

    it("accepts only 14-digit GTINs and 18-digit SSCCs with a correct check digit", function () {
      expect(isValidGtin14(GTIN)).to.equal(true);
      expect(isValidGtin14("09506000134353")).to.equal(false);
      expect(isValidGtin14("9506000134352")).to.equal(false);
      expect(isValidSscc(SSCC)).to.equal(true);
      expect(isValidSscc("952012345678912346")).to.equal(false);
    });

    it("normalises GTIN-8, -12 and -13 to GTIN-14", function () {
      expect(normalizeGtin("02345673")).to.equal("00000002345673");
      expect(normalizeGtin("416000336108")).to.equal("00416000336108");
      expect(normalizeGtin("9520123456788")).to.equal("09520123456788");
      expect(normalizeGtin(GTIN)).to.equal(GTIN);
      expect(gs1ErrorOf(() => normalizeGtin("952012345678")).code).to.equal("CHECK_DIGIT");
      expect(gs1ErrorOf(() => normalizeGtin("123456789")).code).to.equal("BAD_LENGTH");
    });

    it("reads YYMMDD dates with the GS1 century window and day 00 as the month's last day", function () {
      const now = new Date(Date.UTC(2026, 10, 28));
      expect(parseGs1Date("280430", now).toISOString()).to.equal("2028-04-30T00:00:00.000Z");
      expect(parseGs1Date("280200", now).toISOString()).to.equal("2028-02-29T00:00:00.000Z");
      expect(parseGs1Date("270200", now).toISOString()).to.equal("2027-02-28T00:00:00.000Z");
      expect(parseGs1Date("760101", now).getUTCFullYear()).to.equal(2076);
      expect(parseGs1Date("770101", now).getUTCFullYear()).to.equal(1977);
      expect(gs1ErrorOf(() => parseGs1Date("270229", now)).code).to.equal("BAD_DATE");
    });

    it("validates lots and serials as up to 20 characters of GS1 character set 82", function () {
      validateLot("ABCDEFGHIJ0123456789");
      validateSerial("a-b/c.d_e!%&'()*+,:;");
      expect(gs1ErrorOf(() => validateLot("ABCDEFGHIJ01234567890")).code).to.equal("BAD_LENGTH");
      expect(gs1ErrorOf(() => validateSerial("")).code).to.equal("BAD_LENGTH");
      expect(gs1ErrorOf(() => validateSerial("caf\u00e9")).code).to.equal("BAD_CHARACTER");
      expect(gs1ErrorOf(() => validateSerial("a#b")).reason).to.equal(
        'AI (21): character "#" is not allowed (GS1 character set 82)',
      );
    });

    it("checks which AIs may be read together", function () {
      validateAssociations(["01", "10", "17", "21"]);
      expect(gs1ErrorOf(() => validateAssociations(["10", "21"])).code).to.equal("MISSING_REQUIRED_AI");
      expect(gs1ErrorOf(() => validateAssociations(["01", "37"])).code).to.equal("EXCLUDED_AI");
    });

    it("lists an identity's validated AIs in element string order", function () {
      expect(identityElements(PACK).map((el) => el.ai)).to.deep.equal(["01", "17", "10", "21"]);
      expect(gs1ErrorOf(() => formatElementString([{ ai: "89", value: "X" }], { bracketed: false })).code).to.equal(
        "UNKNOWN_AI",
      );
    });

    it("exports the syntax dictionary's AI table", function () {
      const gtin = AI.get("01");
      expect(gtin?.predefinedLength).to.equal(true);
      expect(gtin?.dlQualifiers).to.deep.equal([["22", "10", "21"], ["235"]]);
      expect(AI.get("10")?.maxLength).to.equal(20);
      expect(AI.get("21")?.components[0]?.charset).to.equal("X");
      expect(AI.has("89")).to.equal(false);
    });
  });

  describe("round trips", function () {
    it("writes and reads back a pack as a GS1 Digital Link", function () {
      const uri = toDigitalLink(PACK);
      expect(uri).to.equal(`https://id.gs1.org/01/${GTIN}/10/LOT-2026%2FA/21/SN0001x?17=280430`);
      expect(parseDigitalLink(uri)).to.deep.equal(PACK);
    });

    it("writes a Digital Link on the manufacturer's own domain and stem", function () {
      const uri = toDigitalLink(PACK, "https://pharma.example.com/scan/");
      expect(uri.startsWith(`https://pharma.example.com/scan/01/${GTIN}/`)).to.equal(true);
      expect(parseGs1(uri)).to.deep.equal(PACK);
    });

    it("writes and reads back a bracketed element string", function () {
      const text = toElementString(PACK, { bracketed: true });
      expect(text).to.equal(`(01)${GTIN}(17)280430(10)LOT-2026/A(21)SN0001x`);
      expect(parseElementString(text)).to.deep.equal(PACK);
    });

    it("writes and reads back GS-separated scanner data, with and without a symbology identifier", function () {
      const plain = toElementString(PACK, { bracketed: false });
      expect(plain).to.equal(`01${GTIN}1728043010LOT-2026/A${GS}21SN0001x`);
      expect(parseElementString(plain)).to.deep.equal(PACK);
      const scanned = toElementString(PACK, { bracketed: false, prefix: "]d2" });
      expect(parseElementString(scanned, { requireFnc1: true })).to.deep.equal(PACK);
      expect(parseGs1(`]C1${plain}`)).to.deep.equal(PACK);
      expect(parseGs1(`]Q3${plain}`)).to.deep.equal(PACK);
    });

    it("writes and reads back an SGTIN EPC URN", function () {
      const urn = toSgtinUrn(PACK, 7);
      expect(urn).to.equal("urn:epc:id:sgtin:9506000.013435.SN0001x");
      expect(parseEpcUrn(urn)).to.deep.equal({ gtin: GTIN, serial: "SN0001x" });
      expect(toSgtinUrn({ gtin: GTIN, serial: "A/B" }, 7)).to.equal("urn:epc:id:sgtin:9506000.013435.A%2FB");
      expect(parseEpcUrn("urn:epc:id:sgtin:9506000.013435.A%2FB").serial).to.equal("A/B");
    });

    it("writes and reads back an SSCC as Digital Link, element string and EPC URN", function () {
      const pallet: Gs1Identity = { sscc: SSCC };
      expect(toDigitalLink(pallet)).to.equal(`https://id.gs1.org/00/${SSCC}`);
      expect(parseGs1(toDigitalLink(pallet))).to.deep.equal(pallet);
      expect(parseGs1(toElementString(pallet, { bracketed: true }))).to.deep.equal(pallet);
      const urn = toSsccUrn(pallet, 7);
      expect(urn).to.equal("urn:epc:id:sscc:5201234.9567891234");
      expect(parseGs1(urn)).to.deep.equal(pallet);
    });

    it("writes the EPCIS class of a lot and of a whole product", function () {
      const lotClass = toEpcClassUrn({ gtin: GTIN, lot: "L1" }, 7);
      expect(lotClass).to.equal("urn:epc:class:lgtin:9506000.013435.L1");
      expect(parseEpcUrn(lotClass)).to.deep.equal({ gtin: GTIN, lot: "L1" });
      const product = toEpcClassUrn({ gtin: GTIN }, 7);
      expect(product).to.equal("urn:epc:idpat:sgtin:9506000.013435.*");
      expect(parseEpcUrn(product)).to.deep.equal({ gtin: GTIN });
    });

    it("keeps other AIs of an identity, in the path or the query as the standard places them", function () {
      const id: Gs1Identity = { gtin: GTIN, lot: "L1", otherAIs: { "22": "V2", "3103": "000250" } };
      const uri = toDigitalLink(id);
      expect(uri).to.equal(`https://id.gs1.org/01/${GTIN}/22/V2/10/L1?3103=000250`);
      expect(parseGs1(uri)).to.deep.equal(id);
    });

    it("reports a Digital Link's stem and its non-AI query parameters", function () {
      const parts = parseDigitalLinkParts(
        `https://pharma.example.com/scan/01/${GTIN}/21/S1?linkType=gs1:pip&17=280430#x`,
      );
      expect(parts.stem).to.equal("https://pharma.example.com/scan");
      expect(parts.otherParams).to.deep.equal([["linkType", "gs1:pip"]]);
      expect(parts.elements).to.deep.equal([
        { ai: "01", value: GTIN },
        { ai: "21", value: "S1" },
        { ai: "17", value: "280430" },
      ]);
      expect(parts.compressed).to.equal(false);
    });

    it("compresses and expands a Digital Link", function () {
      const uri = toDigitalLink(PACK);
      const compressed = compressDigitalLink(uri);
      expect(compressed).to.match(/^https:\/\/id\.gs1\.org\/[A-Za-z0-9_-]+$/);
      expect(decompressDigitalLink(compressed)).to.equal(uri);
      expect(parseGs1(compressed, { permitCompressed: true })).to.deep.equal(PACK);
    });

    it("detects the format of each input the same way", function () {
      const forms = [
        toDigitalLink(PACK),
        toElementString(PACK, { bracketed: true }),
        toElementString(PACK, { bracketed: false }),
      ];
      for (const form of forms) expect(parseGs1(form)).to.deep.equal(PACK);
    });

    it("accepts a lot and a serial of 20 CSET 82 characters", function () {
      const id: Gs1Identity = { gtin: GTIN, lot: "ABCDEFGHIJ!%&'()*+,-", serial: "abcdefghij./:;<=>?_0" };
      expect(parseGs1(toDigitalLink(id))).to.deep.equal(id);
      expect(parseGs1(toElementString(id, { bracketed: true }))).to.deep.equal(id);
    });
  });

  describe("errors", function () {
    const cases: [string, string, Gs1ErrorCode, string][] = [
      ["bad GTIN check digit", "(01)09506000134353", "CHECK_DIGIT", "bad check digit 3, expected 2"],
      [
        "bad SSCC check digit in a Digital Link",
        "https://id.gs1.org/00/952012345678912346",
        "CHECK_DIGIT",
        "expected 5",
      ],
      ["unknown AI in an element string", "^0109506000134352891234", "UNKNOWN_AI", "unknown AI (89"],
      ["unknown AI in a Digital Link query", `https://id.gs1.org/01/${GTIN}?89=X`, "UNKNOWN_AI", "unknown AI (89)"],
      ["impossible expiry date", `(01)${GTIN}(17)280231`, "BAD_DATE", "AI (17): bad date 280231"],
      ["month 13", `(01)${GTIN}(17)281301`, "BAD_DATE", "month 13"],
      ["GTIN of 13 digits", "(01)0950600013435", "BAD_LENGTH", "AI (01): bad length 13"],
      ["lot of 21 characters", `(01)${GTIN}(10)ABCDEFGHIJKLMNOPQRSTU`, "BAD_LENGTH", "AI (10): bad length 21"],
      ["serial with a space", `(01)${GTIN}(21)A B`, "BAD_CHARACTER", 'AI (21): character " " is not allowed'],
      ["serial with a '~'", `(01)${GTIN}(21)A~B`, "BAD_CHARACTER", "GS1 character set 82"],
      ["URI with '<'", `https://id.gs1.org/01/${GTIN}/21/A<B`, "BAD_CHARACTER", "illegal URI character"],
      ["dangerous-goods flag of 2", `(00)${SSCC}(4321)2`, "BAD_VALUE", "flag must be 0 or 1"],
      ["serial without GTIN", "(21)SN0001", "MISSING_REQUIRED_AI", "AI (21) requires (01) or (03) or (8006)"],
      ["expiry without GTIN", "(17)280430", "MISSING_REQUIRED_AI", "AI (17) requires"],
      ["GTIN with contained-GTIN", `(01)${GTIN}(02)${GTIN}`, "EXCLUDED_AI", "must not occur together"],
      ["lot given twice differently", `(01)${GTIN}(10)A(10)B`, "DUPLICATE_AI", "AI (10) given twice"],
      ["repeated query attribute", `https://id.gs1.org/01/${GTIN}?99=A&99=A`, "DUPLICATE_AI", "duplicate AI (99)"],
      ["unterminated AI bracket", "(01", "SYNTAX", "AI bracket not closed"],
      ["non-numeric AI", "(1A)12345", "SYNTAX", "not numeric"],
      ["broken EPC URN", "urn:epc::sscc:123456.066638689", "SYNTAX", "not an EPC URN"],
      ["mixed-case scheme", `HtTp://id.gs1.org/01/${GTIN}`, "SYNTAX", "mixed-case URI scheme"],
      [
        "qualifiers out of order",
        `https://id.gs1.org/01/${GTIN}/21/S1/10/L1`,
        "DIGITAL_LINK_PATH",
        "not a key qualifier",
      ],
      ["lot in the query", `https://id.gs1.org/01/${GTIN}?10=L1`, "DIGITAL_LINK_PATH", "belongs in the path"],
      ["no primary key in path", "https://id.gs1.org/some/page", "DIGITAL_LINK_PATH", "no GS1 primary key"],
      ["trailing slash", `https://id.gs1.org/01/${GTIN}/`, "DIGITAL_LINK_PATH", "must not end in '/'"],
      ["non-GS1 DataMatrix", "]d1ABC", "NOT_GS1", "does not announce GS1 data"],
      ["plain text", "hello", "NOT_GS1", "not a GS1 element string"],
      ["EPC scheme not handled", "urn:epc:id:giai:0614141.12345400", "UNSUPPORTED", "not supported"],
      ["company prefix of 5 digits", "urn:epc:id:sgtin:23567.18012.1234", "BAD_LENGTH", "6 to 12 digits"],
    ];

    for (const [what, input, code, reason] of cases) {
      it(`rejects a ${what} with a one-line ${code} error`, function () {
        const err = gs1ErrorOf(() => parseGs1(input));
        expect(err.code).to.equal(code);
        expect(err.reason).to.include(reason);
        expect(err.input).to.equal(input);
        expect(err.message).to.equal(`GS1 input ${JSON.stringify(input)}: ${err.reason}`);
        expect(err.message).to.not.include("\n");
        expect(err).to.be.instanceOf(MedChainError);
      });
    }

    it("requires FNC1 in first position when asked to, as the GS1 syntax engine does", function () {
      const err = gs1ErrorOf(() => parseElementString(`01${GTIN}`, { requireFnc1: true }));
      expect(err.code).to.equal("NOT_GS1");
      expect(parseElementString(`${GS}01${GTIN}`, { requireFnc1: true })).to.deep.equal({ gtin: GTIN });
    });

    it("rejects zero-suppressed GTINs, short names and compressed links unless permitted", function () {
      const short = "https://id.gs1.org/01/9506000134352";
      expect(gs1ErrorOf(() => parseGs1(short)).code).to.equal("BAD_LENGTH");
      expect(parseGs1(short, { permitZeroSuppressedGtin: true })).to.deep.equal({ gtin: GTIN });
      const alpha = `https://id.gs1.org/gtin/${GTIN}/lot/L1`;
      expect(gs1ErrorOf(() => parseGs1(alpha)).code).to.equal("DIGITAL_LINK_PATH");
      expect(parseGs1(alpha, { permitConvenienceAlphas: true })).to.deep.equal({ gtin: GTIN, lot: "L1" });
      expect(gs1ErrorOf(() => parseGs1("https://id.gs1.org/ARHKVAdpQg")).code).to.equal("DIGITAL_LINK_PATH");
    });

    it("refuses to format an identity that breaks the rules", function () {
      expect(gs1ErrorOf(() => toDigitalLink({ serial: "S1" })).code).to.equal("MISSING_REQUIRED_AI");
      expect(gs1ErrorOf(() => toDigitalLink({ gtin: "09506000134353" })).code).to.equal("CHECK_DIGIT");
      expect(gs1ErrorOf(() => toElementString({ gtin: GTIN, expiry: "281301" }, { bracketed: true })).code).to.equal(
        "BAD_DATE",
      );
      expect(gs1ErrorOf(() => toSgtinUrn({ gtin: GTIN }, 7)).code).to.equal("MISSING_REQUIRED_AI");
      expect(gs1ErrorOf(() => toSsccUrn({ sscc: SSCC }, 13)).code).to.equal("BAD_LENGTH");
      expect(gs1ErrorOf(() => toDigitalLink({ gtin: GTIN }, "ftp://example.com")).code).to.equal("SYNTAX");
      expect(gs1ErrorOf(() => toDigitalLink({ gtin: GTIN, otherAIs: { "10": "L1" } })).code).to.equal("DUPLICATE_AI");
      expect(gs1ErrorOf(() => gs1CheckDigit("12a4")).code).to.equal("BAD_CHARACTER");
      expect(gs1ErrorOf(() => formatDigitalLink([{ ai: "01", value: "09506000134353" }])).code).to.equal("CHECK_DIGIT");
      expect(gs1ErrorOf(() => formatDigitalLink([{ ai: "99", value: "X" }])).code).to.equal("DIGITAL_LINK_PATH");
    });
  });
});
