import type { Interface, Provider, TransactionReceipt } from "ethers";

/** A decoded contract custom error: its name and arguments by name. */
export interface ChainRevert {
  name: string;
  args: Record<string, unknown>;
}

function findRevertData(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== "object" || depth > 6) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8}/.test(e.data)) return e.data;
  for (const key of ["error", "info", "cause", "data", "revert"]) {
    const found = findRevertData(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The custom error an ethers call or estimate reverted with, decoded with `iface`; undefined if none. */
export function revertOf(err: unknown, iface: Interface): ChainRevert | undefined {
  const data = findRevertData(err);
  if (data === undefined) return undefined;
  try {
    const parsed = iface.parseError(data);
    if (parsed === null) return { name: "", args: {} };
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name || `arg${i}`] = parsed.args[i]));
    return { name: parsed.name, args };
  } catch {
    return { name: "", args: {} };
  }
}

/** The first line of an error's message, for logs. */
export function messageOf(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown } | null;
  if (typeof e?.shortMessage === "string") return e.shortMessage;
  if (typeof e?.message === "string") return e.message.split("\n")[0]!;
  return String(err);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls for a transaction's receipt every `pollMs` until `timeoutMs` (node errors while waiting are
 * retried); undefined when none showed in time. ethers' own wait polls every 4 s on a remote node.
 */
export async function pollReceipt(
  provider: Provider,
  hash: string,
  timeoutMs: number,
  pollMs: number,
): Promise<TransactionReceipt | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt !== null) return receipt;
    } catch {
      // the node is down or busy: keep asking until the timeout
    }
    if (Date.now() >= until) return undefined;
    await sleep(pollMs);
  }
}
