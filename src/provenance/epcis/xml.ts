import { XMLParser, XMLValidator } from "fast-xml-parser";

import { badInput, MedChainError } from "../../chain/errors.js";
import { parseJsonText, readTextFile } from "../../chain/files.js";
import { EPCIS_CONTEXT } from "./schema.js";

/**
 * EPCIS XML (1.2 and 2.0) read into the JSON-LD shape of EPCIS 2.0, so one importer (and one set of
 * checks) serves both. Parsing is `fast-xml-parser` (a well-kept parser, pinned); what is written
 * here is only the mapping of the standard's XML elements to their JSON-LD names, which no library
 * provides:
 * - events in document order, whatever their type (and 1.2's `extension` wrappers around
 *   TransformationEvent and around fields added in 1.1 such as `quantityList`, `sourceList`,
 *   `destinationList`, `ilmd`, and `baseExtension` around `eventID` and `errorDeclaration`);
 * - lists (`epcList/epc`, `childEPCs/epc`, `quantityList/quantityElement`,
 *   `sourceList/source` with its `type` attribute, `destinationList/destination`);
 * - `readPoint/id`, `bizLocation/id`; `ilmd` children keep their prefixed names (`cbvmda:lotNumber`).
 */

type Node = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

const EVENT_TYPES = new Set([
  "ObjectEvent",
  "AggregationEvent",
  "TransactionEvent",
  "TransformationEvent",
  "AssociationEvent",
]);

/** The local name of a (possibly prefixed) tag. */
const local = (tag: string) => tag.slice(tag.indexOf(":") + 1);

/** The element name of an ordered node (every key but the attributes `:@` and text `#text`). */
function tagOf(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ":@" && k !== "#text");
}

function childrenOf(node: Node): Node[] {
  const tag = tagOf(node);
  return tag === undefined ? [] : ((node[tag] as Node[]) ?? []);
}

function attrsOf(node: Node): Record<string, string> {
  return (node[":@"] as Record<string, string>) ?? {};
}

function textOf(node: Node): string {
  return childrenOf(node)
    .map((c) => (typeof c["#text"] === "string" || typeof c["#text"] === "number" ? String(c["#text"]) : ""))
    .join("")
    .trim();
}

function find(nodes: Node[], name: string): Node | undefined {
  return nodes.find((n) => {
    const tag = tagOf(n);
    return tag !== undefined && local(tag) === name;
  });
}

/** One event element as an EPCIS 2.0 JSON-LD event. */
function eventOf(type: string, node: Node): Record<string, unknown> {
  const event: Record<string, unknown> = { type };
  const fields = (nodes: Node[]) => {
    for (const child of nodes) {
      const tag = tagOf(child);
      if (tag === undefined) continue;
      const name = local(tag);
      const kids = childrenOf(child);
      switch (name) {
        case "extension":
        case "baseExtension":
          fields(kids);
          break;
        case "epcList":
        case "childEPCs":
        case "inputEPCList":
        case "outputEPCList":
          event[name] = kids.filter((k) => tagOf(k) !== undefined).map(textOf);
          break;
        case "quantityList":
        case "childQuantityList":
        case "inputQuantityList":
        case "outputQuantityList":
          event[name] = kids
            .filter((k) => tagOf(k) !== undefined)
            .map((q) => {
              const parts = childrenOf(q);
              const out: Record<string, unknown> = {};
              for (const field of ["epcClass", "quantity", "uom"]) {
                const f = find(parts, field);
                if (f !== undefined) out[field] = field === "quantity" ? Number(textOf(f)) : textOf(f);
              }
              return out;
            });
          break;
        case "sourceList":
        case "destinationList": {
          const key = name === "sourceList" ? "source" : "destination";
          event[name] = kids
            .filter((k) => tagOf(k) !== undefined)
            .map((k) => ({ type: attrsOf(k).type ?? "", [key]: textOf(k) }));
          break;
        }
        case "readPoint":
        case "bizLocation": {
          const id = find(kids, "id");
          event[name] = { id: id === undefined ? "" : textOf(id) };
          break;
        }
        case "ilmd": {
          const ilmd: Record<string, string> = {};
          for (const k of kids) {
            const t = tagOf(k);
            if (t !== undefined) ilmd[t] = textOf(k);
          }
          event.ilmd = ilmd;
          break;
        }
        case "errorDeclaration":
          event.errorDeclaration = { declarationTime: textOf(find(kids, "declarationTime") ?? {}) };
          break;
        case "bizTransactionList":
          event.bizTransactionList = kids
            .filter((k) => tagOf(k) !== undefined)
            .map((k) => ({ type: attrsOf(k).type ?? "", bizTransaction: textOf(k) }));
          break;
        case "sensorElementList":
          event.sensorElementList = kids.filter((k) => tagOf(k) !== undefined).map(() => ({}));
          break;
        default:
          // eventTime, recordTime, eventTimeZoneOffset, eventID, action, bizStep, disposition,
          // parentID, transformationID; anything else is kept as its text and ignored by the importer.
          event[name] = textOf(child);
      }
    }
  };
  fields(childrenOf(node));
  return event;
}

