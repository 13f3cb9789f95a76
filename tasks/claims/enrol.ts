import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { enrolPatient, parseId } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

interface Args extends CommonArgs {
  plan: string;
  patient: string;
  secret: string;
  start: string;
  end: string;
}

export default async function (args: Args, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    const planId = parseId(args.plan, "plan");
    const { patientRef, txHash } = await enrolPatient(c, {
      planId,
      patientId: args.patient,
      secret: args.secret,
      start: args.start,
      end: args.end,
    });
    reportTx(`enrolled patient reference ${patientRef} in plan ${planId} from ${args.start} to ${args.end}`, txHash);
  });
}
