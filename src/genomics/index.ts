/**
 * `medchain/genomics`: VCF reading, VRS identifiers, dataset commitments, data-use rules, secure
 * aggregation, noise and interpretations. What the module's SDK exports today except the Hardhat-bound
 * `connect.ts`; curated again with the trust work.
 */
export * from "./client.js";
export * from "./dataset.js";
export * from "./duo.js";
export * from "./errors.js";
export * from "./noise.js";
export * from "./operator.js";
export * from "./random.js";
export * from "./release.js";
export * from "./secagg.js";
export * from "./vcf.js";
export * from "./vrs.js";
export * from "./workflow.js";
