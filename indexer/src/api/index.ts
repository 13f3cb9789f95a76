// The indexer's HTTP routes (Hono, served by Ponder beside its own /health, /ready and /status):
// the three reports the SDK's `connectIndexer` reads. Bad query parameters get 400 with a one-line
// JSON error naming the parameter.
import { db } from "ponder:api";
import { Hono, type Context } from "hono";

import { indexerStatus, ParameterError, routeAnswers, tableSchema, type Db } from "./reports.js";

const reports = db as unknown as Db;
const app = new Hono();

/** Runs a report; a bad parameter is a 400 naming it, anything else a 500 with one line. */
async function answer(c: Context, run: () => Promise<unknown>) {
  try {
    return c.json(await run());
  } catch (err) {
    if (err instanceof ParameterError) return c.json({ error: err.message, parameter: err.parameter }, 400);
    const message = (err as Error).message.split("\n")[0] ?? "internal error";
    return c.json({ error: message }, message.startsWith("the indexer has not indexed") ? 503 : 500);
  }
}

app.get("/medchain/status", (c) => answer(c, () => indexerStatus(reports, tableSchema())));
app.get("/medchain/custody/:itemId", (c) =>
  answer(c, () => routeAnswers.custody(reports, c.req.param("itemId"), c.req.query())),
);
app.get("/medchain/audit", (c) => answer(c, () => routeAnswers.audit(reports, c.req.query())));
app.get("/medchain/events", (c) => answer(c, () => routeAnswers.events(reports, c.req.query())));
app.get("/medchain/remittance", (c) => answer(c, () => routeAnswers.remittance(reports, c.req.query())));

export default app;
