import { createHash } from "node:crypto";

import canonicalize from "canonicalize";
import type { Signer } from "ethers";

import { ConsortiumRegistry__factory, type DrugProvenance } from "../../../typechain-types/index.js";
import type { ProgressCallback } from "../../chain/cli.js";
import { openContract, requireSigner, type Connection } from "../../chain/connection.js";
import { MedChainError } from "../../chain/errors.js";
import { JobError, runJob, type JobEvent, type JobReport, type JobStep, type TxCall } from "../../chain/pipeline.js";
import { planContainer, writeContainerFile, type Catalog } from "../catalog.js";
import { claimOf, companyPrefixLength, linksFor, packCalldata, planPack, productsOf } from "../client.js";
import { gs1CenturyYear, parseGs1, parseGs1Date } from "../gs1/index.js";
import { containerIdOf, expiresAtOf, gtinToUint, lotIdOf } from "../ids.js";
import { ItemKind, ItemState, recallReasonCode } from "../kinds.js";
import { codesOnDisk, planLot, writeLotsFiles, type LotPlan } from "../lot.js";
import { resolveItem } from "../resolve.js";
import {
  cbvName,
  epcisDocumentSchema,
  epcisEventSchema,
  isRfc3339,
  isTimeZoneOffset,
  type EpcisEvent,
} from "./schema.js";

/** One contract call an EPCIS event maps to. Items are the EPCs as written in the document. */
export type ImportStep =
  | { op: "commission"; gtin: string; lot: string; expiry: string; serials: string[] }
  | { op: "pack"; sscc: string; children: string[] }
  | { op: "unpack" | "receive" | "destroy" | "report-stolen" | "dispense"; item: string }
  | { op: "ship"; item: string; to: string }
  | { op: "recall"; gtin: string; lot: string };

export type PlannedStep = ImportStep & {
  /** Journal key: the event's id (or hash) and the step's number within it. */
  key: string;
  eventIndex: number;
  eventID?: string;
  /** The party (readPoint / bizLocation / source) acting, to choose the signer. */
  actor?: string;
};

/** An event the importer cannot map: which event, which field, what is wrong. */
export class EpcisEventError extends MedChainError {
  constructor(
    readonly file: string,
    readonly eventIndex: number,
    readonly eventID: string | undefined,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: event #${eventIndex}${eventID !== undefined ? ` (${eventID})` : ""}: field ${field}: ${problem}`, {
      kind: "BAD_INPUT",
    });
    this.name = "EpcisEventError";
  }
}

export interface PlanContext {
  /** Party or location URN (PGLN, SGLN) -> member id; used for `destinationList` of shipments. */
  parties?: Record<string, string>;
  /** Receiving member for a shipment whose destination the parties do not name. */
  defaultRecipient?: string;
}

const ZERO = "0x" + "0".repeat(64);

/** Steps DrugProvenance refuses when their effect is already on chain (see `JobStep.refusedIfDone`). */
const REFUSED_IF_DONE = new Set<ImportStep["op"]>(["commission", "pack", "unpack", "ship", "receive", "recall"]);
/** Steps that call the ProductRegistry; the others call DrugProvenance. */
const TO_REGISTRY = new Set<ImportStep["op"]>(["commission", "recall"]);
/** Steps in one transaction by default (see `ImportOptions.batchSize`). */
export const DEFAULT_IMPORT_BATCH = 16;

const SUPPORTED =
  "commissioning, packing, unpacking, shipping, receiving, dispensing, decommissioning, destroying, or disposition recalled/stolen";

/** Event types whose `action` the EPCIS standard requires. */
const WITH_ACTION = new Set(["ObjectEvent", "AggregationEvent", "TransactionEvent", "AssociationEvent"]);

