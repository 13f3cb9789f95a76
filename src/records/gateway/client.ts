import { randomBytes } from "node:crypto";

import { hexlify, type TypedDataDomain } from "ethers";

import { MedChainError } from "../../chain/errors.js";
import { NonceSource, requestHashOf, signAccessRequest, type AccessRequest } from "../access-request.js";
import type { ConsentFile } from "../consent-file.js";
import type { TypedSigner } from "../consent.js";
import type { OperationOutcome } from "./outcome.js";
import {
  authorizationHeader,
  AUDIT_HEADER,
  CONSENT_HEADER,
  consentHeader,
  FHIR_JSON,
  PROOF_HEADER,
} from "./protocol.js";

/** The grantee's signing key: typed-data signatures and its address. */
export interface RequesterSigner extends TypedSigner {
  getAddress(): Promise<string>;
}

export interface GatewayClientOptions {
  /** The gateway's FHIR base URL, e.g. `http://127.0.0.1:8080/fhir`. */
  gateway: string;
  /** The consent file the requests present. */
  consent: ConsentFile;
  /** An operating account of the consent's grantee. */
  signer: RequesterSigner;
  /** The RecordRegistry's EIP-712 domain (`recordsDomain(chainId, registry)`). */
  domain: TypedDataDomain;
  /** Unix seconds as the chain sees them (default: the local clock). */
  now?: () => Promise<bigint>;
  /** How long each signed request is valid (default 120 s; the gateway accepts at most 300 s). */
  lifetimeSeconds?: number;
  /** Purpose of use (default: the consent's). */
  purpose?: number;
  /** Times the same signed request is sent again when the gateway or the chain is unavailable (default 5). */
  retries?: number;
  /** Wait between retries (default 1,000 ms, or the gateway's Retry-After). */
  retryDelayMs?: number;
  nonces?: NonceSource;
}

/** One signed HTTP request, sent as often as needed until answered (never re-signed). */
export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  request: AccessRequest;
}

/** What the gateway answered. */
export interface GatewayAnswer {
  status: number;
  /** The parsed FHIR body: the resource, a Bundle, or an OperationOutcome. */
  body: Record<string, unknown>;
  headers: Headers;
  request: SignedRequest;
  /** How many times the signed request was sent. */
  attempts: number;
}

/**
 * The gateway refused: its status and OperationOutcome (one line in the message). Its `kind` follows
 * the chain layer's: `REFUSED` for 401/403/404 and the like, `UNREACHABLE` when the gateway, its
 * records server or the chain could not serve (5xx), `BAD_INPUT` for a request it could not read.
 */
export class GatewayRefusal extends MedChainError {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome | undefined,
    readonly reason: string,
    text: string,
  ) {
    super(`the gateway refused (${status} ${reason}): ${text}`, {
      kind: status >= 500 ? "UNREACHABLE" : status === 400 ? "BAD_INPUT" : "REFUSED",
    });
    this.name = "GatewayRefusal";
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A client of a record gateway for one consent: signs each request with the grantee's key (a fresh
 * nonce and salt, a short deadline), presents the consent, and sends the same signed request again
 * when the gateway or the chain is unavailable (the gateway serves it once it is audited, and never
 * audits it twice).
 */
export class GatewayClient {
  private readonly nonces: NonceSource;
  private readonly base: URL;

  constructor(private readonly options: GatewayClientOptions) {
    try {
      this.base = new URL(options.gateway.replace(/\/+$/, ""));
    } catch {
      throw new MedChainError(`--gateway: "${options.gateway}" is not a URL`);
    }
    this.nonces = options.nonces ?? new NonceSource();
  }

