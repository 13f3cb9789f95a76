import { createHmac, randomBytes } from "node:crypto";

import { keccak_256 } from "@noble/hashes/sha3.js";
import canonicalize from "canonicalize";
import { getBytes, hexlify, isHexString, toUtf8Bytes } from "ethers";

import { parseJsonText } from "../chain/files.js";
import { RecordsInputError } from "./errors.js";

/** Domain tag hashed before every record commitment, so it can never collide with another hash. */
export const COMMITMENT_DOMAIN = "medchain.fhir-r4.commitment.v1";
/**
 * Domain tag of the keyed salt of a billing documentation commitment: the same record committed again
 * under an independent salt, so a claim citing it shares nothing with the consent and access path.
 */
export const BILLING_SALT_DOMAIN = "medchain.fhir-r4.billing-salt.v1";
/** Human-readable description of the commitment algorithm, written into every proof file. */
export const COMMITMENT_ALGORITHM = `keccak256(utf8("${COMMITMENT_DOMAIN}") || salt[32] || utf8(RFC8785(record)))`;

/** A FHIR R4 resource as parsed JSON: an object with a `resourceType`. */
export interface FhirResource {
  resourceType: string;
  [field: string]: unknown;
}

/**
 * Parses a FHIR R4 JSON resource strictly (the one JSON reading of `chain/files.ts`: syntax errors
 * with their line and column, duplicate keys refused with their path). `file` names the source in
 * errors. Refuses JSON that is not a FHIR resource (no string `resourceType`). Checking it against
 * the R4 definitions is `checkFhir` (`fhir.ts`).
 */
export function parseFhir(text: string, file: string): FhirResource {
  return asFhirResource(parseJsonText(text, file), file);
}

/** A parsed JSON value as a FHIR resource, or a one-line error naming `file`. */
export function asFhirResource(value: unknown, file: string): FhirResource {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RecordsInputError(file, "not a FHIR resource (the JSON is not an object)");
  }
  const rt = (value as Record<string, unknown>).resourceType;
  if (typeof rt !== "string" || rt === "") {
    throw new RecordsInputError(file, 'not a FHIR resource (no "resourceType")');
  }
  return value as FhirResource;
}

/** RFC 8785 canonical JSON of a resource (the `canonicalize` package), as UTF-8 bytes. */
export function canonicalBytes(resource: unknown): Uint8Array {
  const text = canonicalize(resource);
  if (text === undefined) throw new RecordsInputError("record", "cannot be canonicalised");
  return UTF8.encode(text); // the platform's encoder: ethers' toUtf8Bytes walks code points in JavaScript
}

const UTF8 = new TextEncoder();

/** A fresh 256-bit random salt. */
export function randomSalt(): string {
  return hexlify(randomBytes(32));
}

/**
 * A deterministic salt from a hospital-held key (at least 32 bytes of secret): HMAC-SHA256 over the
 * domain tag and the canonical record. The same record always gets the same salt under one key, so
 * the hospital can re-derive commitments without storing salts. `use` picks the record's own salt or
 * the independent salt of its billing documentation commitment (another domain tag).
 */
export function keyedSalt(hospitalKey: string, resource: unknown, use: "record" | "billing" = "record"): string {
  if (!isHexString(hospitalKey) || getBytes(hospitalKey).length < 32) {
    throw new RecordsInputError("hospital key", "must be a 0x-prefixed hex string of at least 32 bytes");
  }
  const mac = createHmac("sha256", getBytes(hospitalKey));
  mac.update(use === "record" ? COMMITMENT_DOMAIN : BILLING_SALT_DOMAIN);
  mac.update(canonicalBytes(resource));
  return hexlify(mac.digest());
}

/** The salted, domain-separated commitment to a FHIR resource. Same record + same salt = same bytes. */
export function recordCommitment(resource: unknown, salt: string): string {
  if (!isHexString(salt, 32)) throw new RecordsInputError("salt", "must be 32 bytes of hex (0x + 64 digits)");
  // @noble/hashes' keccak, fed in three parts: no concatenated copy of a large record is made.
  return hexlify(
    keccak_256.create().update(DOMAIN_BYTES).update(getBytes(salt)).update(canonicalBytes(resource)).digest(),
  );
}

const DOMAIN_BYTES = toUtf8Bytes(COMMITMENT_DOMAIN);
