/**
 * One process at a time on a file or folder: a batch job holds `<journal>.lock` while it runs, and
 * the provenance commands hold `<data>/.lock`, so two runs (a cron import and an operator's re-run)
 * cannot interleave a journal's lines or write one data directory at once.
 *
 * Written here rather than taken from `proper-lockfile`: that package calls a lock stale when the
 * mtime it refreshes on a timer is older than its stale period. A run killed with SIGKILL then
 * blocks the re-run for that period (at least 2 s, 10 s by default), and a live holder whose event
 * loop is busy for longer (a million records read and hashed) is declared stale and loses its lock.
 * Node has no `flock`. Here the lock names its holder by host, boot, pid namespace, pid and process
 * start time, and is stale exactly when that process is gone, which the kernel tells when the
 * holder ran under the same boot and pid namespace. Any other holder (another host, another
 * container) cannot be checked: its lock is refused, naming the file to remove.
 *
 * Taking over a stale lock is serialised by a second lock, `<lock>.break`: only its holder removes
 * a lock, and only the stale one it read (while it holds `.break`, nobody else removes the lock, so
 * the name cannot change to a live one between its check and its removal).
 */
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { link, lstat, mkdir, open, readlink, realpath, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

import { makeFolderDurably } from "./atomic-write.js";
import { MedChainError } from "./errors.js";
import { readBoundedFileSync } from "./files.js";

/** What a lock file holds (JSON). */
interface LockHolder {
  /** The holder's host name (`os.hostname()`), for people; the checks go by `boot` and `pidns`. */
  host: string;
  /** The kernel's boot id (Linux), or null: another boot id on the same host means a reboot. */
  boot: string | null;
  /** The holder's pid namespace (Linux), or null: its pid means something only in its own. */
  pidns: string | null;
  /** The holder's machine id, or null. */
  machine: string | null;
  /** Its process id. */
  pid: number;
  /** Its start time in clock ticks since boot (Linux), telling a reused pid; null elsewhere. */
  start: string | null;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** This taking's own random token: a release removes only its own lock. */
  token: string;
}

/** Gives the lock back: removes it while it is still this taking's; never throws. */
export type Release = () => Promise<void>;

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;
/** link(2)'s answers on file systems without hard links. */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);
/** A lock file is a line of JSON: anything larger is not one this program wrote. */
const MAX_LOCK_BYTES = 4096;

function readOr(file: string, read: (f: string) => string): string | null {
  try {
    return read(file).trim();
  } catch {
    return null;
  }
}

/** A process's start time from /proc (field 22 of its stat line), "zombie", or null where there is none. */
function startTimeOf(pid: number): string | null {
  if (!OWN_PROC) return null;
  const stat = readOr(`/proc/${pid}/stat`, (f) => readFileSync(f, "utf8"));
  if (stat === null) return null;
  // "pid (name) state ppid ...": the name may hold spaces and parentheses
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" ? "zombie" : (fields[19] ?? null);
}

/** Whether /proc is this process's (a sandbox may show the host's /proc, whose pids are not ours). */
const OWN_PROC = readOr("/proc/self", readlinkSync) === String(process.pid);
const BOOT = OWN_PROC ? readOr("/proc/sys/kernel/random/boot_id", (f) => readFileSync(f, "utf8")) : null;
const PID_NS = OWN_PROC ? readOr("/proc/self/ns/pid", readlinkSync) : null;
/** The machine's id (systemd's /etc/machine-id): a reboot keeps it, another machine has its own. */
const MACHINE = readOr("/etc/machine-id", (f) => readFileSync(f, "utf8"));
/** When this boot began (ms since the epoch), from /proc/stat's btime. */
const BOOTED_AT = ((): number | null => {
  const line = /^btime (\d+)$/m.exec(readOr("/proc/stat", (f) => readFileSync(f, "utf8")) ?? "");
  return OWN_PROC && line !== null ? Number(line[1]) * 1000 : null;
})();

/**
 * Whether the holder still runs: true or false where this process can tell, undefined where it
 * cannot (another host, or another pid namespace on this one).
 */
