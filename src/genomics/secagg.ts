import { createCipheriv } from "node:crypto";
import { endianness } from "node:os";

import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { AbiCoder, concat, getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { combine, split } from "shamir-secret-sharing";

import { GenomicsInputError } from "./errors.js";
import type { RandomSource } from "./random.js";

/**
 * Secure aggregation in the style of Bonawitz et al. (CCS 2017), semi-honest variant with dropout
 * recovery. Every contributing dataset version is a participant; the aggregator relays messages.
 *
 *   round 0  each participant draws two X25519 key pairs (c: share encryption, s: pairwise masks) and
 *            a self-mask seed b, and advertises cPk, sPk and sha256(b)
 *   round 1  it splits sSk and b into Shamir shares (threshold t, `shamir-secret-sharing`) and sends
 *            each other participant its shares, encrypted (XChaCha20-Poly1305 under HKDF(x25519(c)))
 *   round 2  it sends y = x + PRG(b) + Σ_{v} ±PRG(s_uv), where s_uv = HKDF(x25519(sSk_u, sPk_v)) is
 *            shared by u and v, + for u < v and − otherwise, so pairwise masks cancel in the sum
 *   round 3  for each survivor (masked input received) it reveals its share of b; for each participant
 *            that dropped after round 1 its share of sSk: never both for one participant, and only if at
 *            least t survive. The aggregator rebuilds the dropped pairwise masks and the self masks,
 *            and the sum of the survivors' x comes out.
 *
 * The aggregator's view (the masked vectors) is uniformly random whatever any lab's counts are, as
 * long as one pairwise mask per vector stays secret. Vectors are over Z_2^32 (uint32, wrapping).
 *
 * Written here: no maintained JavaScript package implements this protocol; its primitives are the
 * well-kept `@noble/curves` (X25519), `@noble/hashes` (HKDF-SHA256), `@noble/ciphers` and
 * `shamir-secret-sharing`. The mask PRG is AES-256-CTR from `node:crypto` (OpenSSL), for speed at
 * the scale of 100,000 sites.
 */

const DOMAIN = "medchain.genomics.secagg.v1";
const coder = AbiCoder.defaultAbiCoder();
if (endianness() !== "LE") throw new Error("secure aggregation vectors are little-endian uint32");

/** What binds every derived key and digest to one query of one deployment. */
export interface QueryContext {
  chainId: bigint;
  queries: string; // GenomicQueries address
  queryId: bigint;
}

/** A participant's private state (kept by its lab, never sent). */
export interface SessionSecret {
  context: { chainId: string; queries: string; queryId: string };
  versionId: string;
  lab: string;
  cSk: string;
  sSk: string;
  b: string;
  /** Shares other participants sent, decrypted (round 1 output), by sender version id. */
  held: Record<string, { sShare: string; bShare: string }>;
  /** U1 this participant masked against (round 2), by version id: the unmask step answers for it only. */
  u1?: string[];
  /**
   * The one round-3 answer this participant gave, kept in its private state: it never answers twice,
   * so an aggregator that rewrites the exchange folder cannot collect both shares of one participant.
   */
  revealed?: UnmaskResponse;
}

/** Round 0 message. `account` and `signature` authenticate it (EIP-191 by an account of `lab`). */
export interface KeyAdvertisement {
  versionId: string;
  lab: string;
  cPk: string;
  sPk: string;
  bCommitment: string;
  account?: string;
  signature?: string;
}

/** What a lab's account signs to vouch for its round-0 keys (the context binds them to one query). */
export function advertisementDigest(context: SessionSecret["context"], ad: KeyAdvertisement): string {
  return keccak256(
    coder.encode(
      ["string", "uint256", "address", "uint256", "bytes32", "bytes32", "bytes32", "bytes32", "bytes32"],
      [
        DOMAIN + ".keys",
        context.chainId,
        context.queries,
        context.queryId,
        ad.versionId,
        ad.lab,
        ad.cPk,
        ad.sPk,
        ad.bCommitment,
      ],
    ),
  );
}

/**
 * The digest of U1 the aggregator records on chain (`GenomicQueries.fixParticipants`) before anyone
 * masks, and each lab checks before masking: every lab masks against the same U1 (the consistency
 * check of Bonawitz et al.'s malicious-secure variant, with the chain as the broadcast channel).
 */
export function participantsDigest(context: SessionSecret["context"], u1: KeyAdvertisement[]): string {
  const ads = sorted(u1.map((a) => a.versionId)).map((id) => u1.find((a) => a.versionId === id)!);
  return keccak256(
    coder.encode(
      ["string", "uint256", "address", "uint256", "bytes32[]"],
      [
        DOMAIN + ".u1",
        context.chainId,
        context.queries,
        context.queryId,
        ads.map((a) => advertisementDigest(context, a)),
      ],
    ),
  );
}

/** Round 1 message: shares for each participant, encrypted to it. */
export interface ShareBundle {
  from: string;
  shares: Record<string, { nonce: string; ciphertext: string }>;
}

/** Round 2 message. */
export interface MaskedInput {
  versionId: string;
  lab: string;
  /** base64 of the little-endian uint32 vector. */
  vector: string;
}

/** Round 3 message. */
export interface UnmaskResponse {
  from: string;
  survivors: string[];
  selfMaskShares: Record<string, string>;
  keyShares: Record<string, string>;
}

/** Everything anyone needs to recompute the aggregate from the published masked inputs. */
export interface AggregationTranscript {
  context: { chainId: string; queries: string; queryId: string };
  length: number;
  participants: KeyAdvertisement[];
  masked: MaskedInput[];
  /** Reconstructed self-mask seeds of the survivors. */
  selfMaskSeeds: Record<string, string>;
  /** Reconstructed pairwise seeds between each dropped participant and each survivor. */
  droppedPairSeeds: Record<string, Record<string, string>>;
}

function ctx(c: QueryContext): SessionSecret["context"] {
  return { chainId: c.chainId.toString(), queries: c.queries.toLowerCase(), queryId: c.queryId.toString() };
}

function contextBytes(c: SessionSecret["context"]): Uint8Array {
  return toUtf8Bytes(`${DOMAIN}|${c.chainId}|${c.queries}|${c.queryId}`);
}

const b64 = (v: Uint32Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

/** The vector of a masked input. */
export function vectorOf(m: MaskedInput): Uint32Array {
  const buf = Buffer.from(m.vector, "base64");
  if (buf.byteLength % 4 !== 0) {
    throw new GenomicsInputError(
      `the masked input of ${m.versionId}: not whole uint32 words (${buf.byteLength} bytes)`,
    );
  }
  const out = new Uint32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Expands a 32-byte seed into `length` uint32 words (AES-256-CTR keystream, zero IV). */
export function prg(seed: Uint8Array, length: number): Uint32Array {
  const out = new Uint32Array(length);
  const bytes = new Uint8Array(out.buffer);
  const cipher = createCipheriv("aes-256-ctr", seed, Buffer.alloc(16));
  bytes.set(cipher.update(bytes));
  return out;
}

function pairSeed(sSk: Uint8Array, otherPk: Uint8Array, context: SessionSecret["context"]): Uint8Array {
  return hkdf(sha256, x25519.getSharedSecret(sSk, otherPk), toUtf8Bytes("pair-mask"), contextBytes(context), 32);
}

function shareKey(cSk: Uint8Array, otherPk: Uint8Array, context: SessionSecret["context"], from: string, to: string) {
  const info = concat([contextBytes(context), getBytes(from), getBytes(to)]);
  return hkdf(sha256, x25519.getSharedSecret(cSk, otherPk), toUtf8Bytes("share-key"), getBytes(info), 32);
}

/** The digest a lab records on chain for its masked vector (`GenomicQueries.contribute`). */
export function maskedDigest(
  context: QueryContext | SessionSecret["context"],
  versionId: string,
  vector: Uint32Array,
): string {
  const c = typeof context.queryId === "bigint" ? ctx(context as QueryContext) : (context as SessionSecret["context"]);
  const head = coder.encode(
    ["string", "uint256", "address", "uint256", "bytes32"],
    [DOMAIN + ".masked", c.chainId, c.queries, c.queryId, versionId],
  );
  return keccak256(concat([head, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)]));
}

function sorted(ids: string[]): string[] {
  return [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

// ---------------------------------------------------------------- the lab's side

/** Round 0: fresh keys and self-mask seed for one query. */
export function startSession(
  context: QueryContext,
  versionId: string,
  lab: string,
  rng: RandomSource,
): { secret: SessionSecret; advertisement: KeyAdvertisement } {
  const cSk = rng.bytes(32);
  const sSk = rng.bytes(32);
  const b = rng.bytes(32);
  const secret: SessionSecret = {
    context: ctx(context),
    versionId,
    lab,
    cSk: hexlify(cSk),
    sSk: hexlify(sSk),
    b: hexlify(b),
    held: {},
  };
  const advertisement: KeyAdvertisement = {
    versionId,
    lab,
    cPk: hexlify(x25519.getPublicKey(cSk)),
    sPk: hexlify(x25519.getPublicKey(sSk)),
    bCommitment: hexlify(sha256(b)),
  };
  return { secret, advertisement };
}

function checkParticipants(ads: KeyAdvertisement[], threshold: number): KeyAdvertisement[] {
  const byId = new Map(ads.map((a) => [a.versionId, a]));
  if (byId.size !== ads.length) throw new GenomicsInputError("key advertisements: a participant advertised twice");
  if (threshold < 2 || threshold > ads.length) {
    throw new GenomicsInputError(`threshold ${threshold}: needs 2 <= t <= ${ads.length} participants`);
  }
  return sorted([...byId.keys()]).map((id) => byId.get(id)!);
}

/** Round 1: the participant's shares of sSk and b for every participant (itself included), encrypted. */
export async function shareKeys(
  secret: SessionSecret,
  advertisements: KeyAdvertisement[],
  threshold: number,
  rng: RandomSource,
): Promise<ShareBundle> {
  const ads = checkParticipants(advertisements, threshold);
  if (!ads.some((a) => a.versionId === secret.versionId)) {
    throw new GenomicsInputError(`participant ${secret.versionId} is not among the advertisements`);
  }
  const sShares = await split(getBytes(secret.sSk), ads.length, threshold);
  const bShares = await split(getBytes(secret.b), ads.length, threshold);
  const shares: ShareBundle["shares"] = {};
  ads.forEach((ad, i) => {
    const key = shareKey(getBytes(secret.cSk), getBytes(ad.cPk), secret.context, secret.versionId, ad.versionId);
    const nonce = rng.bytes(24);
    const plain = toUtf8Bytes(JSON.stringify({ sShare: hexlify(sShares[i]!), bShare: hexlify(bShares[i]!) }));
    const aad = getBytes(concat([secret.versionId, ad.versionId]));
    shares[ad.versionId] = {
      nonce: hexlify(nonce),
      ciphertext: hexlify(xchacha20poly1305(key, nonce, aad).encrypt(plain)),
    };
  });
  return { from: secret.versionId, shares };
}

/** Round 1, receiving: decrypts the shares addressed to this participant and keeps them in `secret.held`. */
export function receiveShares(secret: SessionSecret, advertisements: KeyAdvertisement[], bundles: ShareBundle[]) {
  const pk = new Map(advertisements.map((a) => [a.versionId, a.cPk]));
  for (const bundle of bundles) {
    const box = bundle.shares[secret.versionId];
    const senderPk = pk.get(bundle.from);
    if (box === undefined || senderPk === undefined) {
      throw new GenomicsInputError(`share bundle from ${bundle.from}: nothing for ${secret.versionId}`);
    }
    const key = shareKey(getBytes(secret.cSk), getBytes(senderPk), secret.context, bundle.from, secret.versionId);
    const aad = getBytes(concat([bundle.from, secret.versionId]));
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(key, getBytes(box.nonce), aad).decrypt(getBytes(box.ciphertext));
    } catch {
      throw new GenomicsInputError(`share bundle from ${bundle.from}: does not decrypt (tampered or misaddressed)`);
    }
    secret.held[bundle.from] = JSON.parse(new TextDecoder().decode(plain)) as { sShare: string; bShare: string };
  }
}

/**
 * Round 2: the masked vector. `participants` is U1, the participants whose share bundles the
 * aggregator relayed (this participant holds shares from each of them).
 */
export function maskInput(secret: SessionSecret, participants: KeyAdvertisement[], input: Uint32Array): MaskedInput {
  const y = Uint32Array.from(input);
  const add = (mask: Uint32Array, sign: 1 | -1) => {
    for (let i = 0; i < y.length; i++) y[i] = (y[i]! + sign * mask[i]!) >>> 0;
  };
  add(prg(getBytes(secret.b), y.length), 1);
  const me = BigInt(secret.versionId);
  for (const ad of participants) {
    if (ad.versionId === secret.versionId) continue;
    if (secret.held[ad.versionId] === undefined) {
      throw new GenomicsInputError(`masking: no shares held from ${ad.versionId}; it is not in U1`);
    }
    const seed = pairSeed(getBytes(secret.sSk), getBytes(ad.sPk), secret.context);
    add(prg(seed, y.length), me < BigInt(ad.versionId) ? 1 : -1);
  }
  return { versionId: secret.versionId, lab: secret.lab, vector: b64(y) };
}

/**
 * Round 3: reveal shares of b for survivors and of sSk for the dropped, never both for the same
 * participant, and nothing unless at least `threshold` participants survived.
 */
export function unmaskResponse(
  secret: SessionSecret,
  participantIds: string[],
  survivors: string[],
  threshold: number,
): UnmaskResponse {
  const u1 = new Set(participantIds);
  const u2 = new Set(survivors);
  if (u2.size < threshold) {
    throw new GenomicsInputError(`unmasking refused: ${u2.size} survivor(s), fewer than the threshold ${threshold}`);
  }
  if (!u2.has(secret.versionId)) throw new GenomicsInputError("unmasking refused: this participant is not a survivor");
  for (const s of u2) if (!u1.has(s)) throw new GenomicsInputError(`unmasking refused: survivor ${s} is not in U1`);
  const selfMaskShares: Record<string, string> = {};
  const keyShares: Record<string, string> = {};
  for (const id of u1) {
    const held = secret.held[id];
    if (held === undefined) throw new GenomicsInputError(`unmasking: no shares held from ${id}`);
    if (u2.has(id)) selfMaskShares[id] = held.bShare;
    else keyShares[id] = held.sShare;
  }
  return { from: secret.versionId, survivors: sorted([...u2]), selfMaskShares, keyShares };
}

// ---------------------------------------------------------------- the aggregator's side

/**
 * Round 3, aggregating: rebuilds the self masks of the survivors and the pairwise masks of the
 * dropped, and returns the sum of the survivors' inputs with the transcript that lets anyone
 * recompute it.
 */
export async function aggregate(
  context: QueryContext,
  participants: KeyAdvertisement[],
  masked: MaskedInput[],
  responses: UnmaskResponse[],
  threshold: number,
): Promise<{ sum: Uint32Array; transcript: AggregationTranscript }> {
  const ads = checkParticipants(participants, threshold);
  const byId = new Map(ads.map((a) => [a.versionId, a]));
  const survivors = sorted(masked.map((m) => m.versionId));
  if (new Set(survivors).size !== masked.length)
    throw new GenomicsInputError("masked inputs: a participant sent twice");
  if (survivors.length < threshold) {
    throw new GenomicsInputError(`only ${survivors.length} masked input(s), fewer than the threshold ${threshold}`);
  }
  for (const s of survivors) if (!byId.has(s)) throw new GenomicsInputError(`masked input from unknown ${s}`);
  const dropped = ads.map((a) => a.versionId).filter((id) => !survivors.includes(id));
  const usable = responses.filter((r) => survivors.includes(r.from));

  const rebuild = async (id: string, field: "selfMaskShares" | "keyShares"): Promise<Uint8Array> => {
    const shares = usable.map((r) => r[field][id]).filter((s): s is string => s !== undefined);
    if (shares.length < threshold) {
      throw new GenomicsInputError(`cannot rebuild ${field} of ${id}: ${shares.length} share(s) of ${threshold}`);
    }
    return combine(shares.slice(0, threshold).map((s) => getBytes(s)));
  };

  const selfMaskSeeds: Record<string, string> = {};
  for (const id of survivors) {
    const b = await rebuild(id, "selfMaskShares");
    if (hexlify(sha256(b)) !== byId.get(id)!.bCommitment) {
      throw new GenomicsInputError(`self-mask seed of ${id} does not match its commitment (a bad share)`);
    }
    selfMaskSeeds[id] = hexlify(b);
  }
  const c = ctx(context);
  const droppedPairSeeds: Record<string, Record<string, string>> = {};
  for (const id of dropped) {
    const sSk = await rebuild(id, "keyShares");
    if (hexlify(x25519.getPublicKey(sSk)) !== byId.get(id)!.sPk) {
      throw new GenomicsInputError(`mask key of dropped ${id} does not match its public key (a bad share)`);
    }
    droppedPairSeeds[id] = {};
    for (const v of survivors) droppedPairSeeds[id]![v] = hexlify(pairSeed(sSk, getBytes(byId.get(v)!.sPk), c));
  }
  const length = vectorOf(masked[0]!).length;
  const transcript: AggregationTranscript = {
    context: c,
    length,
    participants: ads,
    masked: survivors.map((id) => masked.find((m) => m.versionId === id)!),
    selfMaskSeeds,
    droppedPairSeeds,
  };
  return { sum: recomputeSum(transcript), transcript };
}

/** Recomputes the sum of the survivors' inputs from a transcript (what a verifier runs). */
export function recomputeSum(t: AggregationTranscript): Uint32Array {
  const sum = new Uint32Array(t.length);
  const add = (v: Uint32Array, sign: 1 | -1) => {
    if (v.length !== t.length) throw new GenomicsInputError(`a vector has ${v.length} entries, expected ${t.length}`);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i]! + sign * v[i]!) >>> 0;
  };
  for (const m of t.masked) {
    add(vectorOf(m), 1);
    const b = t.selfMaskSeeds[m.versionId];
    if (b === undefined) throw new GenomicsInputError(`transcript: no self-mask seed for ${m.versionId}`);
    add(prg(getBytes(b), t.length), -1);
  }
  for (const [d, seeds] of Object.entries(t.droppedPairSeeds)) {
    for (const m of t.masked) {
      const seed = seeds[m.versionId];
      if (seed === undefined) throw new GenomicsInputError(`transcript: no pair seed of ${d} with ${m.versionId}`);
      // The survivor added sign(v, d) · PRG(s_vd); take it back.
      add(prg(getBytes(seed), t.length), BigInt(m.versionId) < BigInt(d) ? -1 : 1);
    }
  }
  return sum;
}

/**
 * A participant checks its own part of a published transcript: its masked vector is the one it sent,
 * the self-mask seed is its own, and each pairwise seed with a dropped participant is the one it
 * derives itself. Together with every survivor doing so, the published sum is the true sum.
 */
export function checkOwnPart(secret: SessionSecret, sent: MaskedInput, t: AggregationTranscript): string[] {
  const problems: string[] = [];
  const mine = t.masked.find((m) => m.versionId === secret.versionId);
  if (mine === undefined || mine.vector !== sent.vector) problems.push("my masked vector is missing or altered");
  if (t.selfMaskSeeds[secret.versionId] !== secret.b) problems.push("my self-mask seed is not mine");
  for (const [d, seeds] of Object.entries(t.droppedPairSeeds)) {
    const ad = t.participants.find((a) => a.versionId === d);
    const expected = ad && hexlify(pairSeed(getBytes(secret.sSk), getBytes(ad.sPk), secret.context));
    if (seeds[secret.versionId] !== expected) problems.push(`the pair seed with dropped ${d} is not ours`);
  }
  return problems;
}
