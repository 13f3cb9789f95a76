import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { carcText } from "../../src/claims/carc.js";
import { parseId, readDocumentationFile, submitFhirClaim } from "../../src/claims/operations.js";
import { formatEob } from "../../src/claims/fhir-response.js";
import { withClaims, type CommonArgs } from "./shared.js";

interface Args extends CommonArgs {
  fhir: string;
  plan: string;
  secret: string;
  record: string;
  replaces: string;
}

export default async function (args: Args, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    if (args.fhir === "") throw new MedChainError("--fhir: the FHIR Claim JSON file is required");
    if (args.record === "")
      throw new MedChainError("--record: the record's proof file (with its billing leaf) is required");
    const planId = parseId(args.plan, "plan");
    const documentation = await readDocumentationFile(args.record);
    const replaces = args.replaces === "" ? undefined : parseId(args.replaces, "replaces");
    const { view, mapping, txHash } = await submitFhirClaim(c, {
      file: args.fhir,
      planId,
      secret: args.secret,
      documentation,
      replaces,
    });
    for (const u of mapping.unmapped) console.log(`not on chain: ${u.field}: ${u.reason}`);
    console.log(`diagnosis commitment salt (keep it with the claim): ${mapping.diagnosisSalt}`);
    reportTx(
      `claim ${view.claimId}: ${view.status}${view.reason ? ` (CARC ${view.reason}: ${carcText(view.reason)})` : ""}`,
      txHash,
    );
    const insurerId = (await c.plans.planOf(planId)).insurer;
    console.log(formatEob(view, { decimals: c.decimals, insurerId }));
  });
}
