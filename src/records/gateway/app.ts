import { Hono, type Context } from "hono";
import { Interface, recoverAddress, type Provider, type TypedDataDomain } from "ethers";

import type { RecordRegistry } from "../../../typechain-types/index.js";
import { accessRequestDigest, requestHashOf, type AccessRequest } from "../access-request.js";
import { scopeProofsOf, termsOf, type ConsentFile, type ScopeProof } from "../consent-file.js";
import type { FhirResource } from "../commitment.js";
import { subjectOfAccount } from "../merkle.js";
import type { Auditor, AuditJob, ReadArg } from "./auditor.js";
import { describeError, isUnreachable } from "../../chain/errors.js";
import { chainUnavailable, notFound, operationOutcome, Refusal, refusalOfRevert, Throttled } from "./outcome.js";
import type { RequesterRateLimit } from "./rate-limit.js";
import {
  AUDIT_EXTENSION,
  AUDIT_HEADER,
  AUTH_SCHEME,
  CONSENT_HEADER,
  FHIR_ID,
  FHIR_JSON,
  FHIR_TYPE,
  parseAuthorization,
  parseConsentHeader,
  PROOF_EXTENSION,
  PROOF_HEADER,
  PROOF_MEDIA_TYPE,
  ProtocolError,
  toBase64Url,
  type Credential,
} from "./protocol.js";
import type { ServedLog } from "./served.js";
import { SourceUnavailable, type IndexedRecord, type RecordSource } from "./source.js";

/** ERC-1271 `isValidSignature(bytes32,bytes)` and the answer of a valid signature. */
const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const ERC1271_MAGIC = "0x1626ba7e";

/** Everything the gateway's routes need. */
export interface GatewayContext {
  /** The base URL clients reach the gateway at (`GatewayOptions.publicBase`): a Bundle's links carry it. */
  publicBase: string;
  /** The RecordRegistry, signing as the custodian's gateway account (it submits the audits). */
  records: RecordRegistry;
  provider: Provider;
  domain: TypedDataDomain;
  chainId: bigint;
  registry: string;
  /** The custodian's member id: this gateway serves only its records. */
  custodian: string;
  source: RecordSource;
  auditor: Auditor;
  served: ServedLog;
  /** The time as the chain sees it (unix seconds): the later of the clock and the latest block. */
  now(): Promise<bigint>;
  /** The member an account operates for and whether it is active now (the registry's answer, per block). */
  member(account: string): Promise<{ memberId: string; active: boolean }>;
  /** Longest a signed request may be valid for, in seconds. */
  maxLifetimeSeconds: number;
  /** The per-requester bound on requests (429 beyond it). */
  rateLimit: RequesterRateLimit;
  log(line: string): void;
}

/** The FHIR base path the gateway serves under. */
export const FHIR_BASE = "/fhir";

type Want = { kind: "read"; reference: string } | { kind: "search"; types?: Set<string> };

/** What a request asks, its credential and consent, once authenticated. */
interface Authenticated {
  consent: ConsentFile;
  request: AccessRequest;
  signature: string;
  digest: string;
}

/**
 * The gateway's HTTP routes (Hono): FHIR read and search in front of the custodian's records, each
 * request signed by the grantee, authorised and audited by the chain before a record leaves.
 *
 * - `GET /fhir/metadata`: the CapabilityStatement (unsigned).
 * - `GET /fhir/<Type>/<id>`: read one record.
 * - `GET /fhir/<Type>` and `GET /fhir?_type=A,B`: a `searchset` Bundle of what the consent covers.
 *
 * A read of a record the custodian does not hold, holds for another patient, or holds outside the
 * consent's scope is answered the same way (404), so a grantee cannot probe which records exist.
 */
