// `npm run bench:gateway`: the record gateway under load, with every chain check on. 200 concurrent
// requesters (operating keys of the grantee) on loopback each search what the consent covers (four
// records) again and again (their requests signed beforehand, off the clock); the gateway verifies each
// signed request and audits it on chain before it serves (batched: one transaction per block). Bounded:
// MAX_REQUESTS requests in all, or MAX_SECONDS per run. Runs against anvil in another process, once with a block per transaction and
// once with a block every second (a consortium chain's rhythm); writes bench/gateway-load.json and the
// README's table. A benchmark, not a test: it asserts nothing about speed.
import { cpus, loadavg, totalmem, type as osType, release } from "node:os";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import * as prettier from "prettier";
import { HDNodeWallet, Wallet } from "ethers";

import { anchorGatewayExport, COVERED, deployRecords } from "../test/records/fixture.js";
import { DEV_MNEMONIC, rpcCall, startNode } from "../scripts/lib/nodes.js";
import { patientAccountFor, PURPOSES } from "../src/records/consent.js";
import { consentFileOf, consentTerms, grantConsent } from "../src/records/consent-file.js";
import { gatewayOptionsOf, gatewaySettings, GatewayClient, startGateway } from "../src/records/gateway/index.js";
import { accountProofFor } from "../src/consortium/account-proof.js";

const REQUESTERS = 200;
const MAX_REQUESTS = Number(process.env.BENCH_GATEWAY_REQUESTS ?? 2_000);
const MAX_SECONDS = Number(process.env.BENCH_GATEWAY_SECONDS ?? 60);

const node = await startNode("anvil", { zeroGas: true });
const work = await mkdtemp(path.join(tmpdir(), "medchain-gateway-load-"));
try {
  const { ethers } = await network.create({
    network: "localhost",
    override: { url: node.url, accounts: { mnemonic: DEV_MNEMONIC, count: 20 }, timeout: 30_000 },
  });
  const fx = await deployRecords(ethers);
  const { dir, proofs } = await anchorGatewayExport(
    fx,
    work,
    patientAccountFor("0x" + "6b".repeat(32), fx.ids.hospitalA).address,
  );
  const t = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const terms = consentTerms({
    patient: fx.patientAtA.address,
    custodian: fx.ids.hospitalA,
    grantee: fx.ids.hospitalB,
    purpose: PURPOSES.TREAT,
    categories: COVERED,
    from: t,
    days: 30,
  });
  await grantConsent(fx.records.connect(fx.hospitalB), fx.patientAtA, terms, t + 3600n);
  const consent = consentFileOf(terms, undefined, fx.domain.chainId as bigint, await fx.records.getAddress());
  // 200 requesters: operating keys of hospital B (the grantee), each signing its own requests.
  const keys = Array.from({ length: REQUESTERS }, () => Wallet.createRandom());
  const registry = fx.registry.connect(fx.hospitalB);
  for (const key of keys) {
    await (await registry.addAccount(key.address, await accountProofFor(fx.registry, key, fx.ids.hospitalB))).wait();
  }

  const runs = [];
  for (const [mode, blockTime] of [
    ["a block per transaction (automine)", 0],
    ["a block every second", 1],
  ] as const) {
    if (blockTime > 0) {
      await rpcCall(node.url, "evm_setAutomine", [false]);
      await rpcCall(node.url, "evm_setIntervalMining", [blockTime]);
    }
    const options = await gatewayOptionsOf(
      gatewaySettings({
        MEDCHAIN_RPC_URL: node.url,
        MEDCHAIN_GATEWAY_KEY: HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/4").privateKey,
        MEDCHAIN_RECORDS: await fx.records.getAddress(),
        MEDCHAIN_GATEWAY_RECORDS: dir,
        MEDCHAIN_GATEWAY_PROOFS: proofs,
        MEDCHAIN_GATEWAY_STATE: path.join(work, `state-${blockTime}`),
      }),
    );
    const gateway = await startGateway({ ...options, port: 0 });
    // Each requester's requests are signed before the clock starts: in a real exchange the
    // requesters sign on their own machines, not on the gateway's CPU.
    const perRequester = Math.ceil(MAX_REQUESTS / REQUESTERS);
    const queues = await Promise.all(
      keys.map(async (key) => {
        const client = new GatewayClient({
          gateway: gateway.url,
          consent,
          signer: key,
          domain: fx.domain,
          lifetimeSeconds: 300,
        });
        const queue = [];
        for (let i = 0; i < perRequester; i++) queue.push(await client.sign(""));
        return queue;
      }),
    );
    const latencies: number[] = [];
    let requests = 0;
    let records = 0;
    let errors = 0;
    const started = Date.now();
    const stopAt = started + MAX_SECONDS * 1000;
    const txBefore = gateway.auditor.stats.transactions;
    await Promise.all(
      queues.map(async (queue) => {
        for (const signed of queue) {
          if (Date.now() >= stopAt) break;
          requests += 1;
          const begin = performance.now();
          const response = await fetch(signed.url, { headers: signed.headers });
          const body = (await response.json()) as { total?: number };
          latencies.push(performance.now() - begin);
          if (response.status === 200) records += body.total ?? 0;
          else errors += 1;
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const transactions = gateway.auditor.stats.transactions - txBefore;
    await gateway.close();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!);
    runs.push({
      chain: mode,
      requests,
      recordsServed: records,
      errors,
      seconds: Math.round(seconds * 10) / 10,
      recordsPerSecond: Math.round(records / seconds),
      requestsPerSecond: Math.round(requests / seconds),
      p50Ms: pct(50),
      p99Ms: pct(99),
      auditTransactions: transactions,
      requestsPerTransaction: Math.round((requests - errors) / Math.max(1, transactions)),
    });
    console.log(runs.at(-1));
  }
  const machine = {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 10) / 10),
    note: "gateway, 200 requesters and their signing in one Node process; anvil in another; all on loopback, shared machine",
  };
  const result = {
    requesters: REQUESTERS,
    recordsPerRequest: 4,
    maxRequests: MAX_REQUESTS,
    maxSeconds: MAX_SECONDS,
    machine,
    runs,
  };
  // Both files formatted as `prettier --check .` expects, so a bench run needs no manual pass.
  const pretty = async (file: string, text: string) =>
    writeFile(file, await prettier.format(text, { ...((await prettier.resolveConfig(file)) ?? {}), filepath: file }));
  await pretty("bench/gateway-load.json", JSON.stringify(result, null, 2) + "\n");
  const table = [
    "| chain | requests | records/s | requests/s | p50 ms | p99 ms | audit txs | requests per tx | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...runs.map(
      (r) =>
        `| ${r.chain} | ${r.requests} | ${r.recordsPerSecond} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.auditTransactions} | ${r.requestsPerTransaction} | ${r.errors} |`,
    ),
    "",
    `Machine: ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(" / ")} at start (${machine.note}).`,
  ].join("\n");
  const readme = await readFile("README.md", "utf8");
  const start = "<!-- gateway-load:start -->";
  const end = "<!-- gateway-load:end -->";
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i >= 0 && j > i)
    await pretty("README.md", readme.slice(0, i + start.length) + "\n\n" + table + "\n\n" + readme.slice(j));
  console.table(runs);
} finally {
  await node.stop();
  await rm(work, { recursive: true, force: true });
}
