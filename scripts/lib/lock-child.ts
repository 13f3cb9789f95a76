// A process that takes a lock with lockFile, for the lock's multi-process tests: holds it for
// argv[3] ms, then prints "held <start ms> <end ms>" (epoch ms) and gives it back; prints
// "refused" if the lock was refused. Usage: node --import tsx scripts/lib/lock-child.ts <file> <ms>
import { lockFile } from "../../src/chain/file-lock.js";

const [file, holdMs] = [process.argv[2]!, Number(process.argv[3])];
try {
  const release = await lockFile(file, "a job");
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  const end = Date.now();
  await release();
  console.log(`held ${start} ${end}`);
} catch (err) {
  console.log(`refused ${(err as Error).message}`);
}
