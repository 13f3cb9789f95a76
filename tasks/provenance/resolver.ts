import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { loadMemberDirectory } from "../../src/consortium/directory.js";
import { connectIndexer } from "../../src/indexer/client.js";
import { resolverLimits, startResolver } from "../../src/provenance/resolver/index.js";
import { connectProvenance, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  port: string;
  host: string;
  base: string;
  data: string;
  indexer: string;
}

/**
 * Starts the resolver (src/provenance/resolver) on the task's network and serves until SIGINT/SIGTERM.
 * The scan caps and trusted proxies come from the environment, as for `medchain-resolver`.
 */
export default async function resolver(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    if (!/^\d{1,5}$/.test(args.port) || Number(args.port) > 65535) {
      throw badInput(`"${args.port}" is not a port number`, { field: "--port" });
    }
    const { provenance } = await connectProvenance(hre, args, { readOnly: true });
    const running = await startResolver({
      provenance,
      dataDir: args.data,
      port: Number(args.port),
      host: args.host,
      ...(args.base === "" ? {} : { publicBase: args.base }),
      directory: await loadMemberDirectory(hre.config.paths.root),
      ...(args.indexer === "" ? {} : { indexer: connectIndexer(args.indexer) }),
      ...resolverLimits(process.env),
      log: (line) => io.say(line),
    });
    io.say(`resolver listening at ${running.url}, answering links of ${running.publicBase}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await running.close();
    return { result: { url: running.url, publicBase: running.publicBase } };
  });
}
