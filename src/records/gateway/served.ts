import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";

import { Journal } from "../../chain/journal.js";

/**
 * The signed requests this gateway has answered with records, remembered until they expire, so a
 * replayed request is refused even after a restart. A request is entered here twice: as begun
 * (`begin`) before its audit transaction is sent, and as served (`record`) just before its records
 * are sent. One served already is refused as a replay; one only begun (its answer was lost: a
 * timeout, a crash) may be retried here and is answered from its audit, and only here: another
 * instance of the custodian, which did not begin it, refuses its used nonce as a replay. A request
 * needs remembering only until its deadline (afterwards the gateway and the chain
 * refuse it as expired), so entries go to one append-only journal per window of deadlines
 * (`served-<window>.jsonl`) and a window's file is deleted once every deadline in it has passed.
 */
export class ServedLog {
  /** Each request remembered: its deadline and whether it was served (otherwise only begun). */
  private readonly deadlines = new Map<string, { deadline: bigint; served: boolean }>();
  private readonly journals = new Map<bigint, Promise<Journal>>();

  private constructor(
    private readonly dir: string,
    private readonly windowSeconds: bigint,
  ) {}

  /** Opens the log in `dir`, loading the windows not yet over and deleting the others. */
  static async open(dir: string, windowSeconds: number, nowSeconds: bigint): Promise<ServedLog> {
    await mkdir(dir, { recursive: true });
    const log = new ServedLog(dir, BigInt(windowSeconds));
    for (const name of await readdir(dir)) {
      const m = /^served-(\d+)\.jsonl$/.exec(name);
      if (m === null) continue;
      const window = BigInt(m[1]!);
      if ((window + 1n) * log.windowSeconds < nowSeconds) {
        await rm(path.join(dir, name), { force: true });
        continue;
      }
      const journal = await Journal.open(path.join(dir, name));
      log.journals.set(window, Promise.resolve(journal));
      for (const entry of journal.entries()) {
        // Entries written before requests were journalled as begun have no stage: they were served.
        const served = entry.stage !== "begun";
        log.deadlines.set(entry.key, { deadline: BigInt(String(entry.deadline)), served });
      }
    }
    return log;
  }

  /** Whether the request with this digest was answered with records already. */
  has(digest: string): boolean {
    return this.deadlines.get(digest.toLowerCase())?.served === true;
  }

  /** Whether this gateway began auditing the request with this digest (served or not). */
  began(digest: string): boolean {
    return this.deadlines.has(digest.toLowerCase());
  }

  /** Remembers, before its audit transaction is sent, that this gateway audits the request `digest`. */
  async begin(digest: string, deadline: bigint): Promise<void> {
    if (this.began(digest)) return;
    await this.write(digest, deadline, false);
  }

  /** Remembers that the request `digest`, valid until `deadline`, is being answered with records. */
  async record(digest: string, deadline: bigint): Promise<void> {
    await this.write(digest, deadline, true);
  }

  private async write(digest: string, deadline: bigint, served: boolean): Promise<void> {
    const key = digest.toLowerCase();
    this.deadlines.set(key, { deadline, served });
    const window = deadline / this.windowSeconds;
    let journal = this.journals.get(window);
    if (journal === undefined) {
      journal = Journal.open(path.join(this.dir, `served-${window}.jsonl`));
      this.journals.set(window, journal);
    }
    await (await journal).record({ key, deadline: deadline.toString(), stage: served ? "served" : "begun" });
  }

  /** Forgets requests whose deadline has passed and deletes their windows' files. */
  async prune(nowSeconds: bigint): Promise<void> {
    for (const [key, { deadline }] of this.deadlines) if (deadline < nowSeconds) this.deadlines.delete(key);
    for (const window of [...this.journals.keys()]) {
      if ((window + 1n) * this.windowSeconds < nowSeconds) {
        this.journals.delete(window);
        await rm(path.join(this.dir, `served-${window}.jsonl`), { force: true });
      }
    }
  }

  /** Number of requests remembered. */
  get size(): number {
    return this.deadlines.size;
  }
}
