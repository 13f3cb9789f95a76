import type { DrugProvenance } from "../../../typechain-types/index.js";
import type { Catalog } from "../catalog.js";
import { toDigitalLink } from "../gs1/index.js";
import { gtinFromUint } from "../ids.js";
import { historyOf, type HistoryEntry } from "../history.js";
import { EPCIS_CONTEXT, type EpcisDocument } from "./schema.js";

const ZERO = "0x" + "0".repeat(64);
/** Members are named by their consortium id: the chain knows no names. */
const memberUri = (id: string): string => `urn:medchain:member:${id}`;

/** The EPC URI of an on-chain id: a Digital Link where the GS1 identity is known. */
function epcOf(catalog: Catalog, id: string): string {
  const n = BigInt(id);
  if (n > 0n && n < 10n ** 18n) return toDigitalLink({ sscc: n.toString().padStart(18, "0") });
  const pack = catalog.packs.get(id.toLowerCase());
  if (pack?.serial !== undefined) return toDigitalLink({ gtin: pack.gtin, serial: pack.serial });
  return `urn:medchain:id:${id}`;
}

function eventOf(catalog: Catalog, e: HistoryEntry): Record<string, unknown> | undefined {
  const base = {
    eventID: `urn:medchain:event:${e.txHash}:${e.logIndex}`,
    eventTime: e.time.toISOString(),
    eventTimeZoneOffset: "+00:00",
    bizStep: e.bizStep,
    disposition: e.disposition,
    "medchain:transaction": e.txHash,
  };
  const epc = epcOf(catalog, e.itemId);
  const who = e.member !== undefined ? { "medchain:member": memberUri(e.member) } : {};
  switch (e.event) {
    case "LotCommissioned":
      return {
        type: "ObjectEvent",
        action: "ADD",
        ...base,
        epcList: [],
        quantityList: [
          { epcClass: toDigitalLink({ gtin: gtinFromUint(e.gtin!), lot: e.lot! }), quantity: Number(e.count) },
        ],
        ilmd: { "cbvmda:lotNumber": e.lot, "medchain:expiresAt": new Date(Number(e.expiresAt) * 1000).toISOString() },
        ...who,
      };
    case "LotRecalled":
      return { type: "ObjectEvent", action: "OBSERVE", ...base, epcList: [], "medchain:lot": e.itemId, ...who };
    case "ContainerPacked": {
      const children = catalog.containers.get(e.itemId.toLowerCase())?.children ?? [];
      return {
        type: "AggregationEvent",
        action: "ADD",
        ...base,
        parentID: epc,
        childEPCs: children.map((c) => epcOf(catalog, c)),
        "medchain:childRoot": e.root,
        ...who,
      };
    }
    case "ContainerUnpacked":
      return { type: "AggregationEvent", action: "DELETE", ...base, parentID: epc, childEPCs: [], ...who };
    case "ItemShipped":
    case "ItemReceived":
      return {
        type: "ObjectEvent",
        action: "OBSERVE",
        ...base,
        epcList: [epc],
        sourceList: [{ type: "owning_party", source: memberUri(e.from!) }],
        destinationList: [{ type: "owning_party", destination: memberUri(e.to!) }],
      };
    case "PackDispensed":
    case "ItemDestroyed":
      return { type: "ObjectEvent", action: "DELETE", ...base, epcList: [epc], ...who };
    case "PackCloneDetected":
      return {
        type: "ObjectEvent",
        action: "OBSERVE",
        ...base,
        disposition: e.priorDisposition,
        epcList: [epc],
        "medchain:cloneAlert": true,
        ...who,
      };
    case "ItemReportedStolen":
      return { type: "ObjectEvent", action: "OBSERVE", ...base, epcList: [epc], ...who };
    default:
      return undefined; // ItemLinked: an internal proof step, not a business event
  }
}

/**
 * The on-chain history of a pack or container as an EPCIS 2.0 JSON-LD document: the item, its lot
 * (for a pack) and the containers it was proven to be in, and the containers' own moves.
 */
export async function exportEpcis(contract: DrugProvenance, catalog: Catalog, itemId: string): Promise<EpcisDocument> {
  const ids = [itemId];
  const pack = catalog.packs.get(itemId.toLowerCase());
  if (pack !== undefined) ids.push(pack.lotId);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    for (const c of catalog.containersOf(id)) if (!ids.includes(c)) ids.push(c);
    const parent = (await contract.itemOf(id)).parent;
    if (parent !== ZERO && !ids.includes(parent)) ids.push(parent);
  }
  const entries = await historyOf(contract, ids);
  return {
    "@context": [EPCIS_CONTEXT, { medchain: "https://medchain.example/epcis/" }],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: new Date().toISOString(),
    epcisBody: { eventList: entries.map((e) => eventOf(catalog, e)).filter((e) => e !== undefined) },
  };
}
