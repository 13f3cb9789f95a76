import { createHash } from "node:crypto";

import canonicalize from "canonicalize";

import type { DrugProvenance } from "../../../typechain-types/index.js";
import { Journal } from "../../chain/journal.js";
import { describeError, MedChainError } from "../../chain/errors.js";
import { startProgress } from "../../chain/progress.js";
import { writeContainerFile, type Catalog } from "../catalog.js";
import {
  commissionLot,
  destroyItem,
  dispensePack,
  packContainer,
  productsOf,
  recallLot,
  receiveItem,
  reportItemStolen,
  shipItem,
  unpackContainer,
} from "../client.js";
import { parseGs1 } from "../gs1/index.js";
import { containerIdOf, lotIdOf } from "../ids.js";
import { ItemKind, ItemState } from "../kinds.js";
import { planLot, writeLotFiles } from "../lot.js";
import { resolveItem } from "../resolve.js";
import { cbvName, epcisDocumentSchema, epcisEventSchema, type EpcisEvent } from "./schema.js";

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
    super(`${file}: event #${eventIndex}${eventID !== undefined ? ` (${eventID})` : ""}: field ${field}: ${problem}`);
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

const SUPPORTED =
  "commissioning, packing, unpacking, shipping, receiving, dispensing, decommissioning, destroying, or disposition recalled/stolen";

function toYymmdd(date: string): string | undefined {
  const m = /^(\d{2})(\d{2})-(\d{2})-(\d{2})/.exec(date);
  return m === null ? undefined : `${m[2]}${m[3]}${m[4]}`;
}

function ilmdValue(ilmd: Record<string, unknown> | undefined, name: string): string | undefined {
  if (ilmd === undefined) return undefined;
  for (const [k, v] of Object.entries(ilmd))
    if ((k === name || k.endsWith(`:${name}`)) && typeof v === "string") return v;
  return undefined;
}

/**
 * Maps an EPCIS 2.0 document to contract calls without sending anything. Every event it cannot map
 * is reported (index, eventID, field); callers refuse the whole document if any is.
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
  doc.data.epcisBody.eventList.forEach((rawEvent, index) => {
    const eventID = (rawEvent as { eventID?: unknown })?.eventID;
    const id = typeof eventID === "string" ? eventID : undefined;
    const fail = (field: string, problem: string) => errors.push(new EpcisEventError(file, index, id, field, problem));
    const parsed = epcisEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return fail(issue.path.join(".") || "(event)", issue.message);
    }
    const event = parsed.data;
    const key =
      id ??
      `sha256:${createHash("sha256")
        .update(canonicalize(rawEvent) ?? "")
        .digest("hex")}`;
    const actor = event.bizLocation?.id ?? event.readPoint?.id ?? event.sourceList?.[0]?.source;
    let k = 0;
    const add = (step: ImportStep) =>
      steps.push({ ...step, key: `${key}#${k++}`, eventIndex: index, eventID: id, actor });
    try {
      mapEvent(event, add, fail, ctx);
    } catch (err) {
      fail("epcList", (err as Error).message.replace(/^GS1 input /, ""));
    }
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
    if (sscc === undefined) return fail("parentID", `${parent} is not an SSCC`);
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
  if (epcs.length === 0) return fail("epcList", "no EPCs");
  switch (bizStep) {
    case "commissioning": {
      const lot = ilmdValue(event.ilmd, "lotNumber");
      const expiryDate = ilmdValue(event.ilmd, "itemExpirationDate");
      if (lot === undefined) return fail("ilmd.lotNumber", "commissioning needs the lot number");
      const expiry = expiryDate === undefined ? undefined : toYymmdd(expiryDate);
      if (expiry === undefined)
        return fail("ilmd.itemExpirationDate", "commissioning needs the expiry date (YYYY-MM-DD)");
      const byGtin = new Map<string, string[]>();
      for (const epc of epcs) {
        const { gtin, serial } = parseGs1(epc);
        if (gtin === undefined || serial === undefined)
          return fail("epcList", `${epc} is not a serialised pack (GTIN + serial)`);
        byGtin.set(gtin, [...(byGtin.get(gtin) ?? []), serial]);
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
  const to = named.map((d) => ctx.parties?.[d]).find((m) => m !== undefined) ?? ctx.defaultRecipient;
  if (to === undefined) {
    return fail("destinationList", "no destination maps to a member: pass the parties map or a default recipient");
  }
  for (const item of items) add({ op: "ship", item, to });
}

export interface ImportContext extends PlanContext {
  catalog: Catalog;
  dataDir: string;
  journal: Journal;
  /** The contract connected to the signer acting for an event (by its actor), or the default one. */
  contractFor: (actor: string | undefined) => DrugProvenance;
}

