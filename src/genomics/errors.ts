import { MedChainError } from "../chain/errors.js";

/**
 * Bad genomic input (a VCF record, a dataset file, a query file): one line naming where and what,
 * e.g. `lab.vcf:14: chr7:117559590 REF=CTT ALT=C,CT: not left-aligned (alleles end with the same base)`.
 * A `MedChainError`, so the tasks print it as one line.
 */
export class GenomicsInputError extends MedChainError {
  constructor(message: string) {
    super(message);
    this.name = "GenomicsInputError";
  }
}
