// Provenance: item events in HistoryEntry's words (the same mapping as the SDK's `historyOf`),
// container membership edges and each pack's lot.
import { itemEvent, itemLink, packLot } from "ponder:schema";

import { historyEntryOf } from "../../src/provenance/history.js";
import { eventId, position, type FamilyHandler } from "./handlers.js";

const ZERO32 = /^0x0{64}$/;

const item: FamilyHandler = async (e, db) => {
  const p = position(e);
  const h = historyEntryOf(e.name, e.args, {
    time: new Date(p.timestamp * 1000),
    blockNumber: p.blockNumber,
    logIndex: p.logIndex,
    txHash: p.txHash,
  });
  if (h === undefined) return;
  await db.insert(itemEvent).values({
    id: eventId(e),
    itemId: h.itemId,
    event: h.event,
    bizStep: h.bizStep,
    disposition: h.disposition,
    member: h.member ?? null,
    fromMember: h.from ?? null,
    toMember: h.to ?? null,
    root: h.root ?? null,
    count: h.count ?? null,
    sscc: h.sscc ?? null,
    gtin: h.gtin ?? null,
    lot: h.lot ?? null,
    expiresAt: h.expiresAt ?? null,
    priorDisposition: h.priorDisposition ?? null,
    parent: h.parent ?? null,
    fromLot: h.fromLot ?? null,
    recallReason: h.recallReason ?? null,
    ...p,
  });
  const lotOfPack = async (packId: unknown, lotId: unknown) => {
    if (typeof lotId === "string" && !ZERO32.test(lotId))
      await db.insert(packLot).values({ packId, lotId }).onConflictDoNothing();
  };
  if (e.name === "PackDispensed" || e.name === "PackCloneDetected") await lotOfPack(e.args.packId, e.args.lotId);
  if (e.name === "ItemLinked") {
    await db.insert(itemLink).values({ id: eventId(e), child: e.args.child, parent: e.args.parent, ...p });
    // A pack linked into a case packed from its lot belongs to that lot.
    const parent = (await db.find(packLot, { packId: e.args.parent })) as { lotId: string } | null;
    if (parent !== null) await lotOfPack(e.args.child, parent.lotId);
  }
  if (e.name === "ContainerPacked" && typeof e.args.fromLot === "string" && !ZERO32.test(e.args.fromLot))
    await db
      .insert(packLot)
      .values({ packId: e.args.containerId, lotId: e.args.fromLot })
      .onConflictDoUpdate({ lotId: e.args.fromLot });
};

export const provenanceHandlers: Record<string, FamilyHandler> = Object.fromEntries(
  [
    "LotCommissioned",
    "LotRecalled",
    "ContainerPacked",
    "ContainerUnpacked",
    "ItemLinked",
    "ItemShipped",
    "ItemReceived",
    "PackDispensed",
    "PackCloneDetected",
    "ItemDestroyed",
    "ItemReportedStolen",
  ].map((name) => [name, item]),
);
