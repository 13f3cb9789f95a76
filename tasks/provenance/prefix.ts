import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { opPrefix } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  assign: string;
  transfer: string;
  revoke: string;
  member: string;
}

export default async function prefix(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { provenance } = await connectProvenance(hre, args);
    return report(io, await opPrefix(provenance, args));
  });
}
