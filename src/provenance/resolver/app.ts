import { Hono, type Context } from "hono";
import { languageDetector } from "hono/language";
import { secureHeaders } from "hono/secure-headers";

import { isUnreachable } from "../../chain/errors.js";
import type { MemberDirectory } from "../../consortium/directory.js";
import { Gs1Error, identityFromElements, parseDigitalLinkParts, parseGs1Date, type Gs1Identity } from "../gs1/index.js";
import { shortId, type HistoryEntry } from "../history.js";
import { expiresAtOf, normalizeCode } from "../ids.js";
import { checkLinkBase } from "../labels.js";
import type { IndexerClient } from "../../indexer/client.js";
import {
  LANGUAGES,
  messages,
  type ErrorStatus,
  pageLanguage,
  type Language,
  type Messages,
  type PageVerdict,
} from "./i18n.js";
import { LINK_TYPE_NAMES, LINKSET_MEDIA_TYPE, linkTargets, linksetOf, negotiate } from "./linkset.js";
import { ScanSlots } from "./clients.js";
import { checkPack, lotFacts, productFacts, type LotFacts, type ResolverChain } from "./lookup.js";
import { renderPage, STYLESHEET, STYLESHEET_PATH, type PageModel, type TimelineRow } from "./page.js";

/** What the resolver asks the indexer: how far it has read the chain, and custody timelines. */
export type ResolverIndexer = Pick<IndexerClient, "status" | "custodyTimeline">;

/** Everything the resolver's routes need (injected: tests pass doubles). */
export interface ResolverDeps {
  chain: ResolverChain;
  /** Custody timelines and how far they reach (the indexer's client, or `chainLogIndexer`). */
  indexer: ResolverIndexer;
  /** Member names (registration codes) for the timeline. */
  directory: MemberDirectory;
  /** The public base URL the printed QR codes carry, e.g. `https://verify.example.org` (no trailing slash). */
  publicBase: string;
  /** Most scans checked against the chain at once; more are answered 503 with Retry-After (default 64). */
  maxConcurrentChecks?: number;
  /** Most of them for one client (see `clientOf`); more are answered 429 with Retry-After (default 8). */
  maxChecksPerClient?: number;
  /**
   * Who sent a request (the per-client cap's key; see `clientKey`; `startResolver` gives the Node
   * server's). Without it there is no per-client cap, only the total.
   */
  clientOf?: (c: Context) => string;
  /** Blocks the indexer may trail the chain before the page says so (default 2). */
  lagBlocks?: number;
  log?: (line: string) => void;
}

/** Longest link (path and query) the resolver reads; longer ones are refused before any parsing. */
export const MAX_LINK_LENGTH = 1024;

type Status = 200 | ErrorStatus;
type Env = { Variables: { language: string } };

const CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** A chain or indexer failure that is the node's (503), not the request's. */
class Unavailable extends Error {}

/**
 * The GS1 Digital Link resolver (Hono): `/01/{gtin}[/10/{lot}[/21/{serial}]][?17=…&code=…]` serves
 * the verify page; `Accept: application/linkset+json` or `?linkType=all` the linkset (RFC 9264);
 * `?linkType=gs1:pip` (and the others of the linkset) redirects to that link. Status codes: 200 a
 * known item, 400 a malformed link or code, 404 an unknown GTIN, lot or pack, 406 an Accept it
 * cannot serve, 414 a link over {@link MAX_LINK_LENGTH}, 429 too many scans at once from one client,
 * 503 the chain unreachable or too many scans at once from everyone. Verdicts come from the chain
 * (`verify`, a view: nothing is dispensed); the indexer only supplies the timeline, and the page
 * says when it trails the chain.
 */
