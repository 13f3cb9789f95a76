import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { ConsortiumRegistry__factory, type DrugProvenance } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";
import { Journal } from "../chain/journal.js";
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
import { gtinToUint, lotIdOf } from "./ids.js";
import { describeHistory, historyOf } from "./history.js";
import { VERDICT_WORDS } from "./kinds.js";
import { exportEpcis } from "./epcis/export.js";
import { importEpcis } from "./epcis/import.js";
import { parseSerialsCsv, planLot, readJson, writeLotFiles, zodProblem } from "./lot.js";
import { parseCompanyPrefix, proposePrefixChange, type PrefixAction } from "./prefixes.js";
import { resolveItem, resolveMember, scanFromLabel } from "./resolve.js";

/**
 * What the `provenance` tasks do, as functions of the contract and the operator's data directory
 * (lot trees, private lot bundles, container files). Each returns the lines to print.
 */
export async function opRegisterProduct(provenance: DrugProvenance, gtinInput: string): Promise<string[]> {
  const { gtin } = parseGs1(`(01)${gtinInput}`);
  const receipt = await registerProduct(provenance, gtin!);
  return [`product ${gtin} registered (tx ${receipt.hash})`];
}

/**
 * A governor proposes a GS1 company prefix change by vote: `--assign <prefix> --member <member>`,
 * `--transfer <prefix> --member <member>` or `--revoke <prefix>` (exactly one).
 */
export async function opPrefix(
  provenance: DrugProvenance,
  input: { assign: string; transfer: string; revoke: string; member: string },
): Promise<string[]> {
  const given = (["assign", "transfer", "revoke"] as const).filter((a) => input[a] !== "");
  if (given.length !== 1) throw new MedChainError("give exactly one of --assign, --transfer or --revoke <prefix>");
  const action: PrefixAction = given[0]!;
  const prefix = parseCompanyPrefix(input[action], action);
  const member = action === "revoke" ? undefined : resolveMember(input.member, "member");
  const registry = ConsortiumRegistry__factory.connect(await provenance.consortium(), provenance.runner);
  const products = await productsOf(provenance);
  const { proposalId, receipt } = await proposePrefixChange(registry, products, action, prefix, member);
  const what =
    action === "revoke" ? `revoke company prefix ${prefix}` : `${action} company prefix ${prefix} to ${input.member}`;
  return [
    `proposed to ${what}: proposal ${proposalId} (tx ${receipt.hash})`,
    `governors vote with: npx hardhat consortium vote --proposal ${proposalId}; then: npx hardhat consortium execute --proposal ${proposalId}`,
  ];
}

export async function opCommission(
  provenance: DrugProvenance,
  input: { gtin: string; lot: string; expiry: string; serialsFile: string; dataDir: string; labels: boolean },
): Promise<string[]> {
  // Validate everything (GS1 syntax of the identity, the CSV) before anything is sent.
  const identity = parseGs1(`(01)${input.gtin}(17)${input.expiry}(10)${input.lot}`);
  const serials = parseSerialsCsv(await readFile(input.serialsFile, "utf8"), input.serialsFile);
  const plan = planLot({ gtin: identity.gtin!, lot: identity.lot!, expiry: identity.expiry!, serials });
  // Ask the chain first (a refusal leaves no files behind), then keep the files, then send.
  const products = await productsOf(provenance);
  await products.commissionLot.staticCall(gtinToUint(plan.gtin), plan.lot, plan.expiresAt, plan.quantity, plan.root);
  const files = await writeLotFiles(input.dataDir, plan, input.labels);
  const receipt = await commissionLot(provenance, plan);
  return [
    `lot ${plan.lot} of ${plan.gtin} commissioned: ${plan.quantity} packs, root ${plan.root} (tx ${receipt.hash})`,
    `private bundle (hidden codes and proofs, keep it safe): ${files.bundle}`,
    `public lot tree (pack tags only, may be published): ${files.tree}`,
    ...(input.labels ? [`labels: ${files.labels}`] : []),
  ];
}

export async function opPack(
  provenance: DrugProvenance,
  dataDir: string,
  ssccInput: string,
  items: string[],
): Promise<string[]> {
  const { sscc } = parseGs1(/^\d{18}$/.test(ssccInput) ? `(00)${ssccInput}` : ssccInput);
  if (sscc === undefined) throw new MedChainError(`--sscc ${ssccInput}: not an SSCC`);
  if (items.length === 0) throw new MedChainError("--items: name at least one pack or container");
  const catalog = await Catalog.load(dataDir);
  const children = items.map((item) => resolveItem(catalog, item, "--items").id);
  const { container, receipt } = await packContainer(provenance, catalog, sscc, children);
  const file = await writeContainerFile(dataDir, container);
  return [`container ${sscc} packed with ${children.length} items (tx ${receipt.hash})`, `container file: ${file}`];
}

const ZERO = "0x" + "0".repeat(64);

