import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { patientAccountFor } from "../../src/records/consent.js";
import { readConsentFile, revokeConsent, termsOf } from "../../src/records/consent-file.js";
import { connectRecords } from "../../src/records/connect.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { readSecret } from "../../src/records/secrets.js";

interface Args {
  consent: string;
  records: string;
  from: string;
}

export default async function consentRevoke(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    const consent = await readConsentFile(args.consent);
    const terms = termsOf(consent);
    const patient = patientAccountFor(await readSecret(hre, "MEDCHAIN_PATIENT_KEY"), terms.custodian);
    if (patient.address !== terms.patient) {
      throw new RecordsInputError(args.consent, "this consent was not given with MEDCHAIN_PATIENT_KEY");
    }
    const { records, chainId } = await connectRecords(hre, args.records || consent.registry, args.from);
    if (BigInt(consent.chainId) !== chainId) {
      throw new RecordsInputError(args.consent, `the consent is for chain ${consent.chainId}, not ${chainId}`);
    }
    const now = BigInt((await records.runner!.provider!.getBlock("latest"))!.timestamp);
    const txHash = await revokeConsent(records, patient, terms, now + 3600n);
    console.log(`consent ${consent.consentId} revoked (tx ${txHash})`);
  });
}
