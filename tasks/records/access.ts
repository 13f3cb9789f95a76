import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { recordAccess } from "../../src/records/access.js";
import { parsePurpose } from "../../src/records/consent.js";
import { readConsentFile } from "../../src/records/consent-file.js";
import { connectRecords } from "../../src/records/connect.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { RecordsInputError } from "../../src/records/errors.js";

interface Args {
  consent: string;
  proof: string;
  purpose: string;
  records: string;
  from: string;
}

export default async function access(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    const purpose = parsePurpose(args.purpose);
    const consent = await readConsentFile(args.consent);
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    checkProofTarget(proof, chainId, address, args.proof);
    if (BigInt(consent.chainId) !== chainId || consent.registry.toLowerCase() !== address.toLowerCase()) {
      throw new RecordsInputError(args.consent, `the consent is for another chain or registry`);
    }
    const { leaf, txHash } = await recordAccess(records, consent, proof, purpose, {
      consent: args.consent,
      proof: args.proof,
    });
    console.log(`access to ${leaf} under consent ${consent.consentId} recorded (tx ${txHash})`);
  });
}
