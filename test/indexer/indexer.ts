import { expect } from "chai";
import { hexlify, randomBytes } from "ethers";

import { rpcCall } from "../../scripts/lib/nodes.js";
import { MedChainError } from "../../src/chain/errors.js";
import type { ClaimsConnection } from "../../src/claims/connect.js";
import { readClaim } from "../../src/claims/engine.js";
import { providerRemittance } from "../../src/claims/operations.js";
import { remittanceCsv, remittanceRow } from "../../src/claims/remittance.js";
import { connectIndexer } from "../../src/indexer/client.js";
import { historyOf, type HistoryEntry } from "../../src/provenance/history.js";
import { auditTrail } from "../../src/records/audit.js";
import { INDEXED_CONTRACTS } from "../../src/indexer/settings.js";
import { caughtUp, demoChain, startIndexer, tempDir, type Chain, type Indexer } from "./harness.js";

interface EventRow {
  contract: string;
  event: string;
  blockNumber: number;
  logIndex: number;
  txHash: string;
}

/** Every event the indexer holds, paged through GET /medchain/events after the last row read. */
async function indexedEvents(indexer: Indexer, limit = 10_000): Promise<EventRow[]> {
  const out: EventRow[] = [];
  for (let after = ""; ;) {
    const res = await fetch(`${indexer.url}/medchain/events?limit=${limit}${after}`);
    expect(res.status).to.equal(200);
    const page = (await res.json()) as EventRow[];
    out.push(...page);
    if (page.length < limit) return out;
    after = `&after=${page.at(-1)!.blockNumber}-${page.at(-1)!.logIndex}`;
  }
}

/** Every log the suite's contracts emitted on the node's canonical chain, as (block, logIndex, tx). */
async function chainLogs(chain: Chain, addresses: string[]): Promise<string[]> {
  const logs = (await rpcCall(chain.node.url, "eth_getLogs", [
    { fromBlock: "0x0", toBlock: "latest", address: addresses },
  ])) as Array<{
    blockNumber: string;
    logIndex: string;
    transactionHash: string;
  }>;
  return logs.map((l) => `${Number(l.blockNumber)}-${Number(l.logIndex)}-${l.transactionHash}`).sort();
}

const keysOf = (rows: EventRow[]) => rows.map((r) => `${r.blockNumber}-${r.logIndex}-${r.txHash}`).sort();

/**
 * The oracle for a custody timeline, from the chain's logs (`historyOf`): the item's and its lot's
 * events, and each container's events from its packing that held the item to its next unpacking.
 */
async function expectedTimeline(chain: Chain, packId: string, lotId: string): Promise<HistoryEntry[]> {
  const provenance = chain.story.contracts.provenance!;
  const out: HistoryEntry[] = await historyOf(provenance, [lotId, packId]);
  const pos = (e: { blockNumber: number; logIndex: number }) => e.blockNumber * 1e6 + e.logIndex;
  let frontier = [{ id: packId, from: 0, to: Infinity }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      const links = (await historyOf(provenance, [f.id])).filter((e) => e.event === "ItemLinked" && e.itemId === f.id);
      for (const link of links) {
        if (pos(link) > f.to) continue;
        const parent = await historyOf(provenance, [link.parent!]);
        const own = parent.filter((e) => e.itemId === link.parent);
        const packed = own.filter((e) => e.event === "ContainerPacked" && pos(e) < pos(link)).at(-1);
        const start = packed === undefined ? pos(link) : pos(packed);
        const unpacked = own.find((e) => e.event === "ContainerUnpacked" && pos(e) > start);
        const end = unpacked === undefined ? Infinity : pos(unpacked);
        const from = Math.max(start, f.from);
        const to = Math.min(end, f.to);
        for (const e of own)
          if (pos(e) >= from && pos(e) <= to && !out.some((o) => pos(o) === pos(e)))
            out.push({ ...e, via: link.parent! });
        next.push({ id: link.parent!, from, to });
      }
    }
    frontier = next;
  }
  return out.sort((x, y) => pos(x) - pos(y));
}

