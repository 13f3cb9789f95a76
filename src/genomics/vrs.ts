import canonicalize from "canonicalize";
import { sha512 } from "@noble/hashes/sha2.js";
import { keccak256, toUtf8Bytes } from "ethers";

import { GenomicsInputError } from "./errors.js";

/**
 * GA4GH VRS 2.0 computed identifiers for the classes the consortium uses (Allele, SequenceLocation,
 * SequenceReference and the sequence expressions), and the variant keys the contracts store.
 *
 * Written here because no maintained JavaScript VRS library exists (the reference implementation,
 * vrs-python, is Python only); the digest and canonical JSON are the well-kept `@noble/hashes` and
 * `canonicalize` (RFC 8785). Tested against the specification's validation vectors.
 */

/** `sha512t24u`: base64url (no padding) of the first 24 bytes of SHA-512. */
export function sha512t24u(blob: string | Uint8Array): string {
  const bytes = typeof blob === "string" ? new TextEncoder().encode(blob) : blob;
  return Buffer.from(sha512(bytes).subarray(0, 24)).toString("base64url");
}

/** A VRS object, as JSON. */
export type VrsObject = { type: string; [key: string]: unknown };

/** The fields each class contributes to its digest (VRS 2.0 "ga4gh keys"), and its id prefix. */
const CLASSES: Record<string, { keys: string[]; prefix?: string }> = {
  Allele: { keys: ["location", "state", "type"], prefix: "VA" },
  SequenceLocation: { keys: ["end", "sequenceReference", "start", "type"], prefix: "SL" },
  SequenceReference: { keys: ["refgetAccession", "type"] },
  LiteralSequenceExpression: { keys: ["sequence", "type"] },
  ReferenceLengthExpression: { keys: ["length", "repeatSubunitLength", "type"] },
  LengthExpression: { keys: ["length", "type"] },
};

/** The VRS classes this module can serialise. */
export const SUPPORTED_VRS_CLASSES = Object.keys(CLASSES);

function classOf(obj: VrsObject): { keys: string[]; prefix?: string } {
  const cls = CLASSES[obj.type];
  if (cls === undefined) throw new GenomicsInputError(`VRS class ${obj.type} is not supported`);
  return cls;
}

/** The class a field holds when a nested object omits its `type` (as the VRS schema declares it). */
const FIELD_CLASSES: Record<string, string> = {
  location: "SequenceLocation",
  sequenceReference: "SequenceReference",
};

