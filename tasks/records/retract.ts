import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectRecords } from "../../src/records/connect.js";
import { retractRecord } from "../../src/records/lifecycle.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";

interface Args {
  proof: string;
  records: string;
  from: string;
}

export default async function retract(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    checkProofTarget(proof, chainId, address, args.proof);
    const result = await retractRecord(records, proof, args.proof);
    console.log(
      `retracted ${result.sent.length} leaf(s) of ${args.proof}, ${result.skipped} already retracted` +
        (result.sent.length > 0 ? ` (tx ${result.sent.join(", ")})` : ""),
    );
  });
}
