import { writeFile } from "node:fs/promises";
import path from "node:path";

import type { Signer } from "ethers";
import { z } from "zod";

import { ConsortiumRegistry__factory, type DrugProvenance } from "../../typechain-types/index.js";
import type { ProgressCallback, TaskOutcome } from "../chain/cli.js";
import type { Connection } from "../chain/connection.js";
import { badInput, MedChainError } from "../chain/errors.js";
import { lockFolder, whileHolding } from "../chain/file-lock.js";
import { readJsonFile, readTextFile } from "../chain/files.js";
import { memberRef } from "../chain/members.js";
import { parseUint } from "../chain/values.js";
import { Catalog, writeContainerFile } from "./catalog.js";
import {
  commissionLot,
  destroyItem,
  dispensePack,
  linksFor,
  packContainer,
  productsOf,
  recallLot,
  receiveItem,
  registerProduct,
  reportItemStolen,
  shipItem,
  unpackContainer,
  verifyPack,
} from "./client.js";
import { parseGs1 } from "./gs1/index.js";
import { gtinToUint, lotIdOf, normalizeCode } from "./ids.js";
import type { IndexerClient } from "../indexer/client.js";
import { chainCustodyTimeline, describeHistory, type HistoryEntry } from "./history.js";
import {
  RECALL_REASON_WORDS,
  RECALL_REASONS,
  recallReasonCode,
  VERDICT_WORDS,
  type RecallReasonName,
} from "./kinds.js";
import { exportEpcis } from "./epcis/export.js";
import { importEpcis } from "./epcis/import.js";
import { labelBase } from "./labels.js";
import { codesOnDisk, parseSerialsCsv, planLot, writeLotFiles, zodProblem } from "./lot.js";
import { parseCompanyPrefix, proposePrefixChange, type PrefixAction } from "./prefixes.js";
import { resolveItem, scanFromLabel } from "./resolve.js";
import { readEpcisFile } from "./epcis/xml.js";

/**
 * What a `provenance` task did: the lines it prints, and the same as data (`result`, the `--json`
 * document); `verdict: "negative"` when the answer is no (a verdict other than GENUINE, a clone
 * alert on dispense), which the command line exits with code 2 for.
 */
export interface OpOutcome extends TaskOutcome {
  lines: string[];
  result: Record<string, unknown>;
}

/** A member as the command line prints it: the registration code typed, with the id. */
function memberNamed(input: string, where: string): { id: string; name: string } {
  const ref = memberRef(input.trim(), where);
  return { id: ref.id, name: ref.code === undefined ? ref.id : `${ref.code} (${ref.id})` };
}

/**
 * What the `provenance` tasks do, as functions of the contract and the operator's data directory
 * (lot trees, private lot bundles, container files). Each returns an {@link OpOutcome}.
 */
export async function opRegisterProduct(provenance: DrugProvenance, gtinInput: string): Promise<OpOutcome> {
  if (gtinInput === "") throw badInput("give the product's GTIN-14", { field: "--gtin" });
  const { gtin } = parseGs1(`(01)${gtinInput}`);
  const receipt = await registerProduct(provenance, gtin!);
  return { lines: [`product ${gtin} registered (tx ${receipt.hash})`], result: { gtin, tx: receipt.hash } };
}

/**
 * A governor proposes a GS1 company prefix change by vote: `--assign <prefix> --member <member>`,
 * `--transfer <prefix> --member <member>` or `--revoke <prefix>` (exactly one).
 */
export async function opPrefix(
  provenance: DrugProvenance,
  input: { assign: string; transfer: string; revoke: string; member: string },
): Promise<OpOutcome> {
  const given = (["assign", "transfer", "revoke"] as const).filter((a) => input[a] !== "");
  if (given.length !== 1) throw new MedChainError("give exactly one of --assign, --transfer or --revoke <prefix>");
  const action: PrefixAction = given[0]!;
  const prefix = parseCompanyPrefix(input[action], action);
  const member = action === "revoke" ? undefined : memberNamed(input.member, "--member");
  const registry = ConsortiumRegistry__factory.connect(await provenance.consortium(), provenance.runner);
  const products = await productsOf(provenance);
  const { proposalId, receipt } = await proposePrefixChange(registry, products, action, prefix, member?.id);
  const what =
    action === "revoke" ? `revoke company prefix ${prefix}` : `${action} company prefix ${prefix} to ${input.member}`;
  return {
    lines: [
      `proposed to ${what}: proposal ${proposalId} (tx ${receipt.hash})`,
      `governors vote with: npx hardhat consortium vote --proposal ${proposalId}; then: npx hardhat consortium execute --proposal ${proposalId}`,
    ],
    result: { action, prefix, ...(member ? { member: member.id } : {}), proposalId, tx: receipt.hash },
  };
}

