import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { readFhirFile } from "../../src/records/input.js";
import { checkFhir } from "../../src/records/fhir.js";
import { amendRecord } from "../../src/records/lifecycle.js";
import { checkProofTarget, readProof } from "../../src/records/proof.js";
import { openRecords, secretOf, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  record: string;
  proof: string;
  out: string;
  keyed: boolean;
}

export default async function amend(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const resource = await readFhirFile(args.record);
    checkFhir(resource, args.record);
    const proof = await readProof(args.proof);
    const salts = args.keyed
      ? { kind: "key" as const, key: await secretOf(hre, "MEDCHAIN_HOSPITAL_KEY") }
      : { kind: "random" as const };
    const { records, chainId, address } = await openRecords(hre, args);
    checkProofTarget(proof, chainId, address, args.proof);
    const outFile = args.out !== "" ? args.out : `${args.record.replace(/\.json$/i, "")}.proof.json`;
    const result = await amendRecord(records, proof, args.proof, resource, { outFile, salts });
    io.say(
      `amended ${result.sent.length} leaf(s), ${result.skipped} already amended; new version's proof in ${outFile}` +
        ` (shareable copy ${result.shared})` +
        (result.sent.length > 0 ? ` (tx ${result.sent.join(", ")})` : ""),
    );
    return {
      result: { proof: outFile, shared: result.shared, transactions: result.sent, alreadyAmended: result.skipped },
    };
  });
}
