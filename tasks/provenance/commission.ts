import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opCommission } from "../../src/provenance/ops.js";

interface Args {
  gtin: string;
  lot: string;
  expiry: string;
  serials: string;
  noLabels: boolean;
  data: string;
  provenance: string;
  from: string;
}

export default async function commission(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opCommission(provenance, {
      gtin: args.gtin,
      lot: args.lot,
      expiry: args.expiry,
      serialsFile: args.serials,
      dataDir: args.data,
      labels: !args.noLabels,
    }))
      console.log(line);
  });
}
