import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { opExport } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  item: string;
  out: string;
  data: string;
}

export default async function exportEpcisTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { provenance } = await connectProvenance(hre, args, { readOnly: true });
    return report(io, await opExport(provenance, args.data, args.item, args.out));
  });
}