function holderAlive(holder: LockHolder, writtenAt: number): boolean | undefined {
  if (BOOT !== null && holder.boot !== null) {
    if (holder.boot !== BOOT) {
      // A boot of this machine before this one (same name and machine id, written before this boot
      // began), or another machine sharing the folder, whose processes cannot be seen from here.
      const rebooted =
        holder.host === hostname() &&
        MACHINE !== null &&
        holder.machine === MACHINE &&
        BOOTED_AT !== null &&
        writtenAt < BOOTED_AT;
      return rebooted ? false : undefined;
    }
    if (holder.pidns !== PID_NS) return undefined; // another container on this kernel
  } else if (holder.host !== hostname()) {
    return undefined;
  }
  const start = startTimeOf(holder.pid);
  if (holder.start !== null && BOOT !== null) return start === holder.start; // gone, a zombie, or a reused pid
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === "EPERM"; // another user's live process
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    const orNull = (v: unknown) => (typeof v === "string" ? v : null);
    if (typeof h.host === "string" && Number.isSafeInteger(h.pid) && h.pid! > 0 && typeof h.token === "string") {
      return {
        host: h.host,
        boot: orNull(h.boot),
        pidns: orNull(h.pidns),
        machine: orNull(h.machine),
        pid: h.pid!,
        start: orNull(h.start),
        since: String(h.since),
        token: h.token,
      };
    }
  } catch {
    // not a lock this code wrote: refused by the caller
  }
  return undefined;
}

/** What a lock's name holds: nothing, a file this process may not read, something else, or a lock's text. */
type LockRead =
  { kind: "none" } | { kind: "unreadable" } | { kind: "odd" } | { kind: "text"; text: string; writtenAt: number };

async function readLock(lock: string): Promise<LockRead> {
  try {
    const info = await lstat(lock);
    if (!info.isFile()) return { kind: "odd" }; // a folder, a link, a pipe
    const text = readBoundedFileSync(lock, { maxBytes: MAX_LOCK_BYTES }).toString("utf8");
    return { kind: "text", text, writtenAt: info.mtimeMs };
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return { kind: "none" };
    const cause = (err as { cause?: unknown }).cause;
    return errnoOf(err) === "EACCES" || errnoOf(cause) === "EACCES" || /permission/i.test(String(err))
      ? { kind: "unreadable" }
      : { kind: "odd" };
  }
}
const textOf = (read: LockRead) => (read.kind === "text" ? read.text : undefined);

/**
 * Takes the lock of `file` (`<file>.lock`, beside the file its path resolves to, symbolic links
 * followed) for this process, or refuses (REFUSED) naming the run that holds it. A lock whose
 * holder is gone (killed, crashed, its pid now another process's) is taken over.
 */
export async function lockFile(file: string, what: string): Promise<Release> {
  let target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  // Follow links to the file they name, even one not made yet (a link whose target does not
  // exist names the same journal as that target will): one file, one lock, by any name.
  for (let hops = 0; ; hops++) {
    target = path.join(await realpath(path.dirname(target)), path.basename(target));
    const info = await lstat(target).catch(() => undefined);
    if (info === undefined || !info.isSymbolicLink()) break;
    if (hops >= 40) throw new MedChainError(`${file}: too many symbolic links`, { file });
    target = path.resolve(path.dirname(target), await readlink(target));
  }
  return take(`${target}.lock`, file, what);
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
  return take(path.join(await realpath(dir), ".lock"), dir, what);
}

/** Creates `lock` holding `text` if the name is free: whole (a draft linked into place), flushed. */
async function place(lock: string, text: string, token: string): Promise<boolean> {
  const draft = `${lock}.${token}`;
  const handle = await open(draft, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.datasync(); // a power loss cannot leave an empty lock that refuses every run
  } finally {
    await handle.close();
  }
  try {
    await link(draft, lock);
    return true;
  } catch (err) {
    if (errnoOf(err) === "EEXIST") return false;
    if (!NO_LINKS.has(errnoOf(err) ?? "")) throw err;
    // no hard links here: created exclusively, then written (a crash in between leaves an empty
    // lock, refused as not this program's, naming the file to remove)
    try {
      await writeFile(lock, text, { flag: "wx", mode: 0o600 });
      return true;
    } catch (again) {
      if (errnoOf(again) === "EEXIST") return false;
      throw again;
    }
  } finally {
    await unlink(draft).catch(() => {});
  }
}

