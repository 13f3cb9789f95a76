import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { patientAccountFor } from "../../src/records/consent.js";
import { readConsentFile, revokeConsent, termsOf } from "../../src/records/consent-file.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { openRecords, secretOf, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  consent: string;
}

export default async function consentRevoke(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const consent = await readConsentFile(args.consent);
    const terms = termsOf(consent);
    const patient = patientAccountFor(await secretOf(hre, "MEDCHAIN_PATIENT_KEY"), terms.custodian);
    if (patient.address !== terms.patient) {
      throw new RecordsInputError(args.consent, "this consent was not given with MEDCHAIN_PATIENT_KEY");
    }
    const { records, chainId } = await openRecords(hre, { ...args, records: args.records || consent.registry });
    if (BigInt(consent.chainId) !== chainId) {
      throw new RecordsInputError(args.consent, `the consent is for chain ${consent.chainId}, not ${chainId}`);
    }
    const now = BigInt((await records.runner!.provider!.getBlock("latest"))!.timestamp);
    const txHash = await revokeConsent(records, patient, terms, now + 3600n);
    io.say(`consent ${consent.consentId} revoked (tx ${txHash})`);
    return { result: { consentId: consent.consentId, hash: txHash } };
  });
}
