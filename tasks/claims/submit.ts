import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { fromTokenUnits } from "../../src/claims/codes.js";
import { formatEob } from "../../src/claims/fhir-response.js";
import {
  parseId,
  readClaimsBatch,
  readDocumentationFile,
  submitClaimBatch,
  submitFhirClaim,
} from "../../src/claims/operations.js";
import { carcName, memberSecret, withClaims, type CommonArgs } from "./shared.js";

interface Args extends CommonArgs {
  fhir: string;
  plan: string;
  record: string;
  replaces: string;
  batch: string;
  journal: string;
}

export default async function (args: Args, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async () => {
    if (args.batch !== "") return batch(args, hre);
    if (args.fhir === "") throw badInput("the FHIR Claim JSON file is required (or --batch)", { field: "--fhir" });
    if (args.record === "")
      throw badInput("the record's proof file (with its billing leaf) is required", { field: "--record" });
    if (args.journal !== "") throw badInput("a journal is for --batch only", { field: "--journal" });
    const planId = parseId(args.plan, "plan");
    const replaces = args.replaces === "" ? undefined : parseId(args.replaces, "replaces");
    const documentation = await readDocumentationFile(args.record);
    const secret = await memberSecret(hre);
    return async (c, io) => {
      const { view, mapping, txHash } = await submitFhirClaim(c, {
        file: args.fhir,
        planId,
        secret,
        documentation,
        replaces,
      });
      for (const u of mapping.unmapped) io.say(`not on chain: ${u.field}: ${u.reason}`);
      io.say(`diagnosis commitment salt (keep it with the claim): ${mapping.diagnosisSalt}`);
      const why = view.reason ? ` (${carcName(view.reason)})` : "";
      io.say(`claim ${view.claimId}: ${view.status}${why} (tx ${txHash})`);
      const insurerId = (await c.plans.planOf(planId)).insurer;
      io.say(formatEob(view, { decimals: c.decimals, insurerId }));
      return {
        result: {
          claimId: view.claimId,
          status: view.status,
          ...(view.reason ? { reason: view.reason, reasonText: carcName(view.reason) } : {}),
          ...(view.earlierClaim ? { earlierClaim: view.earlierClaim } : {}),
          planPays: fromTokenUnits(view.planPays, c.decimals).toString(),
          diagnosisSalt: mapping.diagnosisSalt,
          notOnChain: mapping.unmapped,
          hash: txHash,
        },
        ...(view.status === "Rejected" ? { verdict: "negative" as const } : {}),
      };
    };
  });
}

/** `--batch`: every claim of the batch file as one pipelined, crash-safe job. */
async function batch(args: Args, hre: HardhatRuntimeEnvironment) {
  for (const [value, option] of [
    [args.fhir, "--fhir"],
    [args.record, "--record"],
    [args.replaces, "--replaces"],
  ] as const) {
    if (value !== "") throw badInput("not with --batch (the batch file names each claim's files)", { field: option });
  }
  const planId = parseId(args.plan, "plan");
  const entries = await readClaimsBatch(args.batch);
  const secret = await memberSecret(hre);
  const journal = args.journal === "" ? `${args.batch}.journal` : args.journal;
  return async (c: Parameters<typeof submitClaimBatch>[0], io: import("../../src/chain/cli.js").TaskIo) => {
    const progress = io.progress("submitting", entries.length);
    const { claims, report } = await submitClaimBatch(c, {
      entries,
      planId,
      secret,
      journal,
      onEvent: (e) => {
        if (e.type === "retry") io.say(`node error (${e.message}): retrying in ${e.delayMs} ms`);
        if (e.type === "resent" || e.type === "renonced") io.say(`${e.key}: sent again (${e.why})`);
      },
      onProgress: () => progress.tick(),
    });
    progress.stop();
    for (const claim of claims) {
      io.say(
        `${claim.fhir}: claim ${claim.claimId}: ${claim.status}${claim.reason ? ` (${carcName(claim.reason)})` : ""}`,
      );
    }
    const rejected = claims.filter((x) => x.status === "Rejected").length;
    io.say(
      `submitted ${claims.length} claim(s) (${report.sent} sent now, ${report.skipped} done before), ${rejected} rejected; journal ${journal}`,
    );
    return {
      result: {
        claims: claims.map((x) => ({
          ...x,
          planPays: fromTokenUnits(x.planPays, c.decimals).toString(),
          ...(x.reason ? { reasonText: carcName(x.reason) } : {}),
        })),
        sent: report.sent,
        skipped: report.skipped,
        rejected,
        journal,
      },
      ...(rejected > 0 ? { verdict: "negative" as const } : {}),
    };
  };
}
