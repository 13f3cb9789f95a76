import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { connectHardhat } from "../../src/chain/hardhat.js";
import { checkPublicBase } from "../../src/chain/http-server.js";
import { startGateway, type GatewaySource } from "../../src/records/gateway/index.js";

interface Args {
  export: string;
  proofs: string;
  fhirBase: string;
  port: string;
  host: string;
  state: string;
  publicBase: string;
  records: string;
  from: string;
  as: string;
}

const int = (value: string, option: string) => {
  if (!/^\d+$/.test(value)) throw badInput(`"${value}" is not a non-negative integer`, { field: `--${option}` });
  return Number(value);
};

/** Parses the options, starts the gateway (src/records/gateway), prints its lines until SIGINT/SIGTERM. */
export default async function gateway(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask({}, async (io) => {
    if ((args.export === "") === (args.fhirBase === "")) {
      throw badInput("give exactly one of --export <folder> (the anchored export) or --fhir-base <url>", {
        field: "--export",
      });
    }
    if (args.fhirBase !== "" && args.proofs === "") {
      throw badInput("the export's proofs folder is required with --fhir-base", { field: "--proofs" });
    }
    const source: GatewaySource =
      args.fhirBase !== ""
        ? { fhirBase: args.fhirBase, proofs: args.proofs }
        : { folder: args.export, ...(args.proofs === "" ? {} : { proofs: args.proofs }) };
    const port = int(args.port, "port");
    const connection = await connectHardhat(hre, {
      from: args.from,
      as: args.as,
      addresses: { records: args.records },
    });
    const running = await startGateway({
      connection,
      source,
      port,
      host: args.host,
      stateDir: args.state,
      ...(args.publicBase === "" ? {} : { publicBase: checkPublicBase(args.publicBase, "--public-base") }),
      log: (line) => io.say(line),
    });
    for (const line of running.skipped) io.say(`not served: ${line}`);
    io.say(`gateway for ${running.custodian} listening at ${running.url}: ${running.source.description}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await running.close();
  });
}
