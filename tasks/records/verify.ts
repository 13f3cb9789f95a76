import { readFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { parseFhir } from "../../src/records/commitment.js";
import { connectRecords } from "../../src/records/connect.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { formatVerdict, verifyRecord } from "../../src/records/verify.js";
import { RecordsInputError } from "../../src/records/errors.js";

interface Args {
  record: string;
  proof: string;
  records: string;
}

export default async function verify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    let text: string;
    try {
      text = await readFile(args.record, "utf8");
    } catch {
      throw new RecordsInputError(args.record, "cannot read");
    }
    const resource = parseFhir(text, args.record);
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await connectRecords(hre, args.records);
    checkProofTarget(proof, chainId, address, args.proof);
    const result = await verifyRecord(records, resource, proof);
    console.log(formatVerdict(result));
    if (result.verdict !== "VALID") process.exitCode = 2;
  });
}
