import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { breakGlassAccess } from "../../src/records/access.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { openRecords, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  proof: string;
  reason: string;
}

export default async function breakGlass(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    if (!/^\d+$/.test(args.reason) || Number(args.reason) > 65_535) {
      throw badInput(`"${args.reason}" is not an emergency reason code (0-65535)`, { field: "--reason" });
    }
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await openRecords(hre, args);
    checkProofTarget(proof, chainId, address, args.proof);
    const { breakGlassId, leaf, txHash } = await breakGlassAccess(records, proof, Number(args.reason));
    io.say(`break-glass access #${breakGlassId} to ${leaf} recorded, awaiting a regulator's review (tx ${txHash})`);
    return { result: { breakGlassId, leaf, issuer: proof.issuer, reason: Number(args.reason), hash: txHash } };
  });
}
