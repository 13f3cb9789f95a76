import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { breakGlassAccess } from "../../src/records/access.js";
import { connectRecords } from "../../src/records/connect.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";

interface Args {
  proof: string;
  reason: string;
  records: string;
  from: string;
}

export default async function breakGlass(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    if (!/^\d+$/.test(args.reason) || Number(args.reason) > 65_535) {
      throw new MedChainError(`--reason: "${args.reason}" is not an emergency reason code (0-65535)`);
    }
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    checkProofTarget(proof, chainId, address, args.proof);
    const { breakGlassId, leaf, txHash } = await breakGlassAccess(records, proof, Number(args.reason));
    console.log(
      `break-glass access #${breakGlassId} to ${leaf} recorded, awaiting a regulator's review (tx ${txHash})`,
    );
  });
}
