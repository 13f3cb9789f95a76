/**
 * The verify page in a real browser: Debian's `chromium` driven by `playwright-core`, JavaScript
 * off (the verdict must read without it), the seven scans a patient can make, screenshots in
 * `test-artifacts/resolver/` (CI keeps them), and an axe accessibility check on each page. Skipped
 * with a message when chromium is not installed, unless MEDCHAIN_REQUIRE_BROWSER=1 (`.ci/run` sets
 * it after installing chromium), where a missing browser fails.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import AxeBuilder from "@axe-core/playwright";
import { expect } from "chai";
import { network } from "hardhat";
import { chromium, type Browser, type Page } from "playwright-core";

import { MemberDirectory } from "../../src/consortium/directory.js";
import { toDigitalLink } from "../../src/provenance/gs1/index.js";
import type { LotPlan } from "../../src/provenance/lot.js";
import {
  resolverOptionsOf,
  resolverSettings,
  startResolver,
  type Resolver,
} from "../../src/provenance/resolver/index.js";
import { resolverWorld } from "../../scripts/lib/resolver-world.js";
import { FIXTURE_MEMBER_CODES, GTIN, publishScenario, resolverScenarioFor } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const ARTIFACTS = path.join("test-artifacts", "resolver");
const LAUNCH_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function chromiumPath(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

describe("GS1 Digital Link resolver (browser)", function () {
  this.timeout(120_000);
  const resolverScenario = resolverScenarioFor(ethers, networkHelpers);
  let browser: Browser | undefined;
  let resolver: Resolver | undefined;
  let dataDir = "";
  let fx: Awaited<ReturnType<typeof resolverScenario>>;

  before(async function () {
    const executablePath = chromiumPath();
    if (executablePath === undefined) {
      if (process.env.MEDCHAIN_REQUIRE_BROWSER === "1") {
        throw new Error("MEDCHAIN_REQUIRE_BROWSER=1 but chromium is not installed (apt-get install -y chromium)");
      }
      console.log("    (skipped: chromium is not installed; apt-get install -y chromium runs these tests)");
      this.skip();
    }
    fx = await networkHelpers.loadFixture(resolverScenario);
    dataDir = await mkdtemp(path.join(tmpdir(), "medchain-resolver-"));
    await publishScenario(fx, dataDir);
    resolver = await startResolver({
      provenance: fx.provenance,
      dataDir,
      directory: new MemberDirectory(FIXTURE_MEMBER_CODES),
    });
    browser = await chromium.launch({ executablePath, args: LAUNCH_FLAGS });
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await resolver?.close();
    if (dataDir !== "") await rm(dataDir, { recursive: true, force: true });
  });

  const link = (plan: LotPlan, i: number) =>
    toDigitalLink(
      { gtin: plan.gtin, lot: plan.lot, expiry: plan.expiry, serial: plan.bundle.packs[i]!.serial },
      resolver!.publicBase,
    );

  /** Opens `url` on a phone-sized page without JavaScript; returns the page and the HTTP status. */
  async function scan(url: string, locale = "en-GB"): Promise<{ page: Page; status: number }> {
    const context = await browser!.newContext({
      javaScriptEnabled: false,
      locale,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    const response = await page.goto(url);
    return { page, status: response!.status() };
  }

  /**
   * Saves a screenshot and checks the page has no serious or critical accessibility violation. axe
   * is a script: it runs on the same URL in a context with JavaScript on (the page itself has none).
   */
  async function checkPage(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    const locale = (await page.locator("html").getAttribute("lang")) ?? "en";
    const url = page.url();
    await page.context().close();
    const context = await browser!.newContext({ locale, viewport: { width: 390, height: 844 }, bypassCSP: true });
    const axePage = await context.newPage();
    await axePage.goto(url);
    const results = await new AxeBuilder({ page: axePage }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      serious.map((v) => `${v.id}: ${v.help}`),
      name,
    ).to.deep.equal([]);
    await context.close();
  }

  it("shows a genuine pack as genuine once the patient types the scratch-off code into the form", async function () {
    const { page, status } = await scan(link(fx.plan, 0));
    expect(status).to.equal(200);
    expect(await page.locator("#verdict h1").innerText()).to.include("Lot known");
    await page.fill("#code", fx.plan.bundle.packs[0]!.code.toLowerCase());
    await Promise.all([page.waitForURL(/code=/), page.click("button[type=submit]")]);
    expect(await page.locator("#verdict h1").innerText()).to.include("Genuine");
    expect(await page.locator(".timeline").innerText()).to.include("Made by MFR-1");
    await checkPage(page, "1-genuine");
  });

  it("shows a dispensed pack as already dispensed, likely a clone", async function () {
    const { page } = await scan(`${link(fx.plan, 2)}&code=${fx.plan.bundle.packs[2]!.code}`);
    expect(await page.locator("#verdict h1").innerText()).to.include("Already dispensed");
    expect(await page.locator(".timeline").innerText()).to.include("Dispensed to a patient by PHA-1");
    await checkPage(page, "2-dispensed");
  });

  it("shows a clone (a dispensed pack presented again) with its clone alert, in Chinese for a Chinese phone", async function () {
    const { page } = await scan(`${link(fx.plan, 1)}&code=${fx.plan.bundle.packs[1]!.code}`, "zh-CN");
    expect(await page.locator("html").getAttribute("lang")).to.equal("zh-CN");
    expect(await page.locator("#verdict h1").innerText()).to.include("已发放：疑似仿冒");
    expect(await page.locator(".timeline").innerText()).to.include("仿冒警报");
    await checkPage(page, "3-clone-zh");
  });

  it("shows a recalled lot with its reason and date", async function () {
    const { page } = await scan(link(fx.recalled, 0));
    expect(await page.locator("#verdict h1").innerText()).to.include("Recalled");
    expect(await page.locator(".note").first().innerText()).to.match(/Recalled on .+: contamination\./);
    await checkPage(page, "4-recalled");
  });

  it("shows an expired lot as expired", async function () {
    const { page } = await scan(`${link(fx.expired, 0)}&code=${fx.expired.bundle.packs[0]!.code}`);
    expect(await page.locator("#verdict h1").innerText()).to.include("Expired");
    await checkPage(page, "5-expired");
  });

  it("shows an unknown serial as unknown, with status 404", async function () {
    const { page, status } = await scan(
      `${resolver!.publicBase}/01/${GTIN}/10/${fx.plan.lot}/21/SN9999?code=ABCD-EFGH-JKMN-PQRS`,
    );
    expect(status).to.equal(404);
    expect(await page.locator("#verdict h1").innerText()).to.include("Unknown");
    await checkPage(page, "6-unknown-serial");
  });

  it("explains a malformed link, with status 400, and switches language by its link", async function () {
    const { page, status } = await scan(`${resolver!.publicBase}/01/09506000134353/10/LOT-42/21/SN1000`);
    expect(status).to.equal(400);
    expect(await page.locator("#verdict h1").innerText()).to.include("This is not a valid pack link");
    expect(await page.locator(".detail").innerText()).to.include("check digit");
    await page.click("a.lang");
    expect(await page.locator("#verdict h1").innerText()).to.include("这不是有效的药盒链接");
    await checkPage(page, "7-malformed");
  });

  describe("against the real indexer (Ponder, as npm run indexer)", function () {
    this.timeout(300_000);
    let world: Awaited<ReturnType<typeof resolverWorld>> | undefined;
    let indexed: Resolver | undefined;

    before(async function () {
      if (browser === undefined) this.skip();
      world = await resolverWorld();
      const indexer = await world.startIndexer();
      const settings = resolverSettings({
        MEDCHAIN_RPC_URL: world.node.url,
        MEDCHAIN_PROVENANCE: world.provenanceAddress,
        MEDCHAIN_RESOLVER_DATA: world.dataDir,
        MEDCHAIN_RESOLVER_PORT: "0",
        MEDCHAIN_INDEXER_URL: indexer.url,
      });
      indexed = await startResolver({
        ...(await resolverOptionsOf(settings)),
        directory: new MemberDirectory(FIXTURE_MEMBER_CODES),
      });
    });

    after(async function () {
      await indexed?.close();
      await world?.stop();
    });

    it("shows the clone's timeline from the indexer, with its cases and the lot's recall, not lagging", async function () {
      const { fx } = world!;
      const packLink = (plan: LotPlan, i: number) =>
        toDigitalLink(
          { gtin: plan.gtin, lot: plan.lot, expiry: plan.expiry, serial: plan.bundle.packs[i]!.serial },
          indexed!.publicBase,
        ) + `&code=${plan.bundle.packs[i]!.code}`;
      const { page, status } = await scan(packLink(fx.plan, 1));
      expect(status).to.equal(200);
      expect(await page.locator("#verdict h1").innerText()).to.include("Already dispensed");
      const timeline = await page.locator(".timeline").innerText();
      expect(timeline).to.include("Made by MFR-1").and.include("Clone alert: presented again at HOS-1");
      expect(timeline).to.include("Shipped by MFR-1 to PHA-1 (in case/pallet SSCC");
      expect(timeline).not.to.include("behind the chain");
      await checkPage(page, "8-clone-real-indexer");
      const recalled = await scan(packLink(fx.recalled, 0));
      expect(await recalled.page.locator(".timeline").innerText()).to.include("Lot recalled by MFR-1");
      await recalled.page.context().close();
    });
  });
});
