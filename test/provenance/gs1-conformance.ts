/**
 * Runs every row of the shared GS1 vectors (`shared/conformance/gs1/`) through the GS1 module:
 * valid rows must parse (and convert) to the expected values, invalid rows must be rejected with a
 * `Gs1Error`. Skips when the shared folder is absent; `test/provenance/gs1.ts` has the project's own
 * fixtures.
 *
 * Per-source parser options (the sources disagree, see the vector file's caveat):
 * - gs1-syntax-engine (SE-*) rows: the strict defaults, plus FNC1 required in first position for
 *   unbracketed data; its parseAIdata/processAIdata unit tests check syntax only, so those rows run
 *   without the requires/excludes rules (its validateAIs rows run with them).
 * - digital-link.js (DLJS) and the DL toolkit (TK) implement DL 1.x: short names (`/gtin/`),
 *   GTIN-8/12/13 in the path and compressed links are accepted, i.e. `permitConvenienceAlphas`,
 *   `permitZeroSuppressedGtin` and `permitCompressed`.
 * - VALID_WITH_OPTION rows: rejected with the defaults and accepted with those two options.
 * - IMPLEMENTATION_DEPENDENT row: we side with the GS1 syntax engine and reject it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import {
  AI,
  compressDigitalLink,
  decompressDigitalLink,
  elementsFromRecord,
  formatDigitalLink,
  formatElementString,
  formatSglnUrn,
  formatSgtinUrn,
  GS,
  Gs1Error,
  type Gs1Element,
  type Gs1ParseOptions,
  gs1CheckDigit,
  hasValidCheckDigit,
  parseDigitalLinkElements,
  parseElementStringElements,
  parseEpcUrnElements,
  parseGs1Date,
  parseSyntaxDictionary,
  toAiRecord,
  validateAiValue,
} from "../../src/provenance/gs1/index.js";

const conformanceDir = process.env.MEDCHAIN_CONFORMANCE_DIR ?? path.resolve(process.cwd(), "../shared/conformance");
const gs1Dir = path.join(conformanceDir, "gs1");
const vectorsFile = path.join(gs1Dir, "gs1_digital_link_and_element_string_vectors.tsv");
const dictionaryFile = path.join(gs1Dir, "gs1-syntax-dictionary.txt");

interface Row {
  line: number;
  validity: string;
  type: string;
  value: string;
  expected: string;
  source: string;
}

function readRows(): Row[] {
  if (!existsSync(vectorsFile)) return [];
  const rows: Row[] = [];
  readFileSync(vectorsFile, "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (text.startsWith("#") || text.trim() === "" || text.startsWith("VALIDITY\t")) return;
      const [validity = "", type = "", value = "", expected = "", source = "", ...extra] = text.split("\t");
      if (source === "" || extra.length > 0)
        throw new Error(`vectors line ${index + 1}: expected 5 tab-separated columns`);
      rows.push({ line: index + 1, validity, type, value, expected, source });
    });
  return rows;
}

const STRICT: Gs1ParseOptions = {};
const LENIENT: Gs1ParseOptions = {
  permitConvenienceAlphas: true,
  permitZeroSuppressedGtin: true,
  permitCompressed: true,
};

function optionsFor(row: Row): Gs1ParseOptions {
  if (row.source.startsWith("DLJS") || row.source.startsWith("TK")) return LENIENT;
  if (row.source.startsWith("SE-ai:test_ai_parseAIdata") || row.source.startsWith("SE-ai:test_ai_processAIdata")) {
    return { requireFnc1: true, validateAssociations: false };
  }
  if (row.source.startsWith("SE-")) return { requireFnc1: true };
  return STRICT;
}

/** The expected value without the vector file's explanatory note. */
function token(expected: string): string {
  return expected.split(" ")[0] ?? "";
}

function caret(elements: readonly Gs1Element[]): string {
  return formatElementString(elements, { bracketed: false, fnc1: "caret", prefix: "^" });
}

function bracketed(elements: readonly Gs1Element[]): string {
  return formatElementString(elements, { bracketed: true });
}

