import type { ContractRunner, ContractTransactionReceipt, ContractTransactionResponse, Signer } from "ethers";

import {
  ConsortiumRegistry__factory,
  ProductRegistry__factory,
  type DrugProvenance,
  type ProductRegistry,
} from "../../typechain-types/index.js";
import type { IDrugProvenance } from "../../typechain-types/provenance/DrugProvenance.js";
import { MedChainError } from "../chain/errors.js";
import { planContainer, type Catalog, type ContainerFile } from "./catalog.js";
import { gtinToUint, normalizeCode, packIdOf, packTagOf, lotIdOf, ssccToUint } from "./ids.js";
import {
  ItemKind,
  ItemState,
  ITEM_STATES,
  RECALL_REASONS,
  recallReasonCode,
  VERDICTS,
  type ItemStateName,
  type RecallReasonName,
  type VerdictName,
} from "./kinds.js";
import type { LotPlan } from "./lot.js";
import type { IdTree } from "./tree.js";

export type Link = IDrugProvenance.LinkStruct;

async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new MedChainError("the transaction was not mined");
  return receipt;
}

const registries = new WeakMap<DrugProvenance, Promise<ProductRegistry>>();

/**
 * The product registry (prefixes, products, lots) of a DrugProvenance, connected with the same
 * runner (signer or provider).
 */
export async function productsOf(contract: DrugProvenance): Promise<ProductRegistry> {
  // One connected instance per contract: building an ethers Contract parses the whole ABI (a batch
  // job asking per step spent most of its time here).
  let registry = registries.get(contract);
  if (registry === undefined) {
    registry = contract.products().then((address) => ProductRegistry__factory.connect(address, contract.runner));
    registries.set(contract, registry);
    registry.catch(() => registries.delete(contract));
  }
  return registry;
}

/**
 * The length of the assigned GS1 company prefix of a GTIN-14 or SSCC-18 (what the contract's
 * `prefixLength` arguments take), or a one-line error if no member holds one.
 */
export async function companyPrefixLength(contract: DrugProvenance, identifier: string, isSscc: boolean) {
  const value = isSscc ? ssccToUint(identifier) : gtinToUint(identifier);
  const [length] = await (await productsOf(contract)).companyPrefixOf(value, isSscc);
  return checkedPrefixLength(identifier, isSscc, length);
}

function checkedPrefixLength(identifier: string, isSscc: boolean, length: bigint): number {
  if (length === 0n) {
    throw new MedChainError(
      `${isSscc ? "SSCC" : "GTIN"} ${identifier}: no member holds its GS1 company prefix; the governors assign it by vote (npx hardhat provenance prefix --assign <prefix> --member <member>)`,
    );
  }
  return Number(length);
}

/** Registers a GTIN-14 for the signer's manufacturer, under the company prefix it holds. */
export async function registerProduct(contract: DrugProvenance, gtin: string): Promise<ContractTransactionReceipt> {
  const prefixLength = await companyPrefixLength(contract, gtin, false);
  return mined((await productsOf(contract)).registerProduct(gtinToUint(gtin), prefixLength));
}

/** Commissions a planned lot (one transaction, whatever its size). */
export async function commissionLot(contract: DrugProvenance, plan: LotPlan): Promise<ContractTransactionReceipt> {
  const products = await productsOf(contract);
  return mined(products.commissionLot(gtinToUint(plan.gtin), plan.lot, plan.expiresAt, plan.quantity, plan.root));
}

const TERMINAL = new Set<bigint>([ItemState.Dispensed, ItemState.Destroyed, ItemState.Stolen]);

/**
 * The links the chain needs to see `id` where it is now. A container's place is always recorded
 * (containers are packed by list), and so is a pack's once it left its lot by list or was shipped.
 * A pack still at its lot needs its lot link when it was never seen on chain (`withLot`; dispense and
 * verify place it in its lot themselves), and, once cases were packed from the lot by reference, its
 * link into the case of that lot the catalog knows it is in.
 */
export async function linksFor(
  contract: DrugProvenance,
  catalog: Catalog,
  id: string,
  withLot = true,
): Promise<Link[]> {
  const pack = catalog.packs.get(id.toLowerCase());
  if (pack === undefined) return [];
  const item = await contract.itemOf(id);
  if (item.kind === ItemKind.Container || TERMINAL.has(item.state)) return [];
  if (item.kind === ItemKind.Pack && item.parent.toLowerCase() !== pack.lotId.toLowerCase()) return [];
  const links: Link[] = [];
  if (item.kind === ItemKind.None && withLot) links.push(catalog.link(id, pack.lotId));
  if (!(await (await productsOf(contract)).lotOf(pack.lotId)).drawn) return links;
  for (const c of catalog.containersOf(id)) {
    if ((await contract.itemOf(c)).lot.toLowerCase() === pack.lotId.toLowerCase()) {
      links.push(catalog.link(id, c));
      break;
    }
  }
  return links;
}

