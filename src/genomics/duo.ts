import { GenomicsInputError } from "./errors.js";

/**
 * GA4GH Data Use Ontology terms, stored on chain as their numeric ids (`DUO:0000042` is 42), never as
 * shorthands, which DUO has renamed between releases (`DUO:0000018` was "NPU" and is "NPUNCU").
 * A dataset's allowed uses and the alliance's grants are bitmaps: bit n is DUO:000000n.
 */

/** The permission terms (what a query's purpose names) and common modifiers, by numeric id. */
export const DUO_TERMS: Record<number, { shorthand: string; label: string; kind: "permission" | "modifier" }> = {
  4: { shorthand: "NRES", label: "no restriction", kind: "permission" },
  6: { shorthand: "HMB", label: "health or medical or biomedical research", kind: "permission" },
  7: { shorthand: "DS", label: "disease specific research", kind: "permission" },
  11: { shorthand: "POA", label: "population origins or ancestry research only", kind: "permission" },
  42: { shorthand: "GRU", label: "general research use", kind: "permission" },
  12: { shorthand: "RS", label: "research specific restrictions", kind: "modifier" },
  15: { shorthand: "NMDS", label: "no general methods research", kind: "modifier" },
  16: { shorthand: "GSO", label: "genetic studies only", kind: "modifier" },
  18: { shorthand: "NPUNCU", label: "not for profit, non commercial use only", kind: "modifier" },
  19: { shorthand: "PUB", label: "publication required", kind: "modifier" },
  21: { shorthand: "IRB", label: "ethics approval required", kind: "modifier" },
  43: { shorthand: "CC", label: "clinical care use", kind: "modifier" },
  44: { shorthand: "NPOA", label: "population origins or ancestry research prohibited", kind: "modifier" },
  45: { shorthand: "NPU", label: "not for profit organisation use only", kind: "modifier" },
  46: { shorthand: "NCU", label: "non-commercial use only", kind: "modifier" },
};

/** `DUO:0000042` (or `42`) to 42. Refuses shorthands: they are ambiguous across DUO releases. */
export function parseDuoId(term: string | number): number {
  if (typeof term === "number") return checkId(term, String(term));
  const m = /^(?:DUO:)?(\d{7}|\d{1,3})$/.exec(term.trim());
  if (m === null) {
    throw new GenomicsInputError(
      `DUO term "${term}": give the numeric id (e.g. DUO:0000042), not a shorthand; shorthands were renamed between DUO releases`,
    );
  }
  return checkId(Number(m[1]), term);
}

function checkId(id: number, text: string): number {
  if (!Number.isInteger(id) || id < 1 || id > 255) {
    throw new GenomicsInputError(`DUO term "${text}": numeric id must be 1..255 to fit the on-chain bitmap`);
  }
  return id;
}

/** `DUO:0000042` for 42. */
export function formatDuoId(id: number): string {
  return `DUO:${String(id).padStart(7, "0")}`;
}

/** The bitmap of a list of DUO terms. */
export function duoMask(terms: Array<string | number>): bigint {
  return terms.reduce<bigint>((mask, t) => mask | (1n << BigInt(parseDuoId(t))), 0n);
}

/** The DUO ids in a bitmap, ascending. */
export function duoIds(mask: bigint): number[] {
  const ids: number[] = [];
  for (let i = 1; i < 256; i++) if ((mask >> BigInt(i)) & 1n) ids.push(i);
  return ids;
}

/** A term's display: `DUO:0000006 (HMB, health or medical or biomedical research)`. */
export function describeDuo(id: number): string {
  const t = DUO_TERMS[id];
  return t === undefined ? formatDuoId(id) : `${formatDuoId(id)} (${t.shorthand}, ${t.label})`;
}
