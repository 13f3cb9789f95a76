import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { opShip } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  item: string;
  to: string;
  data: string;
}

export default async function ship(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { provenance } = await connectProvenance(hre, args);
    return report(io, await opShip(provenance, args.data, args.item, args.to));
  });
}
