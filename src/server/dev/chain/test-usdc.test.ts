import {
  createPublicClient,
  createWalletClient,
  domainSeparator,
  http,
  parseSignature,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anvilAccount } from "./accounts";
import { startAnvil, type AnvilInstance } from "./anvil";
import { testUsdcAbi } from "./artifacts";
import type { Eip3009Authorization, TokenDomain } from "../../payments/chain/eip3009";
import {
  createSignedAuthorization,
  randomAuthorizationNonce,
  signAuthorization,
  signCancelAuthorization,
} from "./eip3009-signing";
import { localViemChain, setupLocalChain, type LocalChain } from "./local-chain";

let anvil: AnvilInstance;
let local: LocalChain;
let token: TokenDomain;
let publicClient: ReturnType<typeof makePublic>;
let relayerWallet: ReturnType<typeof makeWallet>;
let buyer: LocalAccount;
let seller: Address;
let stranger: LocalAccount;

function makePublic(rpcUrl: string) {
  return createPublicClient({
    chain: localViemChain(rpcUrl),
    transport: http(rpcUrl),
    pollingInterval: 50,
  });
}
function makeWallet(rpcUrl: string, key: Hex) {
  return createWalletClient({
    chain: localViemChain(rpcUrl),
    transport: http(rpcUrl),
    account: privateKeyToAccount(key),
    pollingInterval: 50,
  });
}

const now = (): number => Math.floor(Date.now() / 1000);

async function balanceOf(address: Address): Promise<bigint> {
  return publicClient.readContract({
    address: token.address,
    abi: testUsdcAbi,
    functionName: "balanceOf",
    args: [address],
  });
}

async function authorizationState(authorizer: Address, nonce: Hex): Promise<boolean> {
  return publicClient.readContract({
    address: token.address,
    abi: testUsdcAbi,
    functionName: "authorizationState",
    args: [authorizer, nonce],
  });
}

function args(a: Eip3009Authorization) {
  return [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce] as const;
}

/** transferWithAuthorization(..., v, r, s), the overload the x402 facilitator uses for 65-byte signatures. */
async function submitVrs(a: Eip3009Authorization, signature: Hex, wallet = relayerWallet): Promise<Hex> {
  const { v, r, s, yParity } = parseSignature(signature);
  const hash = await wallet.writeContract({
    address: token.address,
    abi: testUsdcAbi,
    functionName: "transferWithAuthorization",
    args: [...args(a), Number(v ?? BigInt(yParity + 27)), r, s],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return hash;
}

/** transferWithAuthorization(..., bytes signature). */
async function submitBytes(a: Eip3009Authorization, signature: Hex): Promise<Hex> {
  const hash = await relayerWallet.writeContract({
    address: token.address,
    abi: testUsdcAbi,
    functionName: "transferWithAuthorization",
    args: [...args(a), signature],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return hash;
}

beforeAll(async () => {
  anvil = await startAnvil();
  local = await setupLocalChain(anvil.rpcUrl);
  token = {
    address: local.usdcAddress,
    name: "USD Coin",
    version: "2",
    chainId: local.chainId,
  };
  publicClient = makePublic(anvil.rpcUrl);
  relayerWallet = makeWallet(anvil.rpcUrl, local.relayer.privateKey);
  buyer = privateKeyToAccount(local.demoBuyer.privateKey);
  seller = anvilAccount(2).address;
  stranger = privateKeyToAccount(anvilAccount(3).privateKey);
});

afterAll(async () => {
  await anvil?.stop();
});

describe("TestUSDC metadata", () => {
  it("looks like USDC: name, symbol, 6 decimals, version 2, EIP-712 domain", async () => {
    const read = <F extends "name" | "symbol" | "version" | "decimals" | "DOMAIN_SEPARATOR" | "owner">(
      functionName: F,
    ) =>
      publicClient.readContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName,
      });
    expect(await read("name")).toBe("USD Coin");
    expect(await read("symbol")).toBe("USDC");
    expect(await read("decimals")).toBe(6);
    expect(await read("version")).toBe("2");
    expect(await read("owner")).toBe(local.deployer.address);
    expect(await read("DOMAIN_SEPARATOR")).toBe(
      domainSeparator({
        domain: {
          name: "USD Coin",
          version: "2",
          chainId: 31337,
          verifyingContract: token.address,
        },
      }),
    );
    const domain = await publicClient.getEip712Domain({
      address: token.address,
    });
    expect(domain.domain).toMatchObject({
      name: "USD Coin",
      version: "2",
      chainId: 31337,
      verifyingContract: token.address,
    });
  });

  it("funds the demo buyer with 1,000 USDC", async () => {
    expect(await balanceOf(local.demoBuyer.address)).toBe(1_000_000_000n);
  });

  it("lets only the owner mint", async () => {
    const strangerWallet = makeWallet(anvil.rpcUrl, anvilAccount(3).privateKey);
    await expect(
      strangerWallet.writeContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "mint",
        args: [stranger.address, 1n],
      }),
    ).rejects.toThrow("Ownable: caller is not the owner");
  });
});

