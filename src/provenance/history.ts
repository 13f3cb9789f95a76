import { EventLog, zeroPadValue, type Interface, type Log } from "ethers";

import { ProductRegistry__factory, type DrugProvenance } from "../../typechain-types/index.js";
import {
  BIZ_STEPS,
  DISPOSITIONS,
  RECALL_REASON_WORDS,
  recallReasonName,
  type BizStepName,
  type DispositionName,
  type RecallReasonName,
} from "./kinds.js";

/** One on-chain event of an item's history, in the words EPCIS and people use. */
export interface HistoryEntry {
  event: string;
  itemId: string;
  bizStep: BizStepName;
  disposition: DispositionName;
  time: Date;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  /** The member acting (packer, shipper, receiver, dispenser...). */
  member?: string;
  /** Shipments: the sender and the named receiver. */
  from?: string;
  to?: string;
  /** Packing: the container's child root and count; commissioning: the lot's. */
  root?: string;
  count?: bigint;
  sscc?: bigint;
  gtin?: bigint;
  lot?: string;
  expiresAt?: bigint;
  /** Clone alerts: what the pack had become before. */
  priorDisposition?: DispositionName;
  /** Links: the container the item was proven to be in. */
  parent?: string;
  /** Packing: the lot a case was packed from by reference (undefined: packed by list). */
  fromLot?: string;
  /** Recalls: why. */
  recallReason?: RecallReasonName;
  /**
   * Timelines (the indexer's, `chainCustodyTimeline`): the container this event happened to while the item was inside it (the item's
   * own events and its lot's have none).
   */
  via?: string;
}

/**
 * The on-chain history of the given items (packs, containers, lots), oldest first, read from the
 * contract's events. Only the ids given are followed: pass a pack's lot and containers too.
 */
export async function historyOf(contract: DrugProvenance, ids: string[]): Promise<HistoryEntry[]> {
  // Lots live in the module's product registry: their events come from there. Every event followed
  // names its item as its first indexed argument, so two log queries (one per contract, the ids
  // OR-ed in topic 1) fetch them all; events of other kinds that match are skipped below.
  const products = ProductRegistry__factory.connect(await contract.products(), contract.runner);
  const provider = contract.runner?.provider;
  if (provider == null) throw new Error("historyOf: the contract needs a provider");
  const topics = [null, ids.map((id) => zeroPadValue(id, 32).toLowerCase())];
  const fetchLogs = async (address: string, iface: Interface): Promise<EventLog[]> =>
    (await provider.getLogs({ address, topics, fromBlock: 0, toBlock: "latest" })).flatMap((log) => {
      const fragment = iface.getEvent(log.topics[0]!);
      return fragment === null ? [] : [new EventLog(log, iface, fragment)];
    });
  const logs: Array<EventLog | Log> = [
    ...(await fetchLogs(await products.getAddress(), products.interface as unknown as Interface)),
    ...(await fetchLogs(await contract.getAddress(), contract.interface as unknown as Interface)),
  ];
  const seen = new Set<string>();
  const blockTimes = new Map<number, Date>();
  const entries: HistoryEntry[] = [];
  for (const log of logs) {
    const key = `${log.transactionHash}:${log.index}`;
    if (seen.has(key) || !("args" in log)) continue;
    seen.add(key);
    let time = blockTimes.get(log.blockNumber);
    if (time === undefined) {
      const block = await log.getBlock();
      time = new Date(block.timestamp * 1000);
      blockTimes.set(log.blockNumber, time);
    }
    const entry = historyEntryOf(log.eventName, log.args as unknown as Record<string, unknown>, {
      time,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      txHash: log.transactionHash,
    });
    if (entry !== undefined) entries.push(entry);
  }
  entries.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
  return entries;
}

/** Where an event is on chain and when: the part of a history entry every event has. */
export interface EventPosition {
  time: Date;
  blockNumber: number;
  logIndex: number;
  txHash: string;
}

/**
 * The history entry of one provenance event (DrugProvenance's item events, the product registry's
 * lot events) from its decoded arguments by name (ethers' or viem's), or undefined for other events.
 * The one mapping `historyOf` and the indexer share.
 */