export async function opCommission(
  provenance: DrugProvenance,
  input: {
    gtin: string;
    lot: string;
    expiry: string;
    serialsFile: string;
    dataDir: string;
    labels: boolean;
    /** The QR codes' stem (`--label-base`; default MEDCHAIN_RESOLVER_BASE, else https://id.gs1.org). */
    labelBase?: string;
  },
): Promise<OpOutcome> {
  // Validate everything (GS1 syntax of the identity, the CSV) before anything is sent.
  for (const [option, value] of [
    ["--gtin", input.gtin],
    ["--lot", input.lot],
    ["--expiry", input.expiry],
    ["--serials", input.serialsFile],
  ] as const) {
    if (value === "") throw badInput("is required", { field: option });
  }
  const identity = parseGs1(`(01)${input.gtin}(17)${input.expiry}(10)${input.lot}`);
  const text = await readTextFile(input.serialsFile);
  const serials = parseSerialsCsv(text, input.serialsFile);
  const base = labelBase(input.labelBase ?? "");
  const lot = { gtin: identity.gtin!, lot: identity.lot!, expiry: identity.expiry!, serials };
  return holdingDataDir(input.dataDir, () => commissionHeld(provenance, input, lot, base), true);
}

async function commissionHeld(
  provenance: DrugProvenance,
  input: { dataDir: string; labels: boolean },
  lot: { gtin: string; lot: string; expiry: string; serials: string[] },
  base: string,
): Promise<OpOutcome> {
  // The codes of an earlier run of this commissioning (stopped while it was pending), if any: same root.
  const codes = codesOnDisk(input.dataDir, lot.gtin, lot.lot, lot.serials);
  const plan = planLot({ ...lot, ...(codes === undefined ? {} : { codes }) });
  // Ask the chain first (a refusal leaves no files behind), then keep the files, then send.
  const products = await productsOf(provenance);
  await products.commissionLot.staticCall(gtinToUint(plan.gtin), plan.lot, plan.expiresAt, plan.quantity, plan.root);
  const files = await writeLotFiles(input.dataDir, plan, input.labels, base);
  const receipt = await commissionLot(provenance, plan);
  return {
    lines: [
      `lot ${plan.lot} of ${plan.gtin} commissioned: ${plan.quantity} packs, root ${plan.root} (tx ${receipt.hash})`,
      `private bundle (hidden codes and proofs, keep it safe): ${files.bundle}`,
      `public lot tree (pack tags only, may be published): ${files.tree}`,
      ...(input.labels ? [`labels: ${files.labels} (QR codes of ${base}/01/…)`] : []),
      ...(codes === undefined ? [] : [`codes reused from ${files.bundle} (an earlier run of this lot's serials)`]),
    ],
    result: {
      gtin: plan.gtin,
      lot: plan.lot,
      expiry: plan.expiry,
      lotId: plan.lotId,
      quantity: plan.quantity,
      root: plan.root,
      tx: receipt.hash,
      bundle: files.bundle,
      tree: files.tree,
      ...(input.labels ? { labels: files.labels, labelBase: base } : {}),
      codesReused: codes !== undefined,
    },
  };
}

export async function opPack(
  provenance: DrugProvenance,
  dataDir: string,
  ssccInput: string,
  items: string[],
): Promise<OpOutcome> {
  if (ssccInput === "") throw badInput("give the container's SSCC-18", { field: "--sscc" });
  const { sscc } = parseGs1(/^\d{18}$/.test(ssccInput) ? `(00)${ssccInput}` : ssccInput);
  if (sscc === undefined) throw badInput(`${ssccInput}: not an SSCC`, { field: "--sscc" });
  if (items.length === 0) throw badInput("name at least one pack or container", { field: "--items" });
  const repeated = items.find((item, i) => items.indexOf(item) !== i);
  if (repeated !== undefined) throw badInput(`${repeated} is listed twice`, { field: "--items" });
  return holdingDataDir(dataDir, () => packHeld(provenance, dataDir, sscc, items));
}

