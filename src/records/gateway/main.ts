#!/usr/bin/env node
// The record gateway from plain Node, without Hardhat: the package's `medchain-records-gateway`
// command (settings from the environment, see settings.ts):
//
//   MEDCHAIN_RPC_URL=https://rpc.consortium.example MEDCHAIN_GATEWAY_KEY=0x… MEDCHAIN_RECORDS=0x… \
//   MEDCHAIN_GATEWAY_RECORDS=exports/2026-03-02 npx medchain-records-gateway
//
// Prints one line when it listens, then one line per request (never record contents); stops on
// SIGINT or SIGTERM. A failure is one `error: …` line and the chain layer's exit code for its kind.
import { toMedChainError } from "../../chain/errors.js";
import { startGateway } from "./server.js";
import { gatewayOptionsOf, gatewaySettings } from "./settings.js";

try {
  const options = await gatewayOptionsOf(gatewaySettings(process.env));
  const gateway = await startGateway({ ...options, log: (line) => console.log(line) });
  for (const line of gateway.skipped) console.log(`not served: ${line}`);
  console.log(`gateway for ${gateway.custodian} listening at ${gateway.url}: ${gateway.source.description}`);
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (err) {
  const error = toMedChainError(err);
  console.error(`error: ${error.message}`);
  process.exit(error.exitCode);
}
