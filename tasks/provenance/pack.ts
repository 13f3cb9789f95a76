import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { opPack } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  sscc: string;
  items: string;
  data: string;
}

export default async function pack(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { provenance } = await connectProvenance(hre, args);
    const items = args.items
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    return report(io, await opPack(provenance, args.data, args.sscc, items));
  });
}
