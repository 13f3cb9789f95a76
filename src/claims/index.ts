/**
 * `medchain/claims`: FHIR Claim to on-chain claim, plans, adjudication results, ClaimResponse and
 * ExplanationOfBenefit, remittance. (What exists today; curated again when the trust work lands.)
 */
export { CARC, carcGroup, carcText } from "./carc.js";
export {
  fromTokenUnits,
  MIN_SECRET_BYTES,
  patientReference,
  serviceCode,
  toFhirDate,
  toTokenUnits,
  toUnixSeconds,
} from "./codes.js";
export type { ClaimsConnection } from "./connect.js";
export {
  CLAIM_STATUS,
  claimDetails,
  detailsOf,
  readClaim,
  submittedClaimId,
  type ClaimDetailsArgs,
  type ClaimInputArgs,
  type ClaimStatusName,
  type ClaimView,
  type LineArgs,
  type LineResultView,
} from "./engine.js";
export { fhirClaimToChain, type ClaimMapping, type ClaimMappingOptions } from "./fhir-claim.js";
export {
  formatEob,
  lineAdjudication,
  toClaimResponse,
  toExplanationOfBenefit,
  type ResponseOptions,
} from "./fhir-response.js";
export {
  appealClaim,
  approvedClaims,
  authorise,
  enrolPatient,
  fundEscrow,
  providerRemittance,
  publishPlan,
  readRecordFile,
  reviewClaim,
  settleClaims,
  submitFhirClaim,
  writeEob,
} from "./operations.js";
export { planSchema, planToArgs, readPlanFile, type CodeRuleArgs, type PlanFile, type PlanTermsArgs } from "./plan.js";
export { remittanceCsv } from "./remittance.js";
export {
  ClaimsEngine__factory,
  ClaimsPlans__factory,
  type ClaimsEngine,
  type ClaimsPlans,
} from "../../typechain-types/index.js";
