/**
 * `medchain/provenance`: GS1 identifiers and company prefixes, lots and containers, custody,
 * scan-to-verify, EPCIS 2.0 import and export, labels. Everything the module's SDK exports today
 * except the Hardhat-bound `connect.ts` and the operator-command layer (`ops.ts`, which returns
 * printable lines); curated again with the trust work.
 */
export * from "./gs1/index.js";
export * from "./catalog.js";
export * from "./client.js";
export * from "./epcis/export.js";
export * from "./epcis/import.js";
export * from "./epcis/schema.js";
export * from "./history.js";
export * from "./ids.js";
export * from "./kinds.js";
export * from "./labels.js";
export * from "./lot.js";
export * from "./prefixes.js";
export * from "./resolve.js";
export * from "./resolver/index.js";
export * from "./tree.js";
export {
  DrugProvenance__factory,
  ProductRegistry__factory,
  type DrugProvenance,
  type ProductRegistry,
} from "../../typechain-types/index.js";
