/**
 * The part of the indexer's client the resolver uses (`src/indexer/client.ts` on branch `indexer`):
 * declared here until that branch is merged, then replaced by
 * `Pick<IndexerClient, "status" | "custodyTimeline">` and this file deleted.
 */
import type { HistoryEntry } from "../history.js";

/** How far the indexer has read the chain. */
export interface IndexerStatus {
  chainId: number;
  indexedBlock: number;
  indexedAt: Date;
}

/** What the resolver asks an indexer: how far it is, and an item's custody timeline (oldest first). */
export interface ResolverIndexer {
  status(): Promise<IndexerStatus>;
  /** Custody timeline of a pack id, including the events of containers it was inside (`via`) and its lot's. */
  custodyTimeline(itemId: string): Promise<HistoryEntry[]>;
}
