import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { configVariable } from "hardhat/config";
import { isHexString } from "ethers";

import { MedChainError } from "../chain/errors.js";
import { memberIdFromCode } from "../consortium/ids.js";

/**
 * A secret from the Hardhat keystore (`npx hardhat keystore set NAME`) or, failing that, the
 * environment variable NAME. Never taken from the command line, so it stays out of shell history.
 */
export async function readSecret(hre: HardhatRuntimeEnvironment, name: string): Promise<string> {
  const value = await hre.hooks.runHandlerChain(
    "configurationVariables",
    "fetchValue",
    [configVariable(name)],
    async (_context, variable) => {
      const env = process.env[variable.name];
      if (env === undefined || env === "") {
        throw new MedChainError(
          `${name} is not set: put it in the keystore (npx hardhat keystore set ${name}) or the environment`,
        );
      }
      return env;
    },
  );
  if (!isHexString(value, 32)) throw new MedChainError(`${name}: must be 32 bytes of hex (0x + 64 digits)`);
  return value;
}

/** A member given as its id (0x + 64 hex digits) or its public registration code. */
export function parseMemberRef(value: string, option: string): string {
  if (value === "") throw new MedChainError(`--${option}: a member id or registration code is required`);
  return isHexString(value, 32) ? value : memberIdFromCode(value);
}
