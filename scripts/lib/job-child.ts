/**
 * Runs the synthetic job in its own process so a test can kill it (SIGKILL) at any point and run it
 * again: `node --import tsx scripts/lib/job-child.ts <rpcUrl> <journal> <count> <seed> <window>`.
 * Prints "started" when the job begins and "finished <sent> <skipped> <resent>" at the end.
 */
import { connect } from "../../src/chain/connection.js";
import { runJob } from "../../src/chain/pipeline.js";
import { DEV_KEY } from "./nodes.js";
import { syntheticSteps } from "./synthetic-job.js";

const [url, journal, count, seed, window] = process.argv.slice(2);
const conn = await connect({ rpcUrl: url!, privateKey: DEV_KEY });
console.log("started");
const report = await runJob(conn, syntheticSteps(Number(count), seed!, 7), {
  journal: journal!,
  window: Number(window ?? 16),
});
console.log(`finished ${report.sent} ${report.skipped} ${report.resent}`);
