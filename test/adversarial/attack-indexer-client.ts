// Attacks on the SDK's indexer client by a hostile or lying indexer (the client must validate what it
// is told and fail with a typed one-line error, never crash, loop or trust bad data). See FINDINGS.md
// (fourth review, I-series).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { connectIndexer, MAX_ANSWER_BYTES } from "../../src/indexer/client.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const ID = "0x" + "2".repeat(64);
const MEMBER = "0x" + "1".repeat(64);

/** A well-formed custody entry as the indexer sends it. */
const entry = (over: Record<string, unknown> = {}) => ({
  event: "ItemShipped",
  itemId: ID,
  bizStep: "shipping",
  disposition: "in_transit",
  time: "2026-01-01T00:00:00.000Z",
  blockNumber: 10,
  logIndex: 0,
  txHash: "0x" + "a".repeat(64),
  from: MEMBER,
  to: MEMBER,
  member: MEMBER,
  ...over,
});

const auditRow = (block: number, logIndex = 0) => ({
  time: "2026-01-01T00:00:00.000Z",
  block,
  logIndex,
  kind: "consent",
  member: MEMBER,
  custodian: MEMBER,
  record: "0x" + "3".repeat(64),
  batchRoot: "0x" + "4".repeat(64),
  purpose: "TREAT",
  reference: "0x" + "5".repeat(64),
  patient: "0x" + "6".repeat(40),
  review: "",
  tx: "0x" + "7".repeat(64),
});

async function failure(p: Promise<unknown>): Promise<MedChainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "a MedChainError").to.be.instanceOf(MedChainError);
  return err as MedChainError;
}

describe("Attack: a hostile or lying indexer against the SDK's client", function () {
  this.timeout(20_000);
  const servers: Server[] = [];
  async function indexer(handler: Handler): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  const json = (body: unknown) =>
    indexer((_q, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)));
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it("refuses a custody answer that is not an array, as UNREACHABLE naming the route (not a TypeError)", async function () {
    const url = await json({ rows: [] });
    const err = await failure(connectIndexer(url).custodyTimeline(ID));
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("/medchain/custody/").and.include("malformed");
  });

  it("refuses entries of the wrong types: a bigint field that is not decimal, a time that is not a time, a block that is a string", async function () {
    for (const [bad, field] of [
      [entry({ count: "12abc" }), "count"],
      [entry({ time: "yesterday" }), "time"],
      [entry({ blockNumber: "10" }), "blockNumber"],
      [entry({ blockNumber: -1 }), "blockNumber"],
      [entry({ itemId: "<script>" }), "itemId"],
      [entry({ disposition: "teleported" }), "disposition"],
      [{ ...entry(), txHash: undefined }, "txHash"],
    ] as const) {
      const url = await json([bad]);
      const err = await failure(connectIndexer(url).custodyTimeline(ID));
      expect(err.kind, field).to.equal("UNREACHABLE");
      expect(err.message, field).to.include(`0.${field}`);
    }
  });

  it("still decodes a well-formed timeline (bigints and times)", async function () {
    const url = await json([entry({ count: "5", gtin: "9506000134352" })]);
    const [e] = await connectIndexer(url).custodyTimeline(ID);
    expect(e!.count).to.equal(5n);
    expect(e!.gtin).to.equal(9506000134352n);
    expect(e!.time.toISOString()).to.equal("2026-01-01T00:00:00.000Z");
  });

  it("refuses a status with a non-numeric block or time instead of reporting NaN lag", async function () {
    const url = await json({ chainId: 31337, indexedBlock: "lots", indexedAt: "now" });
    const err = await failure(connectIndexer(url).status());
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("indexedBlock");
  });

  it("refuses remittance rows whose money is not a decimal (BigInt would throw a SyntaxError)", async function () {
    const url = await json([{ claimId: "1", paid: "1e18" }]);
    const err = await failure(connectIndexer(url).remittance({ provider: MEMBER, limit: 5 }));
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("/medchain/remittance");
  });

  it("does not loop for ever on an indexer that answers the same full page to every cursor", async function () {
    let asked = 0;
    const page = Array.from({ length: 1_000 }, (_, i) => auditRow(1, i));
    const url = await indexer((_q, res) => {
      asked++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
    });
    const err = await failure(connectIndexer(url).accessAudit({}));
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("does not follow");
    expect(asked).to.equal(2);
  });

  it("refuses a page with more rows than the limit asked", async function () {
    const url = await json([auditRow(1), auditRow(2), auditRow(3)]);
    const err = await failure(connectIndexer(url).accessAudit({ limit: 2 }));
    expect(err.message).to.include("more than the 2 asked");
  });

  it("stops reading an answer larger than MAX_ANSWER_BYTES, declared or streamed without a length", async function () {
    const declared = await indexer((_q, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(MAX_ANSWER_BYTES + 1) });
      res.write("[");
    });
    const err = await failure(connectIndexer(declared).custodyTimeline(ID));
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("bytes");
    let sent = 0;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const streamed = await indexer((_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const pump = () => {
        while (sent < 4 * MAX_ANSWER_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("error", () => {});
      pump();
    });
    const err2 = await failure(connectIndexer(streamed).custodyTimeline(ID));
    expect(err2.message).to.include(`more than ${MAX_ANSWER_BYTES} bytes`);
    expect(sent).to.be.below(4 * MAX_ANSWER_BYTES);
  });
});
