/**
 * `medchain/claims`: FHIR Claim to on-chain claim, plans, adjudication results, ClaimResponse and
 * ExplanationOfBenefit, remittance, and the batch jobs (submission and settlement on the pipelined
 * sender). `openClaims(conn)` opens the contracts on a shared `Connection`.
 */
export * from "./carc.js";
export * from "./codes.js";
export { ERC20_ABI, openClaims, type ClaimsConnection } from "./connect.js";
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
