import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { formatHistory, recordHistory } from "../../src/records/history.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { openRecords, type ReadRecordsArgs } from "./shared.js";

interface Args extends ReadRecordsArgs {
  proof: string;
}

export default async function history(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await openRecords(hre, args, true);
    checkProofTarget(proof, chainId, address, args.proof);
    const versions = await recordHistory(records, proof);
    for (const line of formatHistory(versions)) io.say(line);
    const iso = (t?: bigint) => (t === undefined ? undefined : new Date(Number(t) * 1000).toISOString());
    return {
      result: versions.map((v) => ({ ...v, anchoredAt: iso(v.anchoredAt), changedAt: iso(v.changedAt) })),
    };
  });
}
