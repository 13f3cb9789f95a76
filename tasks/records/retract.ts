import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { retractRecord } from "../../src/records/lifecycle.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { openRecords, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  proof: string;
}

export default async function retract(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await openRecords(hre, args);
    checkProofTarget(proof, chainId, address, args.proof);
    const result = await retractRecord(records, proof, args.proof);
    io.say(
      `retracted ${result.sent.length} leaf(s) of ${args.proof}, ${result.skipped} already retracted` +
        (result.sent.length > 0 ? ` (tx ${result.sent.join(", ")})` : ""),
    );
    return { result: { proof: args.proof, transactions: result.sent, alreadyRetracted: result.skipped } };
  });
}
