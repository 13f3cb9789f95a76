import type { ContractRunner, Log, TransactionReceipt } from "ethers";

import type { RecordRegistry } from "../../../typechain-types/index.js";
import { decodeContractRevert, describeError, toMedChainError, type ContractRevert } from "../../chain/errors.js";
import { decodeEvents, sendTx, type DecodedEvent, type TxResult } from "../../chain/send.js";
import { contractRequest, type AccessRequest } from "../access-request.js";
import type { ConsentTerms } from "../consent.js";
import { chainUnavailable, Refusal, refusalOfRevert } from "./outcome.js";

/** One record of a request, as `accessByRequests` takes it, with its leaf. */
export interface ReadArg {
  commitment: string;
  batchRoot: string;
  batchProof: string[];
  scopeBlind: string;
  scopeProof: string[];
  /** The record leaf the chain recomputes (`ofPair(subject(patient), commitment)`). */
  leaf: string;
}

/** A signed request to audit. */
export interface AuditJob {
  terms: ConsentTerms;
  reads: ReadArg[];
  request: AccessRequest;
  signature: string;
  /**
   * For a search: leave out a record the chain says the consent does not reach (not anchored by the
   * custodian for this patient, or out of scope), instead of refusing the whole request.
   */
  dropRefusedReads: boolean;
  /**
   * Whether this gateway began auditing this exact signed request before (its served log, see
   * `ServedLog.begin`): only then is a used nonce a retry, answered from the earlier audit. Otherwise
   * it is a replay (to another instance of the custodian, or of a request audited elsewhere) and refused.
   */
  begunHere: boolean;
}

/** Where and what the chain audited for a request. */
export interface Audited {
  txHash: string;
  blockNumber: number;
  /** The leaves audited, in order: exactly the records that may be served. */
  leaves: string[];
  /** False when an earlier attempt of the same signed request had audited it (a retry). */
  fresh: boolean;
}

export interface AuditorOptions {
  /** Most requests in one transaction (default 200). */
  maxRequests?: number;
  /**
   * Most record reads in one transaction (default 800). Measured (`npm run bench`): about 12,000 gas
   * per request in a batch plus 10,000-16,000 per read (alone, or in a batch of 1,000), so the
   * defaults stay under 16 M gas; lower them on a chain with a smaller block gas limit.
   */
  maxReads?: number;
  /** How long to wait for a transaction's receipt before answering "try again" (default 30 s). */
  receiptTimeoutMs?: number;
  /** How often to ask for a receipt (default 50 ms). */
  pollMs?: number;
  /** How far back to look for the audit of a retried request (default 20,000 blocks). */
  lookbackBlocks?: number;
  log?: (line: string) => void;
}

interface Pending {
  job: AuditJob;
  attempts: number;
  resolve(audited: Audited): void;
  reject(err: Refusal): void;
}

/** The chain's refusals of one read of a request (a search leaves that record out and audits the rest). */
const READ_REFUSALS = new Set(["RecordsOutOfScope", "RecordsNotAnchored", "RecordsRetracted"]);

const key = (r: AccessRequest) => `${r.requester.toLowerCase()}:${r.nonce}`;

/**
 * Writes the audit entries of signed requests on chain before anything is served: one transaction at
 * a time, holding every request that arrived while the previous one was being mined (`accessByRequests`), so
 * a busy gateway writes one transaction per block. A request is answered only from the receipt of the
 * transaction that audited it.
 *
 * - Before sending, the batch is estimated; if the chain would refuse it, each request is simulated on
 *   its own and the refused ones are answered with the chain's reason (or, for a search, the records
 *   the chain does not let the consent reach are left out), so one bad request never holds up others.
 * - A request whose nonce the chain says is used, and that this gateway began auditing before
 *   (`begunHere`), was audited by an earlier attempt (a retry after a crash, a timeout or a lost
 *   answer): its audit entry is looked up on chain and it is answered from that, never audited twice.
 *   A used nonce of a request this gateway did not begin, or with no audit entry of this exact
 *   request, is a replay: refused, so a captured request replayed to another instance is not served.
 * - When the node fails, or a transaction is not mined in time, the requests are answered "chain
 *   unavailable": nothing is served, and the same signed request may be sent again.
 */
