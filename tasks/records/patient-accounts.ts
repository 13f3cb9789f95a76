import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runCli } from "../../src/chain/cli.js";
import { patientAccountFor } from "../../src/records/consent.js";
import { parseMemberRef, readSecret } from "../../src/records/secrets.js";

interface Args {
  hospitals: string;
}

export default async function patientAccounts(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([], async () => {
    const hospitals = args.hospitals.split(",").map((g) => g.trim());
    const refs = hospitals.map((g) => parseMemberRef(g, "hospitals"));
    const secret = await readSecret(hre, "MEDCHAIN_PATIENT_KEY");
    refs.forEach((ref, i) => console.log(`${hospitals[i]}  ${patientAccountFor(secret, ref).address}`));
  });
}
