import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask, type TaskIo } from "../../src/chain/cli.js";
import { opImport } from "../../src/provenance/ops.js";
import { connectProvenance, report, type ProvenanceArgs } from "./shared.js";

interface Args extends ProvenanceArgs {
  file: string;
  journal: string;
  parties: string;
  to: string;
  batch: string;
  data: string;
}

export default async function importEpcisTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const { conn } = await connectProvenance(hre, args);
    let bar: ReturnType<TaskIo["progress"]> | undefined;
    const outcome = await opImport(
      conn,
      {
        file: args.file,
        dataDir: args.data,
        journal: args.journal,
        parties: args.parties,
        to: args.to,
        batch: args.batch,
        provenance: args.provenance,
      },
      (done, total) => {
        bar ??= io.progress("EPCIS import", total);
        bar.tick();
        if (done === total) bar.stop();
      },
    );
    bar?.stop();
    return report(io, outcome);
  });
}