/** The member the contract's signer operates for (zero if none). */
async function signerMember(contract: DrugProvenance): Promise<string> {
  const runner = contract.runner as (ContractRunner & Partial<Signer>) | null;
  if (runner?.getAddress === undefined) throw new MedChainError("packing needs a signer");
  const registry = ConsortiumRegistry__factory.connect(await contract.consortium(), runner);
  return registry.memberOf(await runner.getAddress());
}

/**
 * The lot to pack `children` from by reference, if they are all packs of one lot never seen on
 * chain and the packer (`member`, default the signer's) is that lot's manufacturer (its packaging
 * line); else undefined (by list).
 */
async function lotToPackFrom(contract: DrugProvenance, catalog: Catalog, children: string[], member?: string) {
  const lots = new Set(children.map((c) => catalog.packs.get(c.toLowerCase())?.lotId.toLowerCase()));
  if (lots.size !== 1 || lots.has(undefined)) return undefined;
  const lotId = [...lots][0]!;
  const kinds = await Promise.all(children.map(async (child) => (await contract.itemOf(child)).kind));
  if (kinds.some((k) => k !== ItemKind.None)) return undefined;
  const lot = await (await productsOf(contract)).lotOf(lotId);
  return lot.manufacturer === (member ?? (await signerMember(contract))) ? lotId : undefined;
}

/** What a packing call sends: by reference from a lot (`fromLot`), or by list with every child's links. */
export interface PackPlan {
  container: ContainerFile & { idTree: IdTree };
  prefixLength: number;
  fromLot?: string;
  links: Link[];
}

/**
 * Plans a packing call over `children` (pack or container ids) for `member` (default: the signer's
 * member): packs of one lot, straight from their manufacturer's packaging line, are packed by
 * reference; anything else by list, with the links placing every child where it is now.
 */
export async function planPack(
  contract: DrugProvenance,
  catalog: Catalog,
  sscc: string,
  children: string[],
  member?: string,
): Promise<PackPlan> {
  const container = planContainer(sscc, children);
  const prefixLength = await companyPrefixLength(contract, sscc, true);
  const fromLot = await lotToPackFrom(contract, catalog, children, member);
  if (fromLot !== undefined) return { container, prefixLength, fromLot, links: [] };
  const links: Link[] = [];
  for (const child of children) {
    links.push(...(await linksFor(contract, catalog, child)), {
      child,
      parent: container.containerId,
      proof: container.idTree.getProof([child]),
    });
  }
  return { container, prefixLength, links };
}

/** The calldata of a planned packing call. */
export function packCalldata(contract: DrugProvenance, plan: PackPlan): string {
  const { container, prefixLength, fromLot, links } = plan;
  const sscc = ssccToUint(container.sscc);
  return fromLot !== undefined
    ? contract.interface.encodeFunctionData("packFromLot", [
        sscc,
        prefixLength,
        fromLot,
        container.root,
        container.children.length,
      ])
    : contract.interface.encodeFunctionData("pack", [
        sscc,
        prefixLength,
        container.root,
        container.children.length,
        links,
      ]);
}

/**
 * Packs a container over `children` (pack or container ids). Packs of one lot, straight from their
 * manufacturer's packaging line, are packed by reference (`packFromLot`: one root, whatever the
 * count); anything else is packed by list (`pack`), every child's link recorded in the same call,
 * so no former holder can act on a child through its old place.
 */
export async function packContainer(
  contract: DrugProvenance,
  catalog: Catalog,
  sscc: string,
  children: string[],
  options: {
    /**
     * Runs after the chain accepted the packing in a dry run and before it is sent (to keep the
     * container's file first: a stop after the packing then never leaves it without its tree).
     */
    beforeSend?: (container: ContainerFile & { idTree: IdTree }) => Promise<void>;
  } = {},
): Promise<{ container: ContainerFile & { idTree: IdTree }; receipt: ContractTransactionReceipt; fromLot?: string }> {
  const plan = await planPack(contract, catalog, sscc, children);
  const { container, prefixLength, fromLot, links } = plan;
  const id = ssccToUint(sscc);
  if (options.beforeSend !== undefined) {
    if (fromLot !== undefined) {
      await contract.packFromLot.staticCall(id, prefixLength, fromLot, container.root, children.length);
    } else {
      await contract.pack.staticCall(id, prefixLength, container.root, children.length, links);
    }
    await options.beforeSend(container);
  }
  const receipt =
    fromLot !== undefined
      ? await mined(contract.packFromLot(id, prefixLength, fromLot, container.root, children.length))
      : await mined(contract.pack(id, prefixLength, container.root, children.length, links));
  catalog.addContainer(container);
  return { container, receipt, ...(fromLot === undefined ? {} : { fromLot }) };
}

