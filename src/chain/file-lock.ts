/**
 * One process at a time on a file: a batch job holds `<journal>.lock` while it runs, so two runs of
 * one job (a cron import and an operator's re-run) cannot interleave their journal lines or sign
 * the same nonces.
 *
 * Written here rather than taken from `proper-lockfile`: that package calls a lock stale when the
 * mtime it refreshes on a timer is older than its stale period. A run killed with SIGKILL then
 * blocks the re-run for that period (at least 2 s, 10 s by default), and a live holder whose event
 * loop is busy for longer (a million records read and hashed) is declared stale and loses its lock.
 * Here the lock names its holder by host, pid and process start time, and is stale exactly when
 * that process is gone, which the kernel tells on the same host. A holder on another host (a data
 * folder shared over the network) cannot be checked: its lock is refused with what to do.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

import { makeFolderDurably } from "./atomic-write.js";
import { MedChainError } from "./errors.js";

/** What a lock file holds (JSON). */
interface LockHolder {
  /** The holder's host name (`os.hostname()`). */
  host: string;
  /** Its process id. */
  pid: number;
  /** Its start time in clock ticks since boot (Linux /proc), telling a reused pid; null elsewhere. */
  start: string | null;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** This taking's own random token: a release removes only its own lock. */
  token: string;
}

/** A process's start time from /proc (field 22 of its stat line), or null where there is none. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (name) state ppid ...": the name may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? "zombie" : (fields[19] ?? null);
  } catch {
    return null;
  }
}

/** Whether the holder still runs; undefined when that cannot be told here (another host). */
function holderAlive(holder: LockHolder): boolean | undefined {
  if (holder.host !== hostname()) return undefined;
  if (holder.start !== null) {
    const start = startTimeOf(holder.pid);
    if (start !== null) return start === holder.start; // a zombie or a reused pid is not the holder
  }
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // another user's live process
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.host === "string" && Number.isSafeInteger(h.pid) && typeof h.token === "string") {
      return {
        host: h.host,
        pid: h.pid!,
        start: typeof h.start === "string" ? h.start : null,
        since: String(h.since),
        token: h.token,
      };
    }
  } catch {
    // not a lock this code wrote: refused below
  }
  return undefined;
}

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException).code;
/** link(2)'s answers on file systems without hard links. */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/** Gives the lock back: removes it, only while it is still this taking's. */
export type Release = () => Promise<void>;

/**
 * Takes the lock of `file` (`<file>.lock`) for this process, or refuses (REFUSED) naming the run
 * that holds it. A lock whose holder is gone (killed, crashed) is taken over.
 */
export async function lockFile(file: string, what: string): Promise<Release> {
  const lock = `${path.resolve(file)}.lock`;
  await mkdir(path.dirname(lock), { recursive: true });
  return take(lock, file, what);
}

/**
 * Takes the lock of folder `dir` (`<dir>/.lock`), as {@link lockFile} does. With `create`, a missing
 * folder is made first (durably, as the umask says); without, a missing folder holds nothing to
 * protect and is not made for its lock (a release that does nothing).
 */
export async function lockFolder(dir: string, what: string, options: { create?: boolean } = {}): Promise<Release> {
  if (options.create === true) await makeFolderDurably(dir);
  try {
    if (!(await stat(dir)).isDirectory()) return async () => {};
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return async () => {};
    throw err;
  }
  return take(path.join(path.resolve(dir), ".lock"), dir, what);
}

/** Takes `lock` for this process; `subject` (what is locked) and `what` (who locks it) name it in a refusal. */
async function take(lock: string, subject: string, what: string): Promise<Release> {
  const mine: LockHolder = {
    host: hostname(),
    pid: process.pid,
    start: startTimeOf(process.pid),
    since: new Date().toISOString(),
    token: randomBytes(16).toString("hex"),
  };
  const text = `${JSON.stringify(mine)}\n`;
  // The lock appears whole or not at all: written to a file of its own, then linked to its name
  // (link, unlike rename, fails when the name exists).
  const draft = `${lock}.${mine.token}`;
  await writeFile(draft, text, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(draft, lock);
        break;
      } catch (err) {
        if (NO_LINKS.has(errnoOf(err) ?? "")) {
          // a file system without hard links: created exclusively and written (a reader in between
          // sees an empty lock, refused as not this program's, and runs again)
          try {
            await writeFile(lock, text, { flag: "wx", mode: 0o600 });
            break;
          } catch (again) {
            if (errnoOf(again) !== "EEXIST") throw again;
          }
        } else if (errnoOf(err) !== "EEXIST") throw err;
      }
      let held: string;
      try {
        held = await readFile(lock, "utf8");
      } catch (err) {
        if (errnoOf(err) === "ENOENT") continue; // released meanwhile: take it
        throw err;
      }
      const holder = parseHolder(held);
      const alive = holder === undefined ? undefined : holderAlive(holder);
      if (holder === undefined || alive !== false || attempt >= 3) {
        const by =
          holder === undefined
            ? "a lock file this program did not write"
            : `process ${holder.pid} on ${holder.host === mine.host ? "this host" : `host ${holder.host}`} since ${holder.since}`;
        throw new MedChainError(
          `${subject}: another run of ${what} holds it (${by}); wait for that run to end` +
            (alive === true ? "" : `, or remove ${lock} if no such run is going on`),
          { kind: "REFUSED", file: subject },
        );
      }
      // The holder is gone. Move its lock aside (one mover wins the name), then check that what was
      // moved is that lock and not one a faster process took meanwhile, which is put back.
      const aside = `${lock}.stale.${mine.token}`;
      try {
        await rename(lock, aside);
      } catch (err) {
        if (errnoOf(err) === "ENOENT") continue;
        throw err;
      }
      if ((await readFile(aside, "utf8")) !== held) await link(aside, lock).catch(() => {});
      await unlink(aside);
    }
  } finally {
    await unlink(draft).catch(() => {});
  }
  return async () => {
    const now = await readFile(lock, "utf8").catch(() => "");
    if (parseHolder(now)?.token === mine.token) await unlink(lock);
  };
}