function toYymmdd(date: string): string | undefined {
  const m = /^(\d{2})(\d{2})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) return undefined;
  const d = new Date(`${m[1]}${m[2]}-${m[3]}-${m[4]}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) return undefined;
  return `${m[2]}${m[3]}${m[4]}`;
}

function ilmdValue(ilmd: Record<string, unknown> | undefined, name: string): string | undefined {
  if (ilmd === undefined) return undefined;
  for (const [k, v] of Object.entries(ilmd))
    if ((k === name || k.endsWith(`:${name}`)) && typeof v === "string") return v;
  return undefined;
}

/** The first EPC listed twice in `list`, if any. */
function twice(list: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const epc of list) {
    if (seen.has(epc)) return epc;
    seen.add(epc);
  }
  return undefined;
}

/**
 * Maps an EPCIS 2.0 document to contract calls without sending anything, and finds every problem
 * of every event (not only the first): a field the importer cannot map, a missing `action`, an EPC
 * listed twice, an event time that is not RFC 3339, an event that repeats an earlier one (the same
 * `eventID`, or the same content). Callers refuse the whole document if any is found.
 */
export function planImport(
  raw: unknown,
  file: string,
  ctx: PlanContext = {},
): { steps: PlannedStep[]; errors: EpcisEventError[] } {
  const doc = epcisDocumentSchema.safeParse(raw);
  if (!doc.success) {
    const issue = doc.error.issues[0]!;
    throw new MedChainError(
      `${file}: not an EPCIS 2.0 document: field ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const steps: PlannedStep[] = [];
  const errors: EpcisEventError[] = [];
  const seenIds = new Map<string, number>();
  const seenContent = new Map<string, number>();
  doc.data.epcisBody.eventList.forEach((rawEvent, index) => {
    const eventID = (rawEvent as { eventID?: unknown })?.eventID;
    const id = typeof eventID === "string" ? eventID : undefined;
    const fail = (field: string, problem: string) => errors.push(new EpcisEventError(file, index, id, field, problem));
    const parsed = epcisEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) fail(issue.path.join(".") || "(event)", issue.message);
      return;
    }
    const event = parsed.data;
    // Duplicates: the same id, or the same content under another (or no) id.
    const { eventID: _id, ...content } = rawEvent as Record<string, unknown>;
    const hash = `sha256:${createHash("sha256")
      .update(canonicalize(content) ?? "")
      .digest("hex")}`;
    const earlierId = id === undefined ? undefined : seenIds.get(id);
    if (earlierId !== undefined) return fail("eventID", `the same eventID as event #${earlierId}`);
    const earlierContent = seenContent.get(hash);
    if (earlierContent !== undefined) return fail("(event)", `a duplicate of event #${earlierContent}`);
    if (id !== undefined) seenIds.set(id, index);
    seenContent.set(hash, index);
    const before = errors.length;
    if (!isRfc3339(event.eventTime)) {
      fail("eventTime", `"${event.eventTime}" is not an RFC 3339 date-time (e.g. 2026-01-31T10:00:00Z)`);
    }
    if (event.eventTimeZoneOffset !== undefined && !isTimeZoneOffset(event.eventTimeZoneOffset)) {
      fail("eventTimeZoneOffset", `"${event.eventTimeZoneOffset}" is not an offset such as +01:00 or -05:00`);
    }
    if (WITH_ACTION.has(event.type) && event.action === undefined) fail("action", "missing (ADD, OBSERVE or DELETE)");
    for (const [field, list] of [
      ["epcList", event.epcList],
      ["childEPCs", event.childEPCs],
    ] as const) {
      const dup = twice(list ?? []);
      if (dup !== undefined) fail(field, `${dup} is listed twice`);
    }
    if (errors.length > before) return;
    const key = id ?? hash;
    const actor = event.bizLocation?.id ?? event.readPoint?.id ?? event.sourceList?.[0]?.source;
    let k = 0;
    const mapped: PlannedStep[] = [];
    const add = (step: ImportStep) =>
      mapped.push({
        ...step,
        key: `${key}#${k++}`,
        eventIndex: index,
        ...(id === undefined ? {} : { eventID: id }),
        ...(actor === undefined ? {} : { actor }),
      });
    try {
      mapEvent(event, add, fail, ctx);
    } catch (err) {
      fail("epcList", (err as Error).message.replace(/^GS1 input /, ""));
    }
    // one at a time: spreading an event of hundreds of thousands of EPCs overflows the call stack
    if (errors.length === before) for (const step of mapped) steps.push(step);
  });
  return { steps, errors };
}