/** A parties file: EPCIS party or location URN -> member id. */
const partiesSchema = z.record(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a member id (0x + 64 hex digits)"));

type ItemOp = "unpack" | "receive" | "destroy" | "report-stolen";

export async function opItem(provenance: DrugProvenance, dataDir: string, op: ItemOp, item: string): Promise<string[]> {
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
  return [`${item} ${done} (tx ${receipt.hash})`];
}

export async function opShip(provenance: DrugProvenance, dataDir: string, item: string, to: string): Promise<string[]> {
  const catalog = await Catalog.load(dataDir);
  const { id } = resolveItem(catalog, item);
  const receipt = await shipItem(provenance, catalog, id, resolveMember(to));
  return [`${item} shipped to ${to} (tx ${receipt.hash}); it moves when ${to} receives it`];
}

export async function opDispense(provenance: DrugProvenance, dataDir: string, label: string, code: string) {
  const catalog = await Catalog.load(dataDir);
  const result = await dispensePack(provenance, catalog, scanFromLabel(label, code));
  return result.cloneAlert
    ? [
        `CLONE ALERT: this pack was already dispensed, destroyed or stolen; the alert is on chain (tx ${result.receipt.hash}). Do not hand it out.`,
      ]
    : [`pack dispensed (tx ${result.receipt.hash})`];
}

export async function opRecall(provenance: DrugProvenance, gtinInput: string, lot: string): Promise<string[]> {
  const { gtin } = parseGs1(`(01)${gtinInput}(10)${lot}`);
  const receipt = await recallLot(provenance, lotIdOf(gtin!, lot));
  return [`lot ${lot} of ${gtin} recalled (tx ${receipt.hash})`];
}

/** The verdict of a scanned pack and its custody timeline, in plain words. */
export async function opVerify(
  provenance: DrugProvenance,
  dataDir: string,
  label: string,
  code: string,
  names?: (memberId: string) => string,
) {
  const catalog = await Catalog.load(dataDir);
  const scan = scanFromLabel(label, code);
  const result = await verifyPack(provenance, catalog, scan);
  const lines = [`verdict: ${result.verdict}: ${VERDICT_WORDS[result.verdict]}`];
  if (result.verdict === "UNKNOWN") return lines;
  if (result.custodian !== ZERO) {
    const who = names?.(result.custodian) ?? `member ${result.custodian}`;
    lines.push(`${result.inTransit ? "shipped by (in transit)" : "held by"} ${who}`);
  }
  const links = await linksFor(provenance, catalog, result.packId, false);
  const ids = [result.lotId, result.packId, ...new Set(links.map((l) => String(l.parent)))];
  // Follow every container the path was ever proven to be in (a case's pallets, the current one and
  // earlier ones), so the whole journey's events are shown.
  let history = await historyOf(provenance, ids);
  for (let more = true; more;) {
    const parents = history.filter((e) => e.event === "ItemLinked" && e.parent !== ZERO).map((e) => e.parent!);
    const fresh = [...new Set(parents)].filter((p) => !ids.includes(p));
    more = fresh.length > 0;
    if (more) {
      ids.push(...fresh);
      history = await historyOf(provenance, ids);
    }
  }
  lines.push("timeline:", ...describeHistory(history, names).map((l) => `  ${l}`));
  return lines;
}

/** Imports an EPCIS 2.0 document as the signer, resumably (journal beside the data directory). */
export async function opImport(
  provenance: DrugProvenance,
  input: { file: string; dataDir: string; journal: string; parties: string; to: string },
): Promise<string[]> {
  const raw = await readJson(input.file);
  let parties: Record<string, string> = {};
  if (input.parties !== "") {
    const parsed = partiesSchema.safeParse(await readJson(input.parties));
    if (!parsed.success) throw zodProblem(input.parties, parsed.error);
    parties = parsed.data;
  }
  const journalFile =
    input.journal !== "" ? input.journal : path.join(input.dataDir, "journals", `${path.basename(input.file)}.journal`);
  const result = await importEpcis(raw, input.file, {
    catalog: await Catalog.load(input.dataDir),
    dataDir: input.dataDir,
    journal: await Journal.open(journalFile),
    parties,
    defaultRecipient: input.to === "" ? undefined : resolveMember(input.to),
    contractFor: () => provenance,
  });
  return [
    `${input.file}: ${result.steps.length} steps, ${result.sent} sent, ${result.skipped} already done (journal ${journalFile})`,
  ];
}

/** Exports the on-chain history of an item as an EPCIS 2.0 JSON-LD document. */
export async function opExport(
  provenance: DrugProvenance,
  dataDir: string,
  item: string,
  out: string,
): Promise<string[]> {
  const catalog = await Catalog.load(dataDir);
  const doc = await exportEpcis(provenance, catalog, resolveItem(catalog, item).id);
  const text = JSON.stringify(doc, null, 2) + "\n";
  if (out === "") return [text.trimEnd()];
  await writeFile(out, text);
  return [`${doc.epcisBody.eventList.length} events written to ${out}`];
}