export class Auditor {
  private queue: Pending[] = [];
  private running = false;
  /** Audits this process wrote, by requester and nonce, with the request hash they were for. */
  private readonly recent = new Map<string, { audited: Audited; requestHash: string }>();
  private readonly maxRequests: number;
  private readonly maxReads: number;
  private readonly receiptTimeoutMs: number;
  private readonly pollMs: number;
  private readonly lookbackBlocks: number;
  /** Transactions sent, and requests audited by them (for the log and the benchmark). */
  readonly stats = { transactions: 0, requests: 0, reads: 0 };

  constructor(
    private readonly records: RecordRegistry,
    private readonly options: AuditorOptions = {},
  ) {
    this.maxRequests = options.maxRequests ?? 200;
    this.maxReads = options.maxReads ?? 800;
    this.receiptTimeoutMs = options.receiptTimeoutMs ?? 30_000;
    this.pollMs = options.pollMs ?? 50;
    this.lookbackBlocks = options.lookbackBlocks ?? 20_000;
  }

  /** Audits a request; resolves once its audit entry is on chain, or rejects with a {@link Refusal}. */
  audit(job: AuditJob): Promise<Audited> {
    return new Promise<Audited>((resolve, reject) => {
      this.queue.push({ job: { ...job, reads: [...job.reads] }, attempts: 0, resolve, reject });
      this.kick();
    });
  }

