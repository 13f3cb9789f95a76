/**
 * The resolver's scan scenario on a separate chain (anvil on a free loopback port), its lot trees and
 * container files published into a temporary data directory: what `npm run resolver:demo` serves and
 * `npm run bench:resolver` loads. The packs, lots and members are the test fixture's invented ones.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";

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
    return {
      node,
      fx,
      dataDir,
      provenanceAddress: await fx.provenance.getAddress(),
      stop: async () => {
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