  /** Signs a GET of `path` (relative to the FHIR base, e.g. `Observation/obs-1` or `?_type=Observation`). */
  async sign(path: string): Promise<SignedRequest> {
    const url = new URL(this.base.toString() + (path === "" || path.startsWith("?") ? path : `/${path}`));
    const target = url.pathname + url.search;
    const salt = hexlify(randomBytes(32));
    const now = this.options.now === undefined ? BigInt(Math.floor(Date.now() / 1000)) : await this.options.now();
    const request: AccessRequest = {
      requester: await this.options.signer.getAddress(),
      consentId: this.options.consent.consentId.toLowerCase(),
      purpose: this.options.purpose ?? this.options.consent.terms.purpose,
      requestHash: requestHashOf("GET", target, salt),
      nonce: this.nonces.next(),
      deadline: now + BigInt(this.options.lifetimeSeconds ?? 120),
    };
    const signature = await signAccessRequest(this.options.signer, this.options.domain, request);
    return {
      url: url.toString(),
      headers: {
        accept: FHIR_JSON,
        authorization: authorizationHeader(request, salt, signature),
        [CONSENT_HEADER]: consentHeader(this.options.consent),
      },
      request,
    };
  }

  /**
   * Sends a signed request, again (the same one) while the gateway answers 502/503 or cannot be
   * reached, up to `retries` times.
   */
  async send(signed: SignedRequest): Promise<GatewayAnswer> {
    const retries = this.options.retries ?? 5;
    let lastProblem = "";
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await fetch(signed.url, { headers: signed.headers });
      } catch (err) {
        lastProblem = `the gateway did not answer (${(err as Error).message})`;
      }
      if (response !== undefined && response.status !== 502 && response.status !== 503) {
        let body: Record<string, unknown>;
        try {
          body = (await response.json()) as Record<string, unknown>;
        } catch {
          throw new MedChainError(`the gateway's answer (${response.status}) is not JSON`, { kind: "UNREACHABLE" });
        }
        return { status: response.status, body, headers: response.headers, request: signed, attempts: attempt };
      }
      if (response !== undefined) {
        const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        const refusal = refusalOf(response.status, body);
        lastProblem = refusal.message;
        if (attempt > retries) throw refusal;
      } else if (attempt > retries) {
        throw new MedChainError(`${lastProblem}; tried ${attempt} times`, { kind: "UNREACHABLE" });
      }
      const after = Number(response?.headers.get("retry-after") ?? "");
      await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : (this.options.retryDelayMs ?? 1_000));
    }
  }

  /** Reads one resource: the resource with its proof and audit transaction, or throws the refusal. */
  async read(
    reference: string,
  ): Promise<{ resource: Record<string, unknown>; proof: unknown; auditTx: string; answer: GatewayAnswer }> {
    const answer = await this.send(await this.sign(reference));
    if (answer.status !== 200) throw refusalOf(answer.status, answer.body);
    const proofHeader = answer.headers.get(PROOF_HEADER) ?? "";
    let proof: unknown;
    try {
      proof = JSON.parse(Buffer.from(proofHeader, "base64url").toString("utf8"));
    } catch {
      proof = undefined;
    }
    return { resource: answer.body, proof, auditTx: answer.headers.get(AUDIT_HEADER) ?? "", answer };
  }

  /** Searches what the consent covers (optionally of some resource types): the searchset Bundle, or throws the refusal. */
  async search(types: string[] = []): Promise<GatewayAnswer> {
    const answer = await this.send(await this.sign(types.length === 0 ? "" : `?_type=${types.join(",")}`));
    if (answer.status !== 200) throw refusalOf(answer.status, answer.body);
    if (answer.body.resourceType !== "Bundle" || answer.body.type !== "searchset") {
      throw new MedChainError("the gateway's answer is not a searchset Bundle", { kind: "UNREACHABLE" });
    }
    return answer;
  }
}

/** The {@link GatewayRefusal} of a gateway's error answer. */
export function refusalOf(status: number, body: Record<string, unknown>): GatewayRefusal {
  const outcome = body.resourceType === "OperationOutcome" ? (body as unknown as OperationOutcome) : undefined;
  const issue = outcome?.issue?.[0];
  const reason = issue?.details?.coding?.[0]?.code ?? issue?.code ?? "unknown";
  const text = issue?.details?.text ?? issue?.diagnostics ?? "no OperationOutcome";
  return new GatewayRefusal(status, outcome, reason, text);
}
