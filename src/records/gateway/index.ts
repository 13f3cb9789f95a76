/**
 * The record gateway (serving side) and its client (requesting side): records travel between
 * hospitals only under a consent on chain, and every read is audited on chain before it is served.
 */
export { chainHead, type ChainHead } from "./chain-head.js";
export { startGateway, type Gateway, type GatewayOptions, type GatewaySource } from "./server.js";
export { gatewayApp, FHIR_BASE, type GatewayContext } from "./app.js";
export { Auditor, auditedLeaves, type Audited, type AuditJob, type AuditorOptions, type ReadArg } from "./auditor.js";
export { folderSource, fhirServerSource, SourceUnavailable, type IndexedRecord, type RecordSource } from "./source.js";
export { ServedLog } from "./served.js";
export { Refusal, operationOutcome, type IssueCode, type OperationOutcome } from "./outcome.js";
export {
  GatewayClient,
  GatewayRefusal,
  refusalOf,
  type GatewayAnswer,
  type GatewayClientOptions,
  type RequesterSigner,
  type SignedRequest,
} from "./client.js";
export {
  fetchRecords,
  formatFetchReport,
  FETCH_REPORT_FORMAT,
  type FetchedRecord,
  type FetchOptions,
  type FetchReport,
} from "./fetch.js";
export { gatewayOptionsOf, gatewaySettings, type GatewaySettings } from "./settings.js";
export * from "./protocol.js";
