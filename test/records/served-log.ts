import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { ServedLog } from "../../src/records/gateway/index.js";

describe("Records gateway: the served log", function () {
  it("keeps a request begun but not served open to a retry after a restart, and a served one closed", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "medchain-served-"));
    try {
      const log = await ServedLog.open(dir, 3600, 1_000n);
      await log.begin("0xAA", 2_000n); // audit sent, answer lost
      await log.begin("0xbb", 2_000n);
      await log.record("0xbb", 2_000n); // served
      const reopened = await ServedLog.open(dir, 3600, 1_100n);
      expect([reopened.began("0xaa"), reopened.has("0xaa")]).to.deep.equal([true, false]);
      expect([reopened.began("0xbb"), reopened.has("0xbb")]).to.deep.equal([true, true]);
      // Another instance (its own state folder) began neither: it refuses their used nonces as replays.
      const other = await ServedLog.open(path.join(dir, "other"), 3600, 1_100n);
      expect([other.began("0xaa"), other.began("0xbb")]).to.deep.equal([false, false]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