export function gatewayApp(ctx: GatewayContext): Hono {
  const app = new Hono();
  const inFlight = new Set<string>();
  /** Refuses a signed request answered already, or being answered now. */
  const refuseReplay = (digest: string) => {
    if (ctx.served.has(digest) || inFlight.has(digest)) {
      throw new Refusal(401, "security", "Replayed", "this signed request was answered already: sign a new one");
    }
  };
  const scopeCache = new Map<string, Map<string, ScopeProof>>();

  const refuse = (c: Context, refusal: Refusal, what: string) => {
    ctx.log(`${what}: ${refusal.status} ${refusal.reason}: ${refusal.logDetail ?? refusal.message}`);
    const headers: Record<string, string> = { "content-type": FHIR_JSON };
    if (refusal.status === 401) headers["www-authenticate"] = AUTH_SCHEME;
    if (refusal.status === 503) headers["retry-after"] = "2";
    if (refusal instanceof Throttled) headers["retry-after"] = String(refusal.retryAfter);
    return c.body(JSON.stringify(operationOutcome(refusal)), refusal.status as 401, headers);
  };

  /** Checks the credential, consent and signature: who asks, under which consent, for which request. */
  const authenticate = async (c: Context, target: string): Promise<Authenticated> => {
    let credential: Credential | undefined;
    try {
      credential = parseAuthorization(c.req.header("authorization"));
    } catch (err) {
      if (err instanceof ProtocolError) throw new Refusal(400, "invalid", "MalformedRequest", err.message);
      throw err;
    }
    if (credential === undefined) {
      throw new Refusal(401, "login", "Unsigned", `sign the request: Authorization: ${AUTH_SCHEME} <credential>`);
    }
    const request: AccessRequest = {
      requester: credential.requester,
      consentId: credential.consentId.toLowerCase(),
      purpose: credential.purpose,
      requestHash: requestHashOf(c.req.method, target, credential.salt),
      nonce: BigInt(credential.nonce),
      deadline: BigInt(credential.deadline),
    };
    const digest = accessRequestDigest(ctx.domain, request);
    let recovered = "";
    try {
      recovered = recoverAddress(digest, credential.signature);
    } catch {
      // not a 65-byte signature: only an ERC-1271 wallet could have made it
    }
    if (recovered.toLowerCase() !== credential.requester.toLowerCase()) {
      // ERC-1271 wallets sign otherwise: asked here (as the chain's `SignatureChecker` asks at the
      // audit) before the requester's allowance is spent, or anyone naming a wallet would spend its.
      const wallet =
        (await chain(() => ctx.provider.getCode(credential.requester))) !== "0x" &&
        (await chain(() =>
          ctx.provider
            .call({
              to: credential.requester,
              data: ERC1271.encodeFunctionData("isValidSignature", [digest, credential.signature]),
            })
            .then(
              (answer) => answer.slice(0, 10).toLowerCase() === ERC1271_MAGIC,
              (err: unknown) => {
                if (isUnreachable(err)) throw err;
                return false; // a revert or no such function: not this wallet's signature
              },
            ),
        ));
      if (!wallet) {
        throw new Refusal(
          401,
          "security",
          "RecordsInvalidRequestSignature",
          `the signature is not ${credential.requester}'s for this request (method, path and query as sent)`,
        );
      }
    }
    const now = await chain(() => ctx.now());
    if (request.deadline < now) {
      throw new Refusal(
        401,
        "expired",
        "RecordsSignatureExpired",
        `the signed request expired at ${iso(request.deadline)}: sign a new one`,
      );
    }
    if (request.deadline > now + BigInt(ctx.maxLifetimeSeconds)) {
      throw new Refusal(
        401,
        "security",
        "LifetimeTooLong",
        `the request's deadline is more than ${ctx.maxLifetimeSeconds} s ahead: sign one that expires sooner`,
      );
    }
    // Keys of no active member go no further (the chain would refuse them the same way): the consent
    // header, up to 60 KB with its scope, is read only for members.
    const signer = await chain(() => ctx.member(credential.requester));
    if (!signer.active) {
      throw refusalOfRevert({
        name: "RecordsRequesterNotActive",
        args: { requester: credential.requester, memberId: signer.memberId },
      });
    }
    // The requester's allowance is spent only once its signature is checked and it is an active
    // member: nobody can use up another requester's by naming it, and keys of no member (free to make
    // by the thousand) are never tracked, so they cannot push a throttled member out of the table.
    // The member lookup before it is cached per block. A replay is refused before it too: resending a
    // captured request must not spend its requester's allowance and lock the requester out.
    refuseReplay(digest);
    const retryAfter = ctx.rateLimit.take(credential.requester);
    if (retryAfter > 0) throw new Throttled(credential.requester, retryAfter);
    let consent: ConsentFile;
    try {
      consent = parseConsentHeader(c.req.header(CONSENT_HEADER));
    } catch (err) {
      if (err instanceof ProtocolError) throw new Refusal(400, "invalid", "MalformedRequest", err.message);
      throw err;
    }
    if (BigInt(consent.chainId) !== ctx.chainId || consent.registry.toLowerCase() !== ctx.registry.toLowerCase()) {
      throw new Refusal(
        403,
        "forbidden",
        "ConsentForAnotherRegistry",
        `the consent is for registry ${consent.registry} on chain ${consent.chainId}, not ${ctx.registry} on chain ${ctx.chainId}`,
      );
    }
    if (consent.consentId.toLowerCase() !== credential.consentId.toLowerCase()) {
      throw new Refusal(
        401,
        "security",
        "ConsentMismatch",
        "the signed request names another consent than the one presented",
      );
    }
    if (consent.terms.custodian.toLowerCase() !== ctx.custodian.toLowerCase()) {
      throw new Refusal(
        403,
        "forbidden",
        "RecordsNotCustodian",
        `this gateway serves the records of ${ctx.custodian}; the consent's custodian is ${consent.terms.custodian}`,
      );
    }
    return { consent, request, signature: credential.signature, digest };
  };

  const inScope = (consent: ConsentFile, record: IndexedRecord): boolean =>
    consent.scope === undefined
      ? ((BigInt(consent.terms.categories) >> BigInt(record.category)) & 1n) === 1n
      : consent.scope.commitments.some((c) => c.toLowerCase() === record.commitment);

  const scopeProofs = (consent: ConsentFile): Map<string, ScopeProof> => {
    let proofs = scopeCache.get(consent.consentId);
    if (proofs === undefined) {
      proofs = scopeProofsOf(consent);
      scopeCache.set(consent.consentId, proofs);
      if (scopeCache.size > 1_000) scopeCache.delete(scopeCache.keys().next().value!);
    }
    return proofs;
  };

  const readOf = (consent: ConsentFile, record: IndexedRecord): ReadArg => {
    const scope = consent.scope === undefined ? undefined : scopeProofs(consent).get(record.commitment);
    return {
      commitment: record.commitment,
      batchRoot: record.proof.record.batchRoot,
      batchProof: record.proof.record.proof,
      scopeBlind: scope?.blind ?? "0x" + "00".repeat(32),
      scopeProof: scope?.proof ?? [],
      leaf: record.leaf,
    };
  };

  const handle = async (c: Context, want: Want) => {
    const url = new URL(c.req.url);
    const target = url.pathname + url.search;
    const what = `${c.req.method} ${pathOf(c)}`;
    if (c.req.method !== "GET") {
      // Hono routes HEAD to the GET handlers and drops the body: a HEAD would be audited and serve nothing.
      return refuse(c, new Refusal(405, "not-supported", "MethodNotAllowed", "only GET reads records"), what);
    }
    let auth: Authenticated;
    try {
      auth = await authenticate(c, target);
    } catch (err) {
      if (err instanceof Refusal) return refuse(c, err, what);
      throw err;
    }
    const { consent, request, signature, digest } = auth;
    try {
      refuseReplay(digest); // again: a twin may have passed authentication meanwhile
    } catch (err) {
      return refuse(c, err as Refusal, what);
    }
    inFlight.add(digest);
    try {
      const terms = termsOf(consent);
      const job = { terms, request, signature };
      const subject = subjectOfAccount(terms.patient);
      let candidates: IndexedRecord[];
      if (want.kind === "read") {
        const record = ctx.source.byReference(want.reference);
        const reachable = record !== undefined && record.subject === subject && inScope(consent, record);
        if (!reachable) {
          await ctx.auditor.check(job); // a refused request is told why, not "not found"
          const why =
            record === undefined
              ? "not held here"
              : record.subject !== subject
                ? "another patient's"
                : "outside the consent's scope";
          throw notFound(want.reference, `${want.reference}: ${why}`);
        }
        candidates = [record];
      } else {
        candidates = ctx.source
          .forSubject(subject)
          .filter((r) => inScope(consent, r) && (want.types === undefined || want.types.has(r.resourceType)));
      }
      let bodies: Array<FhirResource | undefined>;
      try {
        bodies = await Promise.all(candidates.map((r) => ctx.source.body(r)));
      } catch (err) {
        if (err instanceof SourceUnavailable)
          throw new Refusal(
            502,
            "transient",
            "SourceUnavailable",
            "the hospital's records server did not answer: try again",
            err.message,
          );
        throw err;
      }
      const available = candidates.filter((_, i) => bodies[i] !== undefined);
      const bodyOf = new Map(candidates.map((r, i) => [r.reference, bodies[i]]));
      if (want.kind === "read" && available.length === 0) {
        await ctx.auditor.check(job);
        throw notFound(want.reference, `${want.reference}: not available as anchored`);
      }
      const auditJob: AuditJob = {
        ...job,
        reads: available.map((r) => readOf(consent, r)),
        dropRefusedReads: want.kind === "search",
        begunHere: ctx.served.began(digest),
      };
      // Journalled before its audit transaction is sent: a retry here is answered from that audit,
      // while another instance (which did not begin it) refuses the used nonce as a replay.
      await ctx.served.begin(digest, request.deadline);
      const audited = await ctx.auditor.audit(auditJob);
      if (!audited.fresh) await ctx.auditor.check(job); // a retry: the consent must still hold now
      const served = available.filter((r) => audited.leaves.includes(r.leaf));
      if (want.kind === "read" && served.length === 0)
        throw notFound(want.reference, `${want.reference}: refused on chain`);
      await ctx.served.record(digest, request.deadline);
      ctx.log(
        `${what}: 200, ${served.length} record(s) of consent ${consent.consentId.slice(0, 10)}… to ${request.requester}, ` +
          `audited in ${audited.txHash} (block ${audited.blockNumber}${audited.fresh ? "" : ", by an earlier attempt"})`,
      );
      const headers = { "content-type": FHIR_JSON, [AUDIT_HEADER]: audited.txHash };
      if (want.kind === "read") {
        const record = served[0]!;
        return c.body(JSON.stringify(bodyOf.get(record.reference)), 200, {
          ...headers,
          [PROOF_HEADER]: toBase64Url(record.proof),
        });
      }
      return c.body(JSON.stringify(searchset(ctx.publicBase, url, served, bodyOf, audited.txHash)), 200, headers);
    } catch (err) {
      if (err instanceof Refusal) return refuse(c, err, what);
      throw err;
    } finally {
      inFlight.delete(digest);
    }
  };

  app.get(`${FHIR_BASE}/metadata`, (c) =>
    c.body(JSON.stringify(capabilityStatement(ctx.source)), 200, { "content-type": FHIR_JSON }),
  );
  app.get(FHIR_BASE, (c) => {
    const params = [...new URL(c.req.url).searchParams.keys()];
    const unknown = params.find((p) => p !== "_type");
    if (unknown !== undefined) {
      return refuse(
        c,
        new Refusal(
          400,
          "not-supported",
          "UnsupportedParameter",
          `search parameter "${unknown}" is not supported (only _type)`,
        ),
        "GET /fhir",
      );
    }
    const list = c.req.query("_type");
    const types =
      list === undefined
        ? undefined
        : new Set(
            list
              .split(",")
              .map((t) => t.trim())
              .filter((t) => t !== ""),
          );
    if (types !== undefined && [...types].some((t) => !FHIR_TYPE.test(t))) {
      return refuse(
        c,
        new Refusal(400, "invalid", "MalformedRequest", "_type: a comma-separated list of FHIR resource types"),
        "GET /fhir",
      );
    }
    return handle(c, { kind: "search", ...(types === undefined ? {} : { types }) });
  });
  app.get(`${FHIR_BASE}/:type`, (c) => {
    const type = c.req.param("type");
    if (!FHIR_TYPE.test(type)) return refuse(c, notFound(`the path ${pathOf(c)}`), `GET ${pathOf(c)}`);
    if (new URL(c.req.url).search !== "") {
      return refuse(
        c,
        new Refusal(400, "not-supported", "UnsupportedParameter", "type searches take no parameters"),
        `GET ${pathOf(c)}`,
      );
    }
    return handle(c, { kind: "search", types: new Set([type]) });
  });
  app.get(`${FHIR_BASE}/:type/:id`, (c) => {
    const type = c.req.param("type");
    const id = c.req.param("id");
    if (!FHIR_TYPE.test(type) || !FHIR_ID.test(id))
      return refuse(c, notFound(`the path ${pathOf(c)}`), `GET ${pathOf(c)}`);
    return handle(c, { kind: "read", reference: `${type}/${id}` });
  });
  app.all("*", (c) => {
    const path = c.req.path;
    const shown = pathOf(c);
    if (c.req.method !== "GET" && (path === FHIR_BASE || path.startsWith(`${FHIR_BASE}/`))) {
      return refuse(
        c,
        new Refusal(
          405,
          "not-supported",
          "MethodNotAllowed",
          `${c.req.method} is not supported: the gateway only reads`,
        ),
        `${c.req.method} ${shown}`,
      );
    }
    return refuse(c, notFound(`the path ${shown}`), `${c.req.method} ${shown}`);
  });
  app.onError((err, c) => {
    ctx.log(`${c.req.method} ${pathOf(c)}: internal error: ${(err as Error).stack ?? String(err)}`);
    return c.body(
      JSON.stringify(
        operationOutcome(new Refusal(500, "exception", "InternalError", "the gateway failed: nothing was served")),
      ),
      500,
      { "content-type": FHIR_JSON },
    );
  });
  return app;
}

