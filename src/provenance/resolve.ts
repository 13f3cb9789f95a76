import { isHexString } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { memberIdFromCode } from "../consortium/ids.js";
import type { Catalog } from "./catalog.js";
import { parseGs1, type Gs1Identity } from "./gs1/index.js";
import { containerIdOf } from "./ids.js";

/**
 * The on-chain id of an item named the way an operator names it: a GS1 Digital Link, element string
 * or EPC URN of an SSCC (a container) or of a GTIN + serial (a pack, looked up in the lot bundles of
 * the data directory), or a raw 0x id.
 */
export function resolveItem(catalog: Catalog, input: string, what = "item"): { id: string; identity?: Gs1Identity } {
  if (isHexString(input, 32)) return { id: input };
  const identity = parseGs1(input);
  if (identity.sscc !== undefined) return { id: containerIdOf(identity.sscc), identity };
  if (identity.gtin !== undefined && identity.serial !== undefined) {
    let pack: ReturnType<Catalog["findPack"]>;
    try {
      pack = catalog.findPack(identity.gtin, identity.serial, identity.lot);
    } catch (err) {
      throw new MedChainError(`${what} ${input}: ${(err as Error).message}`);
    }
    if (pack === undefined) {
      const lot = identity.lot !== undefined ? ` lot ${identity.lot}` : "";
      throw new MedChainError(
        `${what} ${input}: no lot bundle in the data directory has GTIN ${identity.gtin}${lot} serial ${identity.serial}`,
      );
    }
    return { id: pack.packId, identity };
  }
  throw new MedChainError(`${what} ${input}: expected an SSCC (00) or a GTIN (01) with a serial (21)`);
}

/** A member named by its id (0x...) or its public registration code (e.g. DST-0001). */
export function resolveMember(input: string, option = "to"): string {
  if (isHexString(input, 32)) return input;
  if (input.trim() === "") throw new MedChainError(`--${option}: name the member (id or registration code)`);
  return memberIdFromCode(input.trim());
}

/** The scan of a pack from its printed GS1 string and the scratch-off code. */
export function scanFromLabel(
  label: string,
  code: string,
): { gtin: string; lot: string; serial: string; code: string } {
  const id = parseGs1(label);
  if (id.gtin === undefined || id.serial === undefined || id.lot === undefined) {
    throw new MedChainError(`${label}: a pack label needs a GTIN (01), a lot (10) and a serial (21)`);
  }
  return { gtin: id.gtin, lot: id.lot, serial: id.serial, code };
}