/** Whether the chain already shows the step's effect (a re-run after a crash between send and journal). */
async function alreadyDone(contract: DrugProvenance, ctx: ImportContext, step: PlannedStep): Promise<boolean> {
  switch (step.op) {
    case "commission":
      return (await (await productsOf(contract)).lotOf(lotIdOf(step.gtin, step.lot))).root !== ZERO;
    case "pack":
      return (await contract.itemOf(containerIdOf(step.sscc))).kind === ItemKind.Container;
    case "recall":
      return (await (await productsOf(contract)).lotOf(lotIdOf(step.gtin, step.lot))).recalled;
    default: {
      const item = await contract.itemOf(resolveItem(ctx.catalog, step.item).id);
      if (step.op === "ship") return item.state === ItemState.InTransit && item.pendingTo === step.to;
      if (step.op === "receive")
        return item.state !== ItemState.InTransit && item.holder === item.pendingTo && item.holder !== ZERO;
      if (step.op === "unpack") return item.state === ItemState.Opened;
      if (step.op === "dispense") return item.state === ItemState.Dispensed;
      if (step.op === "destroy") return item.state === ItemState.Destroyed;
      return item.state === ItemState.Stolen;
    }
  }
}

async function run(contract: DrugProvenance, ctx: ImportContext, step: PlannedStep): Promise<string> {
  const { catalog } = ctx;
  const item = () => resolveItem(catalog, (step as { item: string }).item).id;
  switch (step.op) {
    case "commission": {
      const plan = planLot(step);
      await writeLotFiles(ctx.dataDir, plan, false);
      catalog.addLotPlan(plan);
      return (await commissionLot(contract, plan)).hash;
    }
    case "pack": {
      const children = step.children.map((c) => resolveItem(catalog, c, "childEPCs").id);
      const { container, receipt } = await packContainer(contract, catalog, step.sscc, children);
      await writeContainerFile(ctx.dataDir, container);
      return receipt.hash;
    }
    case "unpack":
      return (await unpackContainer(contract, catalog, item())).hash;
    case "ship":
      return (await shipItem(contract, catalog, item(), step.to)).hash;
    case "receive":
      return (await receiveItem(contract, item())).hash;
    case "dispense": {
      const pack = catalog.packs.get(item().toLowerCase());
      if (pack?.code === undefined || pack.serial === undefined) {
        throw new MedChainError(`${step.item}: no hidden code for this pack in the lot bundles of ${ctx.dataDir}`);
      }
      return (
        await dispensePack(contract, catalog, { gtin: pack.gtin, lot: pack.lot, serial: pack.serial, code: pack.code })
      ).receipt.hash;
    }
    case "destroy":
      return (await destroyItem(contract, catalog, item())).hash;
    case "report-stolen":
      return (await reportItemStolen(contract, catalog, item())).hash;
    case "recall":
      return (await recallLot(contract, lotIdOf(step.gtin, step.lot))).hash;
  }
}

/**
 * Imports an EPCIS document: refuses it whole if any event cannot be mapped, then sends each step
 * in order, skipping steps already in the journal or already visible on chain, with a progress bar.
 */
export async function importEpcis(
  raw: unknown,
  file: string,
  ctx: ImportContext,
): Promise<{ sent: number; skipped: number; steps: PlannedStep[] }> {
  const { steps, errors } = planImport(raw, file, ctx);
  if (errors.length > 0) {
    throw new MedChainError(
      `${errors.map((e) => e.message).join("; ")}${errors.length > 1 ? ` (${errors.length} events)` : ""}`,
    );
  }
  const progress = startProgress("EPCIS import", steps.length);
  let sent = 0;
  let skipped = 0;
  try {
    for (const step of steps) {
      const contract = ctx.contractFor(step.actor);
      if (ctx.journal.has(step.key) || (await alreadyDone(contract, ctx, step))) {
        skipped += 1;
      } else {
        try {
          const txHash = await run(contract, ctx, step);
          await ctx.journal.record({ key: step.key, txHash, op: step.op });
          sent += 1;
        } catch (err) {
          // Name the event whatever went wrong (a refusal by the contract included), then stop: the
          // journal lets a re-run resume here.
          const where = `${file}: event #${step.eventIndex}${step.eventID ? ` (${step.eventID})` : ""}`;
          throw new MedChainError(`${where}: ${step.op} failed: ${describeError(err, [contract])}`, { cause: err });
        }
      }
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  return { sent, skipped, steps };
}
