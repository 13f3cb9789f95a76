import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runCli } from "../../src/chain/cli.js";
import { connectGenomics, genomicsInterfaces, type GenomicsConnection } from "../../src/genomics/connect.js";

/** Options every genomics task takes. */
export interface GenomicsArgs {
  datasets: string;
  queries: string;
  interpretations: string;
  registry: string;
  from: string;
}

/**
 * A genomics task's body: `prepare` validates the arguments first (bad input sends nothing), then the
 * task connects, runs, prints its lines; a refusal prints one line. Exit code 2 when `run` reports
 * not ok (a failed verification).
 */
export async function genomicsTask(
  hre: HardhatRuntimeEnvironment,
  args: GenomicsArgs,
  run: (c: GenomicsConnection) => Promise<string[] | { ok: boolean; lines: string[] }>,
  prepare: () => void = () => {},
): Promise<void> {
  await runCli(genomicsInterfaces(), async () => {
    prepare();
    const c = await connectGenomics(hre, args);
    const out = await run(c);
    const lines = Array.isArray(out) ? out : out.lines;
    for (const line of lines) console.log(line);
    if (!Array.isArray(out) && !out.ok) process.exitCode = 2;
  });
}
