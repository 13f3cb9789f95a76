import { Interface, type ErrorFragment, type EventFragment, type InterfaceAbi } from "ethers";

import { factories } from "../../typechain-types/index.js";

/**
 * Every ABI the suite compiles (TypeChain's factories: contracts, interfaces, libraries, mocks),
 * collected once by walking the generated factory namespaces, so a contract added by any module is
 * decoded without a list to keep up to date here.
 */
function collectAbis(node: unknown, out: InterfaceAbi[], seen = new Set<unknown>()): InterfaceAbi[] {
  if (node === null || (typeof node !== "object" && typeof node !== "function") || seen.has(node)) return out;
  seen.add(node);
  const abi = (node as { abi?: unknown }).abi;
  if (typeof node === "function" && Array.isArray(abi)) {
    out.push(abi as InterfaceAbi);
    return out;
  }
  if (typeof node === "object") for (const value of Object.values(node)) collectAbis(value, out, seen);
  return out;
}

let cache: { errors: Map<string, ErrorFragment>; events: Map<string, EventFragment>; iface: Interface } | undefined;

function tables() {
  if (cache !== undefined) return cache;
  const errors = new Map<string, ErrorFragment>();
  const events = new Map<string, EventFragment>();
  for (const abi of collectAbis(factories, [])) {
    // Only errors and events: a library's functions may take contract types (`IConsortiumRegistry`)
    // that are not ABI types, and ethers warns on each such fragment.
    const iface = new Interface(
      (abi as readonly { type?: string }[]).filter(
        (item) => item.type === "error" || item.type === "event",
      ) as InterfaceAbi,
    );
    iface.forEachError((fragment) => errors.set(fragment.selector, fragment));
    iface.forEachEvent((fragment) => events.set(fragment.topicHash, fragment));
  }
  // One interface holding each error and event once: ethers decodes with it (and knows Error/Panic).
  const iface = new Interface([...errors.values(), ...events.values()]);
  cache = { errors, events, iface };
  return cache;
}

/** One ethers `Interface` with every custom error and event of every MedChain contract. */
export function medchainInterface(): Interface {
  return tables().iface;
}

/** The event whose topic hash is `topic`, if a MedChain ABI declares it. */
export function medchainEvent(topic: string): EventFragment | undefined {
  return tables().events.get(topic.toLowerCase());
}

/** The number of distinct custom errors and events known (for tests and diagnostics). */
export function knownAbiCounts(): { errors: number; events: number } {
  const { errors, events } = tables();
  return { errors: errors.size, events: events.size };
}
