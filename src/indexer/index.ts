/**
 * `medchain/indexer`: the client of the MedChain indexer (the Ponder project in `indexer/`, run with
 * `npm run indexer`): a pack's custody timeline, the regulator's access audit and the insurer's
 * remittance, answered from SQL tables instead of scanning the chain's logs.
 */
export * from "./client.js";
export * from "./wire.js";
