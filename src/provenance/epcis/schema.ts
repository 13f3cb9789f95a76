import { z } from "zod";

/** The EPCIS 2.0 JSON-LD context every document (ours included) starts from. */
export const EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

const party = z
  .object({ type: z.string(), source: z.string().optional(), destination: z.string().optional() })
  .passthrough();
const place = z.object({ id: z.string() }).passthrough();

/** The fields of an EPCIS 2.0 event the importer reads (others are kept and ignored). */
export const epcisEventSchema = z
  .object({
    type: z.string(),
    eventID: z.string().optional(),
    eventTime: z.string(),
    eventTimeZoneOffset: z.string().optional(),
    action: z.enum(["ADD", "OBSERVE", "DELETE"]).optional(),
    bizStep: z.string().optional(),
    disposition: z.string().optional(),
    epcList: z.array(z.string()).optional(),
    parentID: z.string().optional(),
    childEPCs: z.array(z.string()).optional(),
    quantityList: z.array(z.object({ epcClass: z.string() }).passthrough()).optional(),
    readPoint: place.optional(),
    bizLocation: place.optional(),
    sourceList: z.array(party).optional(),
    destinationList: z.array(party).optional(),
    ilmd: z.record(z.unknown()).optional(),
    errorDeclaration: z.unknown().optional(),
  })
  .passthrough();
export type EpcisEvent = z.infer<typeof epcisEventSchema>;

/** An EPCIS 2.0 document (JSON-LD). Events are validated one by one so errors can name the event. */
export const epcisDocumentSchema = z
  .object({
    "@context": z.union([z.string(), z.array(z.unknown())]),
    type: z.literal("EPCISDocument"),
    schemaVersion: z.string(),
    creationDate: z.string(),
    epcisBody: z.object({ eventList: z.array(z.unknown()) }).passthrough(),
  })
  .passthrough();
export type EpcisDocument = z.infer<typeof epcisDocumentSchema>;

/** A CBV value in any of its spellings (`shipping`, the URN, the GS1 web URI) as its bare name. */
export function cbvName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /(?:urn:epcglobal:cbv:(?:bizstep|disp):|https?:\/\/ref\.gs1\.org\/cbv\/(?:BizStep|Disp)-)(.+)$/.exec(value);
  return m?.[1] ?? value;
}

/**
 * An RFC 3339 date-time (what EPCIS event times are): `2026-01-31T10:00:00Z`, with optional
 * fractional seconds and a `Z` or `±hh:mm` offset, naming a real instant (no 2026-02-30, no 25:00).
 */
export function isRfc3339(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate(); // day 0 of the next month: this month's length
  return day >= 1 && day <= days;
}

/** An EPCIS `eventTimeZoneOffset`: `+hh:mm` or `-hh:mm`, at most 14 hours. */
export function isTimeZoneOffset(value: string): boolean {
  const m = /^[+-](\d{2}):(\d{2})$/.exec(value);
  return m !== null && Number(m[1]) <= 14 && Number(m[2]) <= 59;
}
