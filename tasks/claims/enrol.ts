import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { enrolPatient, parseId } from "../../src/claims/operations.js";
import { memberSecret, withClaims, type CommonArgs } from "./shared.js";

interface Args extends CommonArgs {
  plan: string;
  patient: string;
  start: string;
  end: string;
}

export default async function (args: Args, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async () => {
    const planId = parseId(args.plan, "plan");
    const secret = await memberSecret(hre);
    return async (c, io) => {
      const { patientRef, txHash } = await enrolPatient(c, {
        planId,
        patientId: args.patient,
        secret,
        start: args.start,
        end: args.end,
      });
      io.say(
        `enrolled patient reference ${patientRef} in plan ${planId} from ${args.start} to ${args.end} (tx ${txHash})`,
      );
      return { result: { planId, patientRef, start: args.start, end: args.end, hash: txHash } };
    };
  });
}
