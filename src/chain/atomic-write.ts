import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `text` to `file` so that a crash at any point leaves either the old file or the whole new one,
 * never a torn one: the text goes to a temporary file next to it, is flushed to disk, then renamed
 * over `file` (a rename within one folder is atomic on POSIX file systems).
 */
export async function writeFileAtomic(file: string, text: string, mode = 0o644): Promise<void> {
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