function mapEvent(
  event: EpcisEvent,
  add: (s: ImportStep) => void,
  fail: (field: string, problem: string) => void,
  ctx: PlanContext,
): void {
  if (event.errorDeclaration !== undefined) {
    return fail("errorDeclaration", "corrections of earlier events are not supported: import the corrective events");
  }
  const bizStep = cbvName(event.bizStep);
  const disposition = cbvName(event.disposition);
  const epcs = event.epcList ?? [];
  if (event.type === "AggregationEvent") {
    const parent = event.parentID;
    if (parent === undefined) return fail("parentID", "an aggregation needs its parent container");
    const { sscc } = parseGs1(parent);
    if (sscc === undefined) return fail("parentID", `${parent} is not an SSCC (only SSCC containers are tracked)`);
    if (event.action === "ADD") {
      const children = event.childEPCs ?? [];
      if (children.length === 0)
        return fail("childEPCs", "packing needs the children's EPCs (quantities cannot be proven)");
      return add({ op: "pack", sscc, children });
    }
    if (event.action === "DELETE") return add({ op: "unpack", item: parent });
    if (bizStep === "receiving") return add({ op: "receive", item: parent });
    if (bizStep === "shipping") return shipEach([parent], event, add, fail, ctx);
    return fail("bizStep", `an observed aggregation must be shipping or receiving, not ${bizStep ?? "(none)"}`);
  }
  if (event.type !== "ObjectEvent")
    return fail("type", `${event.type} is not supported (ObjectEvent and AggregationEvent are)`);
  if (disposition === "recalled") {
    const lots = new Map<string, { gtin: string; lot: string }>();
    for (const q of event.quantityList ?? []) {
      const c = parseGs1(q.epcClass);
      if (c.gtin !== undefined && c.lot !== undefined) lots.set(`${c.gtin}/${c.lot}`, { gtin: c.gtin, lot: c.lot });
    }
    if (lots.size === 0) return fail("quantityList", "a recall names its lots as epcClass (GTIN + lot)");
    for (const l of lots.values()) add({ op: "recall", ...l });
    return;
  }
  if (epcs.length === 0) {
    return fail(
      event.quantityList !== undefined ? "quantityList" : "epcList",
      "no EPCs (quantities of a class cannot be tracked pack by pack)",
    );
  }
  switch (bizStep) {
    case "commissioning": {
      if (event.action !== "ADD") return fail("action", `commissioning is an ADD, not ${event.action}`);
      const lot = ilmdValue(event.ilmd, "lotNumber");
      const expiryDate = ilmdValue(event.ilmd, "itemExpirationDate");
      if (lot === undefined) return fail("ilmd.lotNumber", "commissioning needs the lot number");
      const expiry = expiryDate === undefined ? undefined : toYymmdd(expiryDate);
      if (expiry === undefined)
        return fail("ilmd.itemExpirationDate", "commissioning needs the expiry date (YYYY-MM-DD, a real day)");
      // A pack carries the expiry as YYMMDD: a year outside GS1's sliding window would be read back
      // in another century (1950 as 2050), so it is refused rather than rewritten.
      if (gs1CenturyYear(Number(expiry.slice(0, 2))) !== Number(expiryDate!.slice(0, 4)))
        return fail(
          "ilmd.itemExpirationDate",
          `${expiryDate} cannot be written as a GS1 expiry (YYMMDD): its year would be read as ${gs1CenturyYear(Number(expiry.slice(0, 2)))}`,
        );
      const byGtin = new Map<string, string[]>();
      const seen = new Map<string, string>();
      for (const epc of epcs) {
        const { gtin, serial } = parseGs1(epc);
        if (gtin === undefined || serial === undefined)
          return fail("epcList", `${epc} is not a serialised pack (GTIN + serial)`);
        // The same pack spelled twice (a Digital Link and its URN, another case of the host): one
        // serial of a lot is one pack, whatever the spelling.
        const earlier = seen.get(`${gtin}/${serial}`);
        if (earlier !== undefined)
          return fail("epcList", `${epc} is the pack ${earlier} again (GTIN ${gtin}, serial ${serial})`);
        seen.set(`${gtin}/${serial}`, epc);
        const list = byGtin.get(gtin);
        if (list === undefined) byGtin.set(gtin, [serial]);
        else list.push(serial);
      }
      for (const [gtin, serials] of byGtin) add({ op: "commission", gtin, lot, expiry, serials });
      return;
    }
    case "shipping":
      return shipEach(epcs, event, add, fail, ctx);
    case "receiving":
      for (const item of epcs) add({ op: "receive", item });
      return;
    case "dispensing":
    case "decommissioning":
      if (disposition === "destroyed") for (const item of epcs) add({ op: "destroy", item });
      else for (const item of epcs) add({ op: "dispense", item });
      return;
    case "destroying":
      for (const item of epcs) add({ op: "destroy", item });
      return;
    default:
      if (disposition === "stolen") {
        for (const item of epcs) add({ op: "report-stolen", item });
        return;
      }
      return fail("bizStep", `${bizStep ?? "(none)"} is not supported (${SUPPORTED})`);
  }
}

