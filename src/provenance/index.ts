/**
 * `medchain/provenance`: GS1 identifiers, lots and containers, custody, scan-to-verify, EPCIS 2.0
 * import and export, labels. (What exists today; curated again when the trust work lands.)
 */
export * from "./gs1/index.js";
export { Catalog, planContainer, writeContainerFile, type ContainerFile } from "./catalog.js";
export {
  claimOf,
  commissionLot,
  custodyOf,
  destroyItem,
  dispensePack,
  linksFor,
  packContainer,
  receiveItem,
  recallLot,
  registerProduct,
  reportItemStolen,
  shipItem,
  unpackContainer,
  verifyPack,
  type Link,
  type PackScan,
} from "./client.js";
export { exportEpcis } from "./epcis/export.js";
export { EpcisEventError, importEpcis, planImport, type ImportStep, type PlannedStep } from "./epcis/import.js";
export {
  EPCIS_CONTEXT,
  epcisDocumentSchema,
  epcisEventSchema,
  type EpcisDocument,
  type EpcisEvent,
} from "./epcis/schema.js";
export { describeHistory, historyOf, type HistoryEntry } from "./history.js";
export {
  containerIdOf,
  expiresAtOf,
  gtinFromUint,
  gtinToUint,
  lotIdOf,
  newScratchCode,
  normalizeCode,
  packIdOf,
  SCRATCH_CODE_LENGTH,
  ssccOfContainerId,
  ssccToUint,
} from "./ids.js";
export {
  BIZ_STEPS,
  DISPOSITIONS,
  NODE_KINDS,
  NODE_STATES,
  NodeKind,
  NodeState,
  VERDICT_WORDS,
  VERDICTS,
  type BizStepName,
  type DispositionName,
  type NodeStateName,
  type VerdictName,
} from "./kinds.js";
export {
  LabelError,
  renderLabel,
  writeLabels,
  type LabelInput,
  type RenderedLabel,
  type WrittenLabel,
} from "./labels.js";
export {
  lotFiles,
  packIdentity,
  parseSerialsCsv,
  planLot,
  readLotBundle,
  readLotTree,
  writeLotFiles,
  type LotBundle,
  type LotPlan,
  type LotTreeFile,
  type PackRecord,
} from "./lot.js";
export { resolveItem, resolveMember, scanFromLabel } from "./resolve.js";
export { DrugProvenance__factory, type DrugProvenance } from "../../typechain-types/index.js";