export function historyEntryOf(
  event: string,
  a: Record<string, unknown>,
  position: EventPosition,
): HistoryEntry | undefined {
  const base = { ...position, event };
  const step = (i: unknown) => BIZ_STEPS[Number(i)]!;
  const disp = (i: unknown) => DISPOSITIONS[Number(i)]!;
  /** An entry for `itemId` acted on by `member`, with the event's own CBV step and disposition. */
  const entry = (itemId: unknown, member: unknown, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
    ...base,
    itemId: itemId as string,
    bizStep: step(a.bizStep),
    disposition: disp(a.disposition),
    member: member as string,
    ...extra,
  });
  switch (event) {
    case "LotCommissioned":
      return entry(a.lotId, a.manufacturer, {
        root: a.root as string,
        count: BigInt(a.quantity as bigint),
        gtin: BigInt(a.gtin as bigint),
        lot: a.lot as string,
        expiresAt: BigInt(a.expiresAt as bigint),
      });
    case "LotRecalled":
      return entry(a.lotId, a.memberId, { recallReason: recallReasonName(a.reason as bigint) });
    case "ContainerPacked":
      return entry(a.containerId, a.memberId, {
        root: a.root as string,
        count: BigInt(a.count as bigint),
        sscc: BigInt(a.sscc as bigint),
        // Packed by list: no lot (the key is left out, not set to undefined).
        ...(/^0x0+$/.test(a.fromLot as string) ? {} : { fromLot: a.fromLot as string }),
      });
    case "ContainerUnpacked":
      return entry(a.containerId, a.memberId);
    case "ItemLinked":
      // Emitted without a step or holder: it records where an item sits inside a container.
      return {
        ...base,
        itemId: a.child as string,
        bizStep: "packing",
        disposition: "active",
        parent: a.parent as string,
      };
    case "ItemShipped":
    case "ItemReceived":
      return entry(a.itemId, event === "ItemShipped" ? a.from : a.to, {
        from: a.from as string,
        to: a.to as string,
      });
    case "PackDispensed":
      return entry(a.packId, a.memberId);
    case "PackCloneDetected":
      return entry(a.packId, a.memberId, {
        bizStep: "dispensing",
        disposition: disp(a.priorDisposition),
        priorDisposition: disp(a.priorDisposition),
      });
    case "ItemDestroyed":
    case "ItemReportedStolen":
      return entry(a.itemId, a.memberId);
  }
  return undefined;
}

const ZERO_ID = "0x" + "0".repeat(64);

/**
 * The custody timeline of a pack, read from the chain's logs, oldest first: its lot's events, its
 * own, and those of every container it was ever proven to be in (a case's pallets, current and
 * earlier ones), the latter marked `via` the container. `parents` are the containers the catalog's
 * links place it in now (`linksFor`). One log query per id: the indexer answers the same faster.
 */
export async function chainCustodyTimeline(
  contract: DrugProvenance,
  packId: string,
  lotId: string,
  parents: string[] = [],
): Promise<HistoryEntry[]> {
  const ids = [lotId, packId, ...new Set(parents.filter((p) => p.toLowerCase() !== lotId.toLowerCase()))];
  const history = await historyOf(contract, ids);
  for (let fresh = linkedParents(history, ids); fresh.length > 0; fresh = linkedParents(history, ids)) {
    ids.push(...fresh);
    history.push(...(await historyOf(contract, fresh)));
  }
  history.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
  const own = new Set([packId.toLowerCase(), lotId.toLowerCase()]);
  return history.map((e) => (own.has(e.itemId.toLowerCase()) ? e : { ...e, via: e.itemId }));
}

/** Containers the entries prove an item inside that `ids` does not hold yet. */
function linkedParents(history: HistoryEntry[], ids: string[]): string[] {
  const known = new Set(ids.map((id) => id.toLowerCase()));
  const linked = history.filter((e) => e.event === "ItemLinked" && e.parent !== ZERO_ID).map((e) => e.parent!);
  return [...new Set(linked.map((p) => p.toLowerCase()))].filter((p) => !known.has(p));
}

/** A short name for an id: containers by their SSCC, others by their first hex digits. */
export function shortId(id: string | undefined): string {
  if (id === undefined) return "?";
  const n = BigInt(id);
  if (n > 0n && n < 10n ** 18n) return `container ${n.toString().padStart(18, "0")}`;
  return `${id.slice(0, 10)}…`;
}
const short = shortId;

/** One line of plain words per history entry (member ids shortened; names stay off chain). */
export function describeHistory(entries: HistoryEntry[], names: (id: string) => string = short): string[] {
  return entries.map((e) => {
    const when = e.time.toISOString().replace("T", " ").slice(0, 16) + " UTC";
    const who = e.member !== undefined ? names(e.member) : "";
    const what = (() => {
      switch (e.event) {
        case "LotCommissioned":
          return `lot ${e.lot} (${e.count} packs) commissioned by manufacturer ${who}`;
        case "LotRecalled":
          return `lot RECALLED by ${who} (${RECALL_REASON_WORDS[e.recallReason ?? "unspecified"]})`;
        case "ContainerPacked":
          return `container ${String(e.sscc).padStart(18, "0")} packed (${e.count} ${e.fromLot !== undefined ? "packs from their lot" : e.count === 1n ? "item" : "items"}) by ${who}`;
        case "ContainerUnpacked":
          return `${short(e.itemId)} unpacked by ${who}`;
        case "ItemLinked":
          return `${short(e.itemId)} proven to be inside ${short(e.parent)}`;
        case "ItemShipped":
          return `${short(e.itemId)} shipped from ${names(e.from!)} to ${names(e.to!)}`;
        case "ItemReceived":
          return `${short(e.itemId)} received by ${names(e.to!)}`;
        case "PackDispensed":
          return `pack dispensed to a patient by ${who}`;
        case "PackCloneDetected":
          return `CLONE ALERT: this pack (already ${e.priorDisposition}) was presented again at ${who}`;
        case "ItemDestroyed":
          return `${short(e.itemId)} destroyed by ${who}`;
        default:
          return `${short(e.itemId)} reported STOLEN by ${who}`;
      }
    })();
    return `${when}  ${what}`;
  });
}
