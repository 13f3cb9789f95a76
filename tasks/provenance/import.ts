import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opImport } from "../../src/provenance/ops.js";

interface Args {
  file: string;
  journal: string;
  parties: string;
  to: string;
  data: string;
  provenance: string;
  from: string;
}

export default async function importEpcisTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    const lines = await opImport(provenance, {
      file: args.file,
      dataDir: args.data,
      journal: args.journal,
      parties: args.parties,
      to: args.to,
    });
    for (const line of lines) console.log(line);
  });
}
