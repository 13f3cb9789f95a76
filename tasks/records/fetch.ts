import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { connectHardhat } from "../../src/chain/hardhat.js";
import { parsePurpose } from "../../src/records/consent.js";
import { readConsentFile } from "../../src/records/consent-file.js";
import { fetchRecords, formatFetchReport } from "../../src/records/gateway/index.js";

interface Args {
  gateway: string;
  consent: string;
  out: string;
  types: string;
  purpose: string;
  records: string;
  from: string;
  as: string;
  json: boolean;
}

/** Parses the options, fetches and verifies (src/records/gateway/fetch.ts), prints the verdicts. */
export default async function fetch(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask({ json: args.json }, async (io) => {
    if (args.gateway === "") throw badInput("the custodian's gateway URL is required", { field: "--gateway" });
    if (args.consent === "") throw badInput("the consent file is required", { field: "--consent" });
    const consent = await readConsentFile(args.consent);
    const connection = await connectHardhat(hre, {
      from: args.from,
      as: args.as,
      addresses: { records: args.records },
    });
    const outDir = args.out !== "" ? args.out : `fetched-${consent.consentId.slice(2, 10)}`;
    const report = await fetchRecords({
      gateway: args.gateway,
      consent,
      connection,
      outDir,
      ...(args.types === "" ? {} : { types: args.types.split(",").map((t) => t.trim()) }),
      ...(args.purpose === "" ? {} : { client: { purpose: parsePurpose(args.purpose) } }),
    });
    for (const line of formatFetchReport(report).split("\n")) io.say(line);
    io.say(`records and report.json written to ${outDir}`);
    // Anything that failed verification is a negative verdict: exit code 2, `ok: false` under --json.
    return report.ok ? { result: report } : { result: report, verdict: "negative" };
  });
}