function shipEach(
  items: string[],
  event: EpcisEvent,
  add: (s: ImportStep) => void,
  fail: (field: string, problem: string) => void,
  ctx: PlanContext,
): void {
  const named = (event.destinationList ?? []).map((d) => d.destination).filter((d): d is string => d !== undefined);
  // own keys only: a destination spelled "constructor" or "__proto__" names no party
  const parties = ctx.parties ?? {};
  const to =
    named.map((d) => (Object.hasOwn(parties, d) ? parties[d] : undefined)).find((m) => m !== undefined) ??
    ctx.defaultRecipient;
  if (to === undefined) {
    return fail("destinationList", "no destination maps to a member: pass the parties map or a default recipient");
  }
  for (const item of items) add({ op: "ship", item, to });
}

export interface ImportOptions extends PlanContext {
  catalog: Catalog;
  dataDir: string;
  /** The job's journal file (created if missing): a re-run resumes from it. */
  journal: string;
  /** The signer acting for an event (by its actor: bizLocation, readPoint or source); default the connection's. */
  signerFor?: (actor: string | undefined) => Signer | undefined;
  /** DrugProvenance's address (default: the connection's deployment record). */
  provenance?: string;
  /** Most transactions in flight (default 64). */
  window?: number;
  /**
   * Most events in one transaction (default 16; 1 sends each alone): events of one signer to one
   * contract that do not depend on each other go together through the contract's `multicall`. A
   * batch the contract refuses is sent again event by event, which names the event refused.
   */
  batchSize?: number;
  /** Progress: steps done of total. */
  onProgress?: ProgressCallback;
  /** The sender's reports (retries, re-sends). */
  onEvent?: (event: JobEvent) => void;
}

export interface ImportResult {
  steps: PlannedStep[];
  /** Sent in this run. */
  sent: number;
  /** Done in an earlier run (journal) or already on chain. */
  skipped: number;
  report: JobReport;
}

/** A step with its items resolved to on-chain ids. */
interface Resolved {
  step: PlannedStep;
  /** The item (pack or container) the step acts on, or the container it packs. */
  id?: string;
  children?: string[];
  lotId?: string;
  plan?: LotPlan;
}

/**
 * The resources a step touches, and how: steps of one mode on a resource commute (two dispenses
 * out of one opened case, two cases packed from one lot); anything else is ordered as in the
 * document. `x` is exclusive.
 */
type Access = [resource: string, mode: string];

/**
 * Orders the steps: each depends on the earlier steps it does not commute with, on every resource
 * it touches (so a pack waits for its lot's commissioning, a receive for its ship, an unpack for
 * its receive, a dispense out of a case for the case's unpacking), and nothing else waits.
 */
function dependencies(accesses: Access[][]): number[][] {
  const runs = new Map<string, { mode: string; members: number[]; previous: number[] }>();
  return accesses.map((list, i) => {
    const deps: number[] = [];
    for (const [resource, mode] of list) {
      const run = runs.get(resource);
      if (run === undefined) {
        runs.set(resource, { mode, members: [i], previous: [] });
      } else if (run.mode === mode && mode !== "x") {
        run.members.push(i);
        deps.push(...run.previous);
      } else {
        deps.push(...run.members);
        runs.set(resource, { mode, members: [i], previous: run.members });
      }
    }
    return [...new Set(deps.filter((d) => d !== i))];
  });
}

/**
 * Imports an EPCIS document through the pipelined, crash-safe sender (`runJob`): every problem of
 * every event is found first (the mapping, packs and containers the data directory does not know,
 * members that are not active) and the document is refused whole, naming each, before anything is
 * sent or written. Then many transactions are in flight at once, each after the steps it depends
 * on; a re-run (after a crash, or of the same document) sends nothing twice: the journal holds
 * every transaction, and steps it does not know are looked up on chain.
 */
