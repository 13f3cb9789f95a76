import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { connectHardhat } from "../../src/chain/hardhat.js";
import { genomicsInterfaces, openGenomics, type GenomicsConnection } from "../../src/genomics/connect.js";
import type { OpReport } from "../../src/genomics/operator.js";

/** Options every genomics task takes (declared by `genomics()` in tasks/genomics.ts). */
export interface GenomicsArgs {
  datasets: string;
  queries: string;
  interpretations: string;
  registry: string;
  from: string;
  as: string;
  json: boolean;
}

/**
 * A genomics task's body on the shared command line (`runTask`: one JSON document with `--json`,
 * exit codes by kind): `prepare` checks the options first (bad input sends nothing and needs no node),
 * then the task connects to `--network`, signing as `--as` or `--from` (read-only tasks sign with
 * nobody unless told), runs, and prints the report's lines; a report with a negative verdict (a file
 * or result that does not verify) exits 2.
 */
export async function genomicsTask(
  hre: HardhatRuntimeEnvironment,
  args: GenomicsArgs,
  run: (c: GenomicsConnection) => Promise<OpReport>,
  options: { prepare?: () => unknown; readOnly?: boolean } = {},
): Promise<void> {
  await runTask(
    args,
    async (io) => {
      await options.prepare?.();
      const conn = await connectHardhat(hre, {
        from: args.from,
        as: args.as,
        ...(options.readOnly === true ? { readOnly: true } : {}),
        addresses: {
          registry: args.registry,
          genomicDatasets: args.datasets,
          genomicQueries: args.queries,
          variantInterpretations: args.interpretations,
        },
        labels: {
          genomicDatasets: "--datasets",
          genomicQueries: "--queries",
          variantInterpretations: "--interpretations",
        },
      });
      const report = await run(await openGenomics(conn));
      for (const line of report.lines) io.say(line);
      return { result: report.result, ...(report.verdict === undefined ? {} : { verdict: report.verdict }) };
    },
    genomicsInterfaces(),
  );
}
