import type { DrugProvenance } from "../../../typechain-types/index.js";
import type { Catalog } from "../catalog.js";
import { chainCustodyTimeline } from "../history.js";
import type { ResolverIndexer } from "./indexer-api.js";

/**
 * A stand-in for the indexer that reads the chain's logs itself (`chainCustodyTimeline`): always
 * up to date, one log query per id and container per scan. For small deployments and tests; a
 * consortium at scale runs the indexer and passes its client instead.
 */
export function chainLogIndexer(provenance: DrugProvenance, catalog: () => Promise<Catalog>): ResolverIndexer {
  const provider = provenance.runner?.provider;
  if (provider == null) throw new Error("chainLogIndexer: the contract needs a provider");
  return {
    async status() {
      const [network, block] = await Promise.all([provider.getNetwork(), provider.getBlockNumber()]);
      return { chainId: Number(network.chainId), indexedBlock: block, indexedAt: new Date() };
    },
    async custodyTimeline(itemId) {
      const known = await catalog();
      const pack = known.packs.get(itemId.toLowerCase());
      if (pack === undefined) return [];
      // every container the catalog knows held it (a dispensed pack has no current place to follow)
      return chainCustodyTimeline(provenance, itemId, pack.lotId, known.containersOf(itemId));
    },
  };
}
