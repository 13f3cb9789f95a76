import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { recordAccess } from "../../src/records/access.js";
import { parsePurpose } from "../../src/records/consent.js";
import { readConsentFile } from "../../src/records/consent-file.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { openRecords, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  consent: string;
  proof: string;
  purpose: string;
}

export default async function access(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const purpose = parsePurpose(args.purpose);
    const consent = await readConsentFile(args.consent);
    const proof = await readProof(args.proof);
    const { records, chainId, address } = await openRecords(hre, args);
    checkProofTarget(proof, chainId, address, args.proof);
    if (BigInt(consent.chainId) !== chainId || consent.registry.toLowerCase() !== address.toLowerCase()) {
      throw new RecordsInputError(args.consent, `the consent is for another chain or registry`);
    }
    const { leaf, txHash } = await recordAccess(records, consent, proof, purpose, {
      consent: args.consent,
      proof: args.proof,
    });
    io.say(`access to ${leaf} under consent ${consent.consentId} recorded (tx ${txHash})`);
    return { result: { leaf, consentId: consent.consentId, purpose: args.purpose, hash: txHash } };
  });
}