/** Unpacks a container the signer holds. */
export async function unpackContainer(contract: DrugProvenance, catalog: Catalog, containerId: string) {
  return mined(contract.unpack(containerId, await linksFor(contract, catalog, containerId)));
}

/** Ships a sealed container or a loose pack to member `to`. */
export async function shipItem(contract: DrugProvenance, catalog: Catalog, itemId: string, to: string) {
  return mined(contract.ship(itemId, to, await linksFor(contract, catalog, itemId)));
}

/** Receives an item shipped to the signer's member. */
export async function receiveItem(contract: DrugProvenance, itemId: string) {
  return mined(contract.receiveItem(itemId));
}

/** Destroys an item the signer holds. */
export async function destroyItem(contract: DrugProvenance, catalog: Catalog, itemId: string) {
  return mined(contract.destroy(itemId, await linksFor(contract, catalog, itemId)));
}

/**
 * Reports an item stolen: one the signer holds, or one in transit to the signer's member (or, for a
 * regulator, any item in transit). A shipper cannot report what it shipped.
 */
export async function reportItemStolen(contract: DrugProvenance, catalog: Catalog, itemId: string) {
  return mined(contract.reportStolen(itemId, await linksFor(contract, catalog, itemId)));
}

/** Recalls a lot for a reason (`RECALL_REASONS` name; default `unspecified`), kept on chain with the time. */
export async function recallLot(contract: DrugProvenance, lotId: string, reason: RecallReasonName = "unspecified") {
  const code = recallReasonCode(reason);
  if (code === undefined)
    throw new MedChainError(`recall reason ${JSON.stringify(reason)}: not one of ${RECALL_REASONS.join(", ")}`);
  return mined((await productsOf(contract)).recall(lotId, code));
}

/** What is read off a pack: the GS1 identity and the scratch-off code. */
export interface PackScan {
  gtin: string;
  serial: string;
  lot: string;
  code: string;
}

/**
 * The contract's claim for a scanned pack: its lot proof (of its tag) comes from the catalog's lot
 * tree; `packId` is its on-chain id in the lot printed on it.
 */
export function claimOf(
  catalog: Catalog,
  scan: PackScan,
): { claim: IDrugProvenance.PackClaimStruct; packId: string; lotId: string } {
  const code = normalizeCode(scan.code);
  const lotId = lotIdOf(scan.gtin, scan.lot);
  const packId = packIdOf(lotId, packTagOf(scan.gtin, scan.serial, code));
  const lot = catalog.lots.get(lotId.toLowerCase());
  let lotProof: string[] = [];
  if (lot !== undefined) {
    try {
      lotProof = catalog.proof(packId, lotId);
    } catch {
      lotProof = []; // wrong code or not in this lot: the chain answers UNKNOWN
    }
  }
  return { claim: { gtin: gtinToUint(scan.gtin), serial: scan.serial, lot: scan.lot, code, lotProof }, packId, lotId };
}

/** Dispenses a scanned pack. Returns false (and the chain keeps a clone alert) for a pack seen before. */
export async function dispensePack(
  contract: DrugProvenance,
  catalog: Catalog,
  scan: PackScan,
): Promise<{ dispensed: boolean; cloneAlert: boolean; packId: string; receipt: ContractTransactionReceipt }> {
  const { claim, packId } = claimOf(catalog, scan);
  const links = await linksFor(contract, catalog, packId, false);
  const receipt = await mined(contract.dispense(claim, links));
  const cloneAlert = receipt.logs.some((log) => {
    try {
      return contract.interface.parseLog(log)?.name === "PackCloneDetected";
    } catch {
      return false;
    }
  });
  return { dispensed: !cloneAlert, cloneAlert, packId, receipt };
}

/** The verdict of a scanned pack and its custodian. */
export async function verifyPack(
  contract: DrugProvenance,
  catalog: Catalog,
  scan: PackScan,
): Promise<{ verdict: VerdictName; custodian: string; inTransit: boolean; packId: string; lotId: string }> {
  const { claim, packId, lotId } = claimOf(catalog, scan);
  const links = await linksFor(contract, catalog, packId, false);
  const [verdict, custodian, inTransit] = await contract.verify(claim, links);
  return { verdict: VERDICTS[Number(verdict)]!, custodian, inTransit, packId, lotId };
}

/** The custodian and state of any item (pack or container), with the links the catalog knows. */
export async function custodyOf(
  contract: DrugProvenance,
  catalog: Catalog,
  itemId: string,
): Promise<{ custodian: string; state: ItemStateName }> {
  const links = await linksFor(contract, catalog, itemId);
  const [custodian, state] = await contract.custodyOf(itemId, links);
  return { custodian, state: ITEM_STATES[Number(state)]! };
}
