// The indexer's reports at scale (`npm run bench:indexer`): Ponder itself creates its tables and
// indexes (`ponder start` against an empty anvil, PGlite in a temp folder), then one million
// invented events are written straight into those tables in bulk (SQL generate_series, Ponder's
// triggers off), and the same queries the API routes run (indexer/src/api/reports.ts) answer a
// pack's custody timeline, one member's audit report and one provider's remittance, many times
// each, for p50/p99. The ceiling is the 100 ms at p99; for scale, the same run times the
// pack's events found by scanning every indexed event (what reading the chain's logs amounts to).
// Writes bench/indexer.json and the README's indexer table.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import * as prettier from "prettier";

import { freePort, ROOT, startNode } from "../scripts/lib/nodes.js";

const SCHEMA = "medchain";
const RUNS = Number(process.env.BENCH_INDEXER_RUNS ?? 300);
const CEILING_MS = 100;

// The invented world: 1,000 lots; 2,000 pallets of 10 cases; 20,000 cases of 10 packs (200,000
// packs); 200 members reading records 341,000 times; 100 providers billing 10 insurers. With the
// generic `chain_event` row of each: 509,000 provenance + 341,000 record + 150,000 claims events.
const LOTS = 1_000;
const PALLETS = 2_000;
const CASES = 20_000;
const PACKS = 200_000;
const ACCESSES = 341_000;
const MEMBERS = 200;
const CLAIMS = 50_000;
const PROVIDERS = 100;
const INSURERS = 10;

const work = await mkdtemp(path.join(tmpdir(), "medchain-bench-indexer-"));
const pgliteDir = path.join(work, "pglite");

/** Ponder creates its tables (and indexes) on an empty chain; stopped once it is ready. */
async function createTables() {
  const node = await startNode("anvil", { chainId: 31337 });
  const deployment = path.join(work, "deployed_addresses.json");
  await writeFile(
    deployment,
    JSON.stringify({ "Bench#ConsortiumRegistry": "0x000000000000000000000000000000000000be4c" }),
  );
  const port = await freePort();
  const child = spawn(
    path.join(ROOT, "node_modules", ".bin", "ponder"),
    ["--root", "indexer", "start", "--schema", SCHEMA, "--port", String(port)],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PONDER_TELEMETRY_DISABLED: "true",
        MEDCHAIN_RPC_URL: node.url,
        MEDCHAIN_DEPLOYMENT: deployment,
        MEDCHAIN_PGLITE_DIR: pgliteDir,
        DATABASE_URL: "",
      },
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ponder exited: ${output}`);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`ponder not ready: ${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
    await node.stop();
  }
}

const hex = (prefix: string, n: string) => `'0x' || lpad('${prefix}' || to_hex(${n}), 64, '0')`;

