/**
 * `medchain/claims`: FHIR Claim to on-chain claim, plans, adjudication results, ClaimResponse and
 * ExplanationOfBenefit, remittance. Everything the module's SDK exports today except the
 * Hardhat-bound `connect.ts` (its `ClaimsConnection` type is exported); curated again with the
 * trust work.
 */
export * from "./carc.js";
export * from "./codes.js";
export type { ClaimsConnection } from "./connect.js";
export * from "./engine.js";
export * from "./fhir-claim.js";
export * from "./fhir-response.js";
export * from "./operations.js";
export * from "./plan.js";
export * from "./remittance.js";
export {
  ClaimsEngine__factory,
  ClaimsPlans__factory,
  type ClaimsEngine,
  type ClaimsPlans,
} from "../../typechain-types/index.js";
