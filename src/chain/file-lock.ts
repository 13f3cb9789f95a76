/**
 * One process at a time on a file or folder: a batch job holds `<journal>.lock` while it runs, and
 * the provenance commands hold `<data>/.lock`, so two runs (a cron import and an operator's re-run)
 * cannot interleave a journal's lines or write one data directory at once.
 *
 * Written here rather than taken from `proper-lockfile`: that package calls a lock stale when the
 * mtime it refreshes on a timer is older than its stale period. A run killed with SIGKILL then
 * blocks the re-run for that period (at least 2 s, 10 s by default), and a live holder whose event
 * loop is busy for longer (a million records read and hashed) is declared stale and loses its lock.
 * Node has no `flock`. Here the lock names its holder by host, machine id, boot id, pid namespace,
 * pid and process start time, and is stale exactly when that process is gone, which the kernel
 * tells when the holder ran under the same boot and pid namespace (or before this machine's last
 * boot). Any other holder (another machine, another container, a sandbox) cannot be checked: its
 * lock is refused, naming the file to remove.
 *
 * Taking over a stale lock is serialised by a mutex named after it, `<lock>.break-<its token>`:
 * only its holder removes the lock, and only if it still holds the stale text it read (while the
 * mutex is held nobody else removes it, so the name cannot change to a live lock in between).
 */
import { randomBytes } from "node:crypto";
import { constants, readFileSync, readlinkSync } from "node:fs";
import { link, lstat, mkdir, open, readlink, realpath, stat, unlink, writeFile } from "node:fs/promises";
import { hostname, uptime } from "node:os";
import path from "node:path";

import { makeFolderDurably } from "./atomic-write.js";
import { MedChainError } from "./errors.js";

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
  /** The holder's platform (`process.platform`), or null (a lock of an earlier format). */
  os: string | null;
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

/** Runs `work` holding the lock `taking` takes, giving it back however `work` ends. */
export async function whileHolding<T>(taking: Promise<Release>, work: () => Promise<T>): Promise<T> {
  const release = await taking;
  try {
    return await work();
  } finally {
    await release();
  }
}

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

/**
 * A process's start time from /proc (field 22 of its stat line); "gone" for a process that is not
 * there (or a zombie, or dead); undefined when /proc cannot tell (not this process's, unreadable).
 */
function startTimeOf(pid: number): string | undefined {
  if (!OWN_PROC) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    return errnoOf(err) === "ENOENT" || errnoOf(err) === "ESRCH" ? "gone" : undefined;
  }
  // "pid (name) state ppid ...": the name may hold spaces and parentheses
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" || fields[0] === "X" ? "gone" : fields[19];
}

/** Whether /proc is this process's (a sandbox may show the host's /proc, whose pids are not ours). */
const OWN_PROC = readOr("/proc/self", readlinkSync) === String(process.pid);
const BOOT = OWN_PROC ? readOr("/proc/sys/kernel/random/boot_id", (f) => readFileSync(f, "utf8")) : null;
const PID_NS = OWN_PROC ? readOr("/proc/self/ns/pid", readlinkSync) : null;
/**
 * The machine's id (systemd's or D-Bus's machine-id: 32 hex digits; an empty or "uninitialized"
 * one, as images often ship, is none): a reboot keeps it, another machine has its own.
 */
const MACHINE =
  ["/etc/machine-id", "/var/lib/dbus/machine-id"]
    .map((f) => readOr(f, (file) => readFileSync(file, "utf8")))
    .find((id) => id !== null && /^[0-9a-f]{32}$/.test(id)) ?? null;
/** When this boot began (ms since the epoch): /proc/stat's btime, else the clock less the uptime. */
const BOOTED_AT = ((): number => {
  const line = /^btime (\d+)$/m.exec(readOr("/proc/stat", (f) => readFileSync(f, "utf8")) ?? "");
  return OWN_PROC && line !== null ? Number(line[1]) * 1000 : Date.now() - uptime() * 1000;
})();

/**
 * Whether the holder still runs: true or false where this process can tell, undefined where it
 * cannot (another machine, another pid namespace or a sandbox's /proc on this one, an unreadable
 * /proc entry). Pids are compared only within one boot and one pid namespace on Linux.
 */