export async function importEpcis(
  conn: Connection,
  raw: unknown,
  file: string,
  options: ImportOptions,
): Promise<ImportResult> {
  const { catalog, dataDir } = options;
  const { steps, errors } = planImport(raw, file, options);
  const eventError = (step: PlannedStep, field: string, problem: string) =>
    new EpcisEventError(file, step.eventIndex, step.eventID, field, problem);
  const contract = await openContract(conn, "provenance", options.provenance);
  const products = await productsOf(contract);

  // Lots commissioned by the document: their hidden codes are drawn once and kept in the data
  // directory, so a re-run commissions the same root (the lot files of an earlier run are reused).
  const resolved: Resolved[] = [];
  const newPlans: LotPlan[] = [];
  for (const step of steps) {
    if (step.op !== "commission") continue;
    const lotId = lotIdOf(step.gtin, step.lot);
    const known = catalog.packsOfLot(lotId);
    if (known.length > 0) {
      const serials = new Set(known.map((p) => p.serial));
      if (known.length !== step.serials.length || step.serials.some((s) => !serials.has(s))) {
        errors.push(eventError(step, "epcList", `lot ${step.lot} of ${step.gtin} is in ${dataDir} with other serials`));
      } else if (known.some((p) => p.expiry !== undefined && p.expiry !== step.expiry)) {
        errors.push(
          eventError(
            step,
            "ilmd.itemExpirationDate",
            `lot ${step.lot} of ${step.gtin} is in ${dataDir} with another expiry`,
          ),
        );
      }
      continue;
    }
    try {
      // A bundle without its tree (a stop between the two files' renames) keeps its codes.
      const codes = codesOnDisk(dataDir, step.gtin, step.lot, step.serials);
      const plan = planLot({ ...step, ...(codes === undefined ? {} : { codes }) });
      catalog.addLotPlan(plan);
      newPlans.push(plan);
    } catch (err) {
      errors.push(eventError(step, "ilmd", (err as Error).message));
    }
  }
  // A lot the document commissions that the chain holds under another root: its codes are not in
  // the data directory (files lost, or another directory's); nothing is planned over it.
  const onChain = await Promise.all(newPlans.map(async (plan) => (await products.lotOf(plan.lotId)).root));
  newPlans.forEach((plan, i) => {
    if (onChain[i] === ZERO || onChain[i]!.toLowerCase() === plan.root.toLowerCase()) return;
    const step = steps.find((s) => s.op === "commission" && lotIdOf(s.gtin, s.lot) === plan.lotId)!;
    errors.push(
      eventError(
        step,
        "epcList",
        `lot ${plan.lot} of ${plan.gtin} is on chain under root ${onChain[i]}, and its codes are not in ${dataDir}: restore its bundle and tree`,
      ),
    );
  });
  // Items, in document order: what each step acts on, and the containers the document packs (known
  // to the catalog from the start: a container's tree depends only on its children).
  for (const step of steps) {
    const r: Resolved = { step };
    try {
      if (step.op === "commission") {
        r.lotId = lotIdOf(step.gtin, step.lot);
      } else if (step.op === "recall") {
        r.lotId = lotIdOf(step.gtin, step.lot);
      } else if (step.op === "pack") {
        r.id = containerIdOf(step.sscc);
        r.children = step.children.map((c) => resolveItem(catalog, c, "child").id);
        catalog.addContainer(planContainer(step.sscc, r.children));
      } else {
        r.id = resolveItem(catalog, step.item).id;
        if (step.op === "dispense") {
          const pack = catalog.packs.get(r.id.toLowerCase());
          if (pack?.code === undefined) {
            throw new MedChainError(`${step.item}: no hidden code for this pack in the lot bundles of ${dataDir}`);
          }
        }
      }
    } catch (err) {
      const field = step.op === "pack" ? "childEPCs" : "epcList";
      errors.push(eventError(step, field, (err as Error).message.replace(/^(item|child) /, "")));
    }
    resolved.push(r);
  }
  // Members shipped to must be active members of the consortium.
  const registry = ConsortiumRegistry__factory.connect(await contract.consortium(), conn.provider);
  const recipients = [...new Set(steps.flatMap((s) => (s.op === "ship" ? [s.to.toLowerCase()] : [])))];
  const active = new Map(
    await Promise.all(recipients.map(async (m) => [m, await registry.isActiveMemberId(m, 0xff)] as const)),
  );
  for (const step of steps) {
    if (step.op === "ship" && active.get(step.to.toLowerCase()) !== true) {
      errors.push(eventError(step, "destinationList", `${step.to} is not an active member of the consortium`));
    }
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.eventIndex - b.eventIndex);
    const all = errors.map((e) => e.message.slice(file.length + 2)).join("; ");
    throw new MedChainError(`${file}: ${errors.length} problem${errors.length > 1 ? "s" : ""}, nothing sent: ${all}`, {
      kind: "BAD_INPUT",
      file,
    });
  }
  // Written before the first transaction: a commissioning in the journal always has its codes on disk.
  await writeLotsFiles(dataDir, newPlans);

  // The order between steps (see `dependencies`).
  const parentOf = new Map<string, string>();
  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    for (let p = parentOf.get(id); p !== undefined && !out.includes(p); p = parentOf.get(p)) out.push(p);
    return out;
  };
  const accesses: Access[][] = resolved.map((r) => {
    const { step } = r;
    if (step.op === "commission" || step.op === "recall") return [[`lot:${r.lotId!.toLowerCase()}`, "x"]];
    const lotOf = (id: string) => catalog.packs.get(id)?.lotId.toLowerCase();
    const id = r.id!.toLowerCase();
    const list: Access[] = [[`item:${id}`, "x"]];
    const onItem = (item: string) => {
      const lot = lotOf(item);
      if (lot !== undefined) list.push([`lot:${lot}`, step.op === "pack" ? "draw" : "use"]);
      for (const a of ancestors(item)) list.push([`item:${a}`, "in"]);
    };
    if (step.op === "pack") {
      for (const child of r.children!.map((c) => c.toLowerCase())) {
        list.push([`item:${child}`, "x"]);
        onItem(child);
        parentOf.set(child, id);
      }
      // A pack by list of packs of several lots, or of containers, draws no lot: their lots are only read.
      const lots = new Set(r.children!.map((c) => lotOf(c.toLowerCase())));
      if (lots.size !== 1 || lots.has(undefined)) {
        for (const access of list) if (access[1] === "draw") access[1] = "use";
      }
    } else {
      onItem(id);
      if (step.op === "ship") parentOf.delete(id);
    }
    // One resource once per step, the strongest mode.
    const byResource = new Map<string, string>();
    for (const [res, mode] of list) if (byResource.get(res) !== "x") byResource.set(res, mode);
    return [...byResource.entries()];
  });
  const deps = dependencies(accesses);

  const defaultSigner = steps.some((s) => options.signerFor?.(s.actor) === undefined)
    ? requireSigner(conn, "an EPCIS import")
    : undefined;
  const members = new Map<Signer, Promise<string>>();
  const memberOf = (signer: Signer) => {
    let m = members.get(signer);
    if (m === undefined) members.set(signer, (m = signer.getAddress().then((a) => registry.memberOf(a))));
    return m;
  };
  const provenanceAddress = await contract.getAddress();
  const productsAddress = await products.getAddress();
  // Whether a step is already on chain: its own effect shows, or a later step that needed it is
  // done (a ship whose item was since received and unpacked no longer looks shipped). Each step's
  // own check is asked of the chain once per run.
  const dependents = resolved.map(() => [] as number[]);
  deps.forEach((list, i) => list.forEach((d) => dependents[d]!.push(i)));
  const own = new Map<number, Promise<boolean>>();
  const ownDone = (i: number) => {
    let p = own.get(i);
    if (p === undefined) own.set(i, (p = alreadyDone(contract, catalog, resolved[i]!, () => memberOf(signerOf(i)))));
    return p;
  };
  const isDone = async (i: number, seen = new Set<number>()): Promise<boolean> => {
    if (seen.has(i)) return false;
    seen.add(i);
    if (await ownDone(i)) return true;
    // A lot never commissioned or a container never packed: nothing after it can have happened.
    const op = resolved[i]!.step.op;
    if (op === "commission" || op === "pack") return false;
    for (const j of dependents[i]!) if (await isDone(j, seen)) return true;
    return false;
  };
  const signerOf = (i: number) => options.signerFor?.(resolved[i]!.step.actor) ?? defaultSigner!;

  // Packing straight off the line without reading the chain at send time: a case packed from packs
  // of one lot that this document commissions, no earlier step acting on any of them, packs by
  // reference when the commissioning was sent in this run (so no pack of the lot was ever seen on
  // chain) by the packer's own member. Its company prefix is read while the job starts, not when
  // the case is due (on a 2 s chain, 6 reads per case right after each block were the import's time).
  const commissionOfLot = new Map<string, number>();
  const touched = new Set<string>();
  const byLot = new Map<number, { lotId: string; commission: number }>();
  resolved.forEach((r, i) => {
    if (r.step.op === "commission" && !commissionOfLot.has(r.lotId!.toLowerCase()))
      commissionOfLot.set(r.lotId!.toLowerCase(), i);
    if (r.step.op === "pack") {
      const children = r.children!.map((c) => c.toLowerCase());
      const lots = new Set(children.map((c) => catalog.packs.get(c)?.lotId.toLowerCase()));
      const lotId = lots.size === 1 ? [...lots][0] : undefined;
      const commission = lotId === undefined ? undefined : commissionOfLot.get(lotId);
      if (lotId !== undefined && commission !== undefined && children.every((c) => !touched.has(c)))
        byLot.set(i, { lotId, commission });
    }
    for (const [resource] of accesses[i]!) if (resource.startsWith("item:")) touched.add(resource.slice(5));
  });
  const sentThisRun = new Set<string>();
  const prefixes = new Map<number, Promise<number>>();
  const packByLot = (i: number) => async (): Promise<{ lotId: string; prefixLength: number } | undefined> => {
    const plan = byLot.get(i);
    if (plan === undefined || !sentThisRun.has(resolved[plan.commission]!.step.key)) return undefined;
    const [maker, packer] = await Promise.all([memberOf(signerOf(plan.commission)), memberOf(signerOf(i))]);
    if (maker.toLowerCase() !== packer.toLowerCase()) return undefined;
    return { lotId: plan.lotId, prefixLength: await prefixes.get(i)! };
  };
  const jobSteps: JobStep[] = resolved.map((r, i) => {
    const signer = signerOf(i);
    const dependsOn = deps[i]!.map((d) => resolved[d]!.step.key);
    return {
      key: r.step.key,
      signer,
      gasKind: r.step.op,
      // Refused by the contract when repeated (a dispense is not: a second one raises a clone alert).
      refusedIfDone: REFUSED_IF_DONE.has(r.step.op),
      // Those may share a transaction with others of their signer to the same contract (multicall).
      ...(REFUSED_IF_DONE.has(r.step.op)
        ? { batchWith: TO_REGISTRY.has(r.step.op) ? productsAddress : provenanceAddress }
        : {}),
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      isDone: () => isDone(i),
      call: () =>
        callOf(contract, catalog, r, provenanceAddress, productsAddress, () => memberOf(signer), packByLot(i)),
    };
  });

  let done = 0;
  const indexOf = new Map(jobSteps.map((s, i) => [s.key, i]));
  for (const i of byLot.keys()) {
    const read = companyPrefixLength(contract, (resolved[i]!.step as { sscc: string }).sscc, true);
    read.catch(() => {}); // awaited (and reported) by its step
    prefixes.set(i, read);
  }
  const job = runJob(conn, jobSteps, {
    journal: options.journal,
    batchSize: options.batchSize ?? DEFAULT_IMPORT_BATCH,
    ...(options.window === undefined ? {} : { window: options.window }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    onDone: async (outcome) => {
      if (outcome.status === "sent") sentThisRun.add(outcome.key);
      const r = resolved[indexOf.get(outcome.key)!]!;
      if (r.step.op === "pack") {
        const container = catalog.containers.get(r.id!.toLowerCase());
        // Sent now, its call carried the catalog's root; done by a transaction of the journal (an
        // earlier run, maybe of an edited document), the file follows the chain's root only when it
        // is the document's.
        const chainRoot =
          container === undefined || outcome.status === "sent"
            ? container?.tree.root
            : (await contract.itemOf(r.id!)).root;
        if (container !== undefined && chainRoot!.toLowerCase() !== container.tree.root.toLowerCase()) {
          throw new EpcisEventError(
            file,
            r.step.eventIndex,
            r.step.eventID,
            "childEPCs",
            `container ${container.sscc} is on chain under root ${chainRoot}, not this event's children: its file is kept`,
          );
        }
        if (container !== undefined) {
          await writeContainerFile(
            dataDir,
            {
              format: "medchain.provenance.container/1",
              sscc: container.sscc,
              containerId: r.id!,
              root: container.tree.root,
              children: container.children,
              tree: container.tree.dump(),
            },
            { replace: true }, // the chain holds this container under this root (checked just above)
          );
        }
      }
      options.onProgress?.(++done, jobSteps.length);
    },
  });
  let report: JobReport;
  try {
    report = await job;
  } catch (err) {
    if (!(err instanceof JobError)) throw err;
    // Name the event the contract refused; the journal lets a re-run resume once it is fixed.
    const refused = err.report.outcomes.find((o) => o.status === "refused");
    const r = refused === undefined ? undefined : resolved[indexOf.get(refused.key)!];
    if (r === undefined) throw err;
    const { sent, skipped, blocked } = err.report;
    const where = `${file}: event #${r.step.eventIndex}${r.step.eventID ? ` (${r.step.eventID})` : ""}`;
    const why = refused!.error?.message.replace(/^step "[^"]*": /, "") ?? "refused";
    throw new MedChainError(
      `${where}: ${r.step.op} refused: ${why} (${sent} sent, ${skipped} already done, ${blocked} not sent; run again after fixing it)`,
      { kind: "REFUSED", ...(refused!.error?.revert ? { revert: refused!.error.revert } : {}) },
    );
  }
  return { steps, sent: report.sent, skipped: report.skipped, report };
}

