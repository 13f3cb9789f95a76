// The record gateway from plain Node, without the Hardhat runtime (settings from the environment:
// see src/records/gateway/settings.ts):
//
//   MEDCHAIN_RPC_URL=https://rpc.consortium.example MEDCHAIN_GATEWAY_KEY=0x… MEDCHAIN_RECORDS=0x… \
//   MEDCHAIN_GATEWAY_RECORDS=exports/2026-03-02 npx tsx scripts/records-gateway.ts
//
// Prints one line when it listens, then one line per request (never record contents); stops on
// SIGINT or SIGTERM.
import { gatewayOptionsOf, gatewaySettings } from "../src/records/gateway/settings.js";
import { startGateway } from "../src/records/gateway/server.js";

try {
  const options = await gatewayOptionsOf(gatewaySettings(process.env));
  const gateway = await startGateway({ ...options, log: (line) => console.log(line) });
  for (const line of gateway.skipped) console.log(`not served: ${line}`);
  console.log(`gateway for ${gateway.custodian} listening at ${gateway.url}: ${gateway.source.description}`);
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
