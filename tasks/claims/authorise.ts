import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { authorise, parseId } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

interface Args extends CommonArgs {
  plan: string;
  patient: string;
  secret: string;
  system: string;
  code: string;
  units: string;
  validFrom: string;
  validUntil: string;
}

export default async function (args: Args, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    const planId = parseId(args.plan, "plan");
    const txHash = await authorise(c, {
      planId,
      patientId: args.patient,
      secret: args.secret,
      system: args.system,
      code: args.code,
      units: args.units,
      from: args.validFrom,
      until: args.validUntil,
    });
    reportTx(`authorised ${args.units} unit(s) of ${args.code} from ${args.validFrom} to ${args.validUntil}`, txHash);
  });
}
