/**
 * Bytes and hex text, converted by Node's Buffer (native), not by ethers' per-byte hex parser: the
 * hot paths of batch jobs (signing, multicall calldata, ids and Merkle nodes) convert a lot of it.
 */

/** Whole bytes of hex after `0x`, in either case (what `Buffer.from(hex, "hex")` decodes exactly). */
export const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/** The bytes of `0x`-prefixed hex text (check it with HEX_DATA first where it is not trusted). */
export function bytesOfHex(hex: string): Uint8Array {
  return Buffer.from(hex.slice(2), "hex");
}

/** Lower-case `0x` hex text of bytes. */
export function hexOf(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}
