import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { indexerFromOption } from "../../src/indexer/client.js";
import { opVerify } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  label: string;
  code: string;
  data: string;
  indexer: string;
}

export default async function verify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const indexer = indexerFromOption(args.indexer);
    const { provenance } = await connectProvenance(hre, args, { readOnly: true });
    return report(io, await opVerify(provenance, args.data, args.label, args.code, undefined, indexer));
  });
}
