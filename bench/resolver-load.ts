// `npm run bench:resolver`: the GS1 Digital Link resolver under load on loopback, with every chain
// check on. CONCURRENCY clients scan again and again (keep-alive), each run bounded by MAX_REQUESTS
// requests or MAX_SECONDS: (1) a pack with its scratch-off code (lot facts, the chain's `verify` view
// with the pack's case link, and the custody timeline read from the chain's logs, kept per block:
// no indexer; scans rotate over the scenario's six genuine packs), (2) a
// pack link without the code (lot facts only), and, as the ceiling measured in the same run, (3) the
// node's own `eth_call` of `verify` for the same pack at the same concurrency. anvil runs in another
// process. Writes bench/resolver.json and the README's table. A benchmark: it asserts nothing.
import { cpus, loadavg, release, totalmem, type as osType } from "node:os";
import { readFile, writeFile } from "node:fs/promises";

import * as prettier from "prettier";

import { MemberDirectory } from "../src/consortium/directory.js";
import { claimOf, linksFor } from "../src/provenance/client.js";
import { toDigitalLink } from "../src/provenance/gs1/index.js";
import { resolverOptionsOf, resolverSettings, startResolver } from "../src/provenance/resolver/index.js";
import { FIXTURE_MEMBER_CODES } from "../test/provenance/fixture.js";
import { rpcCall } from "../scripts/lib/nodes.js";
import { resolverWorld } from "../scripts/lib/resolver-world.js";

const CONCURRENCY = Number(process.env.BENCH_RESOLVER_CONCURRENCY ?? 32);
const MAX_REQUESTS = Number(process.env.BENCH_RESOLVER_REQUESTS ?? 2_000);
const MAX_SECONDS = Number(process.env.BENCH_RESOLVER_SECONDS ?? 20);

/** Runs `once` from CONCURRENCY loops until MAX_REQUESTS or MAX_SECONDS; latencies in ms. */
async function load(once: () => Promise<boolean>) {
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const started = Date.now();
  const stopAt = started + MAX_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (requests < MAX_REQUESTS && Date.now() < stopAt) {
        requests += 1;
        const begin = performance.now();
        const ok = await once().catch(() => false);
        latencies.push(performance.now() - begin);
        if (!ok) errors += 1;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) / 10;
  return {
    requests,
    errors,
    seconds: Math.round(seconds * 10) / 10,
    requestsPerSecond: Math.round(requests / seconds),
    p50Ms: pct(50),
    p99Ms: pct(99),
  };
}

const world = await resolverWorld();
try {
  const { fx } = world;
  const settings = resolverSettings({
    MEDCHAIN_RPC_URL: world.node.url,
    MEDCHAIN_PROVENANCE: world.provenanceAddress,
    MEDCHAIN_RESOLVER_DATA: world.dataDir,
    MEDCHAIN_RESOLVER_PORT: "0",
  });
  const resolver = await startResolver({
    ...(await resolverOptionsOf(settings)),
    directory: new MemberDirectory(FIXTURE_MEMBER_CODES),
    maxConcurrentChecks: CONCURRENCY * 2,
    maxChecksPerClient: CONCURRENCY * 2, // one load generator on loopback: one client
  });
  const pack = fx.plan.bundle.packs[0]!;
  // the genuine packs of the scenario (pack 1 and 2 were dispensed): scans rotate over them
  const genuine = [0, 3, 4, 5, 6, 7].map((i) => fx.plan.bundle.packs[i]!);
  let next = 0;
  const codeLink = () => {
    const p = genuine[next++ % genuine.length]!;
    const l = toDigitalLink(
      { gtin: fx.plan.gtin, lot: fx.plan.lot, expiry: fx.plan.expiry, serial: p.serial },
      resolver.publicBase,
    );
    return `${l}&code=${p.code}`;
  };
  const link = toDigitalLink(
    { gtin: fx.plan.gtin, lot: fx.plan.lot, expiry: fx.plan.expiry, serial: pack.serial },
    resolver.publicBase,
  );
  const page = (url: string | (() => string), expect: string) => async () => {
    const response = await fetch(typeof url === "string" ? url : url(), { headers: { "Accept-Language": "en" } });
    const text = await response.text();
    return response.status === 200 && text.includes(expect);
  };
  // the same view call the resolver makes, straight to the node
  const scan = { gtin: fx.plan.gtin, lot: fx.plan.lot, serial: pack.serial, code: pack.code };
  const { claim, packId } = claimOf(fx.catalog, scan);
  const data = fx.provenance.interface.encodeFunctionData("verify", [
    claim,
    await linksFor(fx.provenance, fx.catalog, packId, false),
  ]);
  const to = world.provenanceAddress;
  const runs = [];
  for (const [name, once] of [
    ["verify page, code given (lot, verify, timeline from chain logs)", page(codeLink, "Genuine")],
    ["lot page, no code (lot facts)", page(link, "Lot known")],
    [
      "ceiling: the node's eth_call of verify",
      async () => (await rpcCall(world.node.url, "eth_call", [{ to, data }, "latest"])) !== "0x",
    ],
  ] as const) {
    await load(once); // warm-up, not recorded
    runs.push({ scan: name, ...(await load(once)) });
    console.log(runs.at(-1));
  }
  await resolver.close();
  const machine = {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 10) / 10),
    note: "resolver and its clients in one Node process, anvil in another, loopback, shared machine",
  };
  const result = { concurrency: CONCURRENCY, maxRequests: MAX_REQUESTS, maxSeconds: MAX_SECONDS, machine, runs };
  const pretty = async (file: string, text: string) =>
    writeFile(file, await prettier.format(text, { ...((await prettier.resolveConfig(file)) ?? {}), filepath: file }));
  await pretty("bench/resolver.json", JSON.stringify(result, null, 2) + "\n");
  const table = [
    "| scan | requests | requests/s | p50 ms | p99 ms | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...runs.map(
      (r) => `| ${r.scan} | ${r.requests} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} |`,
    ),
    "",
    `${CONCURRENCY} concurrent clients. Machine: ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(" / ")} at start (${machine.note}).`,
  ].join("\n");
  const readme = await readFile("README.md", "utf8");
  const start = "<!-- resolver-load:start -->";
  const end = "<!-- resolver-load:end -->";
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i >= 0 && j > i) {
    await pretty("README.md", readme.slice(0, i + start.length) + "\n\n" + table + "\n\n" + readme.slice(j));
  }
  console.table(runs);
} finally {
  await world.stop();
}
