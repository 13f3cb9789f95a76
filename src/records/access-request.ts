import { randomBytes } from "node:crypto";

import {
  concat,
  hexlify,
  keccak256,
  toUtf8Bytes,
  TypedDataEncoder,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import type { TypedSigner } from "./consent.js";

/**
 * A grantee's signed request to read records under a consent: the EIP-712 `AccessRequest` of the
 * RecordRegistry's domain (`recordsDomain`). The record gateway checks it, and the custodian submits
 * it to `RecordRegistry.accessByRequests`, where the signature authorises the audit entry and the
 * unordered nonce makes the chain itself refuse a replay.
 */
export interface AccessRequest {
  /** The grantee's operating account that signs (an EOA, or an ERC-1271 wallet). */
  requester: string;
  /** The consent the request reads under (the hash of its terms). */
  consentId: string;
  /** Purpose of use (`PURPOSES`); must be the consent's. */
  purpose: number;
  /** What is asked (`requestHashOf`): the chain sees only this opaque hash. */
  requestHash: string;
  /** Unused by the requester so far; unordered (any value, each usable once). */
  nonce: bigint;
  /** Unix seconds after which the chain refuses the request. */
  deadline: bigint;
}

export const ACCESS_REQUEST_TYPES: Record<string, TypedDataField[]> = {
  AccessRequest: [
    { name: "requester", type: "address" },
    { name: "consentId", type: "bytes32" },
    { name: "purpose", type: "uint8" },
    { name: "requestHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** Domain tag of a request hash, so it can never collide with another MedChain hash. */
export const REQUEST_HASH_DOMAIN = "medchain.gateway.request.v1";

/**
 * The hash an access request signs for one HTTP request: `keccak256(domain || salt[32] ||
 * utf8("<METHOD> <target>"))`, with `target` the path and query as sent. The salt is 32 random bytes
 * only the requester and the gateway see, so the hash on chain does not reveal which resource was asked
 * for (resource ids are few enough to guess).
 */
export function requestHashOf(method: string, target: string, salt: string): string {
  return keccak256(concat([toUtf8Bytes(REQUEST_HASH_DOMAIN), salt, toUtf8Bytes(`${method.toUpperCase()} ${target}`)]));
}

/** The contract's `AccessRequest` struct: the signed fields but the consent id, which the chain computes from the terms. */
export function contractRequest(r: AccessRequest) {
  return {
    requester: r.requester,
    purpose: r.purpose,
    requestHash: r.requestHash,
    nonce: r.nonce,
    deadline: r.deadline,
  };
}

/** The EIP-712 digest of a request (what the requester signs; unique per request). */
export function accessRequestDigest(domain: TypedDataDomain, request: AccessRequest): string {
  return TypedDataEncoder.hash(domain, ACCESS_REQUEST_TYPES, { ...request });
}

/** The requester's signature of `request`. */
export function signAccessRequest(
  signer: TypedSigner,
  domain: TypedDataDomain,
  request: AccessRequest,
): Promise<string> {
  return signer.signTypedData(domain, ACCESS_REQUEST_TYPES, { ...request });
}

/**
 * Fresh access-request nonces: a random 192-bit prefix per source, then a counter. Nonces of one
 * source are consecutive, so 256 of them share one storage word on chain (the first costs a fresh slot,
 * the next 255 an update); two sources (processes) never collide but for a 2^-192 chance.
 */
export class NonceSource {
  private counter = 0n;
  private readonly prefix = BigInt(hexlify(randomBytes(24))) << 64n;

  next(): bigint {
    const nonce = this.prefix | this.counter;
    this.counter += 1n;
    return nonce;
  }
}
