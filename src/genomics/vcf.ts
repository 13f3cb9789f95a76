import VCF, { type Variant as VcfVariant } from "@gmod/vcf";

import { readTextFile } from "../chain/files.js";

import { GenomicsInputError } from "./errors.js";
import { GRCH38, normalizeChromosome, variantKey, type Variant } from "./vrs.js";

/**
 * Reading a lab's VCF (4.x, GRCh38) into the only thing that leaves the lab: per-site allele counts
 * (AC, the called copies of the alternate allele) and numbers of called alleles (AN). Sample names,
 * genotypes, IDs, QUAL, FILTER and every other field stay behind.
 *
 * Parsing is `@gmod/vcf`'s. The normalisation check is ours (no maintained JS normaliser exists;
 * bcftools/vt need a reference FASTA): a record must be parsimonious and left-aligned. Without the
 * reference, a biallelic record is refused when its alleles end with the same base (it could shift
 * left: exact for anchored indels) or share a removable leading base (not parsimonious). A
 * multi-allelic record is checked as a whole, then split into biallelic sites, each trimmed to its
 * minimal representation as `bcftools norm -m-` would, and refused if any still ends with a shared base.
 */

/** One de-identified site: a biallelic variant and its counts. */
export interface SiteCount extends Variant {
  key: string; // VRS id or GRCh38 fallback key (see vrs.ts)
  ac: number; // called copies of ALT
  an: number; // called alleles at the site
  line: number; // line of the VCF it came from (for messages; not published)
}

/** A lab's VCF reduced to site counts. */
export interface SiteCounts {
  samples: number;
  sites: SiteCount[];
}

const BASES = /^[ACGTN]+$/;

/** Largest VCF read (it is held in memory): 512 MiB, far more than a panel's or an exome's sites. */
export const MAX_VCF_BYTES = 512 * 1024 * 1024;

/** Reads a VCF file (see `parseVcf`). */
export async function readVcf(file: string): Promise<SiteCounts> {
  return parseVcf(await readTextFile(file, { maxBytes: MAX_VCF_BYTES }), file);
}

/**
 * Parses VCF text into site counts, refusing (with `source:line`) anything malformed, not GRCh38,
 * not normalised, or a symbolic/breakend allele. Counts come from the GT of every sample; a
 * sites-only VCF (no samples) must carry INFO AC and AN and a `##medchain_samples=<n>` header line.
 */
export function parseVcf(text: string, source = "<vcf>"): SiteCounts {
  const lines = text.split(/\r?\n/);
  let i = 0;
  const header: string[] = [];
  let declaredSamples: number | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("##")) {
      checkHeaderAssembly(line, source, i + 1);
      const m = /^##medchain_samples=(\d+)$/.exec(line);
      if (m) {
        declaredSamples = Number(m[1]);
        if (!(declaredSamples <= MAX_SAMPLES)) {
          throw new GenomicsInputError(
            `${source}:${i + 1}: ##medchain_samples=${m[1]} is more than ${MAX_SAMPLES} samples`,
          );
        }
      }
      header.push(line);
      continue;
    }
    if (line.startsWith("#CHROM")) {
      header.push(line);
      i++;
      break;
    }
    throw new GenomicsInputError(`${source}:${i + 1}: expected a ## header line or the #CHROM line`);
  }
  if (!header.some((l) => l.startsWith("#CHROM"))) throw new GenomicsInputError(`${source}: no #CHROM header line`);
  if (!header[0]?.startsWith("##fileformat=VCFv4")) {
    throw new GenomicsInputError(`${source}:1: not a VCF 4.x file (##fileformat=VCFv4.x missing)`);
  }
  let parser: VCF;
  try {
    parser = new VCF({ header: header.join("\n") });
  } catch (err) {
    throw new GenomicsInputError(`${source}: bad header (${(err as Error).message})`);
  }
  const samples = parser.samples.length > 0 ? parser.samples.length : declaredSamples;
  if (samples === undefined || samples === 0) {
    throw new GenomicsInputError(`${source}: no samples (a sites-only VCF needs ##medchain_samples=<n>)`);
  }
  const sites: SiteCount[] = [];
  const seen = new Map<string, number>();
  for (; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === "") continue;
    const lineNo = i + 1;
    let record: VcfVariant;
    try {
      record = parser.parseLine(text);
    } catch (err) {
      throw new GenomicsInputError(`${source}:${lineNo}: cannot parse the record (${(err as Error).message})`);
    }
    for (const site of siteCounts(record, parser.samples.length, samples, source, lineNo)) {
      const earlier = seen.get(site.key);
      if (earlier !== undefined) {
        throw new GenomicsInputError(`${source}:${lineNo}: ${describe(site)} repeats the site of line ${earlier}`);
      }
      seen.set(site.key, lineNo);
      sites.push(site);
    }
  }
  return { samples, sites };
}

