import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { parsePurpose } from "../../src/records/consent.js";
import { readConsentFile } from "../../src/records/consent-file.js";
import { connectRecords } from "../../src/records/connect.js";
import { fetchRecords, formatFetchReport, type RequesterSigner } from "../../src/records/gateway/index.js";

interface Args {
  gateway: string;
  consent: string;
  out: string;
  types: string;
  purpose: string;
  records: string;
  from: string;
}

export default async function fetch(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    if (args.gateway === "") throw new MedChainError("--gateway: the custodian's gateway URL is required");
    if (args.consent === "") throw new MedChainError("--consent: the consent file is required");
    const consent = await readConsentFile(args.consent);
    const { records } = await connectRecords(hre, args.records, args.from);
    const report = await fetchRecords({
      gateway: args.gateway,
      consent,
      records,
      signer: records.runner as unknown as RequesterSigner,
      outDir: args.out !== "" ? args.out : `fetched-${consent.consentId.slice(2, 10)}`,
      ...(args.types === "" ? {} : { types: args.types.split(",").map((t) => t.trim()) }),
      ...(args.purpose === "" ? {} : { client: { purpose: parsePurpose(args.purpose) } }),
    });
    console.log(formatFetchReport(report));
    console.log(
      `records and report.json written to ${args.out !== "" ? args.out : `fetched-${consent.consentId.slice(2, 10)}`}`,
    );
    if (!report.ok) process.exitCode = 2;
  });
}
