import { createServer, type Server } from "node:http";

import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { connectIndexer, indexerFromOption } from "../../src/indexer/client.js";

/** A stand-in indexer answering every request with `reply` (or never, for `hang`). */
async function serve(reply: "hang" | { status: number; body: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    if (reply === "hang") return;
    res.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

async function failure(p: Promise<unknown>): Promise<MedChainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(MedChainError);
  return err as MedChainError;
}

describe("Indexer client: typed errors for what can go wrong over HTTP", function () {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it("refuses a URL that is not http(s), naming --indexer", function () {
    expect(() => connectIndexer("ftp://indexer.example")).to.throw(MedChainError, /^--indexer: /);
    expect(() => connectIndexer("not a url")).to.throw(MedChainError, /^--indexer: not a URL/);
  });

  it("is used only when --indexer or MEDCHAIN_INDEXER_URL names one, the option first", function () {
    expect(indexerFromOption("", {})).to.equal(undefined);
    expect(indexerFromOption("", { MEDCHAIN_INDEXER_URL: "http://127.0.0.1:9" })).to.not.equal(undefined);
    expect(() => indexerFromOption("", { MEDCHAIN_INDEXER_URL: "nope" })).to.throw(
      MedChainError,
      /^MEDCHAIN_INDEXER_URL: /,
    );
  });

  it("turns a 400 into BAD_INPUT with the indexer's one-line message", async function () {
    const { url, server } = await serve({
      status: 400,
      body: JSON.stringify({ error: "limit: must be from 1 to 10000", parameter: "limit" }),
    });
    servers.push(server);
    const err = await failure(connectIndexer(url).accessAudit({ limit: 0 }));
    expect(err.kind).to.equal("BAD_INPUT");
    expect(err.message).to.equal(`indexer ${url}: limit: must be from 1 to 10000`);
  });

  it("turns a server error or an answer that is not JSON into UNREACHABLE", async function () {
    const broken = await serve({ status: 500, body: JSON.stringify({ error: "database is down" }) });
    const garbled = await serve({ status: 200, body: "<html>proxy error</html>" });
    servers.push(broken.server, garbled.server);
    expect((await failure(connectIndexer(broken.url).status())).kind).to.equal("UNREACHABLE");
    const err = await failure(connectIndexer(garbled.url).remittance({ provider: "0x" + "1".repeat(64) }));
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("did not answer JSON");
  });

  it("gives up on an indexer that never answers, as UNREACHABLE naming the timeout", async function () {
    const { url, server } = await serve("hang");
    servers.push(server);
    const err = await failure(connectIndexer(url, { timeoutMs: 200 }).custodyTimeline("0x" + "2".repeat(64)));
    expect(err.kind).to.equal("UNREACHABLE");
    expect(err.message).to.include("no answer within 200 ms");
  });
});
