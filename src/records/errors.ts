import { MedChainError } from "../chain/errors.js";

/**
 * Bad operator input for the records module (a file, a folder, a proof): nothing was sent. The
 * message is `file: field: problem` (or `file: problem`), and `where` names both for programs.
 */
export class RecordsInputError extends MedChainError {
  constructor(
    readonly file: string,
    readonly problem: string,
    field?: string,
  ) {
    super(field === undefined ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`, {
      file,
      ...(field === undefined ? {} : { field }),
    });
    this.name = "RecordsInputError";
  }
}
