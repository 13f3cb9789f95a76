#!/usr/bin/env node
// The GS1 Digital Link resolver from plain Node, without Hardhat: the package's `medchain-resolver`
// command (settings from the environment, see settings.ts):
//
//   MEDCHAIN_RPC_URL=https://rpc.consortium.example MEDCHAIN_PROVENANCE=0x… \
//   MEDCHAIN_RESOLVER_BASE=https://verify.example.org MEDCHAIN_RESOLVER_DATA=provenance-data npx medchain-resolver
//
// Prints one line when it listens; stops on SIGINT or SIGTERM. A failure is one `error: …` line and
// the chain layer's exit code for its kind.
import { toMedChainError } from "../../chain/errors.js";
import { startResolver } from "./server.js";
import { resolverOptionsOf, resolverSettings } from "./settings.js";

try {
  const options = await resolverOptionsOf(resolverSettings(process.env));
  const resolver = await startResolver({ ...options, log: (line) => console.log(line) });
  console.log(`resolver listening at ${resolver.url}, answering links of ${resolver.publicBase}`);
  const stop = () => void resolver.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (err) {
  const error = toMedChainError(err);
  console.error(`error: ${error.message}`);
  process.exit(error.exitCode);
}
