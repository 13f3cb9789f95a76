/**
 * `medchain/genomics`: VCF reading, VRS identifiers, dataset commitments, data-use rules, secure
 * aggregation, noise and interpretations, and `openGenomics` (the contracts on a shared-layer
 * `Connection`); curated again with the trust work.
 */
export * from "./client.js";
export * from "./connect.js";
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
