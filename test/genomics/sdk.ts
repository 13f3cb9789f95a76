import { readFileSync } from "node:fs";

import { expect } from "chai";

import { parseRegion, parseSignificance, parseMondo, regionOf } from "../../src/genomics/client.js";
import { buildDatasetTree, proveVariant, verifyVariantProof } from "../../src/genomics/dataset.js";
import { describeDuo, duoIds, duoMask, parseDuoId } from "../../src/genomics/duo.js";
import { GenomicsInputError } from "../../src/genomics/errors.js";
import { cellsRootOf, contributionVector, releaseDigestOf, releaseTable } from "../../src/genomics/release.js";
import { parseVcf, readVcf } from "../../src/genomics/vcf.js";
import { sha512t24u, variantKey, vrsIdentify, type VrsObject } from "../../src/genomics/vrs.js";

const FIXTURE = "test/fixtures/genomics/lab-a.vcf";
const HEADER =
  "##fileformat=VCFv4.2\n##reference=GRCh38\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2";

function refused(body: string, message: RegExp): void {
  expect(() => parseVcf(`${HEADER}\n${body}\n`, "lab.vcf"))
    .to.throw(GenomicsInputError)
    .with.property("message")
    .that.matches(message);
}

describe("genomics SDK", function () {
  describe("VCF reading", function () {
    it("keeps only per-site allele counts and called-allele numbers, splitting multi-allelic records", async function () {
      const counts = await readVcf(FIXTURE);
      expect(counts.samples).to.equal(4);
      expect(counts.sites.map((s) => [s.chrom, s.pos, s.ref, s.alt, s.ac, s.an])).to.deep.equal([
        ["19", 44908822, "C", "T", 3, 6],
        ["17", 43045712, "G", "A", 1, 8],
        ["17", 43045750, "ATCT", "A", 1, 8],
        ["17", 43045800, "G", "GA", 1, 7],
        ["17", 43045800, "G", "T", 3, 7],
      ]);
      const text = JSON.stringify(counts);
      for (const individual of ["INVENTED-S0", "rs7412", "DP", "GT"]) expect(text).to.not.contain(individual);
    });

    it("names the published VRS identifier of rs7412 (GRCh38 C>T) from its VCF record", async function () {
      const counts = await readVcf(FIXTURE);
      expect(counts.sites[0]!.key).to.equal("ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt");
      expect(counts.sites[2]!.key).to.equal("GRCh38:17-43045750-ATCT-A");
    });

    it("refuses records that are not left-aligned or not parsimonious, with the line number", function () {
      refused("17\t100\t.\tCAGCA\tCA\t.\t.\t.\tGT\t0/1\t0/0", /^lab\.vcf:4: .*not left-aligned/);
      refused("17\t100\t.\tCAT\tCGT\t.\t.\t.\tGT\t0/1\t0/0", /^lab\.vcf:4: .*not left-aligned/);
      refused("17\t100\t.\tGAC\tGTC\t.\t.\t.\tGT\t0/1\t0/0", /^lab\.vcf:4: .*not left-aligned/);
      refused("17\t100\t.\tGAT\tGCC\t.\t.\t.\tGT\t0/1\t0/0", /^lab\.vcf:4: .*not parsimonious/);
      refused("17\t100\t.\tG\tGG\t.\t.\t.\tGT\t0/1\t0/0", /^lab\.vcf:4: .*not left-aligned/);
    });

    it("refuses symbolic alleles, other assemblies, unknown contigs, bad genotypes and repeated sites", function () {
      refused("17\t100\t.\tG\t<DEL>\t.\t.\t.\tGT\t0/1\t0/0", /symbolic/);
      refused("chrUn_KI270302v1\t100\t.\tG\tA\t.\t.\t.\tGT\t0/1\t0/0", /not a GRCh38 primary chromosome/);
      refused("MT\t17000\t.\tG\tA\t.\t.\t.\tGT\t0/1\t0/0", /outside GRCh38 chromosome MT/);
      refused("17\t100\t.\tG\tA\t.\t.\t.\tGT\t0/3\t0/0", /bad genotype "0\/3"/);
      refused(
        "17\t100\t.\tG\tA\t.\t.\t.\tGT\t0/1\t0/0\n17\t100\t.\tG\tA\t.\t.\t.\tGT\t0/1\t0/0",
        /^lab\.vcf:5: .*line 4/,
      );
      expect(() =>
        parseVcf("##fileformat=VCFv4.2\n##reference=GRCh37\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n", "x.vcf"),
      ).to.throw(/x\.vcf:2: not GRCh38/);
      expect(() => parseVcf("not a vcf", "x.vcf")).to.throw(/x\.vcf:1: expected a ## header line/);
    });

    it("reads a sites-only VCF from INFO AC/AN and its declared sample count", function () {
      const text =
        "##fileformat=VCFv4.3\n##medchain_samples=950\n" +
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="AC">\n##INFO=<ID=AN,Number=1,Type=Integer,Description="AN">\n' +
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
        "17\t200\t.\tC\tT,G\t.\tPASS\tAC=3,1;AN=1900\n";
      const counts = parseVcf(text, "sites.vcf");
      expect(counts.samples).to.equal(950);
      expect(counts.sites.map((s) => [s.alt, s.ac, s.an])).to.deep.equal([
        ["T", 3, 1900],
        ["G", 1, 1900],
      ]);
    });
  });

  describe("identifiers and terms", function () {
    it("matches the project's copy of the VRS validation vectors", function () {
      const v = JSON.parse(readFileSync("test/fixtures/genomics/vrs-vectors.json", "utf8")) as {
        sha512t24u: Array<{ blob: string; out: string }>;
        objects: Array<{ in: VrsObject; identify: string }>;
      };
      for (const c of v.sha512t24u) expect(sha512t24u(c.blob)).to.equal(c.out);
      for (const o of v.objects) expect(vrsIdentify(o.in)).to.equal(o.identify);
    });

    it("falls back to the normalised GRCh38 key for indels", function () {
      expect(variantKey({ chrom: "7", pos: 117559590, ref: "ATCT", alt: "A" })).to.equal("GRCh38:7-117559590-ATCT-A");
    });

    it("stores DUO terms as numeric ids and refuses shorthands", function () {
      expect(parseDuoId("DUO:0000042")).to.equal(42);
      expect(duoIds(duoMask(["DUO:0000006", 42, "7"]))).to.deep.equal([6, 7, 42]);
      expect(describeDuo(6)).to.equal("DUO:0000006 (HMB, health or medical or biomedical research)");
      expect(() => parseDuoId("HMB")).to.throw(/not a shorthand/);
      expect(() => parseDuoId("DUO:0000300")).to.throw(/1\.\.255/);
    });

    it("parses regions, tiers and conditions, refusing malformed ones in one line", function () {
      const r = parseRegion("chr17:43,044,295-43,125,483");
      expect(regionOf(r)).to.deep.equal({ chrom: "17", start: 43044295, end: 43125483 });
      expect(() => parseRegion("chr17:9-3")).to.throw(/start must be/);
      expect(() => parseRegion("chrQ:1-2")).to.throw(/expected chr:start-end/);
      expect(parseSignificance("LP")).to.equal(4);
      expect(parseSignificance("uncertain significance")).to.equal(3);
      expect(() => parseSignificance("maybe")).to.throw(/expected P, LP, VUS, LB or B/);
      expect(parseMondo("MONDO:0007254")).to.equal(7254);
      expect(() => parseMondo("OMIM:1")).to.throw(/expected MONDO/);
    });
  });

  describe("dataset commitments", function () {
    it("proves a variant is in the committed dataset and another is not, from one root", async function () {
      const counts = await readVcf(FIXTURE);
      const tree = buildDatasetTree(counts.sites);
      for (const s of counts.sites) {
        const p = proveVariant(tree, s.key);
        expect(p.member).to.equal(true);
        expect(verifyVariantProof(tree.root, p)).to.equal(true);
      }
      const absent = variantKey({ chrom: "17", pos: 43045999, ref: "C", alt: "G" });
      const p = proveVariant(tree, absent);
      expect(p.member).to.equal(false);
      expect(verifyVariantProof(tree.root, p)).to.equal(false);
    });

    it("rejects a proof for another root or a leaf that does not bracket the variant", async function () {
      const counts = await readVcf(FIXTURE);
      const tree = buildDatasetTree(counts.sites);
      const other = buildDatasetTree(counts.sites.slice(1));
      const p = proveVariant(tree, counts.sites[0]!.key);
      expect(() => verifyVariantProof(other.root, p)).to.throw(/not a leaf of root/);
      const wrong = {
        ...p,
        variantKey: counts.sites[1]!.key,
        keyHash: proveVariant(tree, counts.sites[1]!.key).keyHash,
      };
      expect(() => verifyVariantProof(tree.root, wrong)).to.throw(/neither is nor brackets|not a leaf/);
    });

    it("hides the counts: the same sites with other counts or salt give another root", async function () {
      const counts = await readVcf(FIXTURE);
      const secret = "0x" + "11".repeat(32);
      const a = buildDatasetTree(counts.sites, secret);
      const b = buildDatasetTree(
        counts.sites.map((s, i) => (i === 0 ? { ...s, ac: s.ac + 1 } : s)),
        secret,
      );
      expect(a.root).to.not.equal(b.root);
      expect(buildDatasetTree(counts.sites, secret).root).to.equal(a.root);
      expect(buildDatasetTree(counts.sites).root).to.not.equal(a.root);
    });
  });

  describe("release", function () {
    it("suppresses cells below the minimum count and rounds the rest, Beacon-style", function () {
      const keys = ["k1", "k2", "k3"];
      const aggregate = Uint32Array.from([3, 1000, 57, 1004, 0xffffffff, 998]); // the last AC is noise -1
      const t = releaseTable({
        queryId: 1n,
        variantKeys: keys,
        aggregate,
        rulesVersion: 7,
        minCellCount: 5,
        rounding: 10,
      });
      expect(t.cells).to.deep.equal([
        { variant: "k1", ac: null, an: 1000, frequency: null, suppressed: true },
        { variant: "k2", ac: 60, an: 1000, frequency: 0.06, suppressed: false },
        { variant: "k3", ac: null, an: 1000, frequency: null, suppressed: true },
      ]);
      expect(releaseDigestOf(t)).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("lays out a lab's counts in the query's variant order, zero where it has no such site", async function () {
      const counts = await readVcf(FIXTURE);
      const keys = [counts.sites[1]!.key, "GRCh38:1-1-A-C", counts.sites[0]!.key];
      expect(Array.from(contributionVector(counts.sites, keys))).to.deep.equal([1, 8, 0, 0, 3, 6]);
      expect(() => cellsRootOf([])).to.throw(/at least one variant/);
      expect(() => cellsRootOf(["a", "a"])).to.throw(/twice/);
    });
  });
});