function expectGs1Error(run: () => unknown): Gs1Error {
  try {
    run();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(Gs1Error);
    const e = err as Gs1Error;
    expect(e.reason).to.not.equal("");
    expect(e.message).to.not.include("\n");
    return e;
  }
  expect.fail("expected a Gs1Error, but the input was accepted");
}

function originOf(uri: string): string {
  return new URL(uri).origin;
}

function companyPrefixLength(urn: string): number {
  return (urn.split(":").pop() ?? "").split(".")[0]?.length ?? 0;
}

function checkDigitRow(row: Row): void {
  if (row.validity === "VALID") {
    expect(hasValidCheckDigit(row.value)).to.equal(true);
    return;
  }
  expect(hasValidCheckDigit(row.value)).to.equal(false);
  const should = /should be (\d)/.exec(row.expected);
  // Line 219's note ("12345673 ... should be 3") names the digit the value already has, so it
  // cannot be the right one (the check digit of 1234567 is 0); only the invalidity is checked there.
  if (should !== null && should[1] !== row.value.slice(-1)) {
    expect(gs1CheckDigit(row.value.slice(0, -1))).to.equal(Number(should[1]));
  }
}

function runRow(row: Row): void {
  const opts = optionsFor(row);
  const valid = row.validity === "VALID" || row.validity === "DERIVED_NOTE";
  const want = token(row.expected);
  if (row.validity === "INVALID") {
    if (row.type.startsWith("CHECK_DIGIT_")) return checkDigitRow(row);
    if (row.type === "AI17_VALUE_YYMMD0") {
      expectGs1Error(() => parseGs1Date(row.value));
      expect(() => validateAiValue("17", row.value)).to.throw();
      return;
    }
    const input = row.type.startsWith("ELEMENT_STRING") ? row.value.replaceAll("<GS>", GS) : row.value;
    expectGs1Error(() => {
      if (row.type.startsWith("DL_URI")) {
        const elements = parseDigitalLinkElements(input, opts);
        if (row.type === "DL_URI->EPC_URN") formatSgtinUrn(elements, 6);
      } else if (row.type === "EPC_URN") {
        parseEpcUrnElements(input, opts);
      } else if (row.type.startsWith("ELEMENT_STRING")) {
        const elements = parseElementStringElements(input, opts);
        if (row.type === "ELEMENT_STRING->DL_URI") formatDigitalLink(elements);
      } else {
        throw new Error(`no handler for invalid ${row.type}`);
      }
    });
    return;
  }
  if (row.validity === "VALID_WITH_OPTION") {
    expectGs1Error(() => parseDigitalLinkElements(row.value, STRICT));
    expect(caret(parseDigitalLinkElements(row.value, LENIENT))).to.equal(want);
    return;
  }
  if (row.validity === "IMPLEMENTATION_DEPENDENT") {
    expectGs1Error(() => parseDigitalLinkElements(row.value, opts));
    return;
  }
  expect(valid, `unknown validity ${row.validity}`).to.equal(true);
  switch (row.type) {
    case "DL_URI": {
      const elements = parseDigitalLinkElements(row.value, opts);
      if (want.startsWith("^")) expect(caret(elements)).to.equal(want);
      else expect(elements.length).to.be.greaterThan(0);
      return;
    }
    case "DL_URI_COMPRESSED":
      expectGs1Error(() => parseDigitalLinkElements(row.value, STRICT));
      expect(parseDigitalLinkElements(row.value, opts)).to.have.length.greaterThan(0);
      return;
    case "DL_URI->COMPRESSED":
      expect(compressDigitalLink(row.value, opts)).to.equal(want);
      return;
    case "COMPRESSED->DL_URI":
      expect(decompressDigitalLink(row.value, opts)).to.equal(want);
      return;
    case "ELEMENT_STRING_BRACKETED": {
      const elements = parseElementStringElements(row.value, opts);
      if (want.startsWith("^")) expect(caret(elements)).to.equal(want);
      expect(parseElementStringElements(bracketed(elements), opts)).to.deep.equal(elements);
      return;
    }
    case "ELEMENT_STRING_FNC1":
      expect(caret(parseElementStringElements(row.value, opts))).to.equal(row.value.replace(/\^$/, ""));
      return;
    case "ELEMENT_STRING->DL_URI":
    case "ELEMENT_STRING_GS->DL_URI": {
      const elements = parseElementStringElements(row.value.replaceAll("<GS>", GS), opts);
      expect(formatDigitalLink(elements, { base: originOf(want) })).to.equal(want);
      return;
    }
    case "ELEMENT_STRING->AI_ARRAY":
      expect(toAiRecord(parseElementStringElements(row.value, opts))).to.deep.equal(JSON.parse(want));
      return;
    case "DL_URI->ELEMENT_STRING":
      expect(bracketed(parseDigitalLinkElements(row.value, opts))).to.equal(want);
      return;
    case "ELEMENT_STRING_FNC1->BRACKETED":
      expect(bracketed(parseElementStringElements(row.value, opts))).to.equal(want);
      return;
    case "ELEMENT_STRING_FNC1<->BRACKETED":
      expect(bracketed(parseElementStringElements(row.value, opts))).to.equal(want);
      expect(caret(parseElementStringElements(want, opts))).to.equal(row.value);
      return;
    case "AI_ARRAY->DL_URI": {
      const elements = elementsFromRecord(JSON.parse(row.value) as Record<string, string>);
      const useShortNames = row.expected.includes("useShortText=true");
      expect(formatDigitalLink(elements, { base: originOf(want), useShortNames })).to.equal(want);
      return;
    }
    case "AI_ARRAY->ELEMENT_STRING":
      expect(bracketed(elementsFromRecord(JSON.parse(row.value) as Record<string, string>))).to.equal(want);
      return;
    case "AI17_VALUE_YYMMD0":
      expect(parseGs1Date(row.value)).to.be.instanceOf(Date);
      validateAiValue("17", row.value);
      return;
    case "EPC_URN<->DL_URI": {
      expect(formatDigitalLink(parseEpcUrnElements(row.value, opts))).to.equal(want);
      const back = parseDigitalLinkElements(want, opts);
      const format = row.value.startsWith("urn:epc:id:sgln:") ? formatSglnUrn : formatSgtinUrn;
      expect(format(back, companyPrefixLength(row.value))).to.equal(row.value);
      return;
    }
    case "EPC_URN->DL_URI":
    case "EPC_CLASS_URN->DL_URI":
      expect(formatDigitalLink(parseEpcUrnElements(row.value, opts))).to.equal(want);
      return;
    case "DL_URI->EPC_URN": {
      const cpl = /company prefix length (\d+)/.exec(row.expected);
      expect(cpl, "row names its company prefix length").to.not.equal(null);
      expect(formatSgtinUrn(parseDigitalLinkElements(row.value, opts), Number(cpl?.[1]))).to.equal(want);
      return;
    }
    default:
      if (row.type.startsWith("CHECK_DIGIT_")) return checkDigitRow(row);
      throw new Error(`no handler for ${row.validity} ${row.type}`);
  }
}

const rows = readRows();

describe("GS1 conformance vectors (shared/conformance/gs1)", function () {
  before(function () {
    if (!existsSync(vectorsFile)) this.skip();
  });

  it("reads all 252 vector rows", function () {
    expect(rows).to.have.length(252);
  });

  it("embeds the same syntax dictionary entries as the shared copy", function () {
    const shared = parseSyntaxDictionary(readFileSync(dictionaryFile, "utf8"));
    expect([...shared.keys()]).to.deep.equal([...AI.keys()]);
    expect(JSON.stringify([...shared.values()])).to.equal(JSON.stringify([...AI.values()]));
  });

  for (const row of rows) {
    const shown = row.value.length > 70 ? `${row.value.slice(0, 67)}...` : row.value;
    it(`line ${row.line}: ${row.validity} ${row.type} ${shown}`, function () {
      runRow(row);
    });
  }
});
