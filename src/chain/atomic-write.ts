import { randomBytes } from "node:crypto";
import { mkdir, open, realpath, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Mode of files holding patient data, proofs or their salts: readable and writable by their owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of files anyone may read (published lot trees and container files). */
export const PUBLIC_FILE_MODE = 0o644;
/** Mode of folders holding such files: no other local account may list or enter them. */
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Creates `folder` (and missing parents) owner-only (`PRIVATE_FOLDER_MODE`); an existing folder keeps
 * its mode (the caller chose it).
 */
export async function makePrivateFolder(folder: string): Promise<void> {
  await makeFolderDurably(folder, PRIVATE_FOLDER_MODE);
}

/** One file for {@link writeFilesAtomic}: its path, its text and its mode (default owner-only). */
export interface FileToWrite {
  file: string;
  text: string;
  mode?: number;
}

/**
 * Writes `text` to `file` so that a crash at any point leaves either the old file or the whole new one,
 * never a torn one: the text goes to a temporary file next to it, is flushed to disk, then renamed
 * over `file` (a rename within one folder is atomic on POSIX file systems) and the folder is flushed
 * too, so the new name survives a power loss. Owner-only by default (`PRIVATE_FILE_MODE`): what the
 * project writes this way is patient data, proofs, reports and the lots' secret codes.
 */
export async function writeFileAtomic(file: string, text: string, mode = PRIVATE_FILE_MODE): Promise<void> {
  await writeFilesAtomic([{ file, text, mode }]);
}

/**
 * Writes several files as {@link writeFileAtomic} writes one, each whole or not at all, with the
 * flushes shared: the temporary files are written and flushed a few at a time, then renamed, then
 * each folder is flushed once. When it returns, every file is on disk under its name.
 */
export async function writeFilesAtomic(files: readonly FileToWrite[], limit = 16): Promise<void> {
  const temps: string[] = files.map(({ file }) =>
    path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`),
  );
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < files.length && failures.length === 0) {
      const i = next++;
      try {
        await writeAndFlush(temps[i]!, files[i]!.text, files[i]!.mode ?? PRIVATE_FILE_MODE);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, files.length)) }, worker));
  if (failures.length > 0) {
    await Promise.all(temps.map((temp) => rm(temp, { force: true })));
    throw failures[0];
  }
  let renamed = 0;
  try {
    for (const [i, { file }] of files.entries()) {
      await rename(temps[i]!, file);
      renamed = i + 1;
    }
  } catch (err) {
    // A failed rename (the target a folder, say): no temporary file left behind, those renamed
    // flushed as far as they can be, and the rename's error is the one reported.
    await Promise.all(temps.slice(renamed).map((temp) => rm(temp, { force: true })));
    for (const folder of new Set(files.slice(0, renamed).map(({ file }) => path.dirname(file)))) {
      await flushFolder(folder).catch(() => {});
    }
    throw err;
  }
  for (const folder of new Set(files.map(({ file }) => path.dirname(file)))) await flushFolder(folder);
}

async function writeAndFlush(temp: string, text: string, mode: number): Promise<void> {
  const handle = await open(temp, "w", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a folder's entries (a rename into it, a folder made in it) to disk. Windows cannot open a
 * folder as a file (its file systems flush renames themselves); a folder that may be written but
 * not read (EACCES) cannot be opened to flush; some file systems refuse to flush a folder (EINVAL,
 * ENOTSUP, EBADF): those alone are passed over, as PostgreSQL passes them over; anything else (EIO)
 * is an error.
 */
export async function flushFolder(folder: string): Promise<void> {
  if (process.platform === "win32") return;
  let handle;
  try {
    handle = await open(folder, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EACCES") return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EBADF") throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Creates `folder` and its missing parents (with `mode` when given) and flushes each new folder's
 * entry in its parent, so the folders a file is then written into survive a power loss as the file
 * does. The new folders are found on disk (`realpath`), not by reading the path, which may hold
 * `..` after a symbolic link.
 */
export async function makeFolderDurably(folder: string, mode?: number): Promise<void> {
  const first = await mkdir(folder, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  if (first === undefined) return; // it was there
  const top = await realpath(first);
  let dir = await realpath(folder);
  for (;;) {
    await flushFolder(path.dirname(dir));
    if (dir === top || path.dirname(dir) === dir) break;
    dir = path.dirname(dir);
  }
}