/** One million events in Ponder's tables, written by the database itself. */
async function fill(db: PGlite): Promise<Record<string, number>> {
  await db.exec(`SET search_path TO ${SCHEMA}; SET session_replication_role = replica;`);
  // Bulk loading: Ponder's secondary indexes are dropped, the rows written, and the very same
  // indexes (their definitions read back from pg_indexes) built once at the end: far faster than
  // updating every index row by row. Primary keys stay (they check the invented ids are unique).
  const secondary = (
    await db.query<{ name: string; definition: string }>(
      `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
       WHERE i.schemaname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      [SCHEMA],
    )
  ).rows;
  for (const { name } of secondary) await db.exec(`DROP INDEX "${SCHEMA}"."${name}"`);
  const t0 = 1_767_225_600; // 2026-01-01, seconds
  const steps: Array<[string, string]> = [
    [
      "lots commissioned",
      `INSERT INTO item_event (id, item_id, event, biz_step, disposition, member, root, count, gtin, lot, expires_at, block_number, log_index, tx_hash, timestamp)
       SELECT 'l' || n, ${hex("1", "n")}, 'LotCommissioned', 'commissioning', 'active', ${hex("a", "n % 20")}, ${hex("f", "n")}, 200, 9501101530003, 'L' || n, 1830297600, n, 0, ${hex("e", "n")}, ${t0} + n FROM generate_series(1, ${LOTS}) n`,
    ],
    ...(
      [
        "ContainerPacked:packing:active",
        "ItemShipped:shipping:in_transit",
        "ItemReceived:receiving:active",
        "ContainerUnpacked:unpacking:active",
      ] as const
    ).flatMap((spec, k): Array<[string, string]> => {
      const [event, step, disp] = spec.split(":");
      return [
        [
          `pallets ${event}`,
          `INSERT INTO item_event (id, item_id, event, biz_step, disposition, member, sscc, block_number, log_index, tx_hash, timestamp)
             SELECT 'p${k}-' || n, ${hex("2", "n")}, '${event}', '${step}', '${disp}', ${hex("b", "n % 50")}, n, 100000 + n * 10 + ${k * 3}, 1, ${hex("e", "n")}, ${t0} + 100000 + n * 10 + ${k * 3} FROM generate_series(1, ${PALLETS}) n`,
        ],
        [
          `cases ${event}`,
          `INSERT INTO item_event (id, item_id, event, biz_step, disposition, member, sscc, block_number, log_index, tx_hash, timestamp)
             SELECT 'c${k}-' || n, ${hex("3", "n")}, '${event}', '${step}', '${disp}', ${hex("b", "n % 50")}, n, 10000 + (n / 10) * 10 + ${k * 4}, 2 + n % 10, ${hex("e", "n")}, ${t0} + 10000 + n FROM generate_series(1, ${CASES}) n`,
        ],
      ];
    }),
    [
      "cases linked into pallets",
      `INSERT INTO item_link (id, child, parent, block_number, log_index, tx_hash, timestamp)
       SELECT 'lc' || n, ${hex("3", "n")}, ${hex("2", "1 + n % " + PALLETS)}, 100000 + (1 + n % ${PALLETS}) * 10, 20 + n / ${PALLETS}, ${hex("e", "n")}, ${t0} + 100000 FROM generate_series(1, ${CASES}) n`,
    ],
    [
      "packs linked into cases",
      `INSERT INTO item_link (id, child, parent, block_number, log_index, tx_hash, timestamp)
       SELECT 'lp' || n, ${hex("4", "n")}, ${hex("3", "1 + n % " + CASES)}, 10000 + ((1 + n % ${CASES}) / 10) * 10 + 1, 100 + n / ${CASES}, ${hex("e", "n")}, ${t0} + 10000 FROM generate_series(1, ${PACKS}) n`,
    ],
    [
      "ItemLinked events of packs and cases",
      `INSERT INTO item_event (id, item_id, event, biz_step, disposition, parent, block_number, log_index, tx_hash, timestamp)
       SELECT 'ie' || id, child, 'ItemLinked', 'packing', 'active', parent, block_number, log_index, tx_hash, timestamp FROM item_link`,
    ],
    [
      "packs dispensed",
      `INSERT INTO item_event (id, item_id, event, biz_step, disposition, member, block_number, log_index, tx_hash, timestamp)
       SELECT 'd' || n, ${hex("4", "n")}, 'PackDispensed', 'dispensing', 'dispensed', ${hex("c", "n % 300")}, 200000 + n, 0, ${hex("e", "n")}, ${t0} + 200000 + n FROM generate_series(1, ${PACKS}) n`,
    ],
    [
      "packs' lots",
      `INSERT INTO pack_lot (pack_id, lot_id) SELECT ${hex("4", "n")}, ${hex("1", "1 + n % " + LOTS)} FROM generate_series(1, ${PACKS}) n`,
    ],
    [
      "consents",
      `INSERT INTO consent_patient (consent_id, patient) SELECT ${hex("5", "n")}, '0x' || lpad(to_hex(n), 40, '0') FROM generate_series(1, 20000) n`,
    ],
    [
      "record accesses",
      `INSERT INTO record_access (id, kind, member, custodian, record, batch_root, purpose, reference, consent_id, break_glass_id, block_number, log_index, tx_hash, timestamp)
       SELECT 'r' || n, CASE WHEN n % 50 = 0 THEN 'break-glass' ELSE 'consent' END, ${hex("d", "n % " + MEMBERS)}, ${hex("d", "(n + 1) % " + MEMBERS)}, ${hex("6", "n")}, ${hex("7", "n / 1000")},
              CASE WHEN n % 50 = 0 THEN 'ETREAT (reason 1)' ELSE 'TREAT' END, CASE WHEN n % 50 = 0 THEN 'break-glass #' || n ELSE ${hex("5", "1 + n % 20000")} END,
              CASE WHEN n % 50 = 0 THEN NULL ELSE ${hex("5", "1 + n % 20000")} END, CASE WHEN n % 50 = 0 THEN n ELSE NULL END, 300000 + n, 0, ${hex("e", "n")}, ${t0} + 300000 + n
       FROM generate_series(1, ${ACCESSES}) n`,
    ],
    [
      "break-glass reviews",
      `INSERT INTO break_glass_review (break_glass_id, reviewer, block_number) SELECT n, ${hex("d", "0")}, 600000 + n FROM generate_series(100, ${ACCESSES}, 100) n`,
    ],
    [
      "plans",
      `INSERT INTO plan (plan_id, insurer, version) SELECT n, ${hex("9", "n % " + INSURERS)}, 1 FROM generate_series(1, ${INSURERS}) n`,
    ],
    [
      "claims",
      `INSERT INTO claim (claim_id, provider_id, insurer, plan_id, patient_ref, service_date, replaces, status, reason, adjudicated, charged, allowed, deductible, coinsurance, copay, over_limit, plan_pays, submitted_block, updated_block, updated_at)
       SELECT n, ${hex("8", "n % " + PROVIDERS)}, ${hex("9", "(1 + n % " + INSURERS + ") % " + INSURERS)}, 1 + n % ${INSURERS}, ${hex("a0", "n")}, ${t0} + n * 60, 0,
              CASE WHEN n % 20 = 0 THEN 'Rejected' ELSE 'Paid' END, CASE WHEN n % 20 = 0 THEN 18 ELSE 0 END, n % 20 <> 0,
              120000000, 100000000, 10000000, 9000000, 1000000, 0, 80000000, 700000 + n, 700000 + n, ${t0} + 700000 + n
       FROM generate_series(1, ${CLAIMS}) n`,
    ],
    [
      "claim events",
      `INSERT INTO claim_event (id, event, claim_id, provider_id, insurer, amount, block_number, log_index, tx_hash, timestamp)
       SELECT 'ce' || n || '-' || k, (ARRAY['ClaimSubmitted','ClaimAdjudicated','ClaimPaid'])[k], n, ${hex("8", "n % " + PROVIDERS)}, NULL, CASE WHEN k = 3 THEN 80000000 ELSE NULL END, 700000 + n, k, ${hex("e", "n")}, ${t0} + 700000 + n
       FROM generate_series(1, ${CLAIMS}) n, generate_series(1, 3) k`,
    ],
  ];
  const timings: Record<string, number> = {};
  for (const [label, statement] of steps) {
    const t = performance.now();
    await db.exec(statement);
    timings[label] = Math.round(performance.now() - t);
  }
  // Every family row is an event; all of them also land in the generic table, as the handlers write it.
  const t = performance.now();
  await db.exec(`
    INSERT INTO chain_event (id, contract, address, event, args, block_number, log_index, tx_hash, timestamp)
      SELECT 'i' || id, 'DrugProvenance', '0x0', event, json_build_object('itemId', item_id, 'parent', parent), block_number, log_index, tx_hash, timestamp FROM item_event;
    INSERT INTO chain_event (id, contract, address, event, args, block_number, log_index, tx_hash, timestamp)
      SELECT 'r' || id, 'RecordRegistry', '0x0', CASE kind WHEN 'consent' THEN 'RecordAccessed' ELSE 'BreakGlassAccessed' END, json_build_object('member', member), block_number, log_index, tx_hash, timestamp FROM record_access;
    INSERT INTO chain_event (id, contract, address, event, args, block_number, log_index, tx_hash, timestamp)
      SELECT 'c' || id, 'ClaimsEngine', '0x0', event, json_build_object('claimId', claim_id::text), block_number, log_index, tx_hash, timestamp FROM claim_event;`);
  timings["generic chain_event rows"] = Math.round(performance.now() - t);
  const u = performance.now();
  for (const { definition } of secondary) await db.exec(definition);
  await db.exec("ANALYZE");
  timings[`Ponder's ${secondary.length} secondary indexes rebuilt + ANALYZE`] = Math.round(performance.now() - u);
  return timings;
}

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { p50: Number(at(50).toFixed(2)), p99: Number(at(99).toFixed(2)), max: Number(s.at(-1)!.toFixed(2)) };
}

let result: Record<string, unknown>;
try {
  let t = performance.now();
  await createTables();
  const createSeconds = Number(((performance.now() - t) / 1000).toFixed(1));
  const pg = new PGlite(pgliteDir);
  t = performance.now();
  const fillTimings = await fill(pg);
  const fillSeconds = Number(((performance.now() - t) / 1000).toFixed(1));
  const counts = (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM chain_event`)).rows[0]!.n;
  const db = drizzle({ client: pg, casing: "snake_case" });
  if (counts < 1_000_000) throw new Error(`the fill wrote ${counts} events, fewer than a million`);
  const { PAGE_SIZE, routeAnswers } = await import("../indexer/src/api/reports.js");
  const rand = (n: number, seed: number) => 1 + ((seed * 2_654_435_761) % n);
  const id = (prefix: string, n: number) => "0x" + (prefix + n.toString(16)).padStart(64, "0");
  // What a route does for a request: its query parsed, its report's statement, the JSON it sends.
  const measure = async (run: (i: number) => Promise<unknown[]>) => {
    const samples: number[] = [];
    let rows = 0;
    for (let i = 0; i < 20; i++) await run(i); // warm-up
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const answer = await run(i + 20);
      JSON.stringify(answer);
      samples.push(performance.now() - start);
      rows += answer.length;
    }
    return { ...percentiles(samples), rowsPerAnswer: Math.round(rows / RUNS) };
  };
  // The machine is shared: its load while the reports are measured goes in the record.
  const loadBefore = loadavg()[0]!;
  const deep = new Map<string, string>();
  for (let m = 0; m < MEMBERS; m++) {
    const member = id("d", m);
    const { rows } = await pg.query<{ b: number; l: number }>(
      `SELECT block_number::float8 AS b, log_index AS l FROM ${SCHEMA}.record_access WHERE member = $1 ORDER BY block_number, log_index OFFSET 999 LIMIT 1`,
      [member],
    );
    deep.set(member, `${rows[0]!.b}-${rows[0]!.l}`);
  }
  const reports = {
    "pack custody timeline (whole)": await measure((i) => routeAnswers.custody(db, id("4", rand(PACKS, i)), {})),
    [`member access audit (first page, ${PAGE_SIZE} rows)`]: await measure((i) =>
      routeAnswers.audit(db, { member: id("d", rand(MEMBERS, i) % MEMBERS) }),
    ),
    [`provider remittance (first page, ${PAGE_SIZE} rows)`]: await measure((i) =>
      routeAnswers.remittance(db, { provider: id("8", rand(PROVIDERS, i) % PROVIDERS) }),
    ),
    // A page deep in the report costs the same (keyset cursor): the audit's page after its 1,000th row.
    [`member access audit (page after row 1,000)`]: await measure((i) => {
      const member = id("d", rand(MEMBERS, i) % MEMBERS);
      return routeAnswers.audit(db, { member, after: deep.get(member)! });
    }),
  };
  const loadAfter = loadavg()[0]!;
  // For scale: one pack's events found by scanning every indexed event (no index on the arguments).
  const scan: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await pg.query(`SELECT * FROM chain_event WHERE args->>'itemId' = $1`, [id("4", rand(PACKS, i))]);
    scan.push(performance.now() - start);
  }
  await pg.close();
  const within = Object.values(reports).every((r) => r.p99 < CEILING_MS);
  result = {
    machine: `${process.platform} ${process.arch}, node ${process.version}, PGlite (Ponder's embedded database)`,
    indexedEvents: counts,
    createTablesSeconds: createSeconds,
    fillSeconds,
    fillTimingsMs: fillTimings,
    loadAverage1mWhileMeasured: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
    runsPerReport: RUNS,
    pageSize: PAGE_SIZE,
    ceilingMsP99: CEILING_MS,
    withinCeiling: within,
    reportsMs: reports,
    fullScanOfAllEventsMs: percentiles(scan),
  };
} finally {
  await rm(work, { recursive: true, force: true });
}

console.log(JSON.stringify(result, null, 2));
await writeFile(path.join(ROOT, "bench", "indexer.json"), JSON.stringify(result, null, 2) + "\n");
const reports = result.reportsMs as Record<string, { p50: number; p99: number; max: number; rowsPerAnswer: number }>;
const scan = result.fullScanOfAllEventsMs as { p50: number };
const table = [
  `| report (${(result.indexedEvents as number).toLocaleString("en")} indexed events, ${RUNS} runs) | rows per answer | p50 (ms) | p99 (ms) | ceiling p99 (ms) |`,
  "| --- | ---: | ---: | ---: | ---: |",
  ...Object.entries(reports).map(
    ([name, r]) => `| ${name} | ${r.rowsPerAnswer} | ${r.p50} | ${r.p99} | ${CEILING_MS} |`,
  ),
  `| for scale: one pack's events by scanning every event | | ${scan.p50} | | |`,
].join("\n");
const readmeFile = path.join(ROOT, "README.md");
const readme = await readFile(readmeFile, "utf8");
const start = "<!-- indexer-table:start -->";
const end = "<!-- indexer-table:end -->";
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} markers`);
const updated = readme.slice(0, i + start.length) + "\n\n" + table + "\n\n" + readme.slice(j);
const config = await prettier.resolveConfig(readmeFile);
await writeFile(readmeFile, await prettier.format(updated, { ...config, filepath: readmeFile }));
if (result.withinCeiling !== true) {
  console.error(`a report's p99 is over the ${CEILING_MS} ms ceiling`);
  process.exitCode = 1;
}
