/**
 * `medchain/records`: FHIR record commitments, Merkle batches, proof files, verification, consent and
 * the audit trail. (What exists today; curated again when the trust work lands.)
 */
export {
  anchorRecords,
  planAnchors,
  type AnchorOptions,
  type AnchorResult,
  type AnchorStep,
  type SaltSource,
} from "./anchor.js";
export {
  auditCsv,
  auditTrail,
  overdueBreakGlass,
  type AuditFilter,
  type AuditRow,
  type OverdueBreakGlass,
} from "./audit.js";
export { CATEGORIES, categoryName, categoryOf, parseCategorySet, type CategoryName } from "./categories.js";
export {
  canonicalBytes,
  COMMITMENT_ALGORITHM,
  COMMITMENT_DOMAIN,
  keyedSalt,
  parseFhir,
  randomSalt,
  recordCommitment,
  type FhirResource,
} from "./commitment.js";
export {
  CONSENT_TYPES,
  consentIdOf,
  GUARDIAN_TYPES,
  parsePurpose,
  patientAccountFor,
  PURPOSES,
  purposeName,
  recordsDomain,
  REVOCATION_TYPES,
  signConsent,
  signGuardian,
  signRevocation,
  type ConsentTerms,
  type PurposeName,
  type TypedSigner,
} from "./consent.js";
export {
  consentFileOf,
  consentTerms,
  grantConsent,
  readConsentFile,
  revokeConsent,
  scopeProofOf,
  termsOf,
  writeConsentFile,
  type ConsentFile,
  type ConsentRequest,
} from "./consent-file.js";
export { RecordsInputError } from "./errors.js";
export { bundleEntries, loadRecords, type RecordInput } from "./input.js";
export { batchIdOf, buildBatch, rootOf, verifyInBatch, type Batch } from "./merkle.js";
export {
  checkOffline,
  checkProofTarget,
  PROOF_FORMAT,
  readProof,
  writeProof,
  type OfflineCheck,
  type RecordProof,
} from "./proof.js";
export { formatVerdict, verifyRecord, type Verdict, type VerifyResult } from "./verify.js";
export { RecordRegistry__factory, type RecordRegistry } from "../../typechain-types/index.js";
