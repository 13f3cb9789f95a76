// One anchoring job of bench/records-anchor.ts, in a process of its own so that its peak memory is
// the job's: anchors the folder BENCH_DIR as the hospital BENCH_KEY and prints one JSON line.
import { readdir } from "node:fs/promises";

import { connect } from "../src/chain/connection.js";
import { anchorRecords } from "../src/records/anchor.js";
import { readPatientsFile } from "../src/records/patients.js";
import { RecordRegistry__factory } from "../typechain-types/index.js";

const env = (name: string) =>
  process.env[name] ??
  (() => {
    throw new Error(`${name} is not set`);
  })();
const dir = env("BENCH_DIR");
const conn = await connect({ rpcUrl: env("BENCH_RPC"), privateKey: env("BENCH_KEY") });
const records = RecordRegistry__factory.connect(env("BENCH_REGISTRY"), conn.signer!);
const patients = await readPatientsFile(env("BENCH_PATIENTS"));
const started = performance.now();
// When the reading ended and the proof files began: where a slow job spent its time.
let readEnd = 0;
let proofStart = 0;
const result = await anchorRecords(records, dir, {
  chainId: conn.chainId,
  registryAddress: await records.getAddress(),
  patients,
  outDir: process.env.BENCH_OUT ?? `${dir}.proofs`,
  salts: { kind: "random" },
  load: { validate: process.env.BENCH_VALIDATE !== "0" },
  onProgress: (phase, done, total) => {
    if (phase === "reading" && done === total) readEnd = performance.now();
    if (phase === "proofs" && proofStart === 0) proofStart = performance.now();
  },
});
const seconds = (performance.now() - started) / 1000;
const count = (await readdir(dir)).length;
console.log(
  JSON.stringify({
    records: count,
    anchored: result.anchored,
    seconds: Math.round(seconds * 100) / 100,
    readingSeconds: Math.round((readEnd - started) / 10) / 100,
    proofSeconds: proofStart === 0 ? 0 : Math.round((performance.now() - proofStart) / 10) / 100,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    transactions: result.sent,
    proofFiles: result.written * 2,
  }),
);
process.exit(0);