/**
 * The request's path as the log and refusals show it: still percent-encoded as sent (a decoded `%0a`
 * would let a requester write lines of its own into the gateway's log) and at most 200 characters.
 */
function pathOf(c: Context): string {
  let raw: string;
  try {
    raw = new URL(c.req.url).pathname;
  } catch {
    raw = "(unparsable path)";
  }
  const encoded = raw.replace(/[^\x21-\x7e]/g, (ch) => encodeURIComponent(ch));
  return encoded.length > 200 ? `${encoded.slice(0, 200)}…` : encoded;
}

const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString();

/** A chain read whose failure means the chain cannot be reached: nothing is served, retry later. */
async function chain<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw chainUnavailable(describeError(err));
  }
}

/**
 * The searchset Bundle of the served records, each entry with its proof; the audit transaction in
 * `meta`. Its links start at the gateway's public base, not at the Host the request named.
 */
function searchset(
  publicBase: string,
  url: URL,
  served: IndexedRecord[],
  bodies: Map<string, FhirResource | undefined>,
  txHash: string,
) {
  const base = `${publicBase}${FHIR_BASE}`;
  return {
    resourceType: "Bundle",
    type: "searchset",
    timestamp: new Date().toISOString(),
    total: served.length,
    meta: { extension: [{ url: AUDIT_EXTENSION, valueString: txHash }] },
    link: [{ relation: "self", url: `${publicBase}${url.pathname}${url.search}` }],
    entry: served.map((r) => ({
      fullUrl: `${base}/${r.reference}`,
      resource: bodies.get(r.reference),
      search: { mode: "match" },
      extension: [
        {
          url: PROOF_EXTENSION,
          valueAttachment: {
            contentType: PROOF_MEDIA_TYPE,
            data: Buffer.from(JSON.stringify(r.proof), "utf8").toString("base64"),
          },
        },
      ],
    })),
  };
}

/** A small FHIR R4 CapabilityStatement: which types are read and searched, and how requests are signed. */
function capabilityStatement(source: RecordSource) {
  const types = [...new Set(source.records.map((r) => r.resourceType))].sort();
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: new Date().toISOString().slice(0, 10),
    kind: "instance",
    software: { name: "MedChain record gateway" },
    fhirVersion: "4.0.1",
    format: [FHIR_JSON],
    rest: [
      {
        mode: "server",
        security: {
          description:
            `Every request is signed by an operating key of the grantee member (Authorization: ${AUTH_SCHEME}, EIP-712 ` +
            `AccessRequest of the RecordRegistry) and presents its consent (X-MedChain-Consent); each read is audited on chain before it is served.`,
        },
        resource: types.map((type) => ({ type, interaction: [{ code: "read" }, { code: "search-type" }] })),
        interaction: [{ code: "search-system" }],
      },
    ],
  };
}
