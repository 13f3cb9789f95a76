import { MedChainError } from "../chain/errors.js";

/** Bad operator input for the records module (a file, a folder, a proof): nothing was sent. */
export class RecordsInputError extends MedChainError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = "RecordsInputError";
  }
}
