/**
 * `medchain/records`: FHIR record commitments and leaves, Merkle batches, patients files, proof
 * files, verification, consent, access and the audit trail; signed access requests; and the record
 * gateway: serving (`startGateway`, its settings for the `medchain-records-gateway` command) and
 * requesting (`fetchRecords`, `GatewayClient`). Everything the module's SDK exports today except the
 * Hardhat-bound parts (`connect.ts`, `secrets.ts`); of the gateway only its public face (its routes,
 * auditor, served log and header parsing stay inside, so they can change without breaking callers).
 */
export * from "./access.js";
export * from "./access-request.js";
export * from "./anchor.js";
export * from "./audit.js";
export * from "./categories.js";
export * from "./commitment.js";
export * from "./consent.js";
export * from "./consent-file.js";
export * from "./errors.js";
export * from "./history.js";
export * from "./input.js";
export * from "./lifecycle.js";
export * from "./member.js";
export * from "./merkle.js";
export * from "./patients.js";
export * from "./proof.js";
export * from "./verify.js";
export {
  // serving
  startGateway,
  gatewaySettings,
  gatewayOptionsOf,
  SourceUnavailable,
  type Gateway,
  type GatewayOptions,
  type GatewaySettings,
  type GatewaySource,
  type RecordSource,
  type IndexedRecord,
  type AuditorOptions,
  // requesting
  fetchRecords,
  formatFetchReport,
  FETCH_REPORT_FORMAT,
  GatewayClient,
  GatewayRefusal,
  type FetchOptions,
  type FetchReport,
  type FetchedRecord,
  type GatewayAnswer,
  type GatewayClientOptions,
  type RequesterSigner,
  type SignedRequest,
  // the wire protocol, for clients of other stacks
  AUTH_SCHEME,
  CONSENT_HEADER,
  PROOF_HEADER,
  AUDIT_HEADER,
  PROOF_EXTENSION,
  AUDIT_EXTENSION,
  REFUSAL_SYSTEM,
  FHIR_BASE,
  type OperationOutcome,
  type IssueCode,
} from "./gateway/index.js";
export { RecordRegistry__factory, type RecordRegistry } from "../../typechain-types/index.js";
