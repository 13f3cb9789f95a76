import { AI, IDENTITY_AIS, type Gs1Element } from "./ai.js";
import { finishElements } from "./element-string.js";
import { Gs1Problem } from "./errors.js";

/** A GS1-identified pack, case or pallet, as the provenance SDK uses it. */
export interface Gs1Identity {
  /** AI (01): 14 digits with check digit. */
  gtin?: string;
  /** AI (00): 18 digits with check digit. */
  sscc?: string;
  /** AI (10): batch/lot, up to 20 characters of CSET 82. */
  lot?: string;
  /** AI (17): expiry date, YYMMDD (DD may be 00: end of month). */
  expiry?: string;
  /** AI (21): serial number, up to 20 characters of CSET 82. */
  serial?: string;
  /** Any other AIs, keyed by AI ("22", "3103", "414"...). */
  otherAIs?: Record<string, string>;
}

/** Collects AIs into a {@link Gs1Identity} (the order and the composite split are not kept). */
export function identityFromElements(elements: readonly Gs1Element[]): Gs1Identity {
  const id: Gs1Identity = {};
  for (const { ai, value } of elements) {
    if (ai === IDENTITY_AIS.gtin) id.gtin = value;
    else if (ai === IDENTITY_AIS.sscc) id.sscc = value;
    else if (ai === IDENTITY_AIS.lot) id.lot = value;
    else if (ai === IDENTITY_AIS.expiry) id.expiry = value;
    else if (ai === IDENTITY_AIS.serial) id.serial = value;
    else id.otherAIs = { ...id.otherAIs, [ai]: value };
  }
  return id;
}

/**
 * The AIs of an identity, validated (format, check digits, dates, requires/excludes), in element
 * string order: key, expiry (fixed length), lot, serial, then the other AIs.
 */
export function elementsFromIdentity(id: Gs1Identity): Gs1Element[] {
  const elements: Gs1Element[] = [];
  const add = (ai: string, value: string | undefined): void => {
    if (value !== undefined) elements.push({ ai, value });
  };
  add(IDENTITY_AIS.sscc, id.sscc);
  add(IDENTITY_AIS.gtin, id.gtin);
  add(IDENTITY_AIS.expiry, id.expiry);
  add(IDENTITY_AIS.lot, id.lot);
  add(IDENTITY_AIS.serial, id.serial);
  for (const [ai, value] of Object.entries(id.otherAIs ?? {})) {
    if (Object.values(IDENTITY_AIS).includes(ai as never)) {
      throw new Gs1Problem(`AI (${ai}) belongs in its own field, not in otherAIs`, "DUPLICATE_AI");
    }
    add(ai, value);
  }
  if (elements.length === 0) throw new Gs1Problem("no AIs in the identity", "MISSING_REQUIRED_AI");
  return finishElements(elements, {});
}

/** AIs as a plain record (`{"01": "...", "10": "..."}`), as GS1's Digital Link toolkit prints them. */
export function toAiRecord(elements: readonly Gs1Element[]): Record<string, string> {
  return Object.fromEntries(elements.map((el) => [el.ai, el.value]));
}

/** AIs from a plain record: the first Digital Link primary key first, then the rest in key order. */
export function elementsFromRecord(record: Readonly<Record<string, string>>): Gs1Element[] {
  const elements = Object.entries(record).map(([ai, value]) => ({ ai, value }));
  const key = elements.findIndex((el) => AI.get(el.ai)?.dlQualifiers !== undefined);
  if (key > 0) elements.unshift(...elements.splice(key, 1));
  return elements;
}
