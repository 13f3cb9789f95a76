import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { memberRef } from "../../src/chain/members.js";
import { patientAccountFor } from "../../src/records/consent.js";
import type { CommonArgs } from "../options.js";
import { secretOf } from "./shared.js";

interface Args extends CommonArgs {
  hospitals: string;
}

export default async function patientAccounts(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const hospitals = args.hospitals.split(",").map((g) => g.trim());
    const refs = hospitals.map((g) => memberRef(g, "hospitals"));
    const secret = await secretOf(hre, "MEDCHAIN_PATIENT_KEY");
    const rows = refs.map((ref, i) => ({
      hospital: hospitals[i]!,
      memberId: ref.id,
      account: patientAccountFor(secret, ref.id).address,
    }));
    for (const r of rows) io.say(`${r.hospital}  ${r.account}`);
    return { result: rows };
  });
}
