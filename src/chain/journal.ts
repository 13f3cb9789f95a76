import { appendFile, open, readFile, type FileHandle } from "node:fs/promises";
import path from "node:path";

import { flushFolder, makeFolderDurably } from "./atomic-write.js";
import { MedChainError } from "./errors.js";

/** One completed step of a batch job, as written to the journal. */
export interface JournalEntry {
  key: string;
  txHash?: string;
  [field: string]: unknown;
}

/**
 * An append-only JSON-lines journal of completed steps, so a batch job (anchoring a folder,
 * importing EPCIS events) that dies midway can be re-run and skips what it already did.
 *
 * A step is written only after its transaction is mined. Jobs should also ask the chain before
 * sending (the contracts refuse duplicates), so a crash between mining and journalling cannot
 * produce a duplicate either.
 *
 * The pipelined sender (`pipeline.ts`) writes ahead instead: each transaction's entry (hash, nonce,
 * signed bytes) is written with {@link Journal.recordMany} and flushed to disk before it is sent;
 * the last entry of a key is its state.
 */
export class Journal {
  private constructor(
    readonly file: string,
    private readonly done: Map<string, JournalEntry>,
  ) {}

  /** Opens (or starts) the journal at `file`. A torn last line from a crash is ignored. */
  static async open(file: string): Promise<Journal> {
    const done = new Map<string, JournalEntry>();
    let text = "";
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new MedChainError(`${file}: cannot read the journal (${(err as Error).message})`);
      }
    }
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    lines.forEach((line, i) => {
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (typeof entry.key === "string") done.set(entry.key, entry);
      } catch {
        if (i !== lines.length - 1) throw new MedChainError(`${file}:${i + 1}: the journal line is not JSON`);
      }
    });
    await makeFolderDurably(path.dirname(path.resolve(file)));
    return new Journal(file, done);
  }

  /** Whether the step `key` was completed in an earlier run. */
  has(key: string): boolean {
    return this.done.has(key);
  }

  /** The entry written for `key`, if any. */
  get(key: string): JournalEntry | undefined {
    return this.done.get(key);
  }

  /** Number of completed steps. */
  get size(): number {
    return this.done.size;
  }

  /** The last entry of every key, in the order the keys first appeared. */
  entries(): JournalEntry[] {
    return [...this.done.values()];
  }

  /** Records a completed step (after its transaction was mined). */
  async record(entry: JournalEntry): Promise<void> {
    await appendFile(this.file, JSON.stringify(entry) + "\n");
    this.done.set(entry.key, entry);
  }

  private handle: FileHandle | undefined;

  /**
   * Appends several entries in one write and, with `sync`, waits until they are on disk (fdatasync),
   * so a crash or power loss after this returns cannot lose them. One flush for a group of entries
   * keeps write-ahead journalling cheap when many transactions go out at once.
   */
  async recordMany(entries: JournalEntry[], options: { sync?: boolean } = {}): Promise<void> {
    if (entries.length === 0) return;
    let created = false;
    if (this.handle === undefined) {
      try {
        this.handle = await open(this.file, "ax");
        created = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        this.handle = await open(this.file, "a");
      }
    }
    await this.handle.write(entries.map((e) => JSON.stringify(e) + "\n").join(""));
    if (options.sync !== false) {
      await this.handle.datasync();
      // a new journal's name is on disk too, not only its lines: a power loss cannot lose the file
      if (created) await flushFolder(path.dirname(path.resolve(this.file)));
    }
    for (const entry of entries) this.done.set(entry.key, entry);
  }

  /** Closes the file handle {@link Journal.recordMany} opened. */
  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
