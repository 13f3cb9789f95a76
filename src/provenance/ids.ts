import { randomBytes } from "node:crypto";

import { keccak_256 } from "@noble/hashes/sha3.js";
import { AbiCoder, isHexString, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";

import { bytesOfHex, hexOf as hex32 } from "../chain/bytes.js";
import { MedChainError } from "../chain/errors.js";

const abi = AbiCoder.defaultAbiCoder();

/*
 * Ids on the per-pack path are hashed as bytes (Buffer and @noble/hashes) rather than through
 * ethers' hex helpers: with lot ids asked again and again, these took 0.34 s of the 2.4 s of client
 * time an EPCIS import of 1,000 events used. The words hashed are the same (the tests compare the
 * ids with the contract's).
 */

/** Crockford base32: no I, L, O or U, so a code read off a pack cannot be misread. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 16 characters of base32 = 80 bits: guessing one pack's code takes ~2^79 tries. */
export const SCRATCH_CODE_LENGTH = 16;

/**
 * A new hidden scratch-off code, from the operating system's CSPRNG (node:crypto), shown as
 * `XXXX-XXXX-XXXX-XXXX`. The dashes and case are not part of the code (see {@link normalizeCode}).
 */
export function newScratchCode(): string {
  const bytes = randomBytes(SCRATCH_CODE_LENGTH);
  let code = "";
  for (const byte of bytes) code += CROCKFORD[byte & 31];
  return code.match(/.{4}/g)!.join("-");
}

/** The canonical form of a code typed by a person: upper case, without dashes or spaces. */
export function normalizeCode(code: string): string {
  const canonical = code.replace(/[\s-]/g, "").toUpperCase();
  if (!/^[0-9A-HJKMNP-TV-Z]+$/.test(canonical) || canonical.length !== SCRATCH_CODE_LENGTH) {
    throw new MedChainError(
      `scratch-off code "${code}": expected ${SCRATCH_CODE_LENGTH} characters of 0-9 and A-Z without I, L, O, U`,
    );
  }
  return canonical;
}

/** A GTIN-14 string as the contract's uint64. */
export function gtinToUint(gtin: string): bigint {
  if (!/^\d{14}$/.test(gtin)) throw new MedChainError(`GTIN "${gtin}": expected 14 digits`);
  return BigInt(gtin);
}

/** The contract's uint64 GTIN as a GTIN-14 string. */
export function gtinFromUint(gtin: bigint): string {
  return gtin.toString().padStart(14, "0");
}

/** An SSCC-18 string as the contract's uint64. */
export function ssccToUint(sscc: string): bigint {
  if (!/^\d{18}$/.test(sscc)) throw new MedChainError(`SSCC "${sscc}": expected 18 digits`);
  return BigInt(sscc);
}

/**
 * A pack's tag, its leaf value in its lot's tree (same as `DrugProvenance.packTagOf`): binds GTIN,
 * serial and the hidden code, so it names no serial and cannot be found without the code. `code` is
 * normalised first.
 */
export function packTagOf(gtin: string, serial: string, code: string): string {
  // abi.encode(uint64, bytes32, bytes32): three 32-byte words (no ABI coder on a per-pack path).
  const words = Buffer.alloc(96);
  words.writeBigUInt64BE(gtinToUint(gtin), 24);
  words.set(keccak_256(toUtf8Bytes(serial)), 32); // ethers: a lone surrogate is refused, not replaced
  words.set(keccak_256(Buffer.from(normalizeCode(code), "utf8")), 64);
  return hex32(keccak_256(words));
}

/**
 * The on-chain id of the pack with tag `tag` in lot `lotId` (same as `DrugProvenance.packIdOf`): the
 * chain derives it from the lot a tag is proven in, so only its own lot can place a pack.
 */
export function packIdOf(lotId: string, tag: string): string {
  if (!isHexString(lotId, 32) || !isHexString(tag, 32)) {
    throw new MedChainError("a pack id needs a 32-byte lot id and a 32-byte tag");
  }
  // abi.encode(bytes32, bytes32) is the two words
  return hex32(keccak_256(Buffer.concat([bytesOfHex(lotId), bytesOfHex(tag)])));
}

/** Lot ids asked again and again while a document is planned (each is an ABI encoding and a hash). */
const lotIds = new Map<string, string>();

/** The on-chain lot id (same as `DrugProvenance.lotIdOf`). */
export function lotIdOf(gtin: string, lot: string): string {
  const number = gtinToUint(gtin); // checked first: a GTIN of 14 digits cannot hold the separator
  if (lot.length > 64) return keccak256(abi.encode(["uint64", "string"], [number, lot])); // not kept
  const key = `${gtin}\u0000${lot}`;
  let id = lotIds.get(key);
  if (id === undefined) {
    id = keccak256(abi.encode(["uint64", "string"], [number, lot]));
    if (lotIds.size >= 100_000) lotIds.clear(); // a bounded cache
    lotIds.set(key, id);
  }
  return id;
}

/** The on-chain container id (same as `DrugProvenance.containerIdOf`). */
export function containerIdOf(sscc: string): string {
  return zeroPadValue(toBeHex(ssccToUint(sscc)), 32);
}

/** The SSCC of a container id. */
export function ssccOfContainerId(id: string): string {
  return BigInt(id).toString().padStart(18, "0");
}

/**
 * Unix seconds from which a lot with GS1 expiry `yymmdd` is expired: the start of the day after the
 * expiry date (the pack may be used through that day), UTC. `date` is that expiry day.
 */
export function expiresAtOf(expiryDay: Date): bigint {
  return BigInt(Math.floor(expiryDay.getTime() / 1000) + 24 * 3600);
}
