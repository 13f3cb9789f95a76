import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { fromTokenUnits } from "../../src/claims/codes.js";
import { approvedClaims, parseId, settleClaims } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { claims: string; batch: string; journal: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, () => {
    if (!/^\d{1,3}$/.test(args.batch) || Number(args.batch) < 1 || Number(args.batch) > 200)
      throw badInput(`"${args.batch}" is not 1-200`, { field: "--batch" });
    const batchSize = Number(args.batch);
    if (args.journal === "") throw badInput("a journal file is required", { field: "--journal" });
    const given = args.claims === "" ? undefined : args.claims.split(",").map((s) => parseId(s.trim(), "claims"));
    const twice = given?.find((id, i) => given.indexOf(id) !== i);
    if (twice !== undefined) throw badInput(`claim ${twice} is listed twice`, { field: "--claims" });
    return async (c, io) => {
      const ids = given ?? (await approvedClaims(c));
      const progress = io.progress("settling", Math.ceil(ids.length / batchSize));
      const { settled, txHashes, report } = await settleClaims(c, {
        ids,
        batchSize,
        journal: args.journal,
        onEvent: (e) => {
          if (e.type === "retry") io.say(`node error (${e.message}): retrying in ${e.delayMs} ms`);
          if (e.type === "resent" || e.type === "renonced") io.say(`${e.key}: sent again (${e.why})`);
        },
        onProgress: () => progress.tick(),
      });
      progress.stop();
      const total = report.outcomes.reduce((sum, o) => {
        const event = o.events?.find((e) => e.name === "ClaimsSettled");
        return sum + ((event?.args.total as bigint | undefined) ?? 0n);
      }, 0n);
      io.say(
        settled.length === 0
          ? "nothing to settle: no approved claim left"
          : `settled ${settled.length} claim(s) in ${txHashes.length} transaction(s), ${fromTokenUnits(total, c.decimals)} credited` +
              ` (${report.sent} sent now, ${report.skipped} done before): ${txHashes.join(", ")}`,
      );
      return {
        result: {
          settled,
          credited: fromTokenUnits(total, c.decimals).toString(),
          transactions: txHashes,
          sent: report.sent,
          skipped: report.skipped,
          journal: args.journal,
        },
      };
    };
  });
}