/** The object reduced to its digest fields, with nested identifiable objects replaced by their digests. */
function digestible(obj: VrsObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of classOf(obj).keys) {
    const value = key === "type" ? obj.type : obj[key];
    if (value === undefined) continue;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const raw = value as Partial<VrsObject>;
      const nested = { ...raw, type: raw.type ?? FIELD_CLASSES[key] ?? "" } as VrsObject;
      out[key] = CLASSES[nested.type]?.prefix !== undefined ? vrsDigest(nested) : digestible(nested);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** `ga4gh_serialize`: the canonical JSON the digest is computed over. */
export function vrsSerialize(obj: VrsObject): string {
  const text = canonicalize(digestible(obj));
  if (text === undefined) throw new GenomicsInputError(`VRS ${obj.type}: cannot serialise`);
  return text;
}

/** `ga4gh_digest`: sha512t24u of the serialisation (only identifiable classes have one). */
export function vrsDigest(obj: VrsObject): string {
  if (classOf(obj).prefix === undefined) throw new GenomicsInputError(`VRS ${obj.type} has no digest`);
  return sha512t24u(vrsSerialize(obj));
}

/** `ga4gh_identify`: `ga4gh:<prefix>.<digest>`, e.g. `ga4gh:VA.0AePZIWZUNsUlQTamyLrjm2HWUw2opLt`. */
export function vrsIdentify(obj: VrsObject): string {
  return `ga4gh:${classOf(obj).prefix}.${vrsDigest(obj)}`;
}

/**
 * GRCh38 primary-assembly refget accessions and lengths (RefSeq NC_0000xx; seqrepo / refget). The
 * accessions of chromosomes 1, 7 and 19 are checked by the VRS validation vectors; all are what
 * vrs-python's SeqRepo returns for GRCh38.
 */
export const GRCH38: Record<string, { accession: string; length: number }> = {
  "1": { accession: "SQ.Ya6Rs7DHhDeg7YaOSg1EoNi3U_nQ9SvO", length: 248956422 },
  "2": { accession: "SQ.pnAqCRBrTsUoBghSD1yp_jXWSmlbdh4g", length: 242193529 },
  "3": { accession: "SQ.Zu7h9AggXxhTaGVsy7h_EZSChSZGcmgX", length: 198295559 },
  "4": { accession: "SQ.HxuclGHh0XCDuF8x6yQrpHUBL7ZntAHc", length: 190214555 },
  "5": { accession: "SQ.aUiQCzCPZ2d0csHbMSbh2NzInhonSXwI", length: 181538259 },
  "6": { accession: "SQ.0iKlIQk2oZLoeOG9P1riRU6hvL5Ux8TV", length: 170805979 },
  "7": { accession: "SQ.F-LrLMe1SRpfUZHkQmvkVKFEGaoDeHul", length: 159345973 },
  "8": { accession: "SQ.209Z7zJ-mFypBEWLk4rNC6S_OxY5p7bs", length: 145138636 },
  "9": { accession: "SQ.KEO-4XBcm1cxeo_DIQ8_ofqGUkp4iZhI", length: 138394717 },
  "10": { accession: "SQ.ss8r_wB0-b9r44TQTMmVTI92884QvBiB", length: 133797422 },
  "11": { accession: "SQ.2NkFm8HK88MqeNkCgj78KidCAXgnsfV1", length: 135086622 },
  "12": { accession: "SQ.6wlJpONE3oNb4D69ULmEXhqyDZ4vwNfl", length: 133275309 },
  "13": { accession: "SQ._0wi-qoDrvram155UmcSC-zA5ZK4fpLT", length: 114364328 },
  "14": { accession: "SQ.eK4D2MosgK_ivBkgi6FVPg5UXs1bYESm", length: 107043718 },
  "15": { accession: "SQ.AsXvWL1-2i5U_buw6_niVIxD6zTbAuS6", length: 101991189 },
  "16": { accession: "SQ.yC_0RBj3fgBlvgyAuycbzdubtLxq-rE0", length: 90338345 },
  "17": { accession: "SQ.dLZ15tNO1Ur0IcGjwc3Sdi_0A6Yf4zm7", length: 83257441 },
  "18": { accession: "SQ.vWwFhJ5lQDMhh-czg06YtlWqu0lvFAZV", length: 80373285 },
  "19": { accession: "SQ.IIB53T8CNeJJdUqzn9V_JnRtQadwWCbl", length: 58617616 },
  "20": { accession: "SQ.-A1QmD_MatoqxvgVxBLZTONHz9-c7nQo", length: 64444167 },
  "21": { accession: "SQ.5ZUqxCmDDgN4xTRbaSjN8LwgZironmB8", length: 46709983 },
  "22": { accession: "SQ.7B7SHsmchAR0dFcDCuSFjJAo7tX87krQ", length: 50818468 },
  X: { accession: "SQ.w0WZEvgJF0zf_P4yyTzjjv9oW1z61HHP", length: 156040895 },
  Y: { accession: "SQ.8_liLu1aycC0tPQPFmUaGXJLDs5SbPZ5", length: 57227415 },
  MT: { accession: "SQ.k3grVkjY-hoWcCUojHw6VU6GE3MZ8Sct", length: 16569 },
};

/** The chromosome number the contracts use in regions: 1-22, 23 = X, 24 = Y, 25 = MT. */
export const CHROMOSOME_NUMBERS: Record<string, number> = Object.fromEntries(
  Object.keys(GRCH38).map((c) => [c, c === "X" ? 23 : c === "Y" ? 24 : c === "MT" ? 25 : Number(c)]),
);

/** `chr7`, `7`, `chrM`, `M` to the key form `7`, `MT`; undefined for anything not a primary chromosome. */
export function normalizeChromosome(chrom: string): string | undefined {
  let c = chrom.trim().replace(/^chr/i, "").toUpperCase();
  if (c === "M") c = "MT";
  return GRCH38[c] === undefined ? undefined : c;
}

/** A normalised (left-aligned, parsimonious) biallelic GRCh38 record, VCF coordinates (1-based). */
export interface Variant {
  chrom: string; // key form: 1-22, X, Y, MT
  pos: number;
  ref: string;
  alt: string;
}

/**
 * The VRS 2.0 Allele of a substitution (SNV or MNV: REF and ALT of equal length). Indels are not
 * given a VRS Allele: VRS normalises them by full justification over the reference sequence, which
 * the labs' de-identified site lists do not carry; they use the fallback key (`variantKey`).
 */
export function vrsAllele(v: Variant): VrsObject | undefined {
  const seq = GRCH38[v.chrom];
  if (seq === undefined || v.ref.length !== v.alt.length) return undefined;
  return {
    type: "Allele",
    location: {
      type: "SequenceLocation",
      sequenceReference: { type: "SequenceReference", refgetAccession: seq.accession },
      start: v.pos - 1,
      end: v.pos - 1 + v.ref.length,
    },
    state: { type: "LiteralSequenceExpression", sequence: v.alt },
  };
}

/**
 * The consortium's key for a variant: its VRS computed identifier (`ga4gh:VA.…`) for a substitution
 * on a primary GRCh38 chromosome, otherwise the normalised GRCh38 fallback `GRCh38:chrom-pos-ref-alt`
 * (well defined because records are refused unless left-aligned and parsimonious).
 */
export function variantKey(v: Variant): string {
  const allele = vrsAllele(v);
  return allele !== undefined ? vrsIdentify(allele) : `GRCh38:${v.chrom}-${v.pos}-${v.ref}-${v.alt}`;
}

/** The `bytes32` the contracts store for a variant key: keccak256 of its UTF-8 bytes. */
export function variantIdOf(key: string): string {
  return keccak256(toUtf8Bytes(key));
}
