/**
 * Runs a synthetic job in its own process so a test can kill it (SIGKILL) at any point and run it
 * again: `node --import tsx scripts/lib/job-child.ts <rpcUrl> <journal> <count> <seed> <window> [<book>]`.
 * Without `book`: transfers of 1 wei, each its own transaction. With `book` (a MarkBookMock's
 * address): marks, 8 to a transaction. Prints "started" when the job begins, "mined" for each
 * transaction mined (so a test can kill it at a point of its progress, whatever the machine's speed)
 * and "finished <sent> <skipped> <resent> <transactions>" at the end.
 */
import { connect } from "../../src/chain/connection.js";
import { runJob } from "../../src/chain/pipeline.js";
import { DEV_KEY } from "./nodes.js";
import { markingSteps, syntheticSteps } from "./synthetic-job.js";

const [url, journal, count, seed, window, book] = process.argv.slice(2);
const conn = await connect({ rpcUrl: url!, privateKey: DEV_KEY });
console.log("started");
const steps =
  book === undefined
    ? syntheticSteps(Number(count), seed!, 7)
    : markingSteps(Number(count), seed!, book, conn.provider, 7);
const report = await runJob(conn, steps, {
  journal: journal!,
  window: Number(window ?? 16),
  ...(book === undefined ? {} : { batchSize: 8 }),
  // Retries are rare and say what the node did: printed, for a test that fails to show.
  onEvent: (e) => {
    if (e.type === "retry") console.log(`retry ${e.what} (attempt ${e.attempt}): ${e.message}`);
    if (e.type === "mined") console.log("mined");
  },
});
console.log(`finished ${report.sent} ${report.skipped} ${report.resent} ${report.transactions}`);