export function resolverApp(deps: ResolverDeps): Hono<Env> {
  const app = new Hono<Env>();
  const base = checkLinkBase(deps.publicBase);
  const total = deps.maxConcurrentChecks ?? 64;
  // without a way to tell clients apart, every request is one client's: the total is its share
  const slots = new ScanSlots(total, deps.clientOf === undefined ? total : (deps.maxChecksPerClient ?? 8));
  const clientOf = deps.clientOf ?? (() => "all");
  const lagBlocks = deps.lagBlocks ?? 2;
  const log = deps.log ?? (() => {});

  app.use(secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: "no-referrer" }));
  app.use(
    languageDetector({
      supportedLanguages: [...LANGUAGES],
      fallbackLanguage: "en",
      order: ["querystring", "header"],
      lookupQueryString: "lang",
      caches: false,
      convertDetectedLanguage: pageLanguage,
    }),
  );

  app.get(STYLESHEET_PATH, (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(STYLESHEET, 200, { "Content-Type": "text/css; charset=utf-8" });
  });

  app.get("/", (c) => page(c, 200, { home: true }));

  app.all("*", async (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      return c.text("only GET and HEAD are served", 405, { Allow: "GET, HEAD" });
    }
    const url = new URL(c.req.url);
    const pathAndQuery = url.pathname + url.search;
    if (pathAndQuery.length > MAX_LINK_LENGTH) return page(c, 414, { error: { status: 414 } });
    const kind = negotiate(c.req.header("Accept"));
    let parsed: ReturnType<typeof parseDigitalLinkParts>;
    try {
      parsed = parseDigitalLinkParts(base + pathAndQuery, {
        permitConvenienceAlphas: true,
        permitZeroSuppressedGtin: true,
      });
    } catch (err) {
      if (!(err instanceof Gs1Error)) throw err;
      // the parser's reason only: echoing the link would put any text a crafted link carries (and a
      // scratch-off code in its query) on the verify domain's page
      return answerError(c, kind, 400, oneLine(err.reason).slice(0, 160));
    }
    const identity = identityFromElements(parsed.elements);
    const params = new Map(parsed.otherParams);
    if (identity.gtin === undefined) {
      return answerError(c, kind, 404, "this resolver answers for GTINs (AI 01) of products registered on MedChain");
    }
    const anchor = canonicalLink(base, identity);
    const lotLink =
      identity.lot === undefined ? anchor : canonicalLink(base, { gtin: identity.gtin, lot: identity.lot });
    const linkType = params.get("linkType");
    // own keys only: `constructor`, `__proto__` or `toString` are no link types
    if (linkType !== undefined && linkType !== "all" && Object.hasOwn(LINK_TYPE_NAMES, linkType)) {
      c.header("Cache-Control", "no-store");
      return c.redirect(linkTargets(anchor, lotLink)[LINK_TYPE_NAMES[linkType]!].href, 307);
    }
    if (kind === undefined) return answerError(c, undefined, 406);
    const slot = slots.take(clientOf(c));
    if ("refused" in slot) {
      c.header("Retry-After", "1");
      return slot.refused === "client"
        ? answerError(c, kind, 429, "too many scans at once from your address")
        : answerError(c, kind, 503, "too many scans at once");
    }
    try {
      if (kind === "linkset" || linkType === "all") {
        const product = await chainCall(() => productFacts(deps.chain, identity.gtin!));
        if (product.manufacturer === undefined)
          return answerError(c, "linkset", 404, `GTIN ${identity.gtin}: not registered`);
        // A lot's links (its verification service, its recall status) exist only for a lot on chain.
        if (
          identity.lot !== undefined &&
          !(await chainCall(() => lotFacts(deps.chain, identity.gtin!, identity.lot!))).known
        )
          return answerError(c, "linkset", 404, `GTIN ${identity.gtin}, lot ${identity.lot}: not commissioned`);
        c.header("Vary", "Accept");
        c.header("Link", `<${anchor}?linkType=all>; rel="linkset"; type="${LINKSET_MEDIA_TYPE}"`);
        const wantsJson =
          (c.req.header("Accept") ?? "").includes("application/json") &&
          !(c.req.header("Accept") ?? "").includes(LINKSET_MEDIA_TYPE);
        return c.body(JSON.stringify(linksetOf(anchor, lotLink)), 200, {
          "Content-Type": wantsJson ? "application/json" : LINKSET_MEDIA_TYPE,
        });
      }
      return await verifyPage(c, identity, params);
    } catch (err) {
      if (err instanceof Unavailable) {
        log(`503: ${err.message}`);
        return answerError(c, kind, 503);
      }
      throw err;
    } finally {
      slot.release();
    }
  });

  app.onError((err, c) => {
    log(`500: ${oneLine(err.message)}`);
    return c.text("internal error", 500);
  });

  async function chainCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (isUnreachable(err)) throw new Unavailable(oneLine((err as Error).message));
      throw err;
    }
  }

  function lang(c: Context<Env>): Language {
    return c.get("language") === "zh-CN" ? "zh-CN" : "en";
  }

  function page(c: Context<Env>, status: Status, model: Omit<PageModel, "t" | "switchHref">) {
    const t = messages(lang(c));
    const url = new URL(c.req.url);
    const other = lang(c) === "en" ? "zh-CN" : "en";
    url.searchParams.set("lang", other);
    c.header("Cache-Control", "no-store");
    c.header("Vary", "Accept, Accept-Language");
    c.header("Content-Language", t.lang);
    return c.html(renderPage({ ...model, t, switchHref: localPath(url.pathname) + url.search }), status);
  }

  function answerError(c: Context<Env>, kind: "html" | "linkset" | undefined, status: ErrorStatus, detail?: string) {
    if (kind === "linkset") {
      c.header("Cache-Control", "no-store");
      c.header("Vary", "Accept");
      return c.json({ status, title: messages("en").errorHeading[status], ...(detail ? { detail } : {}) }, status);
    }
    return page(c, status, { error: { status, ...(detail ? { detail } : {}) } });
  }

  async function verifyPage(c: Context<Env>, identity: Gs1Identity, params: Map<string, string>) {
    const t = messages(lang(c));
    const gtin = identity.gtin!;
    const name = (id: string) => deps.directory.codeOf(id) ?? `${id.slice(0, 6)}…${id.slice(-4)}`;
    if (identity.lot === undefined) {
      const product = await chainCall(() => productFacts(deps.chain, gtin));
      if (product.manufacturer === undefined) return answerError(c, "html", 404, `GTIN ${gtin}`);
      return page(c, 200, {
        verdict: "PRODUCT_KNOWN",
        facts: [
          [t.product, gtin],
          [t.manufacturer, name(product.manufacturer)],
        ],
      });
    }
    const lot = await chainCall(() => lotFacts(deps.chain, gtin, identity.lot!));
    if (!lot.known) return answerError(c, "html", 404, `GTIN ${gtin}, ${t.lot} ${identity.lot}`);
    const facts: [string, string][] = [
      [t.product, gtin],
      [t.lot, lot.lot],
      ...(identity.serial === undefined ? [] : ([[t.serial, identity.serial]] as [string, string][])),
      // expiresAt is the end of the label's expiry day (AI 17): show that day
      [t.expiry, day(new Date(lot.expiresAt.getTime() - 86_400_000), t)],
      [t.manufacturer, name(lot.manufacturer)],
    ];
    const notes = lotNotes(lot, identity, t);
    const lotVerdict: PageVerdict = lot.recalled ? "LOT_RECALLED" : lot.expired ? "LOT_EXPIRED" : "LOT_ACTIVE";
    if (identity.serial === undefined) return page(c, 200, { verdict: lotVerdict, facts, notes });
    const hidden: [string, string][] = [
      ...(identity.expiry === undefined ? [] : ([["17", identity.expiry]] as [string, string][])),
      ["lang", t.lang],
    ];
    const form = { action: localPath(new URL(c.req.url).pathname), hidden };
    const typed = params.get("code");
    if (typed === undefined || typed.trim() === "") {
      return page(c, 200, { verdict: lotVerdict, facts, notes, codeForm: form });
    }
    let code: string;
    try {
      code = normalizeCode(typed);
    } catch {
      return page(c, 400, { verdict: lotVerdict, facts, notes, codeForm: { ...form, error: true } });
    }
    const check = await chainCall(() => checkPack(deps.chain, { gtin, lot: lot.lot, serial: identity.serial!, code }));
    if (check.verdict === "UNKNOWN") {
      return page(c, 404, { verdict: "UNKNOWN", facts, notes, codeForm: form });
    }
    if (check.custodian !== undefined) notes.push(t.custodian(name(check.custodian), check.inTransit));
    return page(c, 200, {
      verdict: check.verdict,
      facts,
      notes,
      timeline: await timelineOf(check.packId, lot.lotId, t, name),
    });
  }

  /**
   * The pack's timeline: its own, its lot's (commissioning, recall: shown even for a pack never seen
   * on chain) and those of the cases the published container files place it in (a pack packed from
   * its lot by reference has no event of its own until it moves), merged without repeats.
   */
  async function mergedTimeline(packId: string, lotId: string): Promise<HistoryEntry[]> {
    const containers = (await deps.chain.catalog()).containersOf(packId);
    const ids = [packId, lotId, ...containers];
    const lists = await Promise.all(ids.map((id) => deps.indexer.custodyTimeline(id)));
    const seen = new Set<string>();
    const merged: HistoryEntry[] = [];
    lists.forEach((list, i) => {
      const id = ids[i]!.toLowerCase();
      for (const e of list) {
        // from a lot's or a case's timeline, only its own events and those of what it was inside
        if (i > 0 && e.via === undefined && e.itemId.toLowerCase() !== id) continue;
        const key = `${e.txHash}:${e.logIndex}`;
        if (seen.has(key)) continue;
        seen.add(key);
        merged.push(i >= 2 && e.via === undefined ? { ...e, via: e.itemId } : e);
      }
    });
    return merged.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
  }

  async function timelineOf(
    packId: string,
    lotId: string,
    t: Messages,
    name: (id: string) => string,
  ): Promise<PageModel["timeline"]> {
    try {
      const [entries, status, head] = await Promise.all([
        mergedTimeline(packId, lotId),
        deps.indexer.status(),
        deps.chain.head.blockNumber(),
      ]);
      const behind = head - status.indexedBlock;
      return {
        rows: entries.map((e) => timelineRow(e, t, name)),
        ...(behind > lagBlocks ? { lagNote: t.indexerLags(behind) } : {}),
      };
    } catch (err) {
      log(`timeline unavailable: ${oneLine((err as Error).message)}`);
      return "unavailable";
    }
  }

  return app;
}

