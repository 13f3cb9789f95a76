import type { DrugProvenance, ProductRegistry } from "../../../typechain-types/index.js";
import type { Catalog } from "../catalog.js";
import { verifyPack } from "../client.js";
import { gtinToUint, lotIdOf } from "../ids.js";
import { recallReasonName, type RecallReasonName, type VerdictName } from "../kinds.js";

const ZERO = "0x" + "0".repeat(64);

/** What the resolver reads the chain with. */
export interface ResolverChain {
  /** DrugProvenance, read-only (a provider is enough: `verify` is a view, nothing is sent). */
  provenance: DrugProvenance;
  /** Its product registry (`productsOf(provenance)`). */
  products: ProductRegistry;
  /** The chain's time (unix seconds) and head block, cached for about a block. */
  head: { now(): Promise<bigint>; blockNumber(): Promise<number> };
  /** The published lot and container trees (a data directory's `lots/` and `containers/`). */
  catalog(): Promise<Catalog>;
}

/** A product (GTIN) as the chain knows it. */
export interface ProductFacts {
  gtin: string;
  /** The member holding its company prefix (undefined: no such product on this chain). */
  manufacturer?: string;
}

/** A lot as the chain knows it: what the page says without the pack's code. */
export interface LotFacts {
  gtin: string;
  lot: string;
  lotId: string;
  /** False: no lot of this GTIN and number was ever commissioned. */
  known: boolean;
  manufacturer: string;
  expiresAt: Date;
  expired: boolean;
  quantity: number;
  recalled: boolean;
  recallReason?: RecallReasonName;
  recalledAt?: Date;
}

/** The chain's verdict on one pack (from `verify`, a view call: the pack is not dispensed). */
export interface PackCheck {
  verdict: VerdictName;
  packId: string;
  custodian?: string;
  inTransit: boolean;
}

/** The product registered under `gtin`, if any (one call). */
export async function productFacts(chain: ResolverChain, gtin: string): Promise<ProductFacts> {
  const manufacturer = await chain.products.manufacturerOf(gtinToUint(gtin));
  return manufacturer === ZERO ? { gtin } : { gtin, manufacturer };
}

/** The lot `lot` of `gtin` as the chain has it now (one call, and the chain's time). */
export async function lotFacts(chain: ResolverChain, gtin: string, lot: string): Promise<LotFacts> {
  const lotId = lotIdOf(gtin, lot);
  const [record, now] = await Promise.all([chain.products.lotOf(lotId), chain.head.now()]);
  const known = record.root !== ZERO && record.gtin === gtinToUint(gtin);
  return {
    gtin,
    lot,
    lotId,
    known,
    manufacturer: record.manufacturer,
    expiresAt: new Date(Number(record.expiresAt) * 1000),
    expired: known && now >= record.expiresAt,
    quantity: Number(record.quantity),
    recalled: record.recalled,
    ...(record.recalled
      ? {
          recallReason: recallReasonName(record.recallReason),
          recalledAt: new Date(Number(record.recalledAt) * 1000),
        }
      : {}),
  };
}

/** The chain's verdict on a scanned pack with its scratch-off code (normalised), never dispensing it. */
export async function checkPack(
  chain: ResolverChain,
  scan: { gtin: string; lot: string; serial: string; code: string },
): Promise<PackCheck> {
  const result = await verifyPack(chain.provenance, await chain.catalog(), scan);
  return {
    verdict: result.verdict,
    packId: result.packId,
    inTransit: result.inTransit,
    ...(result.custodian === ZERO ? {} : { custodian: result.custodian }),
  };
}
