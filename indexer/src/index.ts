// The indexing functions: every event of every contract in ponder.config.ts is written to
// `chain_event`, then handed to its family's handler (provenance, records, claims) for the tables
// the reports read. Registered in a loop over the ABIs so no event is missed when a contract gains one.
import { ponder } from "ponder:registry";
import { chainEvent } from "ponder:schema";

import config from "../ponder.config.js";
import { claimsHandlers } from "./claims.js";
import { eventId, jsonArgs, position, type FamilyHandler, type IndexedEvent, type Store } from "./handlers.js";
import { provenanceHandlers } from "./provenance.js";
import { recordsHandlers } from "./records.js";

const FAMILIES: Record<string, Record<string, FamilyHandler>> = {
  DrugProvenance: provenanceHandlers,
  ProductRegistry: provenanceHandlers,
  RecordRegistry: recordsHandlers,
  ClaimsPlans: claimsHandlers,
  ClaimsEngine: claimsHandlers,
  SettlementVault: claimsHandlers,
};

type Register = (
  name: string,
  fn: (args: { event: Omit<IndexedEvent, "name">; context: { db: Store } }) => Promise<void>,
) => void;
const on = ponder.on.bind(ponder) as unknown as Register;

for (const [contract, { abi }] of Object.entries(config.contracts)) {
  const events = (abi as ReadonlyArray<{ type: string; name?: string }>).filter((x) => x.type === "event");
  for (const { name } of events) {
    const family = FAMILIES[contract]?.[name!];
    on(`${contract}:${name}`, async ({ event, context }) => {
      await context.db.insert(chainEvent).values({
        id: eventId(event),
        contract,
        address: event.log.address,
        event: name,
        args: jsonArgs(event.args),
        ...position(event),
      });
      // Ponder's event carries no name: the handlers are told which one it is.
      if (family !== undefined) await family({ ...event, name: name! }, context.db);
    });
  }
}
