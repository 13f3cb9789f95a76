import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { anchorRecords, SHARE_DIR } from "../../src/records/anchor.js";
import { connectRecords } from "../../src/records/connect.js";
import { loadRecords } from "../../src/records/input.js";
import { readPatientsFile } from "../../src/records/patients.js";
import { readSecret } from "../../src/records/secrets.js";

interface Args {
  target: string;
  patients: string;
  out: string;
  keyed: boolean;
  wholeBundle: boolean;
  records: string;
  from: string;
}

export default async function anchor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    // Everything is read and validated before connecting or sending.
    if (args.patients === "") throw new MedChainError("--patients: the hospital's patients file is required");
    const patients = await readPatientsFile(args.patients);
    const inputs = await loadRecords(args.target, args.wholeBundle);
    const salts = args.keyed
      ? { kind: "key" as const, key: await readSecret(hre, "MEDCHAIN_HOSPITAL_KEY") }
      : { kind: "random" as const };
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    const outDir = args.out !== "" ? args.out : `${args.target.replace(/\/+$/, "").replace(/\.json$/i, "")}.proofs`;
    const result = await anchorRecords(records, inputs, {
      chainId,
      registryAddress: address,
      patients,
      outDir,
      salts,
      log: (line) => console.log(line),
    });
    console.log(
      `${inputs.length} record(s) in ${result.steps} transaction(s): ${result.sent} sent, ${result.skipped} already anchored; proofs in ${outDir}`,
    );
    console.log(
      `keep ${outDir}/*.proof.json (billing included); give the patient the copies in ${outDir}/${SHARE_DIR}/`,
    );
  });
}
