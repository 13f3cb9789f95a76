import { MedChainError } from "../chain/errors.js";

/**
 * Bad genomic input (a VCF record, a dataset file, a query file, an option): one line naming where and
 * what, e.g. `lab.vcf:14: chr7:117559590 REF=CTT ALT=C,CT: not left-aligned (alleles end with the same
 * base)`. A `MedChainError` of kind `BAD_INPUT`, so the tasks print it as one line and exit 1; `where`
 * (file, field or option) is what a program reads from the `--json` error document.
 */
export class GenomicsInputError extends MedChainError {
  constructor(message: string, where: { file?: string; field?: string } = optionOf(message)) {
    super(message, { kind: "BAD_INPUT", ...where });
    this.name = "GenomicsInputError";
  }
}

/** The option a message starts with (`--versions: …`), as the error's field. */
function optionOf(message: string): { field?: string } {
  const m = /^(--[a-z][a-z-]*):/.exec(message);
  return m === null ? {} : { field: m[1]! };
}

/**
 * Runs the parse of one option's value; a bad-input error it throws is re-thrown naming the option
 * (`--region: region "chr99:1-2": expected chr:start-end on GRCh38`), so every refusal says where.
 */
export function inOption<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof MedChainError) || err.kind !== "BAD_INPUT" || err.where?.file !== undefined) throw err;
    const prefix = `--${option}`;
    const message = err.message.startsWith(`${prefix}:`) ? err.message : `${prefix}: ${err.message}`;
    throw new GenomicsInputError(message, { field: prefix });
  }
}
