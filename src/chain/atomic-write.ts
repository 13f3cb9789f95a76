import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Mode of files holding patient data, proofs or their salts: readable and writable by their owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of folders holding such files: no other local account may list or enter them. */
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Creates `folder` (and missing parents) owner-only (`PRIVATE_FOLDER_MODE`); an existing folder keeps
 * its mode (the caller chose it).
 */
export async function makePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
}

/**
 * Writes `text` to `file` so that a crash at any point leaves either the old file or the whole new one,
 * never a torn one: the text goes to a temporary file next to it, is flushed to disk, then renamed
 * over `file` (a rename within one folder is atomic on POSIX file systems). Owner-only by default
 * (`PRIVATE_FILE_MODE`): what the project writes this way is patient data, proofs and reports.
 */
export async function writeFileAtomic(file: string, text: string, mode = PRIVATE_FILE_MODE): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "w", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(temp, file);
}
