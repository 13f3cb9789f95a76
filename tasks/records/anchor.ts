import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask, type Progress } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { anchorRecords, SHARE_DIR } from "../../src/records/anchor.js";
import { recordFiles } from "../../src/records/input.js";
import { readPatientsFile } from "../../src/records/patients.js";
import { openRecords, secretOf, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  target: string;
  patients: string;
  out: string;
  keyed: boolean;
  wholeBundle: boolean;
}

export default async function anchor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    // The options, the patients file and the target are checked before connecting; every record is
    // read and validated before anything is sent.
    if (args.patients === "") throw badInput("the hospital's patients file is required", { field: "--patients" });
    const patients = await readPatientsFile(args.patients);
    await recordFiles(args.target);
    const salts = args.keyed
      ? { kind: "key" as const, key: await secretOf(hre, "MEDCHAIN_HOSPITAL_KEY") }
      : { kind: "random" as const };
    const { conn, records, chainId, address } = await openRecords(hre, args);
    const outDir = args.out !== "" ? args.out : `${args.target.replace(/\/+$/, "").replace(/\.json$/i, "")}.proofs`;
    const bars: Partial<Record<"reading" | "proofs", { bar: Progress; done: number }>> = {};
    const result = await anchorRecords(records, args.target, {
      chainId,
      registryAddress: address,
      connection: conn,
      patients,
      outDir,
      salts,
      load: { wholeBundle: args.wholeBundle },
      log: (line) => io.say(line),
      onProgress: (phase, done, total) => {
        const p = (bars[phase] ??= {
          bar: io.progress(phase === "reading" ? "reading" : "proof files", total),
          done: 0,
        });
        p.bar.tick(done - p.done);
        p.done = done;
        if (done === total) p.bar.stop();
      },
    });
    const records_ = result.records;
    io.say(
      `${records_} record(s): ${result.anchored} anchored now, ${result.alreadyAnchored} anchored before (proof files kept); ` +
        `${result.steps} transaction(s): ${result.sent} sent, ${result.skipped} already on chain; proofs in ${outDir}`,
    );
    io.say(`keep ${outDir}/*.proof.json (billing included); give the patient the copies in ${outDir}/${SHARE_DIR}/`);
    return {
      result: {
        records: records_,
        anchored: result.anchored,
        alreadyAnchored: result.alreadyAnchored,
        transactions: result.steps,
        sent: result.sent,
        skipped: result.skipped,
        proofFilesWritten: result.written,
        outDir,
        shareDir: `${outDir}/${SHARE_DIR}`,
      },
    };
  });
}