describe("transferWithAuthorization", () => {
  it("works once with (v, r, s), emits AuthorizationUsed, and a replay reverts with USDC's string", async () => {
    const value = 1_250_000n;
    const { authorization, signature } = await createSignedAuthorization(buyer, token, { to: seller, value });
    const [buyerBefore, sellerBefore] = [await balanceOf(buyer.address), await balanceOf(seller)];
    expect(await authorizationState(buyer.address, authorization.nonce)).toBe(false);

    const hash = await submitVrs(authorization, signature);
    const receipt = await publicClient.getTransactionReceipt({ hash });
    const events = receipt.logs.map((l) => l.topics[0]);
    expect(events.length).toBe(2); // AuthorizationUsed + Transfer

    expect(await balanceOf(buyer.address)).toBe(buyerBefore - value);
    expect(await balanceOf(seller)).toBe(sellerBefore + value);
    expect(await authorizationState(buyer.address, authorization.nonce)).toBe(true);

    await expect(submitVrs(authorization, signature)).rejects.toThrow("FiatTokenV2: authorization is used or canceled");
    await expect(submitBytes(authorization, signature)).rejects.toThrow(
      "FiatTokenV2: authorization is used or canceled",
    );
    expect(await balanceOf(seller)).toBe(sellerBefore + value);
  });

  it("works with the bytes-signature overload", async () => {
    const { authorization, signature } = await createSignedAuthorization(buyer, token, { to: seller, value: 10n });
    const before = await balanceOf(seller);
    await submitBytes(authorization, signature);
    expect(await balanceOf(seller)).toBe(before + 10n);
  });

  it("reverts when expired", async () => {
    const { authorization, signature } = await createSignedAuthorization(buyer, token, {
      to: seller,
      value: 1n,
      validBefore: String(now() - 1),
    });
    await expect(submitVrs(authorization, signature)).rejects.toThrow("FiatTokenV2: authorization is expired");
  });

  it("reverts when not yet valid", async () => {
    const { authorization, signature } = await createSignedAuthorization(buyer, token, {
      to: seller,
      value: 1n,
      validAfter: String(now() + 3600),
    });
    await expect(submitVrs(authorization, signature)).rejects.toThrow("FiatTokenV2: authorization is not yet valid");
  });

  it("reverts when signed by someone other than `from`", async () => {
    const nonce = randomAuthorizationNonce();
    const authorization: Eip3009Authorization = {
      from: buyer.address,
      to: stranger.address,
      value: "1000000",
      validAfter: "0",
      validBefore: String(now() + 300),
      nonce,
    };
    const forged = await signAuthorization(stranger, token, authorization);
    await expect(submitVrs(authorization, forged)).rejects.toThrow("FiatTokenV2: invalid signature");
    await expect(submitBytes(authorization, forged)).rejects.toThrow("FiatTokenV2: invalid signature");
    expect(await authorizationState(buyer.address, nonce)).toBe(false);
  });

  it("reverts when a signed field is altered (amount raised)", async () => {
    const { authorization, signature } = await createSignedAuthorization(buyer, token, { to: seller, value: 1n });
    await expect(submitVrs({ ...authorization, value: "1000000" }, signature)).rejects.toThrow(
      "FiatTokenV2: invalid signature",
    );
  });

  it("reverts when signed for another domain (wrong name)", async () => {
    const { authorization, signature } = await createSignedAuthorization(
      buyer,
      { ...token, name: "USDC" },
      { to: seller, value: 1n },
    );
    await expect(submitVrs(authorization, signature)).rejects.toThrow("FiatTokenV2: invalid signature");
  });

  it("rejects malformed signatures with ECRecover's messages", async () => {
    const { authorization, signature } = await createSignedAuthorization(buyer, token, { to: seller, value: 1n });
    await expect(submitBytes(authorization, signature.slice(0, -2) as Hex)).rejects.toThrow(
      "ECRecover: invalid signature length",
    );
    const badV = `${signature.slice(0, -2)}05` as Hex;
    await expect(submitBytes(authorization, badV)).rejects.toThrow("ECRecover: invalid signature 'v' value");
    // high-s (malleable) form of the same signature
    const { r, s, yParity } = parseSignature(signature);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = (n - BigInt(s)).toString(16).padStart(64, "0");
    const flippedV = yParity === 0 ? "1c" : "1b";
    await expect(submitBytes(authorization, `${r}${highS}${flippedV}` as Hex)).rejects.toThrow(
      "ECRecover: invalid signature 's' value",
    );
  });

  it("reverts when the payer's balance is insufficient, leaving the authorization unused", async () => {
    const poor = privateKeyToAccount(anvilAccount(4).privateKey);
    expect(await balanceOf(poor.address)).toBe(0n);
    const { authorization, signature } = await createSignedAuthorization(poor, token, { to: seller, value: 5n });
    await expect(submitVrs(authorization, signature)).rejects.toThrow("ERC20: transfer amount exceeds balance");
    expect(await authorizationState(poor.address, authorization.nonce)).toBe(false);
  });
});

