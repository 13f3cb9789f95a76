import canonicalize from "canonicalize";
import { AbiCoder, concat, keccak256, toUtf8Bytes } from "ethers";

import { GenomicsInputError } from "./errors.js";
import type { SiteCount } from "./vcf.js";
import { variantIdOf } from "./vrs.js";

/**
 * A query's cells and what is released of them. A query asks for an ordered list of variants (keys);
 * its vector has two entries per variant, AC then AN. The chain stores `cellsRoot`, the commitment to
 * that list, which every lab checks before contributing.
 */

const coder = AbiCoder.defaultAbiCoder();

/** The commitment to an ordered variant list: keccak256(abi.encode(bytes32[] keyHashes)). */
export function cellsRootOf(variantKeys: string[]): string {
  if (variantKeys.length === 0) throw new GenomicsInputError("a query needs at least one variant");
  if (new Set(variantKeys).size !== variantKeys.length) throw new GenomicsInputError("a query lists a variant twice");
  return keccak256(coder.encode(["bytes32[]"], [variantKeys.map(variantIdOf)]));
}

/** A lab's true counts for the query's cells: [AC, AN] per variant, zero where the lab has no such site. */
export function contributionVector(sites: SiteCount[], variantKeys: string[]): Uint32Array {
  const byKey = new Map(sites.map((s) => [s.key, s]));
  const v = new Uint32Array(variantKeys.length * 2);
  variantKeys.forEach((key, i) => {
    const s = byKey.get(key);
    if (s !== undefined) {
      v[2 * i] = s.ac;
      v[2 * i + 1] = s.an;
    }
  });
  return v;
}

/** The signed values of an aggregate (uint32 sums of counts plus noise, read as int32). */
export function decodeAggregate(sum: Uint32Array): Int32Array {
  return new Int32Array(sum.buffer.slice(sum.byteOffset, sum.byteOffset + sum.byteLength));
}

/** The digest the aggregator publishes for the noisy aggregate vector of a query. */
export function aggregateDigestOf(queryId: bigint, sum: Uint32Array): string {
  const head = coder.encode(["string", "uint256"], ["medchain.genomics.aggregate.v1", queryId]);
  return keccak256(concat([head, new Uint8Array(sum.buffer, sum.byteOffset, sum.byteLength)]));
}

/** One released cell. `ac` and `frequency` are null when suppressed. */
export interface ReleasedCell {
  variant: string;
  ac: number | null;
  an: number;
  frequency: number | null;
  suppressed: boolean;
}

/** The released table of a query. */
export interface ReleaseTable {
  queryId: string;
  rulesVersion: number;
  minCellCount: number;
  rounding: number;
  cells: ReleasedCell[];
}

function roundTo(x: number, step: number): number {
  return step <= 1 ? x : Math.round(x / step) * step;
}

/**
 * The release of a noisy aggregate: negative noisy counts clamp to zero; a cell is suppressed (its
 * allele count never released, not even rounded) when its alternate-allele count AC or its
 * reference-allele count AN − AC is below the alliance's minimum cell count: AC = 598 of AN = 600
 * tells that two alleles are reference alleles, the same disclosure as AC = 2. The rest are rounded
 * to a multiple of `rounding` (Beacon-style; 1 = exact).
 */
export function releaseTable(args: {
  queryId: bigint;
  variantKeys: string[];
  aggregate: Uint32Array;
  rulesVersion: number;
  minCellCount: number;
  rounding?: number;
}): ReleaseTable {
  const { variantKeys, minCellCount } = args;
  const rounding = args.rounding ?? 1;
  const values = decodeAggregate(args.aggregate);
  if (values.length !== variantKeys.length * 2) {
    throw new GenomicsInputError(`aggregate has ${values.length} entries, expected ${variantKeys.length * 2}`);
  }
  const cells = variantKeys.map((variant, i) => {
    const ac = Math.max(0, values[2 * i]!);
    const rawAn = Math.max(0, values[2 * i + 1]!);
    const an = roundTo(rawAn, rounding);
    if (ac < minCellCount || rawAn - ac < minCellCount)
      return { variant, ac: null, an, frequency: null, suppressed: true };
    const shown = roundTo(ac, rounding);
    return {
      variant,
      ac: shown,
      an,
      // from the released (rounded) counts: the exact ones must not leak through the frequency
      frequency: an === 0 ? null : Math.min(1, shown / an),
      suppressed: false,
    };
  });
  return { queryId: args.queryId.toString(), rulesVersion: args.rulesVersion, minCellCount, rounding, cells };
}

/** keccak256 of the table's RFC 8785 canonical JSON: the release digest published on chain. */
export function releaseDigestOf(table: ReleaseTable): string {
  const text = canonicalize(table);
  if (text === undefined) throw new GenomicsInputError("release table: cannot serialise");
  return keccak256(toUtf8Bytes(text));
}
