import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { anchorRecords } from "../../src/records/anchor.js";
import { connectRecords } from "../../src/records/connect.js";
import { loadRecords } from "../../src/records/input.js";
import { readSecret } from "../../src/records/secrets.js";

interface Args {
  target: string;
  out: string;
  keyed: boolean;
  wholeBundle: boolean;
  records: string;
  from: string;
}

export default async function anchor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    // Everything is read and validated before connecting or sending.
    const inputs = await loadRecords(args.target, args.wholeBundle);
    const salts = args.keyed
      ? { kind: "key" as const, key: await readSecret(hre, "MEDCHAIN_HOSPITAL_KEY") }
      : { kind: "random" as const };
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    const outDir = args.out !== "" ? args.out : `${args.target.replace(/\/+$/, "").replace(/\.json$/i, "")}.proofs`;
    const result = await anchorRecords(records, inputs, {
      chainId,
      registryAddress: address,
      outDir,
      salts,
      log: (line) => console.log(line),
    });
    console.log(
      `${inputs.length} record(s) in ${result.steps} transaction(s): ${result.sent} sent, ${result.skipped} already anchored; proofs in ${outDir}`,
    );
  });
}