/** Takes `lock` for this process; `subject` (what is locked) and `what` (who locks it) name it in a refusal. */
async function take(lock: string, subject: string, what: string): Promise<Release> {
  const mine: LockHolder = {
    host: hostname(),
    boot: BOOT,
    pidns: PID_NS,
    machine: MACHINE,
    pid: process.pid,
    start: startTimeOf(process.pid),
    since: new Date().toISOString(),
    token: randomBytes(16).toString("hex"),
  };
  const text = `${JSON.stringify(mine)}\n`;
  // `certain`: the kernel says the holder runs (same boot and pid namespace, same start time)
  const refuse = (file: string, by: string, certain: boolean) =>
    new MedChainError(
      `${subject}: ${what} is already running on it (${by}); wait for it to end` +
        (certain ? "" : `, or remove ${file} if it is not running`),
      { kind: "REFUSED", file: subject },
    );
  const describe = (read: LockRead, holder: LockHolder | undefined) =>
    holder !== undefined
      ? `process ${holder.pid} on ${holder.host === mine.host ? "this host" : `host ${holder.host}`} since ${holder.since}`
      : read.kind === "unreadable"
        ? `its lock ${lock} is another user's`
        : `its lock ${lock} is not one this program wrote`;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  let waits = 0; // turns spent waiting for a lock being written or taken over by another run
  for (;;) {
    if (await place(lock, text, mine.token)) break;
    const read = await readLock(lock);
    if (read.kind === "none" && waits++ < 50) continue; // given back meanwhile: try again
    const held = textOf(read);
    const holder = held === undefined ? undefined : parseHolder(held);
    if (holder?.token === mine.token) break; // the link landed though it answered EEXIST (NFS resends)
    // a lock being written where hard links are missing (created, then written): read it again
    if (held !== undefined && holder === undefined && Date.now() - (read as { writtenAt: number }).writtenAt < 5_000) {
      if (waits++ < 50) {
        await pause();
        continue;
      }
    }
    const alive = holder === undefined ? undefined : holderAlive(holder, (read as { writtenAt: number }).writtenAt);
    if (alive !== false)
      throw refuse(lock, describe(read, holder), alive === true && holder!.start !== null && BOOT !== null);
    // The holder is gone: remove its lock, holding `.break-<its token>` so that no one else removes
    // it meanwhile. A break file left by a taker killed once it had removed the lock names a token
    // no lock holds any more: it can remove nothing, and stays as litter only.
    const breaker = `${lock}.break-${holder!.token}`;
    if (!(await place(breaker, text, mine.token))) {
      const other = await readLock(breaker);
      const by = textOf(other) === undefined ? undefined : parseHolder(textOf(other)!);
      const taking = by === undefined ? undefined : holderAlive(by, (other as { writtenAt: number }).writtenAt);
      if (other.kind !== "none" && taking !== true) {
        throw refuse(breaker, `a takeover of its stale lock stopped midway: ${describe(other, by)}`, false);
      }
      if (waits++ >= 50) throw refuse(lock, `another run is taking over its stale lock`, false);
      await pause(); // another run is taking it over
      continue;
    }
    try {
      if (textOf(await readLock(lock)) === held) await unlink(lock).catch(() => {});
    } finally {
      await unlink(breaker).catch(() => {});
    }
  }
  return async () => {
    try {
      const now = textOf(await readLock(lock));
      if (now !== undefined && parseHolder(now)?.token === mine.token) await unlink(lock);
    } catch {
      // removed meanwhile, or not removable: the next run finds a lock of a process that is gone
    }
  };
}
