import type { DrugProvenance } from "../../../typechain-types/index.js";
import type { Catalog } from "../catalog.js";
import { chainCustodyTimeline, type HistoryEntry } from "../history.js";
import type { ResolverIndexer } from "./app.js";

const CACHED_ITEMS = 1_000;

/**
 * A stand-in for the indexer that reads the chain's logs itself (`chainCustodyTimeline`): always
 * up to date, two log queries per round of containers followed. A timeline is kept for the block it
 * was read at (history cannot change within a block; `blockNumber` is the resolver's cached head).
 * For small deployments and tests; a consortium at scale runs the indexer and passes its client.
 */
export function chainLogIndexer(
  provenance: DrugProvenance,
  catalog: () => Promise<Catalog>,
  blockNumber?: () => Promise<number>,
): ResolverIndexer {
  const provider = provenance.runner?.provider;
  if (provider == null) throw new Error("chainLogIndexer: the contract needs a provider");
  const head = blockNumber ?? (() => provider.getBlockNumber());
  const cache = new Map<string, { block: number; entries: Promise<HistoryEntry[]> }>();
  const read = async (itemId: string): Promise<HistoryEntry[]> => {
    const known = await catalog();
    const pack = known.packs.get(itemId.toLowerCase());
    // a container or a lot: its own events and those of the containers it was proven inside
    if (pack === undefined) return chainCustodyTimeline(provenance, itemId, itemId);
    // a pack: with its lot's, and those of every container the catalog knows held it (a dispensed
    // pack has no current place to follow)
    return chainCustodyTimeline(provenance, itemId, pack.lotId, known.containersOf(itemId));
  };
  return {
    async status() {
      const [network, block] = await Promise.all([provider.getNetwork(), head()]);
      return { chainId: Number(network.chainId), indexedBlock: block, indexedAt: new Date() };
    },
    async custodyTimeline(itemId) {
      const block = await head();
      const key = itemId.toLowerCase();
      let hit = cache.get(key);
      if (hit === undefined || hit.block !== block) {
        hit = { block, entries: read(itemId) };
        cache.delete(key);
        cache.set(key, hit);
        hit.entries.catch(() => cache.delete(key));
        if (cache.size > CACHED_ITEMS) cache.delete(cache.keys().next().value!);
      }
      return hit.entries;
    },
  };
}