/** The canonical Digital Link of an identity on this resolver: key, lot and serial in the path. */
function canonicalLink(base: string, id: Gs1Identity): string {
  let link = `${base}/01/${id.gtin}`;
  if (id.lot !== undefined) link += `/10/${encodeURIComponent(id.lot)}`;
  if (id.serial !== undefined) link += `/21/${encodeURIComponent(id.serial)}`;
  return link;
}

function lotNotes(lot: LotFacts, identity: Gs1Identity, t: Messages): string[] {
  const notes: string[] = [];
  if (lot.recalled)
    notes.push(t.recalledOn(day(lot.recalledAt!, t), t.recallReason[lot.recallReason ?? "unspecified"]));
  if (identity.expiry !== undefined) {
    // A label's AI (17) is a day; the lot's expiry on chain is the end of that day (as commissioned).
    const printed = expiresAtOf(parseGs1Date(identity.expiry));
    if (printed !== BigInt(lot.expiresAt.getTime() / 1000)) notes.push(t.labelExpiryDiffers(identity.expiry));
  }
  return notes;
}

// Intl formatters are costly to build: one of each per language.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(lang: string, kind: "day" | "time"): Intl.DateTimeFormat {
  const key = `${lang}:${kind}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(
      lang,
      kind === "day"
        ? { dateStyle: "long", timeZone: "UTC" }
        : { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" },
    );
    formatters.set(key, f);
  }
  return f;
}

function day(date: Date, t: Messages): string {
  return formatter(t.lang, "day").format(date);
}

function timelineRow(e: HistoryEntry, t: Messages, name: (id: string) => string): TimelineRow {
  const when = formatter(t.lang, "time").format(e.time);
  const who = e.member !== undefined ? name(e.member) : "";
  const what = t.event(e.event, who, e.from ? name(e.from) : "", e.to ? name(e.to) : "");
  return { when: `${when} UTC`, what, ...(e.via !== undefined ? { via: t.via(viaName(e.via)) } : {}) };
}

/** A container by its SSCC (containers' ids are their SSCCs as numbers), anything else shortened. */
function viaName(id: string): string {
  const n = BigInt(id);
  return n > 0n && n < 10n ** 18n ? n.toString().padStart(18, "0") : shortId(id);
}

/**
 * A path of this site for a link on the page: `//host/…` (a request path starting with two slashes,
 * or a backslash the URL parser turned into one) would be a link to another host.
 */
function localPath(pathname: string): string {
  return "/" + pathname.replace(/^[/\\]+/, "");
}

function oneLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 300);
}
