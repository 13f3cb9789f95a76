import type { RecordRegistry } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";
import { leafOf, type RecordProof } from "./proof.js";

/** The status names of `IRecordAnchors.RecordStatus`. */
export const RECORD_STATUS = ["NotAnchored", "Active", "Superseded", "Retracted"] as const;
export type RecordStatusName = (typeof RECORD_STATUS)[number];

/** One version of a record, as the issuer's registry entries say. */
export interface RecordVersion {
  leaf: string;
  status: RecordStatusName;
  /** When it was anchored (unix seconds); absent for a version whose anchoring time is its batch's and no proof of it is at hand. */
  anchoredAt?: bigint;
  /** When it was superseded or retracted. */
  changedAt?: bigint;
  /** The version the proof file is about. */
  current: boolean;
}

/** Versions further than this from the proof's are not followed (a chain of amendments this long is a fault). */
const MAX_VERSIONS = 256;

/**
 * The history of the record a proof file is about, oldest first: every earlier version it amends
 * (`amendedFrom`) and every later version superseding it (`supersededBy`), each with its status and
 * times, all under the proof's issuer. Reads only.
 */
export async function recordHistory(records: RecordRegistry, proof: RecordProof): Promise<RecordVersion[]> {
  const issuer = proof.issuer;
  const leaf = leafOf(proof.record);
  const zero = (h: string) => BigInt(h) === 0n;
  const version = async (l: string, current: boolean): Promise<RecordVersion> => {
    const entry = await records.getRecord(issuer, l);
    let anchoredAt = entry.anchoredAt === 0n ? undefined : entry.anchoredAt;
    let status = RECORD_STATUS[Number(entry.status)] ?? "NotAnchored";
    if (current) {
      const [at, s] = await records.recordStatus(issuer, l, proof.record.batchRoot, proof.record.proof);
      anchoredAt = at === 0n ? anchoredAt : at;
      status = RECORD_STATUS[Number(s)] ?? status;
    }
    return {
      leaf: l,
      status,
      ...(anchoredAt === undefined ? {} : { anchoredAt }),
      ...(entry.changedAt === 0n ? {} : { changedAt: entry.changedAt }),
      current,
    };
  };
  const earlier: RecordVersion[] = [];
  for (let l = await records.amendedFrom(issuer, leaf); !zero(l); l = await records.amendedFrom(issuer, l)) {
    if (earlier.length >= MAX_VERSIONS)
      throw new MedChainError(`more than ${MAX_VERSIONS} earlier versions of ${leaf}`);
    earlier.unshift(await version(l, false));
  }
  const later: RecordVersion[] = [];
  for (let l = await records.supersededBy(issuer, leaf); !zero(l); l = await records.supersededBy(issuer, l)) {
    if (later.length >= MAX_VERSIONS) throw new MedChainError(`more than ${MAX_VERSIONS} later versions of ${leaf}`);
    later.push(await version(l, false));
  }
  return [...earlier, await version(leaf, true), ...later];
}

/** One line per version, for an operator. */
export function formatHistory(versions: readonly RecordVersion[]): string[] {
  const iso = (t?: bigint) => (t === undefined ? "" : new Date(Number(t) * 1000).toISOString());
  return versions.map((v, i) => {
    const when = v.anchoredAt === undefined ? "" : ` anchored ${iso(v.anchoredAt)}`;
    const changed = v.changedAt === undefined ? "" : `, ${v.status.toLowerCase()} ${iso(v.changedAt)}`;
    return `${i + 1}. ${v.leaf} ${v.status}${when}${changed}${v.current ? "  <- this proof" : ""}`;
  });
}
