// The EPCIS import job of the throughput bench (`npm run bench:throughput`): deploys the registry and
// provenance on a node, admits a manufacturer and a distributor with their GS1 prefixes by vote, and
// imports generated documents of invented events through `importEpcis` (the pipelined sender).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { HDNodeWallet, Wallet, type Provider, type Signer } from "ethers";

import { connect, withSigner, type Connection } from "../src/chain/connection.js";
import { memberIdFromCode } from "../src/chain/members.js";
import { admitMember, voteAndExecute } from "../src/consortium/governance.js";
import { metadataCommitment } from "../src/consortium/ids.js";
import { kindMask } from "../src/consortium/kinds.js";
import { Catalog } from "../src/provenance/catalog.js";
import { productsOf, registerProduct } from "../src/provenance/client.js";
import { EPCIS_CONTEXT } from "../src/provenance/epcis/schema.js";
import { importEpcis } from "../src/provenance/epcis/import.js";
import { gs1CheckDigit } from "../src/provenance/gs1/index.js";
import { proposePrefixChange } from "../src/provenance/prefixes.js";
import { DEV_MNEMONIC } from "../scripts/lib/nodes.js";
import { linkedProvenanceFactory, linkedRegistryFactory } from "../scripts/lib/registry.js";

const wallet = (i: number, provider: Provider) =>
  new Wallet(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey, provider);

const GTIN_PREFIX = "9506000";
const SSCC_PREFIX = "0614141";
const MFR_SITE = "urn:epc:id:sgln:9506000.00001.0";
const DST_SITE = "urn:epc:id:sgln:9506000.00002.0";

export interface EpcisWorld {
  conn: Connection;
  gtin: string;
  mfr: Signer;
  dist: Signer;
  distId: string;
  dataDir: string;
}

/** Deploys and sets up a world for the import (about 20 transactions, one at a time). */
export async function epcisWorld(url: string): Promise<EpcisWorld> {
  const base = await connect({ rpcUrl: url });
  const p = base.provider;
  const [certifier, g1, g2, g3] = [0, 1, 2, 3].map((i) => wallet(i, p)) as [Wallet, Wallet, Wallet, Wallet];
  const mfr = wallet(7, p);
  const dist = wallet(8, p);
  const registry = await (
    await linkedRegistryFactory(certifier)
  ).deploy(certifier.address, [g1.address, g2.address, g3.address], 2n, 7n * 86_400n);
  await registry.waitForDeployment();
  const until = BigInt(Math.floor(Date.now() / 1000)) + 365n * 86_400n;
  const ids: Record<string, string> = {};
  for (const [code, kind, account] of [
    ["MFR-0001", "Manufacturer", mfr],
    ["DST-0001", "Distributor", dist],
  ] as const) {
    ids[code] = memberIdFromCode(code);
    await admitMember(
      registry,
      certifier,
      [g1, g2],
      {
        memberId: ids[code]!,
        metadata: metadataCommitment(`${code} registration documents (invented)`),
        kinds: kindMask(kind),
        account: account.address,
        certifiedUntil: until,
      },
      account,
    );
  }
  const provenance = await (await linkedProvenanceFactory(certifier)).deploy(await registry.getAddress());
  await provenance.waitForDeployment();
  const products = await productsOf(provenance);
  for (const prefix of [GTIN_PREFIX, SSCC_PREFIX]) {
    const { proposalId } = await proposePrefixChange(registry.connect(g1), products, "assign", prefix, ids["MFR-0001"]);
    await voteAndExecute(registry, [g1, g2], proposalId);
  }
  void g3;
  const gtin = `0${GTIN_PREFIX}13435`;
  const gtin14 = gtin + gs1CheckDigit(gtin);
  await registerProduct(provenance.connect(mfr), gtin14);
  const conn = await connect({ rpcUrl: url, addresses: { provenance: await provenance.getAddress() } });
  countCalls(conn.provider);
  return {
    conn: withSigner(conn, mfr.connect(conn.provider)),
    gtin: gtin14,
    mfr: mfr.connect(conn.provider),
    dist: dist.connect(conn.provider),
    distId: ids["DST-0001"]!,
    dataDir: await mkdtemp(path.join(tmpdir(), "medchain-bench-epcis-")),
  };
}

