import { readFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { parseFhir } from "../../src/records/commitment.js";
import { connectRecords } from "../../src/records/connect.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { amendRecord } from "../../src/records/lifecycle.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { readSecret } from "../../src/records/secrets.js";

interface Args {
  record: string;
  proof: string;
  out: string;
  keyed: boolean;
  records: string;
  from: string;
}

export default async function amend(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    let text: string;
    try {
      text = await readFile(args.record, "utf8");
    } catch {
      throw new RecordsInputError(args.record, "cannot read");
    }
    const resource = parseFhir(text, args.record);
    const proof = await readProof(args.proof);
    const salts = args.keyed
      ? { kind: "key" as const, key: await readSecret(hre, "MEDCHAIN_HOSPITAL_KEY") }
      : { kind: "random" as const };
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    checkProofTarget(proof, chainId, address, args.proof);
    const outFile = args.out !== "" ? args.out : `${args.record.replace(/\.json$/i, "")}.proof.json`;
    const result = await amendRecord(records, proof, args.proof, resource, { outFile, salts });
    console.log(
      `amended ${result.sent.length} leaf(s), ${result.skipped} already amended; new version's proof in ${outFile}` +
        ` (shareable copy ${result.shared})` +
        (result.sent.length > 0 ? ` (tx ${result.sent.join(", ")})` : ""),
    );
  });
}
