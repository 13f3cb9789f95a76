import { REFUSAL_SYSTEM } from "./protocol.js";
import type { ContractRevert } from "../../chain/errors.js";
import { purposeName } from "../consent.js";

/** FHIR R4 `IssueType` codes the gateway answers with. */
export type IssueCode =
  | "login"
  | "security"
  | "expired"
  | "forbidden"
  | "not-found"
  | "not-supported"
  | "invalid"
  | "required"
  | "transient"
  | "throttled"
  | "deleted"
  | "exception";

/**
 * Why the gateway did not serve: the HTTP status, the FHIR issue code, the precise reason as a code
 * (a contract custom error's name such as `RecordsConsentRevoked`, or one of the gateway's own such as
 * `Unsigned`), and a sentence for a person. Never carries a record.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly issue: IssueCode,
    readonly reason: string,
    message: string,
    /** What the gateway's log says beyond what the requester is told (e.g. why a read answers 404). */
    readonly logDetail?: string,
  ) {
    super(message);
    this.name = "Refusal";
  }
}

/** Too many requests from one requester (429): it may ask again after `retryAfter` seconds. */
export class Throttled extends Refusal {
  constructor(
    readonly requester: string,
    readonly retryAfter: number,
  ) {
    super(429, "throttled", "TooManyRequests", `too many requests from ${requester}: ask again in ${retryAfter} s`);
    this.name = "Throttled";
  }
}

/** A FHIR `OperationOutcome` (R4). */
export interface OperationOutcome {
  resourceType: "OperationOutcome";
  issue: Array<{
    severity: "error" | "fatal";
    code: IssueCode;
    details: { coding: Array<{ system: string; code: string }>; text: string };
    diagnostics?: string;
  }>;
}

/** The `OperationOutcome` of a refusal. */
export function operationOutcome(refusal: Refusal): OperationOutcome {
  return {
    resourceType: "OperationOutcome",
    issue: [
      {
        severity: refusal.status >= 500 ? "fatal" : "error",
        code: refusal.issue,
        details: { coding: [{ system: REFUSAL_SYSTEM, code: refusal.reason }], text: refusal.message },
      },
    ],
  };
}

/** The one answer to any read the requester may not make or that does not exist: no existence oracle. */
export function notFound(what: string, logDetail?: string): Refusal {
  return new Refusal(404, "not-found", "NotFound", `${what} is not found, or not covered by the consent`, logDetail);
}

const time = (t: unknown) => new Date(Number(t as bigint) * 1000).toISOString();

/**
 * The refusal for a contract custom error raised while simulating or auditing a request, so the
 * gateway answers exactly what the chain decided. Record-level errors (not anchored, out of scope) are
 * answered as "not found", like a record the custodian does not hold.
 */
export function refusalOfRevert(revert: Pick<ContractRevert, "name" | "args">): Refusal {
  const a = revert.args;
  const r = (status: number, issue: IssueCode, message: string) => new Refusal(status, issue, revert.name, message);
  switch (revert.name) {
    case "RecordsConsentMissing":
      return r(403, "forbidden", `no consent with these terms was granted on chain (consent ${String(a.consentId)})`);
    case "RecordsConsentRevoked":
      return r(403, "forbidden", `the patient revoked the consent at ${time(a.revokedAt)}`);
    case "RecordsConsentNotYetValid":
      return r(403, "forbidden", `the consent is valid only from ${time(a.validFrom)}`);
    case "RecordsConsentExpired":
      return r(403, "forbidden", `the consent expired at ${time(a.validUntil)}`);
    case "RecordsNotGrantee":
      return r(403, "forbidden", `the signer's member ${String(a.memberId)} is not the consent's grantee`);
    case "RecordsWrongPurpose":
      return r(
        403,
        "forbidden",
        `the consent was given for ${purposeName(a.granted as bigint)}, not ${purposeName(a.requested as bigint)}`,
      );
    case "RecordsRequesterNotActive":
      return BigInt(a.memberId as string) === 0n
        ? r(
            401,
            "security",
            `the signing key ${String(a.requester)} is not an operating account of any member (removed, or never added)`,
          )
        : r(
            403,
            "forbidden",
            `the signer's member ${String(a.memberId)} is not active (suspended, revoked, or its certification lapsed)`,
          );
    case "RecordsInvalidRequestSignature":
      return r(401, "security", `the signature is not ${String(a.requester)}'s`);
    case "RecordsSignatureExpired":
      return r(401, "expired", `the signed request expired at ${time(a.deadline)}: sign a new one`);
    case "RecordsRequestUsed":
      return r(401, "security", `this signed request was used already (nonce ${String(a.nonce)}): sign a new one`);
    case "RecordsNotCustodian":
      return r(403, "forbidden", `the consent names another custodian than this gateway's member`);
    case "RecordsRetracted":
      return r(410, "deleted", "the custodian retracted this record (entered in error): it is no longer served");
    case "RecordsOutOfScope":
    case "RecordsNotAnchored":
      return notFound("the record", `the chain refused the read: ${revert.name}`);
    case "ConsortiumGuardedPaused":
      return r(503, "transient", "the consortium has paused the records module: nothing is served until it is lifted");
    case "ConsortiumGuardedUnauthorized":
      return r(500, "exception", "this gateway's own account may not audit accesses (its member is not active)");
    default:
      return r(500, "exception", `the chain refused the audit (${revert.name || "unknown error"})`);
  }
}

/** The refusal when the chain cannot be reached: the same signed request may be sent again. */
export function chainUnavailable(detail: string): Refusal {
  return new Refusal(
    503,
    "transient",
    "ChainUnavailable",
    "the chain cannot be reached to audit the access, so nothing was served: send the same signed request again",
    detail,
  );
}
