import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
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
  await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
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
  for (const [i, { file }] of files.entries()) await rename(temps[i]!, file);
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

/** Flushes a folder's entries (a rename into it) to disk; where folders cannot be opened, nothing. */
async function flushFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, "r");
  } catch {
    return; // e.g. Windows: a folder is no file to open; its renames are flushed by the file system
  }
  try {
    await handle.sync();
  } catch {
    // some file systems refuse fsync on a folder (EINVAL): the rename stands, only not flushed
  } finally {
    await handle.close();
  }
}
