import { z } from "zod";

import { addressString, uintString } from "../../chain/files.js";
import { consentFileFrom, type ConsentFile } from "../consent-file.js";
import type { AccessRequest } from "../access-request.js";

/**
 * The gateway's HTTP protocol, shared by the gateway and its clients. Every request carries:
 *
 * - `Authorization: MedChain-Request <credential>`: base64url of the JSON {@link Credential}: the
 *   EIP-712 `AccessRequest` fields, the request hash's salt and the signature;
 * - `X-MedChain-Consent: <consent>`: base64url of the consent file (`medchain.consent.v2`): the
 *   chain stores only the hash of a consent's terms, so the grantee presents them (and, for a
 *   specific-records consent, its scope).
 *
 * Responses are FHIR R4 JSON (`application/fhir+json`). A read answers the resource itself with its
 * proof in `X-MedChain-Proof` (base64url of the shareable proof file) and the audit transaction in
 * `X-MedChain-Audit`; a search answers a `searchset` Bundle whose entries carry their proofs as an
 * extension, and whose `meta` names the audit transaction. Refusals are `OperationOutcome`s.
 */
export const AUTH_SCHEME = "MedChain-Request";
export const CONSENT_HEADER = "x-medchain-consent";
export const PROOF_HEADER = "x-medchain-proof";
export const AUDIT_HEADER = "x-medchain-audit";
export const FHIR_JSON = "application/fhir+json";
/** Extension of a Bundle entry: its MedChain proof file (shareable copy), as an Attachment. */
export const PROOF_EXTENSION = "https://medchain.example/fhir/StructureDefinition/record-proof";
/** Extension of a Bundle's meta: the audit transaction of the request that read it. */
export const AUDIT_EXTENSION = "https://medchain.example/fhir/StructureDefinition/audit-transaction";
/** MIME type of a proof file in an Attachment. */
export const PROOF_MEDIA_TYPE = "application/vnd.medchain.record-proof+json";
/** Code system of a refusal's precise reason (the contract's custom error name, or the gateway's own). */
export const REFUSAL_SYSTEM = "https://medchain.example/fhir/CodeSystem/gateway-refusal";
/** The largest consent header the gateway reads (a specific-records scope of about 900 records). */
export const MAX_CONSENT_HEADER = 60 * 1024;

/** A FHIR R4 resource type, as the gateway's routes take it: an uppercase letter, then letters. */
export const FHIR_TYPE = /^[A-Z][A-Za-z]{0,63}$/;
/**
 * A FHIR R4 `id` (1-64 of A-Z, a-z, 0-9, `-`, `.`), never only dots: `.` and `..` are path segments,
 * not records. The gateway looks records up by reference in its index, never by a path built from
 * the request, so no id can reach a file; the rule keeps odd ids out of logs and the source's URLs.
 */
export const FHIR_ID = /^(?!\.+$)[A-Za-z0-9\-.]{1,64}$/;

/** Whether `reference` is `Type/id` by the two rules above. */
export function isFhirReference(reference: string): boolean {
  const [type, id, ...rest] = reference.split("/");
  return rest.length === 0 && type !== undefined && id !== undefined && FHIR_TYPE.test(type) && FHIR_ID.test(id);
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");

/** What the `Authorization` credential holds. */
const credentialSchema = z.object({
  v: z.literal(1),
  requester: addressString(),
  consentId: hex32,
  purpose: z.number().int().min(1).max(255),
  salt: hex32,
  nonce: uintString(),
  deadline: uintString(),
  signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, "must be hex bytes"),
});
export type Credential = z.infer<typeof credentialSchema>;

export function toBase64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function fromBase64Url(text: string, what: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new ProtocolError(`${what}: not base64url`);
  try {
    return JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw new ProtocolError(`${what}: not base64url JSON`);
  }
}

/** A malformed request header: the message names the header and what is wrong. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** The `Authorization` header value for a signed request. */
export function authorizationHeader(request: AccessRequest, salt: string, signature: string): string {
  const credential: Credential = {
    v: 1,
    requester: request.requester,
    consentId: request.consentId,
    purpose: request.purpose,
    salt,
    nonce: request.nonce.toString(),
    deadline: request.deadline.toString(),
    signature,
  };
  return `${AUTH_SCHEME} ${toBase64Url(credential)}`;
}

/** Parses an `Authorization` header; undefined when there is none (an unsigned request). */
export function parseAuthorization(header: string | undefined): Credential | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const [scheme, token, ...rest] = header.trim().split(/\s+/);
  if (scheme !== AUTH_SCHEME || token === undefined || rest.length > 0) {
    throw new ProtocolError(`Authorization: expected "${AUTH_SCHEME} <credential>"`);
  }
  const parsed = credentialSchema.safeParse(fromBase64Url(token, "Authorization"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProtocolError(`Authorization: ${issue.path.join(".") || "credential"} ${issue.message}`);
  }
  return parsed.data;
}

/** The `X-MedChain-Consent` header value for a consent file. */
export function consentHeader(consent: ConsentFile): string {
  return toBase64Url(consent);
}

/** Parses and checks an `X-MedChain-Consent` header (the consent file's own checks: id, scope root). */
export function parseConsentHeader(header: string | undefined): ConsentFile {
  if (header === undefined || header === "") throw new ProtocolError("X-MedChain-Consent: the consent is missing");
  if (header.length > MAX_CONSENT_HEADER) {
    throw new ProtocolError(`X-MedChain-Consent: larger than ${MAX_CONSENT_HEADER} bytes`);
  }
  try {
    return consentFileFrom(fromBase64Url(header, "X-MedChain-Consent"), "X-MedChain-Consent");
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError((err as Error).message);
  }
}

/** The request fields a credential names, with the request hash of the HTTP request it came with. */
export function accessRequestOf(credential: Credential, requestHash: string): AccessRequest {
  return {
    requester: credential.requester,
    consentId: credential.consentId.toLowerCase(),
    purpose: credential.purpose,
    requestHash,
    nonce: BigInt(credential.nonce),
    deadline: BigInt(credential.deadline),
  };
}
