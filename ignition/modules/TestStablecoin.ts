import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * TEST ONLY: a worthless, clearly named settlement token (TESTUSD) for local chains, demos and
 * end-to-end runs. A real consortium passes its own stablecoin as `Claims.token`.
 */
export default buildModule("TestStablecoin", (m) => {
  const token = m.contract("TestStablecoin");
  return { token };
});
