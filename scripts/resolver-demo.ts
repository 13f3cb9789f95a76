// `npm run resolver:demo`: a chain (anvil) with the scan scenario's invented packs, the indexer
// (Ponder) following it, and the resolver in front of both on http://127.0.0.1:8090 (MEDCHAIN_RESOLVER_PORT), so a person can open the verify
// page. Prints the scan URLs (genuine, dispensed, clone, recalled, expired, unknown, malformed);
// Ctrl-C stops both.
import { MemberDirectory } from "../src/consortium/directory.js";
import { toDigitalLink } from "../src/provenance/gs1/index.js";
import type { LotPlan } from "../src/provenance/lot.js";
import { resolverOptionsOf, resolverSettings, startResolver } from "../src/provenance/resolver/index.js";
import { FIXTURE_MEMBER_CODES, GTIN } from "../test/provenance/fixture.js";
import { resolverWorld } from "./lib/resolver-world.js";

const world = await resolverWorld();
console.log("starting the indexer (Ponder) on the chain…");
const indexer = await world.startIndexer();
const settings = resolverSettings({
  MEDCHAIN_INDEXER_URL: indexer.url,
  ...process.env,
  MEDCHAIN_RPC_URL: world.node.url,
  MEDCHAIN_PROVENANCE: world.provenanceAddress,
  MEDCHAIN_RESOLVER_DATA: world.dataDir,
  MEDCHAIN_RESOLVER_PORT: process.env.MEDCHAIN_RESOLVER_PORT ?? "8090",
});
const resolver = await startResolver({
  ...(await resolverOptionsOf(settings)),
  directory: new MemberDirectory(FIXTURE_MEMBER_CODES),
  log: (line) => console.log(line),
});
const { fx } = world;
const url = (plan: LotPlan, i: number, code = true) =>
  toDigitalLink(
    { gtin: plan.gtin, lot: plan.lot, expiry: plan.expiry, serial: plan.bundle.packs[i]!.serial },
    resolver.publicBase,
  ) + (code ? `&code=${plan.bundle.packs[i]!.code}` : "");
console.log(`chain (anvil) at ${world.node.url}; DrugProvenance ${world.provenanceAddress}; indexer at ${indexer.url}`);
console.log(`resolver at ${resolver.url}; open these in a browser (add &lang=zh-CN for Chinese):`);
for (const [what, link] of [
  ["genuine (type the code)", url(fx.plan, 0, false)],
  ["genuine (code in the link)", url(fx.plan, 0)],
  ["dispensed", url(fx.plan, 2)],
  ["clone alert", url(fx.plan, 1)],
  ["recalled lot", url(fx.recalled, 0)],
  ["expired lot", url(fx.expired, 0)],
  ["unknown serial", `${resolver.publicBase}/01/${GTIN}/10/${fx.plan.lot}/21/SN9999?code=ABCD-EFGH-JKMN-PQRS`],
  ["malformed link", `${resolver.publicBase}/01/09506000134353/10/LOT-42`],
] as const) {
  console.log(`  ${what.padEnd(28)} ${link}`);
}
console.log("Ctrl-C stops the resolver, the indexer and the chain.");
await new Promise<void>((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
await resolver.close();
await world.stop();
process.exit(0);