describe("Indexer (Ponder): every MedChain event in SQL tables, and the reports read from them", function () {
  this.timeout(900_000);
  let chain: Chain;
  let indexer: Indexer;
  let pgliteDir: string;
  let addresses: string[];
  /** The same indexer on PostgreSQL (when MEDCHAIN_TEST_POSTGRES_URL is set), started beside the PGlite one. */
  let pg: Indexer | undefined;
  const postgresUrl = process.env.MEDCHAIN_TEST_POSTGRES_URL ?? "";

  before(async function () {
    chain = await demoChain();
    pgliteDir = await tempDir();
    // Both start (and backfill) at once: Ponder's start-up is mostly waiting, not the CPU.
    [indexer, pg] = await Promise.all([
      startIndexer({ rpcUrl: chain.node.url, pgliteDir }),
      postgresUrl === ""
        ? undefined
        : startIndexer({ rpcUrl: chain.node.url, databaseUrl: postgresUrl, schema: `medchain_test_${Date.now()}` }),
    ]);
    await caughtUp(indexer, chain.node);
    const { indexerSettings } = await import("../../src/indexer/settings.js");
    const settings = await indexerSettings({ MEDCHAIN_RPC_URL: chain.node.url });
    addresses = Object.values(settings.addresses);
  });

  after(async function () {
    await pg?.stop("SIGKILL");
    await indexer?.stop("SIGKILL");
    await chain?.stop();
  });

  it("holds every event of every module on the chain exactly once (unique block and log index)", async function () {
    const rows = await indexedEvents(indexer);
    expect(keysOf(rows)).to.deep.equal(await chainLogs(chain, addresses));
    expect(new Set(rows.map((r) => `${r.blockNumber}-${r.logIndex}`)).size).to.equal(rows.length);
    // Consortium, records, provenance, claims and genomics all emitted and all were indexed.
    const contracts = new Set(rows.map((r) => r.contract));
    for (const name of INDEXED_CONTRACTS.filter((c) => c !== "SettlementVault"))
      expect(contracts, name).to.include(name);
  });

  it("reports its chain and last indexed block", async function () {
    const status = await indexer.client.status();
    expect(status.chainId).to.equal(Number(chain.node.chainId));
    const head = Number(BigInt((await rpcCall(chain.node.url, "eth_blockNumber")) as string));
    expect(status.indexedBlock).to.equal(head);
    expect(status.indexedAt).to.be.instanceOf(Date);
  });

  it("answers each pack's custody timeline as the chain's logs tell it: its own events and its lot's", async function () {
    const provenance = chain.story.contracts.provenance!;
    const dispensed = await provenance.queryFilter(provenance.filters.PackDispensed());
    expect(dispensed.length).to.be.greaterThan(0);
    for (const d of dispensed)
      expect(await indexer.client.custodyTimeline(d.args.packId)).to.deep.equal(
        await expectedTimeline(chain, d.args.packId, d.args.lotId),
      );
  });

  it("includes in a case's timeline the pallet's shipments while the case was inside it, and no others", async function () {
    const provenance = chain.story.contracts.provenance!;
    const links = await provenance.queryFilter(provenance.filters.ItemLinked());
    expect(links.length).to.be.greaterThan(0);
    let shippedInside = 0;
    for (const link of new Set(links.map((l) => l.args.child))) {
      const packed = (await provenance.queryFilter(provenance.filters.ContainerPacked(link))).at(-1)!;
      const timeline = await indexer.client.custodyTimeline(link);
      expect(timeline).to.deep.equal(await expectedTimeline(chain, link, packed.args.fromLot));
      shippedInside += timeline.filter((e) => e.via !== undefined && e.event === "ItemShipped").length;
    }
    // The demo ships a pallet of cases twice (its second trip with one case): both trips show.
    expect(shippedInside).to.be.greaterThanOrEqual(2);
  });

  it("answers the regulator's access audit as auditTrail reads it from the chain, whole and per member", async function () {
    const records = chain.story.contracts.records!;
    const all = await auditTrail(records);
    expect(all.length).to.be.greaterThan(0);
    expect(await indexer.client.accessAudit({})).to.deep.equal(all);
    for (const member of new Set(all.map((r) => r.member)))
      expect(await indexer.client.accessAudit({ member })).to.deep.equal(await auditTrail(records, { member }));
    const patient = all.find((r) => r.patient !== "")!.patient;
    expect(await indexer.client.accessAudit({ patients: [patient] })).to.deep.equal(
      await auditTrail(records, { patients: [patient] }),
    );
    expect(await indexer.client.accessAudit({ limit: 1 })).to.deep.equal(all.slice(0, 1));
  });

  it("pages the audit and the remittance with a cursor after the last row read", async function () {
    const all = await indexer.client.accessAudit({});
    expect(all.length).to.be.greaterThan(2);
    const page = async (query: string) =>
      (await (await fetch(`${indexer.url}/medchain/${query}`)).json()) as Array<Record<string, unknown>>;
    const first = await page("audit?limit=2");
    expect(first).to.deep.equal(all.slice(0, 2));
    const last = first.at(-1)!;
    expect(await page(`audit?limit=2&after=${last.block}-${last.logIndex}`)).to.deep.equal(all.slice(2, 4));
    expect(await page("audit")).to.deep.equal(all.slice(0, 100));
    const engine = chain.story.contracts.claimsEngine!;
    const submitted = (await engine.queryFilter(engine.filters.ClaimSubmitted())).map((e) => e.args.providerId);
    const provider = submitted.reduce((a, b) =>
      submitted.filter((p) => p === b).length > submitted.filter((p) => p === a).length ? b : a,
    );
    const claims = await page(`remittance?provider=${provider}`);
    expect(claims.length).to.be.greaterThan(1);
    expect(await page(`remittance?provider=${provider}&after=${claims[0]!.claimId}`)).to.deep.equal(claims.slice(1));
  });

  it("pages the events with a cursor that splits a block holding more events than a page", async function () {
    const whole = await indexedEvents(indexer);
    const perBlock = new Map<number, number>();
    for (const r of whole) perBlock.set(r.blockNumber, (perBlock.get(r.blockNumber) ?? 0) + 1);
    expect(Math.max(...perBlock.values())).to.be.greaterThan(2);
    const paged = await indexedEvents(indexer, 2);
    expect(paged).to.deep.equal(whole);
    const filtered = await (await fetch(`${indexer.url}/medchain/events?contract=DrugProvenance&limit=10000`)).json();
    const firstRow = (filtered as EventRow[])[0]!;
    const rest = await (
      await fetch(
        `${indexer.url}/medchain/events?contract=DrugProvenance&limit=10000&after=${firstRow.blockNumber}-${firstRow.logIndex}`,
      )
    ).json();
    expect(rest).to.deep.equal((filtered as EventRow[]).slice(1));
  });

  it("answers each provider's remittance as the claims engine's state reads it (CSV and rows)", async function () {
    const engine = chain.story.contracts.claimsEngine!;
    const c = { engine, decimals: 6 } as unknown as ClaimsConnection;
    const submitted = await engine.queryFilter(engine.filters.ClaimSubmitted());
    const providers = [...new Set(submitted.map((e) => e.args.providerId))];
    expect(providers.length).to.be.greaterThan(0);
    for (const provider of providers) {
      const rows = await indexer.client.remittance({ provider });
      expect(remittanceCsv(rows, 6)).to.equal(await providerRemittance(c, provider));
      for (const row of rows) {
        const fromChain = remittanceRow(await readClaim(engine, row.claimId), row.insurer);
        expect(row).to.deep.equal(fromChain);
      }
    }
    const insurer = (await indexer.client.remittance({ provider: providers[0]! }))[0]!.insurer;
    expect(insurer).to.match(/^0x[0-9a-f]{64}$/);
    expect((await indexer.client.remittance({ insurer })).length).to.be.greaterThan(0);
  });

  it("refuses bad query parameters with 400 and a one-line error naming the parameter", async function () {
    const cases: Array<[string, string]> = [
      ["/medchain/audit?limit=many", "limit"],
      ["/medchain/audit?member=hospital", "member"],
      ["/medchain/audit?from=yesterday", "from"],
      ["/medchain/audit?colour=red", "colour"],
      ["/medchain/remittance", "provider"],
      ["/medchain/remittance?provider=0x12&limit=5", "provider"],
      ["/medchain/custody/not-an-id", "itemId"],
      ["/medchain/events?limit=0", "limit"],
      ["/medchain/audit?after=12", "after"],
      ["/medchain/events?after=7", "after"],
      ["/medchain/remittance?provider=0x" + "1".repeat(64) + "&after=-1", "after"],
    ];
    for (const [route, parameter] of cases) {
      const res = await fetch(`${indexer.url}${route}`);
      expect(res.status, route).to.equal(400);
      const body = (await res.json()) as { error: string; parameter: string };
      expect(body.parameter, route).to.equal(parameter);
      expect(body.error, route)
        .to.match(new RegExp(`^${parameter}: `))
        .and.not.include("\n");
    }
    const err = await indexer.client.accessAudit({ member: "hospital" }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MedChainError);
    expect((err as MedChainError).kind).to.equal("BAD_INPUT");
    expect((err as MedChainError).message).to.include("member:");
  });

  it("gives a typed UNREACHABLE error when no indexer answers", async function () {
    const err = await connectIndexer("http://127.0.0.1:1", { timeoutMs: 2_000 })
      .status()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MedChainError);
    expect((err as MedChainError).kind).to.equal("UNREACHABLE");
  });

  /** Anchors a new record as hospital A: one RecordAnchored event. */
  async function anchorOne(): Promise<string> {
    const records = chain.story.contracts.records!.connect(chain.story.cast.hospitalA);
    const leaf = hexlify(randomBytes(32));
    await (await records.anchor(leaf, 1)).wait();
    return leaf;
  }
  const anchoredLeaves = async () =>
    (await indexedEvents(indexer))
      .filter((r) => r.event === "RecordAnchored")
      .map((r) => (r as unknown as { args: { leaf: string } }).args.leaf);

  it("follows the chain live: a new event is indexed within seconds", async function () {
    const leaf = await anchorOne();
    await caughtUp(indexer, chain.node);
    expect(await anchoredLeaves()).to.include(leaf);
  });

  it("resumes after a crash (SIGKILL) without losing or repeating an event, including those sent while it was down", async function () {
    await indexer.stop("SIGKILL");
    const whileDown = [await anchorOne(), await anchorOne()];
    indexer = await startIndexer({ rpcUrl: chain.node.url, pgliteDir });
    await caughtUp(indexer, chain.node);
    const rows = await indexedEvents(indexer);
    expect(keysOf(rows)).to.deep.equal(await chainLogs(chain, addresses));
    expect(await anchoredLeaves()).to.include.members(whileDown);
  });

  it("keeps only canonical rows after a reorganisation", async function () {
    const snapshot = (await rpcCall(chain.node.url, "evm_snapshot")) as string;
    const orphan = await anchorOne();
    await caughtUp(indexer, chain.node);
    expect(await anchoredLeaves()).to.include(orphan);
    await rpcCall(chain.node.url, "evm_revert", [snapshot]);
    const canonical = await anchorOne();
    await rpcCall(chain.node.url, "anvil_mine", ["0x3"]);
    await caughtUp(indexer, chain.node);
    const leaves = await anchoredLeaves();
    expect(leaves).to.include(canonical);
    expect(leaves).to.not.include(orphan);
    expect(keysOf(await indexedEvents(indexer))).to.deep.equal(await chainLogs(chain, addresses));
  });

  describe("on PostgreSQL (DATABASE_URL)", function () {
    it("indexes the same chain into PostgreSQL (through the reorganisation) and answers the same reports", async function () {
      if (pg === undefined) {
        console.log("      skipped: set MEDCHAIN_TEST_POSTGRES_URL to a PostgreSQL database (.ci/run does) to run it");
        this.skip();
      }
      await caughtUp(pg, chain.node);
      expect(keysOf(await indexedEvents(pg))).to.deep.equal(await chainLogs(chain, addresses));
      expect(await pg.client.accessAudit({})).to.deep.equal(await indexer.client.accessAudit({}));
      const engine = chain.story.contracts.claimsEngine!;
      for (const e of await engine.queryFilter(engine.filters.ClaimSubmitted()))
        expect(await pg.client.remittance({ provider: e.args.providerId })).to.deep.equal(
          await indexer.client.remittance({ provider: e.args.providerId }),
        );
      const provenance = chain.story.contracts.provenance!;
      for (const d of await provenance.queryFilter(provenance.filters.PackDispensed()))
        expect(await pg.client.custodyTimeline(d.args.packId)).to.deep.equal(
          await indexer.client.custodyTimeline(d.args.packId),
        );
    });
  });
});
