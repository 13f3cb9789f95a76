import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { opCommission } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  gtin: string;
  lot: string;
  expiry: string;
  serials: string;
  noLabels: boolean;
  labelBase: string;
  data: string;
}

export default async function commission(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { provenance } = await connectProvenance(hre, args);
    return report(
      io,
      await opCommission(provenance, {
        gtin: args.gtin,
        lot: args.lot,
        expiry: args.expiry,
        serialsFile: args.serials,
        dataDir: args.data,
        labels: !args.noLabels,
        labelBase: args.labelBase,
      }),
    );
  });
}
