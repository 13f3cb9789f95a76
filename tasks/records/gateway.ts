import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { connectRecords } from "../../src/records/connect.js";
import { startGateway, type GatewaySource } from "../../src/records/gateway/index.js";

interface Args {
  export: string;
  proofs: string;
  fhirBase: string;
  port: string;
  host: string;
  state: string;
  records: string;
  from: string;
}

const int = (value: string, option: string) => {
  if (!/^\d+$/.test(value)) throw new MedChainError(`--${option}: "${value}" is not a non-negative integer`);
  return Number(value);
};

export default async function gateway(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    if ((args.export === "") === (args.fhirBase === "")) {
      throw new MedChainError("give exactly one of --export <folder> (the anchored export) or --fhir-base <url>");
    }
    if (args.fhirBase !== "" && args.proofs === "") {
      throw new MedChainError("--proofs: the export's proofs folder is required with --fhir-base");
    }
    const source: GatewaySource =
      args.fhirBase !== ""
        ? { fhirBase: args.fhirBase, proofs: args.proofs }
        : { folder: args.export, ...(args.proofs === "" ? {} : { proofs: args.proofs }) };
    const port = int(args.port, "port");
    const { records } = await connectRecords(hre, args.records, args.from);
    const running = await startGateway({
      records,
      source,
      port,
      host: args.host,
      stateDir: args.state,
      log: (line) => console.log(line),
    });
    for (const line of running.skipped) console.log(`not served: ${line}`);
    console.log(`gateway for ${running.custodian} listening at ${running.url}: ${running.source.description}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await running.close();
  });
}