function holderAlive(holder: LockHolder, writtenAt: number): boolean | undefined {
  if (process.platform === "linux" || holder.os !== "darwin") {
    if (BOOT === null || holder.boot === null || PID_NS === null || holder.pidns === null) return undefined;
    if (holder.boot !== BOOT) {
      // A boot of this machine before this one (same name and machine id, written before this boot
      // began), or another machine sharing the folder, whose processes cannot be seen from here.
      const rebooted =
        holder.host === hostname() && MACHINE !== null && holder.machine === MACHINE && writtenAt < BOOTED_AT;
      return rebooted ? false : undefined;
    }
    if (holder.pidns !== PID_NS || holder.start === null) return undefined; // another container on this kernel
    const start = startTimeOf(holder.pid);
    return start === undefined ? undefined : start === holder.start; // gone, a zombie, or a reused pid
  }
  // macOS (no /proc): the pid alone, on the same host
  if (holder.host !== hostname() || process.platform !== "darwin") return undefined;
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
        os: orNull(h.os),
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
  let handle;
  try {
    // not following a link, not waiting on a pipe
    handle = await open(lock, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoOf(err);
    return code === "ENOENT" ? { kind: "none" } : code === "EACCES" ? { kind: "unreadable" } : { kind: "odd" };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_LOCK_BYTES) return { kind: "odd" }; // a folder, a pipe, too large
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_LOCK_BYTES) return { kind: "odd" };
    return { kind: "text", text: buffer.subarray(0, bytesRead).toString("utf8"), writtenAt: info.mtimeMs };
  } catch {
    return { kind: "odd" };
  } finally {
    await handle.close();
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

/**
 * Removes `file` if it still holds `text` (a stale lock), holding `<file>.break-<token>` so that no
 * one else removes it meanwhile: while that is held the name cannot change to a live lock between
 * the check and the removal. False if another process holds that mutex.
 */
async function removeStale(file: string, text: string, token: string, mine: string, myToken: string): Promise<boolean> {
  const mutex = `${file}.break-${token}`;
  if (!(await place(mutex, mine, myToken))) {
    const held = textOf(await readLock(mutex));
    if (held === undefined || parseHolder(held)?.token !== myToken) return false;
  }
  try {
    if (textOf(await readLock(file)) === text) {
      await unlink(file).catch((err: unknown) => {
        if (errnoOf(err) !== "ENOENT") {
          throw new MedChainError(
            `${file}: cannot remove this stale lock (${errnoOf(err) ?? String(err)}); remove it by hand`,
            {
              kind: "REFUSED",
              file,
            },
          );
        }
      });
    }
  } finally {
    await unlink(mutex).catch(() => {});
  }
  return true;
}

/** Takes `lock` for this process; `subject` (what is locked) and `what` (who locks it) name it in a refusal. */
async function take(lock: string, subject: string, what: string): Promise<Release> {
  const mine: LockHolder = {
    host: hostname(),
    boot: BOOT,
    pidns: PID_NS,
    machine: MACHINE,
    os: process.platform,
    pid: process.pid,
    start: startTimeOf(process.pid) ?? null,
    since: new Date().toISOString(),
    token: randomBytes(16).toString("hex"),
  };
  const text = `${JSON.stringify(mine)}\n`;
  const refuse = (by: string, advice: string) =>
    new MedChainError(`${subject}: ${what} is already running on it (${by}); ${advice}`, {
      kind: "REFUSED",
      file: subject,
    });
  const removeIfIdle = (file: string) => `wait for it to end, or remove ${file} if it is not running`;
  const describe = (file: string, read: LockRead, holder: LockHolder | undefined) =>
    holder !== undefined
      ? `process ${holder.pid} on ${holder.host === mine.host ? "this host" : `host ${holder.host}`} since ${holder.since}`
      : read.kind === "unreadable"
        ? `its lock ${file} is another user's`
        : `its lock ${file} is not one this program wrote`;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  // Every turn of the loop counts: a lock that keeps changing ends in a refusal, never a spin.
  for (let turn = 0; ; turn++) {
    if (turn >= 100) throw refuse(`its lock ${lock} kept changing`, "run again");
    if (await place(lock, text, mine.token)) break;
    const read = await readLock(lock);
    if (read.kind === "none") continue; // given back meanwhile: try again
    if (read.kind !== "text") throw refuse(describe(lock, read, undefined), removeIfIdle(lock));
    const holder = parseHolder(read.text);
    if (holder?.token === mine.token) break; // the link landed though it answered EEXIST (NFS resends)
    if (holder === undefined) {
      // a lock being written where hard links are missing (created, then written): read it again
      if (Date.now() - read.writtenAt < 5_000 && turn < 50) {
        await pause();
        continue;
      }
      throw refuse(describe(lock, read, undefined), removeIfIdle(lock));
    }
    const alive = holderAlive(holder, read.writtenAt);
    if (alive === true) throw refuse(describe(lock, read, holder), "wait for it to end");
    if (alive === undefined) throw refuse(describe(lock, read, holder), removeIfIdle(lock));
    // The holder is gone: remove its lock, one taker at a time.
    if (await removeStale(lock, read.text, holder.token, text, mine.token)) continue;
    // Another run is removing it, or one that was killed doing so left its mutex behind.
    const mutex = `${lock}.break-${holder.token}`;
    const other = await readLock(mutex);
    const taker = other.kind === "text" ? parseHolder(other.text) : undefined;
    if (other.kind === "text" && taker !== undefined && holderAlive(taker, other.writtenAt) === false) {
      await removeStale(mutex, other.text, taker.token, text, mine.token); // that taker is gone too
      continue;
    }
    if (other.kind !== "none" && taker === undefined && other.kind !== "text") {
      throw refuse(
        `the takeover of its stale lock left ${mutex}, which is not one this program wrote`,
        removeIfIdle(mutex),
      );
    }
    await pause(); // another run is taking it over
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
