/**
 * The resolver's scan scenario on a separate chain (anvil on a free loopback port), its lot trees and
 * container files published into a temporary data directory: what `npm run resolver:demo` serves and
 * `npm run bench:resolver` loads. The packs, lots and members are the test fixture's invented ones.
 * `startIndexedBy` runs the indexer (Ponder, as `npm run indexer`) over that chain.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";

import { caughtUp, startIndexer, type Indexer } from "../../test/indexer/harness.js";
import { publishScenario, resolverScenarioFor } from "../../test/provenance/fixture.js";
import { DEV_MNEMONIC, startNode, type DevNode } from "./nodes.js";

export async function resolverWorld() {
  const node: DevNode = await startNode("anvil", { zeroGas: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), "medchain-resolver-world-"));
  try {
    const { ethers, networkHelpers } = await network.create({
      network: "localhost",
      override: { url: node.url, accounts: { mnemonic: DEV_MNEMONIC, count: 20 }, timeout: 30_000 },
    });
    const fx = await resolverScenarioFor(ethers, networkHelpers)();
    await publishScenario(fx, dataDir);
    const provenanceAddress = await fx.provenance.getAddress();
    let indexer: Indexer | undefined;
    return {
      node,
      fx,
      dataDir,
      provenanceAddress,
      /** Starts the indexer on this chain (its deployment record written for it) and waits until it caught up. */
      async startIndexer(): Promise<Indexer> {
        const deployment = path.join(dataDir, "deployed_addresses.json");
        await writeFile(deployment, JSON.stringify({ "Provenance#DrugProvenance": provenanceAddress }) + "\n");
        const before = process.env.MEDCHAIN_DEPLOYMENT;
        process.env.MEDCHAIN_DEPLOYMENT = deployment;
        try {
          indexer = await startIndexer({ rpcUrl: node.url });
        } finally {
          if (before === undefined) delete process.env.MEDCHAIN_DEPLOYMENT;
          else process.env.MEDCHAIN_DEPLOYMENT = before;
        }
        await caughtUp(indexer, node);
        return indexer;
      },
      stop: async () => {
        await indexer?.stop();
        await node.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
