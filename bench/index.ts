import type { Bench } from "./types.js";
import { claimsBench } from "./claims.js";
import { consortiumBench } from "./consortium.js";
import { genomicsBench } from "./genomics.js";
import { provenanceBench } from "./provenance.js";
import { recordsBench } from "./records.js";

/** Every module's benchmark, in README order. */
export const benches: Bench[] = [consortiumBench, recordsBench, provenanceBench, claimsBench, genomicsBench];
