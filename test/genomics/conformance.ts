/**
 * Runs the GA4GH VRS validation vectors and the DUO term list from `../shared/conformance/genomics`
 * (or MEDCHAIN_CONFORMANCE_DIR) through the SDK. Skips cleanly when the folder is absent; the
 * project's own small fixture (`test/fixtures/genomics/vrs-vectors.json`) is checked in `sdk.ts`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import { parse } from "yaml";

import { DUO_TERMS, formatDuoId, parseDuoId } from "../../src/genomics/duo.js";
import {
  SUPPORTED_VRS_CLASSES,
  sha512t24u,
  vrsDigest,
  vrsIdentify,
  vrsSerialize,
  type VrsObject,
} from "../../src/genomics/vrs.js";

const dir = path.join(
  process.env.MEDCHAIN_CONFORMANCE_DIR ?? path.resolve(process.cwd(), "../shared/conformance"),
  "genomics",
);
const models = path.join(dir, "vrs-validation-models.yaml");
const functions = path.join(dir, "vrs-validation-functions.yaml");
const duo = path.join(dir, "duo.csv");

interface Vector {
  name?: string;
  in: VrsObject;
  out: { ga4gh_serialize?: string; ga4gh_digest?: string | null; ga4gh_identify?: string | null };
}

describe("GA4GH conformance (shared/conformance/genomics)", function () {
  before(function () {
    if (!existsSync(models) || !existsSync(functions) || !existsSync(duo)) this.skip();
  });

  it("computes sha512t24u as the validation vectors say", function () {
    const cases = (
      parse(readFileSync(functions, "utf8")) as { sha512t24u: Array<{ in: { blob: string }; out: string }> }
    ).sha512t24u;
    expect(cases.length).to.be.greaterThan(0);
    for (const c of cases) expect(sha512t24u(c.in.blob)).to.equal(c.out);
  });

  it("serialises, digests and identifies every vector of the VRS classes the SDK supports", function () {
    const all = parse(readFileSync(models, "utf8")) as Record<string, Vector[]>;
    let checked = 0;
    for (const cls of SUPPORTED_VRS_CLASSES) {
      for (const v of all[cls] ?? []) {
        const label = `${cls} ${v.name ?? ""}`;
        if (v.out.ga4gh_serialize !== undefined) expect(vrsSerialize(v.in), label).to.equal(v.out.ga4gh_serialize);
        if (v.out.ga4gh_digest) expect(vrsDigest(v.in), label).to.equal(v.out.ga4gh_digest);
        if (v.out.ga4gh_identify) expect(vrsIdentify(v.in), label).to.equal(v.out.ga4gh_identify);
        checked++;
      }
    }
    expect(checked).to.be.at.least(10);
  });

  it("knows each DUO term it names by the numeric id and shorthand of the DUO release", function () {
    const rows = readFileSync(duo, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => /^(DUO:\d{7}),([^,]*),/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null);
    const released = new Map(rows.map((m) => [parseDuoId(m[1]!), m[2]!]));
    for (const [id, term] of Object.entries(DUO_TERMS)) {
      expect(released.get(Number(id)), formatDuoId(Number(id))).to.equal(term.shorthand);
    }
    // The renamed shorthand the issue warns about: DUO:0000018 is NPUNCU now, NPU is DUO:0000045.
    expect(released.get(18)).to.equal("NPUNCU");
    expect(released.get(45)).to.equal("NPU");
  });
});
