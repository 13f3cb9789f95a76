import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";

import type { DrugProvenance } from "../../typechain-types/index.js";
import type { IDrugProvenance } from "../../typechain-types/provenance/DrugProvenance.js";
import { MedChainError } from "../chain/errors.js";
import { planContainer, type Catalog, type ContainerFile } from "./catalog.js";
import { gtinToUint, normalizeCode, packIdOf, lotIdOf, ssccToUint } from "./ids.js";
import { NodeKind, NodeState, NODE_STATES, VERDICTS, type NodeStateName, type VerdictName } from "./kinds.js";
import type { LotPlan } from "./lot.js";
import type { IdTree } from "./tree.js";

export type Link = IDrugProvenance.LinkStruct;

async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new MedChainError("the transaction was not mined");
  return receipt;
}

/** Registers a GTIN-14 for the signer's manufacturer. */
export async function registerProduct(contract: DrugProvenance, gtin: string): Promise<ContractTransactionReceipt> {
  return mined(contract.registerProduct(gtinToUint(gtin)));
}

/** Commissions a planned lot (one transaction, whatever its size). */
export async function commissionLot(contract: DrugProvenance, plan: LotPlan): Promise<ContractTransactionReceipt> {
  return mined(contract.commissionLot(gtinToUint(plan.gtin), plan.lot, plan.expiresAt, plan.quantity, plan.root));
}

/**
 * The containment links the chain needs to place `id` where it is now, from what the catalog knows:
 * its lot (for a pack not yet known on chain, when `withLot`), then every known container holding it
 * that was packed after its recorded place, oldest first, then the same for its last container.
 */
export async function linksFor(
  contract: DrugProvenance,
  catalog: Catalog,
  id: string,
  withLot = true,
): Promise<Link[]> {
  const links: Link[] = [];
  const node = await contract.nodeOf(id);
  if (node.state === NodeState.Dispensed) return links; // out of the supply chain: nothing to place
  const pack = catalog.packs.get(id.toLowerCase());
  if (node.kind === NodeKind.None && pack !== undefined && withLot) {
    links.push({ child: id, parent: pack.lotId, proof: catalog.proof(id, pack.lotId) });
  }
  const candidates: Array<{ id: string; packedSeq: bigint }> = [];
  for (const c of catalog.containersOf(id)) {
    const cn = await contract.nodeOf(c);
    if (cn.kind === NodeKind.Container && cn.packedSeq > node.movedSeq)
      candidates.push({ id: c, packedSeq: cn.packedSeq });
  }
  candidates.sort((a, b) => (a.packedSeq < b.packedSeq ? -1 : 1));
  const stored = node.parent.toLowerCase();
  const storedAt = candidates.findIndex((c) => c.id.toLowerCase() === stored);
  const fresh = candidates.slice(storedAt + 1);
  for (const c of fresh) links.push({ child: id, parent: c.id, proof: catalog.proof(id, c.id) });
  const top = fresh.at(-1)?.id ?? (storedAt >= 0 ? candidates[storedAt]!.id : undefined);
  if (top !== undefined) links.push(...(await linksFor(contract, catalog, top, false)));
  return links;
}

/**
 * Packs a container over `children` (pack or container ids) and, in the same transaction, records
 * where its child containers now are, so later custody checks need no proof for them. Packs inside
 * are linked lazily (at dispense), so the cost does not grow with the number of packs.
 */
export async function packContainer(
  contract: DrugProvenance,
  catalog: Catalog,
  sscc: string,
  children: string[],
): Promise<{ container: ContainerFile & { idTree: IdTree }; receipt: ContractTransactionReceipt }> {
  const container = planContainer(sscc, children);
  catalog.addContainer(container);
  const links: Link[] = [];
  for (const child of children) {
    if (catalog.containers.has(child.toLowerCase())) {
      const before = await linksFor(contract, catalog, child, false);
      // The new container is not on chain yet, so linksFor stops before it: add its own link last.
      links.push(...before, { child, parent: container.containerId, proof: container.idTree.getProof([child]) });
    }
  }
  const receipt = await mined(contract.pack(ssccToUint(sscc), container.root, children.length, links));
  return { container, receipt };
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

/** Reports an item the signer holds (or shipped) stolen. */
export async function reportItemStolen(contract: DrugProvenance, catalog: Catalog, itemId: string) {
  return mined(contract.reportStolen(itemId, await linksFor(contract, catalog, itemId)));
}

/** Recalls a lot. */
export async function recallLot(contract: DrugProvenance, lotId: string) {
  return mined(contract.recall(lotId));
}

/** What is read off a pack: the GS1 identity and the scratch-off code. */
export interface PackScan {
  gtin: string;
  serial: string;
  lot: string;
  code: string;
}

/** The contract's claim for a scanned pack: its lot proof comes from the catalog's lot tree. */
export function claimOf(
  catalog: Catalog,
  scan: PackScan,
): { claim: IDrugProvenance.PackClaimStruct; packId: string; lotId: string } {
  const code = normalizeCode(scan.code);
  const packId = packIdOf(scan.gtin, scan.serial, code);
  const lotId = lotIdOf(scan.gtin, scan.lot);
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
): Promise<{ custodian: string; state: NodeStateName }> {
  const links = await linksFor(contract, catalog, itemId);
  const [custodian, state] = await contract.custodyOf(itemId, links);
  return { custodian, state: NODE_STATES[Number(state)]! };
}