async function packHeld(
  provenance: DrugProvenance,
  dataDir: string,
  sscc: string,
  items: string[],
): Promise<OpOutcome> {
  const catalog = await Catalog.load(dataDir);
  const children = items.map((item) => resolveItem(catalog, item, "--items").id);
  const twiceById = children.find((id, i) => children.indexOf(id) !== i);
  if (twiceById !== undefined) throw badInput(`two entries name the same item ${twiceById}`, { field: "--items" });
  // Ask the chain first (a refusal leaves no file behind, and a container packed already keeps its
  // file), then keep the file, then send: stopped after the packing, the container has its tree.
  let file = "";
  const { container, receipt, fromLot } = await packContainer(provenance, catalog, sscc, children, {
    beforeSend: async (planned) => {
      // The dry run passed, so the chain holds no such container: a file of another root there is
      // stale unless the packer has a transaction pending (an earlier run's packing, maybe of it).
      const runner = provenance.runner as Signer;
      const account = await runner.getAddress();
      const [latest, pending] = await Promise.all([
        runner.provider!.getTransactionCount(account, "latest"),
        runner.provider!.getTransactionCount(account, "pending"),
      ]);
      file = await writeContainerFile(dataDir, planned, { replace: latest === pending });
    },
  });
  return {
    lines: [`container ${sscc} packed with ${children.length} items (tx ${receipt.hash})`, `container file: ${file}`],
    result: {
      sscc,
      containerId: container.containerId,
      children,
      packedFrom: fromLot === undefined ? "list" : "lot",
      tx: receipt.hash,
      file,
    },
  };
}

const ZERO = "0x" + "0".repeat(64);

/**
 * Runs `work` holding the data directory's lock: the commands that write it (commission, pack,
 * import) run one at a time on it, each reading the directory after the one before has written.
 */
function holdingDataDir<T>(dataDir: string, work: () => Promise<T>, create = false): Promise<T> {
  return whileHolding(lockFolder(dataDir, "a provenance command", { create }), work);
}