/**
 * Whether the chain already shows the step's effect (done by an earlier run or another process). A
 * lot or container on chain under another root is not this step's doing: its send is refused as a
 * repeat, naming the event, and its file is not written over the one that matches the chain.
 */
async function alreadyDone(
  contract: DrugProvenance,
  catalog: Catalog,
  r: Resolved,
  member: () => Promise<string>,
): Promise<boolean> {
  const { step } = r;
  switch (step.op) {
    case "commission": {
      const root = (await (await productsOf(contract)).lotOf(r.lotId!)).root;
      return root !== ZERO && root.toLowerCase() === catalog.lots.get(r.lotId!.toLowerCase())?.tree.root.toLowerCase();
    }
    case "pack": {
      const item = await contract.itemOf(r.id!);
      const planned = catalog.containers.get(r.id!.toLowerCase())?.tree.root.toLowerCase();
      return item.kind === ItemKind.Container && item.root.toLowerCase() === planned;
    }
    case "recall":
      return (await (await productsOf(contract)).lotOf(r.lotId!)).recalled;
    default: {
      const item = await contract.itemOf(r.id!);
      if (step.op === "ship") return item.state === ItemState.InTransit && item.pendingTo === step.to;
      if (step.op === "receive") {
        // Received by the signer's member (not merely held by whoever packed it).
        const me = (await member()).toLowerCase();
        return (
          item.state !== ItemState.InTransit && item.holder.toLowerCase() === me && item.pendingTo.toLowerCase() === me
        );
      }
      if (step.op === "unpack") return item.state === ItemState.Opened;
      if (step.op === "dispense") return item.state === ItemState.Dispensed;
      if (step.op === "destroy") return item.state === ItemState.Destroyed;
      return item.state === ItemState.Stolen;
    }
  }
}