/**
 * Reads an EPCIS XML document (1.2 or 2.0) into the JSON-LD shape of EPCIS 2.0. `file` names the
 * document in errors; malformed XML is refused with its line.
 */
export function parseEpcisXml(text: string, file: string): Record<string, unknown> {
  let top: Node[];
  try {
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
      throw badInput(`not well-formed XML: line ${valid.err.line}: ${valid.err.msg}`, { file });
    }
    top = (parser.parse(text) as Node[]).filter((n) => tagOf(n) !== undefined && tagOf(n) !== "?xml");
  } catch (err) {
    if (err instanceof MedChainError) throw err;
    // the parser's own refusals: nesting beyond its limit, `__proto__` as a tag or attribute name
    throw badInput(`not a readable XML document (${(err as Error).message.split("\n")[0]})`, { file });
  }
  const root = top[0];
  if (root === undefined || local(tagOf(root)!) !== "EPCISDocument") {
    throw badInput(`not an EPCIS document: the root element is ${root ? tagOf(root) : "missing"}`, { file });
  }
  const attrs = attrsOf(root);
  const body = find(childrenOf(root), "EPCISBody");
  const list = body === undefined ? undefined : find(childrenOf(body), "EventList");
  if (list === undefined) throw badInput("no EPCISBody/EventList element", { file });
  const events: Record<string, unknown>[] = [];
  const collect = (nodes: Node[]) => {
    for (const n of nodes) {
      const tag = tagOf(n);
      if (tag === undefined) continue;
      const name = local(tag);
      if (name === "extension") collect(childrenOf(n));
      else if (EVENT_TYPES.has(name)) events.push(eventOf(name, n));
      else events.push({ type: name });
    }
  };
  collect(childrenOf(list));
  return {
    "@context": [EPCIS_CONTEXT],
    type: "EPCISDocument",
    schemaVersion: attrs.schemaVersion ?? "",
    creationDate: attrs.creationDate ?? "",
    epcisBody: { eventList: events },
  };
}

/**
 * Reads an EPCIS document from a file: XML (by its `.xml` extension or a leading `<`) or JSON-LD.
 * A UTF-8 byte-order mark is accepted.
 */
export async function readEpcisFile(file: string): Promise<unknown> {
  // The one reader of text input (bounded, strict UTF-8, no NUL); JSON as every JSON input is read
  // (duplicate keys refused with their path: a second "bizStep" must not silently win).
  const text = await readTextFile(file);
  if (file.toLowerCase().endsWith(".xml") || text.trimStart().startsWith("<")) return parseEpcisXml(text, file);
  // Numbers as any EPCIS writer prints them (sensor values by `%.17g`): the import maps none to the chain.
  return parseJsonText(text, file, { exactNumbers: false });
}