describe("receiveWithAuthorization and cancelAuthorization", () => {
  it("receiveWithAuthorization must be called by the payee", async () => {
    const payee = anvilAccount(5);
    const authorization: Eip3009Authorization = {
      from: buyer.address,
      to: payee.address,
      value: "7",
      validAfter: "0",
      validBefore: String(now() + 300),
      nonce: randomAuthorizationNonce(),
    };
    const signature = await signAuthorization(buyer, token, authorization, "receive");
    await expect(
      relayerWallet.writeContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "receiveWithAuthorization",
        args: [...args(authorization), signature],
      }),
    ).rejects.toThrow("FiatTokenV2: caller must be the payee");

    const payeeWallet = makeWallet(anvil.rpcUrl, payee.privateKey);
    const hash = await payeeWallet.writeContract({
      address: token.address,
      abi: testUsdcAbi,
      functionName: "receiveWithAuthorization",
      args: [...args(authorization), signature],
    });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await balanceOf(payee.address)).toBe(7n);
    // a TransferWithAuthorization signature is not a ReceiveWithAuthorization one
    const other = await createSignedAuthorization(buyer, token, {
      to: payee.address,
      value: 1n,
    });
    await expect(
      payeeWallet.writeContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "receiveWithAuthorization",
        args: [...args(other.authorization), other.signature],
      }),
    ).rejects.toThrow("FiatTokenV2: invalid signature");
  });

  it("a canceled authorization cannot be used", async () => {
    const { authorization, signature } = await createSignedAuthorization(buyer, token, { to: seller, value: 3n });
    const cancelSig = await signCancelAuthorization(buyer, token, authorization.nonce);
    const forgedCancel = await signCancelAuthorization(stranger, token, authorization.nonce);
    await expect(
      relayerWallet.writeContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "cancelAuthorization",
        args: [buyer.address, authorization.nonce, forgedCancel],
      }),
    ).rejects.toThrow("FiatTokenV2: invalid signature");

    const { v, r, s } = parseSignature(cancelSig);
    const hash = await relayerWallet.writeContract({
      address: token.address,
      abi: testUsdcAbi,
      functionName: "cancelAuthorization",
      args: [buyer.address, authorization.nonce, Number(v), r, s],
    });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await authorizationState(buyer.address, authorization.nonce)).toBe(true);
    await expect(submitVrs(authorization, signature)).rejects.toThrow("FiatTokenV2: authorization is used or canceled");
  });
});

describe("plain ERC-20", () => {
  it("transfer, approve and transferFrom with USDC's revert strings", async () => {
    const buyerWallet = makeWallet(anvil.rpcUrl, local.demoBuyer.privateKey);
    const poorWallet = makeWallet(anvil.rpcUrl, anvilAccount(6).privateKey);
    await expect(
      poorWallet.writeContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "transfer",
        args: [seller, 1n],
      }),
    ).rejects.toThrow("ERC20: transfer amount exceeds balance");

    let hash = await buyerWallet.writeContract({
      address: token.address,
      abi: testUsdcAbi,
      functionName: "approve",
      args: [stranger.address, 100n],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    const strangerWallet = makeWallet(anvil.rpcUrl, anvilAccount(3).privateKey);
    await expect(
      strangerWallet.writeContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "transferFrom",
        args: [buyer.address, stranger.address, 101n],
      }),
    ).rejects.toThrow("ERC20: transfer amount exceeds allowance");
    hash = await strangerWallet.writeContract({
      address: token.address,
      abi: testUsdcAbi,
      functionName: "transferFrom",
      args: [buyer.address, stranger.address, 100n],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    expect(await balanceOf(stranger.address)).toBe(100n);
    expect(
      await publicClient.readContract({
        address: token.address,
        abi: testUsdcAbi,
        functionName: "allowance",
        args: [buyer.address, stranger.address],
      }),
    ).toBe(0n);
  });
});
