import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { parseCategorySet } from "../../src/records/categories.js";
import { patientAccountFor, parsePurpose } from "../../src/records/consent.js";
import {
  consentFileOf,
  consentTerms,
  grantConsent,
  newRecordsScope,
  writeConsentFile,
} from "../../src/records/consent-file.js";
import { connectRecords } from "../../src/records/connect.js";
import { checkBoundTo, checkProofTarget, readProof } from "../../src/records/proof.js";
import { parseMemberRef, readSecret } from "../../src/records/secrets.js";

interface Args {
  custodian: string;
  grantee: string;
  purpose: string;
  categories: string;
  proofs: string;
  days: string;
  out: string;
  records: string;
  from: string;
}

export default async function consentGrant(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    const custodian = parseMemberRef(args.custodian, "custodian");
    const grantee = parseMemberRef(args.grantee, "grantee");
    const purpose = parsePurpose(args.purpose);
    if ((args.categories === "") === (args.proofs === "")) {
      throw new MedChainError("give exactly one scope: --categories <set> or --proofs <files>");
    }
    const secret = await readSecret(hre, "MEDCHAIN_PATIENT_KEY");
    // The patient's account at the custodian: the one the custodian bound the records to.
    const patient = patientAccountFor(secret, custodian);
    const proofFiles = args.proofs === "" ? [] : args.proofs.split(",").map((f) => f.trim());
    const proofs = await Promise.all(proofFiles.map((f) => readProof(f)));
    proofs.forEach((p, i) => checkBoundTo(p, custodian, patient.address, proofFiles[i]!));
    const { records, chainId, address } = await connectRecords(hre, args.records, args.from);
    proofs.forEach((p, i) => checkProofTarget(p, chainId, address, proofFiles[i]!));
    const scope = proofs.length === 0 ? undefined : newRecordsScope(proofs.map((p) => p.record.commitment));
    const now = BigInt((await records.runner!.provider!.getBlock("latest"))!.timestamp);
    const terms = consentTerms({
      patient: patient.address,
      custodian,
      grantee,
      purpose,
      categories: args.categories === "" ? 0n : parseCategorySet(args.categories),
      scope,
      from: now,
      days: Number(args.days),
    });
    const { consentId, txHash } = await grantConsent(records, patient, terms, now + 3600n);
    const file = args.out !== "" ? args.out : `consent-${consentId.slice(2, 10)}.json`;
    await writeConsentFile(file, consentFileOf(terms, scope, chainId, address));
    console.log(`consent ${consentId} granted by patient account ${patient.address} (tx ${txHash})`);
    console.log(`give ${file} to the grantee: it holds the terms the grantee presents at each access`);
  });
}