/** A parties file: EPCIS party or location URN -> member id. */
const partiesSchema = z.record(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a member id (0x + 64 hex digits)"));

type ItemOp = "unpack" | "receive" | "destroy" | "report-stolen";

export async function opItem(
  provenance: DrugProvenance,
  dataDir: string,
  op: ItemOp,
  item: string,
): Promise<OpOutcome> {
  if (item.trim() === "") throw badInput("name the item (an SSCC, or a GTIN with a serial)", { field: "item" });
  const catalog = await Catalog.load(dataDir);
  const { id } = resolveItem(catalog, item);
  const receipt =
    op === "unpack"
      ? await unpackContainer(provenance, catalog, id)
      : op === "receive"
        ? await receiveItem(provenance, id)
        : op === "destroy"
          ? await destroyItem(provenance, catalog, id)
          : await reportItemStolen(provenance, catalog, id);
  const done = { unpack: "unpacked", receive: "received", destroy: "destroyed", "report-stolen": "reported stolen" }[
    op
  ];
  return { lines: [`${item} ${done} (tx ${receipt.hash})`], result: { item, id, op, tx: receipt.hash } };
}

/**
 * Ships an item to an active member (refused before sending when `to` is not one: a shipment to
 * a mistyped code could never be received).
 */
export async function opShip(
  provenance: DrugProvenance,
  dataDir: string,
  item: string,
  to: string,
): Promise<OpOutcome> {
  if (item.trim() === "") throw badInput("name the item (an SSCC, or a GTIN with a serial)", { field: "item" });
  const member = memberNamed(to, "--to");
  const catalog = await Catalog.load(dataDir);
  const { id } = resolveItem(catalog, item);
  const registry = ConsortiumRegistry__factory.connect(await provenance.consortium(), provenance.runner);
  if (!(await registry.isActiveMemberId(member.id, 0xff))) {
    throw badInput(`${to} is not an active member of the consortium`, { field: "--to" });
  }
  const receipt = await shipItem(provenance, catalog, id, member.id);
  return {
    lines: [`${item} shipped to ${member.name} (tx ${receipt.hash}); it moves when ${to} receives it`],
    result: { item, id, to: member.id, tx: receipt.hash },
  };
}

/** Dispenses a scanned pack; a clone alert is a negative verdict (the alert is on chain, the pack must not be handed out). */
export async function opDispense(
  provenance: DrugProvenance,
  dataDir: string,
  label: string,
  code: string,
): Promise<OpOutcome> {
  const scan = scanFromLabel(label, normalizeCode(code));
  const catalog = await Catalog.load(dataDir);
  const result = await dispensePack(provenance, catalog, scan);
  const data = {
    dispensed: result.dispensed,
    cloneAlert: result.cloneAlert,
    packId: result.packId,
    tx: result.receipt.hash,
  };
  return result.cloneAlert
    ? {
        lines: [
          `CLONE ALERT: this pack was already dispensed, destroyed or stolen; the alert is on chain (tx ${result.receipt.hash}). Do not hand it out.`,
        ],
        result: data,
        verdict: "negative",
      }
    : { lines: [`pack dispensed (tx ${result.receipt.hash})`], result: data };
}

/** Recalls a lot for a named reason (`--reason`, one of `RECALL_REASONS`; default unspecified). */
export async function opRecall(
  provenance: DrugProvenance,
  gtinInput: string,
  lot: string,
  reasonInput = "",
): Promise<OpOutcome> {
  if (gtinInput === "") throw badInput("give the product's GTIN-14", { field: "--gtin" });
  if (lot === "") throw badInput("give the lot number", { field: "--lot" });
  const reason = reasonInput === "" ? "unspecified" : reasonInput.trim().toLowerCase();
  if (recallReasonCode(reason) === undefined) {
    throw badInput(`${JSON.stringify(reasonInput)} is not one of ${RECALL_REASONS.join(", ")}`, { field: "--reason" });
  }
  const { gtin } = parseGs1(`(01)${gtinInput}(10)${lot}`);
  const lotId = lotIdOf(gtin!, lot);
  const products = await productsOf(provenance);
  if ((await products.lotOf(lotId)).root === ZERO) {
    throw badInput(`lot ${lot} of ${gtin} was never commissioned on this chain`, { field: "--lot" });
  }
  const receipt = await recallLot(provenance, lotId, reason as RecallReasonName);
  return {
    lines: [`lot ${lot} of ${gtin} recalled: ${RECALL_REASON_WORDS[reason as RecallReasonName]} (tx ${receipt.hash})`],
    result: { gtin, lot, lotId, reason, tx: receipt.hash },
  };
}

/**
 * The verdict of a scanned pack and its custody timeline, in plain words. The timeline comes from the
 * indexer when one is given, else from scanning the provenance contract's logs.
 */
export async function opVerify(
  provenance: DrugProvenance,
  dataDir: string,
  label: string,
  code: string,
  names?: (memberId: string) => string,
  indexer?: IndexerClient,
): Promise<OpOutcome> {
  const scan = scanFromLabel(label, normalizeCode(code));
  const catalog = await Catalog.load(dataDir);
  const result = await verifyPack(provenance, catalog, scan);
  const lines = [`verdict: ${result.verdict}: ${VERDICT_WORDS[result.verdict]}`];
  const data: Record<string, unknown> = {
    verdict: result.verdict,
    meaning: VERDICT_WORDS[result.verdict],
    packId: result.packId,
    lotId: result.lotId,
  };
  // Anything but GENUINE is an answer of no: the pack must not be used.
  const outcome = (): OpOutcome => ({
    lines,
    result: data,
    ...(result.verdict === "GENUINE" ? {} : { verdict: "negative" }),
  });
  if (result.verdict === "UNKNOWN") return outcome();
  if (result.custodian !== ZERO) {
    data.custodian = result.custodian;
    data.inTransit = result.inTransit;
    const who = names?.(result.custodian) ?? `member ${result.custodian}`;
    lines.push(`${result.inTransit ? "shipped by (in transit)" : "held by"} ${who}`);
  }
  const links = await linksFor(provenance, catalog, result.packId, false);
  const ids = [result.lotId, result.packId, ...new Set(links.map((l) => String(l.parent)))];
  let history: HistoryEntry[];
  if (indexer !== undefined) {
    // The indexer's timeline of the pack (its lot, the containers it was linked into while there),
    // and of the containers the data directory's proofs place it in (packed by lot reference, a pack
    // is not linked on chain until a proof is presented).
    const seen = new Set<string>();
    history = [];
    for (const [id, via] of [[result.packId, undefined], ...ids.slice(2).map((p) => [p, p])] as Array<
      [string, string | undefined]
    >)
      for (const e of await indexer.custodyTimeline(id)) {
        const key = `${e.blockNumber}-${e.logIndex}`;
        if (seen.has(key)) continue;
        seen.add(key);
        history.push(e.via === undefined && via !== undefined ? { ...e, via } : e);
      }
    history.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
  } else {
    // Follow every container the path was ever proven to be in (a case's pallets, the current one and
    // earlier ones), so the whole journey's events are shown.
    history = await chainCustodyTimeline(provenance, result.packId, result.lotId, ids.slice(2));
  }
  const timeline = describeHistory(history, names);
  data.timeline = timeline;
  lines.push("timeline:", ...timeline.map((l) => `  ${l}`));
  return outcome();
}

/**
 * Imports an EPCIS document (JSON-LD, or XML of EPCIS 1.2 or 2.0) as the signer, through the
 * pipelined crash-safe sender; the journal is beside the data directory unless given.
 */
export async function opImport(
  conn: Connection,
  input: {
    file: string;
    dataDir: string;
    journal: string;
    parties: string;
    to: string;
    provenance?: string;
    /** Most events in one transaction, as digits ("" for the default). */
    batch?: string;
  },
  onProgress?: ProgressCallback,
): Promise<OpOutcome> {
  if (input.file === "") throw badInput("name the EPCIS document to import", { field: "file" });
  const batchSize =
    input.batch === undefined || input.batch === "" ? undefined : Number(parseUint(input.batch, "--batch", 64n, 1n));
  const raw = await readEpcisFile(input.file);
  let parties: Record<string, string> = {};
  if (input.parties !== "") {
    const parsed = partiesSchema.safeParse(await readJsonFile(input.parties));
    if (!parsed.success) throw zodProblem(input.parties, parsed.error);
    parties = parsed.data;
  }
  const to = input.to === "" ? undefined : memberNamed(input.to, "--to");
  const journal =
    input.journal !== "" ? input.journal : path.join(input.dataDir, "journals", `${path.basename(input.file)}.journal`);
  const result = await holdingDataDir(
    input.dataDir,
    async () =>
      importEpcis(conn, raw, input.file, {
        catalog: await Catalog.load(input.dataDir),
        dataDir: input.dataDir,
        journal,
        parties,
        ...(to === undefined ? {} : { defaultRecipient: to.id }),
        ...(input.provenance ? { provenance: input.provenance } : {}),
        ...(batchSize === undefined ? {} : { batchSize }),
        ...(onProgress === undefined ? {} : { onProgress }),
      }),
    true,
  );
  return {
    lines: [
      `${input.file}: ${result.steps.length} steps, ${result.sent} sent, ${result.skipped} already done (journal ${journal})`,
    ],
    result: {
      file: input.file,
      steps: result.steps.length,
      sent: result.sent,
      skipped: result.skipped,
      journal,
      transactions: result.report.outcomes.map((o) => ({
        key: o.key,
        status: o.status,
        ...(o.hash ? { tx: o.hash } : {}),
      })),
    },
  };
}

/**
 * Exports the on-chain history of an item as an EPCIS 2.0 JSON-LD document; an item the chain
 * knows nothing about is refused (an empty document would read as "nothing happened to it").
 */
export async function opExport(
  provenance: DrugProvenance,
  dataDir: string,
  item: string,
  out: string,
): Promise<OpOutcome> {
  if (item.trim() === "") throw badInput("name the item (an SSCC, or a GTIN with a serial)", { field: "item" });
  const catalog = await Catalog.load(dataDir);
  const { id } = resolveItem(catalog, item);
  const doc = await exportEpcis(provenance, catalog, id);
  if (doc.epcisBody.eventList.length === 0) {
    throw badInput(`${item}: the chain has no event of this item (never commissioned, packed or shipped)`, {
      field: "item",
    });
  }
  const text = JSON.stringify(doc, null, 2) + "\n";
  const events = doc.epcisBody.eventList.length;
  if (out === "") return { lines: [text.trimEnd()], result: { item, id, events, document: doc } };
  await writeFile(out, text);
  return { lines: [`${events} events written to ${out}`], result: { item, id, events, out } };
}
