import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { opRegisterProduct } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  gtin: string;
}

export default async function register_product(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { provenance } = await connectProvenance(hre, args);
    return report(io, await opRegisterProduct(provenance, args.gtin));
  });
}