function checkHeaderAssembly(line: string, source: string, lineNo: number): void {
  if (!/^##(reference|assembly|contig)=/.test(line)) return;
  if (/GRCh37|hg19|b37|NCBI36|hg18/i.test(line)) {
    throw new GenomicsInputError(`${source}:${lineNo}: not GRCh38 (${line.slice(0, 80)}); lift the data over first`);
  }
}

function describe(v: { chrom: string; pos: number; ref: string; alt: string }): string {
  return `${v.chrom}:${v.pos} REF=${v.ref} ALT=${v.alt}`;
}

/** The record's biallelic sites with their counts, after the normalisation checks. */
function siteCounts(
  record: VcfVariant,
  sampleCount: number,
  samples: number,
  source: string,
  lineNo: number,
): SiteCount[] {
  const where = `${source}:${lineNo}`;
  const chrom = normalizeChromosome(record.CHROM ?? "");
  if (chrom === undefined) {
    throw new GenomicsInputError(`${where}: chromosome "${record.CHROM}" is not a GRCh38 primary chromosome`);
  }
  const ref = (record.REF ?? "").toUpperCase();
  const alts = (record.ALT ?? []).map((a) => a.toUpperCase());
  const shown = `${chrom}:${record.POS} REF=${ref} ALT=${alts.join(",")}`;
  if (!Number.isInteger(record.POS) || record.POS < 1 || record.POS + ref.length - 1 > GRCH38[chrom]!.length) {
    throw new GenomicsInputError(`${where}: ${shown}: position outside GRCh38 chromosome ${chrom}`);
  }
  if (!BASES.test(ref)) throw new GenomicsInputError(`${where}: ${shown}: REF is not a sequence of A, C, G, T, N`);
  if (alts.length === 0) throw new GenomicsInputError(`${where}: ${shown}: no ALT allele`);
  for (const alt of alts) {
    if (!BASES.test(alt)) {
      throw new GenomicsInputError(`${where}: ${shown}: ALT "${alt}" is symbolic, a breakend or not a sequence`);
    }
    if (alt === ref) throw new GenomicsInputError(`${where}: ${shown}: ALT equals REF`);
  }
  const all = [ref, ...alts];
  if (all.every((a) => a.at(-1) === ref.at(-1))) {
    throw new GenomicsInputError(`${where}: ${shown}: not left-aligned (every allele ends with the same base)`);
  }
  if (all.every((a) => a.length >= 2 && a[0] === ref[0])) {
    throw new GenomicsInputError(`${where}: ${shown}: not parsimonious (every allele starts with the same base)`);
  }
  const counts = alleleCounts(record, alts.length, sampleCount, samples, where, shown);
  return alts.map((alt, k) => {
    const v = minimal(chrom, record.POS, ref, alt);
    if (v.ref.at(-1) === v.alt.at(-1)) {
      throw new GenomicsInputError(`${where}: ${shown}: ALT ${alt} is not left-aligned once split`);
    }
    return { ...v, key: variantKey(v), ac: counts.ac[k]!, an: counts.an, line: lineNo };
  });
}

/** Trims a biallelic pair to its minimal representation (shared suffix, then shared prefix; one base kept). */
function minimal(chrom: string, pos: number, ref: string, alt: string): Variant {
  let r = ref;
  let a = alt;
  while (r.length > 1 && a.length > 1 && r.at(-1) === a.at(-1)) {
    r = r.slice(0, -1);
    a = a.slice(0, -1);
  }
  let p = pos;
  while (r.length > 1 && a.length > 1 && r[0] === a[0]) {
    r = r.slice(1);
    a = a.slice(1);
    p++;
  }
  return { chrom, pos: p, ref: r, alt: a };
}

/** The most samples a dataset version may declare (a sites-only VCF's `##medchain_samples`). */
const MAX_SAMPLES = 100_000_000;

/** AC per ALT and AN from the genotypes (or INFO AC/AN for a sites-only VCF). */
function alleleCounts(
  record: VcfVariant,
  altCount: number,
  sampleCount: number,
  samples: number,
  where: string,
  shown: string,
): { ac: number[]; an: number } {
  if (sampleCount === 0) {
    const ac = record.INFO.AC;
    const an = record.INFO.AN;
    if (!Array.isArray(ac) || ac.length !== altCount || !Array.isArray(an) || an.length !== 1) {
      throw new GenomicsInputError(`${where}: ${shown}: a sites-only record needs INFO AC (one per ALT) and AN`);
    }
    // Counts of allele copies: whole, not negative, AN at most two per sample, and the ALTs' ACs
    // together at most AN (what the masked contribution packs as unsigned 32-bit counts).
    const counts = [...ac, an[0]].map((x) => (typeof x === "number" ? x : Number.NaN));
    const total = counts.slice(0, -1).reduce((a, b) => a + b, 0);
    const anValue = counts.at(-1)!;
    if (!counts.every((x) => Number.isSafeInteger(x) && x >= 0) || anValue > 2 * samples || total > anValue) {
      throw new GenomicsInputError(
        `${where}: ${shown}: INFO AC=${ac.join(",")} AN=${an[0]}: counts must be whole, not negative, AC at most AN, AN at most two per sample`,
      );
    }
    return { ac: counts.slice(0, -1), an: anValue };
  }
  // GT as the first key exactly: "GTX:DP" has no genotype, and would count nothing
  if (record.FORMAT === undefined || (record.FORMAT !== "GT" && !record.FORMAT.startsWith("GT:"))) {
    throw new GenomicsInputError(`${where}: ${shown}: FORMAT must start with GT`);
  }
  const ac = new Array<number>(altCount).fill(0);
  let an = 0;
  let bad: string | undefined;
  let empty = 0;
  record.processGenotypes((str, start, end) => {
    // the parser reports every header sample: a column missing from the line comes as an empty one
    if (start === end) empty++;
    let allele = -1;
    for (let j = start; j <= end; j++) {
      const c = j < end ? str.charCodeAt(j) : 47; // a '/' closes the last allele
      if (c === 47 || c === 124) {
        if (allele > 0) {
          if (allele > altCount) bad ??= str.slice(start, end);
          else ac[allele - 1]!++;
        }
        if (allele >= 0) an++;
        allele = -1;
      } else if (c === 46) {
        if (allele !== -1) bad ??= str.slice(start, end); // "1." or "..": not one allele
        allele = -2; // '.': a missing call, not counted
      } else if (c >= 48 && c <= 57) {
        if (allele === -2) bad ??= str.slice(start, end); // ".1": not one allele
        allele = (allele < 0 ? 0 : allele * 10) + (c - 48);
      } else {
        bad ??= str.slice(start, end);
      }
    }
  });
  if (bad !== undefined) throw new GenomicsInputError(`${where}: ${shown}: bad genotype "${bad}"`);
  if (empty > 0) {
    throw new GenomicsInputError(
      `${where}: ${shown}: ${empty} of the ${sampleCount} samples' genotype columns missing or empty (a missing call is ".")`,
    );
  }
  return { ac, an };
}
