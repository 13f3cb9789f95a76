/**
 * `medchain/records`: FHIR record commitments and leaves, Merkle batches, patients files, proof
 * files, verification, consent, access and the audit trail. Everything the module's SDK exports
 * today except the Hardhat-bound parts (`connect.ts`, `secrets.ts`); curated again with the trust
 * work.
 */
export * from "./access.js";
export * from "./anchor.js";
export * from "./audit.js";
export * from "./categories.js";
export * from "./commitment.js";
export * from "./consent.js";
export * from "./consent-file.js";
export * from "./errors.js";
export * from "./input.js";
export * from "./lifecycle.js";
export * from "./member.js";
export * from "./merkle.js";
export * from "./patients.js";
export * from "./proof.js";
export * from "./verify.js";
export { RecordRegistry__factory, type RecordRegistry } from "../../typechain-types/index.js";
