import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";

import { Journal } from "../../chain/journal.js";

/**
 * The signed requests this gateway has answered with records, remembered until they expire, so a
 * replayed request is refused even after a restart. A request is entered here just before its records
 * are sent; one already here is refused as a replay (its audit entry is on chain once, see the
 * auditor). A request needs remembering only until its deadline (afterwards the gateway and the chain
 * refuse it as expired), so entries go to one append-only journal per window of deadlines
 * (`served-<window>.jsonl`) and a window's file is deleted once every deadline in it has passed.
 */
export class ServedLog {
  private readonly deadlines = new Map<string, bigint>();
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
      for (const entry of journal.entries()) log.deadlines.set(entry.key, BigInt(String(entry.deadline)));
    }
    return log;
  }

  /** Whether the request with this digest was answered with records already. */
  has(digest: string): boolean {
    return this.deadlines.has(digest.toLowerCase());
  }

  /** Remembers that the request `digest`, valid until `deadline`, is being answered with records. */
  async record(digest: string, deadline: bigint): Promise<void> {
    const key = digest.toLowerCase();
    this.deadlines.set(key, deadline);
    const window = deadline / this.windowSeconds;
    let journal = this.journals.get(window);
    if (journal === undefined) {
      journal = Journal.open(path.join(this.dir, `served-${window}.jsonl`));
      this.journals.set(window, journal);
    }
    await (await journal).record({ key, deadline: deadline.toString() });
  }

  /** Forgets requests whose deadline has passed and deletes their windows' files. */
  async prune(nowSeconds: bigint): Promise<void> {
    for (const [key, deadline] of this.deadlines) if (deadline < nowSeconds) this.deadlines.delete(key);
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
