import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import {
  NO_BATCH,
  claimDetails,
  readClaim,
  submittedClaimId,
  type ClaimInputArgs,
  type DocumentationArgs,
} from "../../src/claims/engine.js";
import type { ClaimsFixture } from "./fixture.js";

/** Submits a claim (as `hospital` unless told) and returns its id and view. */
export async function submitClaim(fx: ClaimsFixture, input: ClaimInputArgs, signer = fx.hospital) {
  const receipt = (await (await fx.engine.connect(signer).submit(input)).wait())!;
  const claimId = submittedClaimId(fx.engine, receipt);
  return { claimId, receipt, view: await readClaim(fx.engine, claimId) };
}

/** A claim's details, as the SDK rebuilds them from events. */
export async function detailsFor(fx: ClaimsFixture, claimId: bigint) {
  return claimDetails(fx.engine, claimId);
}

/** The insurer approves a claim in review (it is adjudicated again and paid). */
export async function approveClaim(fx: ClaimsFixture, claimId: bigint, signer = fx.insurer) {
  return fx.engine.connect(signer).approve(claimId, await detailsFor(fx, claimId));
}

/** A documentation argument for steps that do not re-check documentation. */
export const NO_DOCUMENTATION: DocumentationArgs = { commitment: NO_BATCH, batchRoot: NO_BATCH, proof: [] };

/** Expects `promise` to fail with a one-line MedChainError whose message includes (or matches) `message`. */
export async function expectMedChainError(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, "expected the operation to fail").to.be.instanceOf(MedChainError);
  const text = (error as Error).message;
  if (typeof message === "string") expect(text).to.include(message);
  else expect(text).to.match(message);
}