  /**
   * Whether the chain would audit the request with no reads (the consent, the signer, the signature):
   * throws the chain's refusal, or resolves. Used before answering "not found", so a refused request
   * is told why rather than that the record does not exist.
   */
  async check(job: Pick<AuditJob, "terms" | "request" | "signature">): Promise<void> {
    try {
      await this.records.accessByRequests.staticCall([signedAccess({ ...job, reads: [] })]);
    } catch (err) {
      const revert = decodeContractRevert(err, [this.records]);
      if (revert === undefined) throw chainUnavailable(describeError(err));
      // The nonce check comes after every consent and signer check: a used nonce means those passed.
      if (revert.name === "RecordsRequestUsed") return;
      throw refusalOfRevert(revert);
    }
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.runBatch(this.take());
    } catch (err) {
      this.options.log?.(`auditor: ${describeError(err)}`);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  /** The next batch: in arrival order, within the size limits, one request per requester nonce. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const nonces = new Set<string>();
    let reads = 0;
    for (const p of this.queue) {
      const k = key(p.job.request);
      const fits =
        batch.length < this.maxRequests && (batch.length === 0 || reads + p.job.reads.length <= this.maxReads);
      if (fits && !nonces.has(k)) {
        batch.push(p);
        nonces.add(k);
        reads += p.job.reads.length;
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    // Encoded once, estimated, then sent.
    const data = this.records.interface.encodeFunctionData("accessByRequests", [batch.map((p) => signedAccess(p.job))]);
    const runner = this.records.runner as ContractRunner & Required<Pick<ContractRunner, "sendTransaction">>;
    const to = String(this.records.target);
    const reads = batch.reduce((n, p) => n + p.job.reads.length, 0);
    let result: TxResult;
    try {
      // Estimated first (a refusal shows there, decoded), then sent with a margin, through the chain
      // layer's one way of sending: a mined revert is REFUSED, a node that fails or does not confirm in
      // time UNREACHABLE.
      result = await sendTx(
        { provider: runner.provider! },
        async () => {
          const gas = await runner.estimateGas!({ to, data });
          const response = await runner.sendTransaction({ to, data, gasLimit: (gas * 125n) / 100n });
          this.stats.transactions += 1;
          this.options.log?.(`audit transaction ${response.hash} sent: ${batch.length} request(s), ${reads} read(s)`);
          return response;
        },
        { timeoutMs: this.receiptTimeoutMs, pollMs: this.pollMs, extra: [this.records] },
      );
    } catch (err) {
      // Refused (at estimation, or mined and reverted): find out which request, and answer it alone.
      if (toMedChainError(err, [this.records]).kind === "REFUSED") return this.sift(batch);
      return this.failAll(batch, err);
    }
    const { receipt, hash } = result;
    const audits = auditsIn(this.records, result.events);
    for (const p of batch) {
      const audited = this.auditedIn(receipt, p.job.request, audits);
      if (audited === undefined) {
        p.reject(new Refusal(500, "exception", "AuditMissing", `transaction ${hash} holds no audit of the request`));
        continue;
      }
      this.remember(p.job.request, audited);
      this.stats.requests += 1;
      this.stats.reads += audited.leaves.length;
      p.resolve(audited);
    }
  }

  private failAll(batch: Pending[], err: unknown): void {
    const detail = describeError(err);
    this.options.log?.(`audit failed, ${batch.length} request(s) answered "try again": ${detail}`);
    for (const p of batch) p.reject(chainUnavailable(detail));
  }

  /** Simulates each request of a refused batch alone: answers the refused ones, queues the others again. */
  private async sift(batch: Pending[]): Promise<void> {
    const again: Pending[] = [];
    await Promise.all(
      batch.map(async (p) => {
        p.attempts += 1;
        if (p.attempts > p.job.reads.length + 4) {
          p.reject(new Refusal(500, "exception", "AuditRetries", "the audit kept failing: try again later"));
          return;
        }
        try {
          await this.records.accessByRequests.staticCall([signedAccess(p.job)]);
          again.push(p);
        } catch (err) {
          const revert = decodeContractRevert(err, [this.records]);
          if (revert === undefined) return p.reject(chainUnavailable(describeError(err)));
          await this.refused(p, revert, again);
        }
      }),
    );
    this.queue.unshift(...again);
  }

  private async refused(p: Pending, revert: Pick<ContractRevert, "name" | "args">, again: Pending[]): Promise<void> {
    if (revert.name === "RecordsRequestUsed") {
      let earlier: Audited | undefined;
      try {
        if (!p.job.begunHere) {
          // Not a retry of ours: a replay. The consent's own refusal (revoked, expired) comes first.
          await this.check(p.job);
          return p.reject(refusalOfRevert(revert));
        }
        earlier = await this.findAudit(p.job);
      } catch (err) {
        return p.reject(err instanceof Refusal ? err : chainUnavailable(describeError(err)));
      }
      return earlier === undefined ? p.reject(refusalOfRevert(revert)) : p.resolve(earlier);
    }
    const leaf = READ_REFUSALS.has(revert.name) ? revert.args.leaf : "";
    const i = p.job.reads.findIndex((r) => r.leaf === String(leaf).toLowerCase());
    if (p.job.dropRefusedReads && i >= 0) {
      this.options.log?.(`left out ${p.job.reads[i]!.leaf}: the chain refused it (${revert.name})`);
      p.job.reads.splice(i, 1);
      again.push(p);
      return;
    }
    p.reject(refusalOfRevert(revert));
  }

  private remember(request: AccessRequest, audited: Audited): void {
    this.recent.set(key(request), { audited, requestHash: request.requestHash.toLowerCase() });
    if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value!);
  }

