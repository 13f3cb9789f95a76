import { expect } from "chai";
import {
  AbstractSigner,
  BaseWallet,
  getBytes,
  hexlify,
  Transaction,
  Wallet,
  type Provider,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import { envelopeOf, signRaw } from "../../src/chain/raw-tx.js";
import { seeded } from "../helpers/random.js";

/** A signer that holds no key of its own: it asks the wallet, as a remote signer would. */
class RemoteSigner extends AbstractSigner {
  constructor(private readonly wallet: BaseWallet) {
    super(null);
  }
  getAddress(): Promise<string> {
    return Promise.resolve(this.wallet.address);
  }
  connect(_provider: Provider | null): RemoteSigner {
    return this;
  }
  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.wallet.signTransaction(tx);
  }
  signMessage(message: string | Uint8Array): Promise<string> {
    return this.wallet.signMessage(message);
  }
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.wallet.signTypedData(domain, types, value);
  }
}

describe("Signing as bytes: the same transactions ethers signs", function () {
  const wallet = Wallet.fromPhrase("test test test test test test test test test test test junk");

  /** A random plain call of type 0 or 2, with edge values (zero, one byte, 32 bytes) drawn often. */
  function randomTx(next: () => number): TransactionRequest {
    const big = (maxBytes: number): bigint => {
      const pick = next();
      if (pick < 0.2) return 0n;
      if (pick < 0.3) return 1n;
      const bytes = Math.ceil(next() * maxBytes);
      return BigInt(hexlify(Uint8Array.from({ length: bytes }, () => Math.floor(next() * 256))));
    };
    const size = next() < 0.2 ? 0 : Math.floor(next() * (next() < 0.5 ? 64 : 6000));
    const data = hexlify(Uint8Array.from({ length: size }, () => Math.floor(next() * 256)));
    const to = hexlify(Uint8Array.from({ length: 20 }, () => Math.floor(next() * 256)));
    const common = {
      to: next() < 0.5 ? to : to.toUpperCase().replace("0X", "0x"),
      data,
      value: big(32),
      nonce: Number(big(6) % BigInt(Number.MAX_SAFE_INTEGER)),
      gasLimit: big(8),
      chainId: [1n, 31337n, 7077n, 2n ** 40n + 7n][Math.floor(next() * 4)]!,
    };
    return next() < 0.5
      ? { ...common, type: 0, gasPrice: big(12) }
      : (() => {
          const maxFeePerGas = big(12);
          return {
            ...common,
            type: 2,
            maxFeePerGas,
            maxPriorityFeePerGas: maxFeePerGas === 0n ? 0n : big(10) % maxFeePerGas,
          };
        })();
  }

  it("gives the bytes and hash of wallet.signTransaction for 300 random calls of type 0 and 2 (seed 0x7478)", async function () {
    const next = seeded(0x7478);
    for (let i = 0; i < 300; i++) {
      const tx = randomTx(next);
      expect(envelopeOf(tx), `transaction ${i} is built as bytes`).to.not.equal(undefined);
      const expected = await wallet.signTransaction(tx);
      const signed = await signRaw(wallet, tx);
      expect(
        signed.raw,
        `transaction ${i}: ${JSON.stringify(tx, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`,
      ).to.equal(expected);
      const parsed = Transaction.from(signed.raw);
      expect(signed.hash).to.equal(parsed.hash);
      expect(parsed.from).to.equal(wallet.address);
    }
  });

  it("leaves any other signer, and transactions it does not build, to the signer's own signTransaction", async function () {
    const remote = new RemoteSigner(wallet);
    const call = { to: wallet.address, data: "0x1234", value: 5n, nonce: 3, gasLimit: 50_000n, chainId: 31337n };
    const cases: TransactionRequest[] = [
      { ...call, type: 2, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n },
      { ...call, type: 2, maxFeePerGas: 10n, accessList: [{ address: wallet.address, storageKeys: [] }] },
      { ...call, type: 1, gasPrice: 10n },
      { ...call, type: 0, gasPrice: 10n, chainId: 0n },
      { ...call, type: 0, gasPrice: 10n, from: wallet.address },
    ];
    expect(envelopeOf(cases[0]!)).to.not.equal(undefined);
    for (const tx of cases.slice(1)) expect(envelopeOf(tx)).to.equal(undefined);
    for (const tx of cases) {
      const expected = await wallet.signTransaction(tx);
      expect((await signRaw(wallet, tx)).raw).to.equal(expected);
      expect((await signRaw(remote, tx)).raw).to.equal(expected);
    }
  });

  it("refuses what ethers refuses (calldata that is not whole bytes of hex, another account's from, a tip over the fee cap) rather than sign something else", async function () {
    const base = { to: wallet.address, nonce: 0, gasLimit: 21_000n, chainId: 1n, type: 2, maxFeePerGas: 1n };
    const refused = [
      { ...base, data: "0x123" },
      { ...base, data: "0xzz" },
      { ...base, data: "1234" },
      { ...base, data: "0x", from: "0x000000000000000000000000000000000000dEaD" },
      { ...base, data: "0x", maxPriorityFeePerGas: 2n },
    ];
    for (const tx of refused) {
      expect(envelopeOf(tx), "ethers signs it, and refuses").to.equal(undefined);
      let ours: unknown;
      let theirs: unknown;
      await signRaw(wallet, tx).catch((err: unknown) => (ours = err));
      await wallet.signTransaction(tx).catch((err: unknown) => (theirs = err));
      expect(
        theirs,
        JSON.stringify(tx, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
      ).to.be.instanceOf(Error);
      expect((ours as Error | undefined)?.message).to.equal((theirs as Error).message);
    }
    expect(getBytes((await signRaw(wallet, { ...base, data: "0xABcd" })).raw)[0]).to.equal(2);
  });
});
