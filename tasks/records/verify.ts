import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { readFhirFile } from "../../src/records/input.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { formatVerdict, verifyRecord } from "../../src/records/verify.js";
import { openRecords, type ReadRecordsArgs } from "./shared.js";

interface Args extends ReadRecordsArgs {
  record: string;
  proof: string;
}

/**
 * Verifies a record against its proof: the record is read and committed to here (strict JSON, a
 * byte-order mark accepted), and only its leaf and Merkle path go to the node, whatever its size.
 */
export default async function verify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const resource = await readFhirFile(args.record);
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await openRecords(hre, args, true);
    checkProofTarget(proof, chainId, address, args.proof);
    const result = await verifyRecord(records, resource, proof);
    io.say(formatVerdict(result));
    return {
      result: { ...result, ...(result.anchoredAt === undefined ? {} : { anchoredAtIso: iso(result.anchoredAt) }) },
      ...(result.verdict === "VALID" ? {} : { verdict: "negative" as const }),
    };
  });
}

const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString();
