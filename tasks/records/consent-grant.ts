import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { parseMemberRef } from "../../src/chain/members.js";
import { parseCategorySet } from "../../src/records/categories.js";
import { patientAccountFor, parsePurpose } from "../../src/records/consent.js";
import {
  consentFileOf,
  consentTerms,
  grantConsent,
  newRecordsScope,
  writeConsentFile,
} from "../../src/records/consent-file.js";
import { checkBoundTo, checkProofTarget, readProof } from "../../src/records/proof.js";
import { openRecords, secretOf, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  custodian: string;
  grantee: string;
  purpose: string;
  categories: string;
  proofs: string;
  days: string;
  out: string;
}

export default async function consentGrant(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const custodian = parseMemberRef(args.custodian, "--custodian");
    const grantee = parseMemberRef(args.grantee, "--grantee");
    const purpose = parsePurpose(args.purpose);
    if ((args.categories === "") === (args.proofs === "")) {
      throw badInput("give exactly one scope: --categories <set> or --proofs <files>", { field: "--categories" });
    }
    const categories = args.categories === "" ? 0n : parseCategorySet(args.categories);
    if (!/^[1-9]\d{0,4}$/.test(args.days) || Number(args.days) > 3650) {
      throw badInput(`"${args.days}" is not a number of days from 1 to 3650`, { field: "--days" });
    }
    const secret = await secretOf(hre, "MEDCHAIN_PATIENT_KEY");
    // The patient's account at the custodian: the one the custodian bound the records to.
    const patient = patientAccountFor(secret, custodian);
    const proofFiles = args.proofs === "" ? [] : args.proofs.split(",").map((f) => f.trim());
    const proofs = await Promise.all(proofFiles.map((f) => readProof(f)));
    proofs.forEach((p, i) => checkBoundTo(p, custodian, patient.address, proofFiles[i]!));
    const { records, chainId, address } = await openRecords(hre, args);
    proofs.forEach((p, i) => checkProofTarget(p, chainId, address, proofFiles[i]!));
    const scope = proofs.length === 0 ? undefined : newRecordsScope(proofs.map((p) => p.record.commitment));
    const now = BigInt((await records.runner!.provider!.getBlock("latest"))!.timestamp);
    const terms = consentTerms({
      patient: patient.address,
      custodian,
      grantee,
      purpose,
      categories,
      scope,
      from: now,
      days: Number(args.days),
    });
    const { consentId, txHash } = await grantConsent(records, patient, terms, now + 3600n);
    const file = args.out !== "" ? args.out : `consent-${consentId.slice(2, 10)}.json`;
    await writeConsentFile(file, consentFileOf(terms, scope, chainId, address));
    io.say(`consent ${consentId} granted by patient account ${patient.address} (tx ${txHash})`);
    io.say(`give ${file} to the grantee: it holds the terms the grantee presents at each access`);
    return {
      result: {
        consentId,
        patient: patient.address,
        custodian,
        grantee,
        purpose: args.purpose,
        validUntil: new Date(Number(terms.validUntil) * 1000).toISOString(),
        file,
        hash: txHash,
      },
    };
  });
}