/**
 * A document of `events` invented events (a multiple of 4): per group, a lot of 4 packs is
 * commissioned, packed into a case at the line, the case shipped to the distributor and received
 * there. `run` keeps lots and SSCCs apart between documents.
 */
export function epcisDocument(world: EpcisWorld, events: number, run: number): unknown {
  const groups = events / 4;
  const eventList: unknown[] = [];
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  for (let g = 0; g < groups; g++) {
    const lot = `B${run}L${g}`;
    const ref = `3${SSCC_PREFIX}${String(run * 100_000 + g).padStart(9, "0")}`;
    const sscc = ref + gs1CheckDigit(ref);
    const packs = [0, 1, 2, 3].map((k) => `https://id.gs1.org/01/${world.gtin}/21/R${run}G${g}P${k}`);
    const caseUri = `https://id.gs1.org/00/${sscc}`;
    const id = (n: number) =>
      `urn:uuid:00000000-0000-4000-8000-${String(run).padStart(4, "0")}${String(g * 4 + n).padStart(8, "0")}`;
    eventList.push(
      {
        type: "ObjectEvent",
        eventID: id(0),
        eventTime: at(g * 4),
        eventTimeZoneOffset: "+00:00",
        action: "ADD",
        bizStep: "commissioning",
        epcList: packs,
        bizLocation: { id: MFR_SITE },
        ilmd: { "cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": "2030-12-31" },
      },
      {
        type: "AggregationEvent",
        eventID: id(1),
        eventTime: at(g * 4 + 1),
        action: "ADD",
        bizStep: "packing",
        parentID: caseUri,
        childEPCs: packs,
        bizLocation: { id: MFR_SITE },
      },
      {
        type: "ObjectEvent",
        eventID: id(2),
        eventTime: at(g * 4 + 2),
        action: "OBSERVE",
        bizStep: "shipping",
        epcList: [caseUri],
        bizLocation: { id: MFR_SITE },
      },
      {
        type: "ObjectEvent",
        eventID: id(3),
        eventTime: at(g * 4 + 3),
        action: "OBSERVE",
        bizStep: "receiving",
        epcList: [caseUri],
        bizLocation: { id: DST_SITE },
      },
    );
  }
  return {
    "@context": [EPCIS_CONTEXT],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: at(0),
    epcisBody: { eventList },
  };
}

/** JSON-RPC calls by method, counted on a provider (where the time goes). */
export function countCalls(provider: Provider): Map<string, number> {
  const p = provider as unknown as {
    _send: (payload: unknown) => Promise<unknown>;
    medchainCalls?: Map<string, number>;
  };
  if (p.medchainCalls !== undefined) return p.medchainCalls;
  const counts = new Map<string, number>();
  p.medchainCalls = counts;
  const send = p._send.bind(provider);
  p._send = (payload: unknown) => {
    for (const c of Array.isArray(payload) ? payload : [payload]) {
      const m = (c as { method: string }).method;
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    return send(payload);
  };
  return counts;
}

/** Imports one generated document; returns seconds and the JSON-RPC calls made per event. */
export async function importDocument(
  world: EpcisWorld,
  events: number,
  run: number,
  window: number,
): Promise<{
  seconds: number;
  sent: number;
  transactions: number;
  callsPerEvent: number;
  calls: Record<string, number>;
}> {
  const doc = epcisDocument(world, events, run);
  const counts = countCalls(world.conn.provider);
  counts.clear();
  const started = performance.now();
  const result = await importEpcis(world.conn, doc, `bench-${run}.jsonld`, {
    catalog: await Catalog.load(world.dataDir),
    dataDir: world.dataDir,
    journal: path.join(world.dataDir, `bench-${run}.journal`),
    defaultRecipient: world.distId,
    signerFor: (actor) => (actor === DST_SITE ? world.dist : world.mfr),
    window,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.sent !== events) throw new Error(`the EPCIS import sent ${result.sent} of ${events} events`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return {
    seconds,
    sent: result.sent,
    transactions: result.report.transactions,
    callsPerEvent: Math.round((total / events) * 10) / 10,
    calls: Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1])),
  };
}