  /** The audit an earlier attempt of this exact request wrote (same requester, nonce and request hash). */
  private async findAudit(job: AuditJob): Promise<Audited | undefined> {
    const known = this.recent.get(key(job.request));
    if (known !== undefined) {
      return known.requestHash === job.request.requestHash.toLowerCase()
        ? { ...known.audited, fresh: false }
        : undefined;
    }
    const provider = this.records.runner!.provider!;
    const latest = await provider.getBlockNumber();
    const logs = await this.records.queryFilter(
      this.records.filters.AccessRequestAudited(job.request.requester, job.request.nonce),
      Math.max(0, latest - this.lookbackBlocks),
    );
    for (const log of logs) {
      if (log.args.requestHash.toLowerCase() !== job.request.requestHash.toLowerCase()) continue;
      if (log.args.consentId.toLowerCase() !== job.request.consentId.toLowerCase()) continue;
      const receipt = await provider.getTransactionReceipt(log.transactionHash);
      if (receipt === null) continue;
      const audited = this.auditedIn(receipt, job.request);
      if (audited !== undefined) return { ...audited, fresh: false };
    }
    return undefined;
  }

  /** The audit of `request` in a receipt: its `AccessRequestAudited` log and the `RecordAccessed` logs after it. */
  private auditedIn(
    receipt: TransactionReceipt,
    request: AccessRequest,
    audits: AuditsOfTransaction = auditsIn(this.records, decodeEvents(receipt.logs)),
  ): Audited | undefined {
    const leaves = auditedLeaves(this.records, audits, request);
    if (leaves === undefined) return undefined;
    return { txHash: receipt.hash, blockNumber: receipt.blockNumber, leaves, fresh: true };
  }
}

/** The request audits in a transaction's logs, by requester and nonce: request hash and leaves read. */
export type AuditsOfTransaction = Map<string, { requestHash: string; leaves: string[] }>;

/**
 * Every signed request audited in a transaction's events (decoded by the chain layer,
 * `decodeEvents`): each `AccessRequestAudited` event of `records` and the `RecordAccessed` events
 * that follow it.
 */
export function auditsIn(
  records: Pick<RecordRegistry, "target">,
  events: readonly DecodedEvent[],
): AuditsOfTransaction {
  const address = String(records.target).toLowerCase();
  const ours = events.filter((e) => e.address.toLowerCase() === address);
  const out: AuditsOfTransaction = new Map();
  for (let i = 0; i < ours.length; i++) {
    const event = ours[i]!;
    if (event.name !== "AccessRequestAudited") continue;
    const count = Number(event.args.records);
    const leaves: string[] = [];
    for (let j = i + 1; j < ours.length && leaves.length < count; j++) {
      if (ours[j]!.name !== "RecordAccessed") break;
      leaves.push(String(ours[j]!.args.leaf).toLowerCase());
    }
    if (leaves.length !== count) continue;
    const key = `${String(event.args.requester).toLowerCase()}:${BigInt(event.args.nonce as bigint)}`;
    out.set(key, { requestHash: String(event.args.requestHash).toLowerCase(), leaves });
  }
  return out;
}

/**
 * The leaves audited for `request` among a transaction's logs: the `RecordAccessed` logs that follow
 * its `AccessRequestAudited` log (requester, nonce and request hash must match); undefined if absent.
 * The requesting side uses it too, to check that what it received is what was audited in its name.
 */
export function auditedLeaves(
  records: Pick<RecordRegistry, "target">,
  logs: readonly Log[] | AuditsOfTransaction,
  request: Pick<AccessRequest, "requester" | "nonce" | "requestHash">,
): string[] | undefined {
  const audits = logs instanceof Map ? logs : auditsIn(records, decodeEvents(logs));
  const found = audits.get(`${request.requester.toLowerCase()}:${request.nonce}`);
  return found !== undefined && found.requestHash === request.requestHash.toLowerCase() ? found.leaves : undefined;
}

/** A job as the contract's `SignedAccess` struct. */
function signedAccess(job: Pick<AuditJob, "terms" | "reads" | "request" | "signature">) {
  return {
    terms: job.terms,
    reads: job.reads.map(readArgOf),
    request: contractRequest(job.request),
    signature: job.signature,
  };
}

function readArgOf(r: ReadArg) {
  return {
    commitment: r.commitment,
    batchRoot: r.batchRoot,
    batchProof: r.batchProof,
    scopeBlind: r.scopeBlind,
    scopeProof: r.scopeProof,
  };
}