/** The step's contract call, built when it is about to be sent (its dependencies mined): links reflect the chain then. */
async function callOf(
  contract: DrugProvenance,
  catalog: Catalog,
  r: Resolved,
  provenance: string,
  products: string,
  member: () => Promise<string>,
  packByLot: () => Promise<{ lotId: string; prefixLength: number } | undefined>,
): Promise<TxCall> {
  const { step } = r;
  const iface = contract.interface;
  const registry = (await productsOf(contract)).interface;
  const links = () => linksFor(contract, catalog, r.id!);
  switch (step.op) {
    case "commission": {
      const lot = catalog.lots.get(r.lotId!.toLowerCase())!;
      const expiresAt = expiresAtOf(parseGs1Date(step.expiry));
      return {
        to: products,
        data: registry.encodeFunctionData("commissionLot", [
          gtinToUint(step.gtin),
          step.lot,
          expiresAt,
          step.serials.length,
          lot.tree.root,
        ]),
      };
    }
    case "recall":
      // An EPCIS recall event (disposition recalled) carries no reason: the chain records it unspecified.
      return {
        to: products,
        data: registry.encodeFunctionData("recall", [r.lotId!, recallReasonCode("unspecified")!]),
      };
    case "pack": {
      const fromLot = await packByLot();
      if (fromLot !== undefined) {
        const container = planContainer(step.sscc, r.children!);
        catalog.addContainer(container);
        const plan = { container, prefixLength: fromLot.prefixLength, fromLot: fromLot.lotId, links: [] };
        return { to: provenance, data: packCalldata(contract, plan) };
      }
      const plan = await planPack(contract, catalog, step.sscc, r.children!, await member());
      catalog.addContainer(plan.container);
      return { to: provenance, data: packCalldata(contract, plan) };
    }
    case "unpack":
      return { to: provenance, data: iface.encodeFunctionData("unpack", [r.id!, await links()]) };
    case "ship":
      return { to: provenance, data: iface.encodeFunctionData("ship", [r.id!, step.to, await links()]) };
    case "receive":
      return { to: provenance, data: iface.encodeFunctionData("receiveItem", [r.id!]) };
    case "destroy":
      return { to: provenance, data: iface.encodeFunctionData("destroy", [r.id!, await links()]) };
    case "report-stolen":
      return { to: provenance, data: iface.encodeFunctionData("reportStolen", [r.id!, await links()]) };
    case "dispense": {
      const pack = catalog.packs.get(r.id!.toLowerCase())!;
      const { claim, packId } = claimOf(catalog, {
        gtin: pack.gtin,
        lot: pack.lot,
        serial: pack.serial!,
        code: pack.code!,
      });
      const dispenseLinks = await linksFor(contract, catalog, packId, false);
      return { to: provenance, data: iface.encodeFunctionData("dispense", [claim, dispenseLinks]) };
    }
  }
}
