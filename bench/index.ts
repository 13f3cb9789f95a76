import type { Bench } from "./types.js";
import { consortiumBench } from "./consortium.js";
import { provenanceBench } from "./provenance.js";

/** Every module's benchmark, in README order. */
export const benches: Bench[] = [consortiumBench, provenanceBench];
