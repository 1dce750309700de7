import type { Wallet } from "@rainbow-me/rainbowkit";
import {
  createWalletClient,
  getAddress,
  http,
  numberToHex,
  SwitchChainError,
  type Address,
  type Chain,
  type EIP1193RequestFn,
  type Hex,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createConnector } from "wagmi";

/**
 * The embedded default's "Demo wallet" (and "Demo seller"): a wagmi connector around a viem local
 * account whose (public, test-only) key the server hands out through the
 * `demo.wallet` query, only when it runs its own embedded chain. Unlike wagmi's
 * `mock` connector it really signs: messages (SIWE) and EIP-712 typed data
 * (x402 USDC authorizations), with no wallet extension and no prompt.
 */
export interface DemoWalletInfo {
  privateKey: Hex;
  chainId: number;
  rpcUrl?: string;
  /** The demo node's seller ("Demo seller"), where the server offers it. */
  seller?: { privateKey: Hex };
}

/** One of the demo's identities in the connect dialog. */
export interface DemoIdentity {
  id: string;
  name: string;
  shortName: string;
  privateKey: Hex;
  color: string;
}

export const DEMO_CONNECTOR_ID = "demo";
export const DEMO_SELLER_CONNECTOR_ID = "demo-seller";

/** The buyer ("Demo wallet"), and the seller of the demo node ("Demo seller") when offered. */
export function demoIdentities(info: DemoWalletInfo): DemoIdentity[] {
  const buyer = { id: DEMO_CONNECTOR_ID, name: "Demo wallet", shortName: "Demo", color: "#4f46e5" };
  const seller = { id: DEMO_SELLER_CONNECTOR_ID, name: "Demo seller", shortName: "Seller", color: "#0f766e" };
  return [
    { ...buyer, privateKey: info.privateKey },
    ...(info.seller ? [{ ...seller, privateKey: info.seller.privateKey }] : []),
  ];
}

/** Whether this identity was connected (so a reload reconnects it), per identity. */
function storageFor(id: string) {
  const key = id === DEMO_CONNECTOR_ID ? "computeswarm.demoWallet.connected" : `computeswarm.${id}.connected`;
  return {
    get: () => (typeof window === "undefined" ? null : window.localStorage.getItem(key)),
    set: (on: boolean) => {
      if (typeof window === "undefined") return;
      if (on) window.localStorage.setItem(key, "1");
      else window.localStorage.removeItem(key);
    },
  };
}

/** eth_signTypedData_v4 sends uint values as strings: turn them back into bigints for viem. */
function reviveTypedData(raw: string): TypedDataDefinition {
  const data = JSON.parse(raw) as {
    domain?: Record<string, unknown>;
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
    message: Record<string, unknown>;
  };
  const revive = (type: string, value: unknown): unknown => {
    if (type.endsWith("]") && Array.isArray(value)) {
      const inner = type.slice(0, type.lastIndexOf("["));
      return value.map((v) => revive(inner, v));
    }
    if (/^u?int\d*$/.test(type) && (typeof value === "string" || typeof value === "number")) return BigInt(value);
    const fields = data.types[type];
    if (fields && value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f.name] = revive(f.type, (value as Record<string, unknown>)[f.name]);
      return out;
    }
    return value;
  };
  const { EIP712Domain: _domainType, ...types } = data.types;
  const domain = data.domain ? { ...data.domain } : undefined;
  if (domain && typeof domain.chainId === "string") domain.chainId = Number(domain.chainId);
  return {
    domain,
    types,
    primaryType: data.primaryType,
    message: revive(data.primaryType, data.message) as Record<string, unknown>,
  } as unknown as TypedDataDefinition;
}

export function demoConnector(info: DemoWalletInfo, identity: DemoIdentity = demoIdentities(info)[0]!) {
  const account = privateKeyToAccount(identity.privateKey);
  const storage = storageFor(identity.id);
  return createConnector((config) => {
    const chainOf = (): Chain => {
      const chain = config.chains.find((c) => c.id === info.chainId);
      if (!chain) throw new Error(`The demo wallet's chain ${info.chainId} is not configured.`);
      return chain;
    };
    const transport = () => http(info.rpcUrl)({ chain: chainOf(), retryCount: 0 });

    const request: EIP1193RequestFn = async ({ method, params }) => {
      const p = (params ?? []) as unknown[];
      switch (method) {
        case "eth_accounts":
        case "eth_requestAccounts":
          return [account.address] as never;
        case "eth_chainId":
          return numberToHex(info.chainId) as never;
        case "personal_sign":
          return (await account.signMessage({ message: { raw: p[0] as Hex } })) as never;
        case "eth_signTypedData_v4":
          return (await account.signTypedData(reviveTypedData(p[1] as string))) as never;
        case "wallet_switchEthereumChain": {
          const wanted = Number((p[0] as { chainId: string }).chainId);
          if (wanted !== info.chainId)
            throw new SwitchChainError(new Error("The demo wallet only works on the local demo chain."));
          return null as never;
        }
        default:
          // Reads (balances, blocks) go to the embedded chain's RPC.
          return transport().request({ method, params } as never) as never;
      }
    };
    const provider = { request, on: () => {}, removeListener: () => {} };

    return {
      id: identity.id,
      name: identity.name,
      type: "demo",
      async connect(_params?: { chainId?: number; isReconnecting?: boolean }) {
        storage.set(true);
        return { accounts: [account.address] as readonly Address[], chainId: info.chainId } as never;
      },
      async disconnect() {
        storage.set(false);
      },
      async getAccounts() {
        return [account.address];
      },
      async getChainId() {
        return info.chainId;
      },
      async getProvider() {
        return provider;
      },
      async getClient() {
        return createWalletClient({ account, chain: chainOf(), transport: http(info.rpcUrl) });
      },
      async isAuthorized() {
        return storage.get() === "1";
      },
      async switchChain({ chainId }: { chainId: number }) {
        if (chainId !== info.chainId) {
          throw new SwitchChainError(new Error("The demo wallet only works on the local demo chain."));
        }
        return chainOf();
      },
      onAccountsChanged(accounts: string[]) {
        config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chainId: string) {
        config.emitter.emit("change", { chainId: Number(chainId) });
      },
      onDisconnect() {
        storage.set(false);
        config.emitter.emit("disconnect");
      },
    };
  });
}

function demoIcon(color: string): string {
  return `data:image/svg+xml,${encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28"><rect width="28" height="28" rx="6" fill="${color}"/><path d="M8 10.5h12a1.5 1.5 0 0 1 1.5 1.5v7a1.5 1.5 0 0 1-1.5 1.5H8A1.5 1.5 0 0 1 6.5 19v-8.5A2 2 0 0 1 8.5 8.5H18" fill="none" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/><circle cx="18" cy="15.5" r="1.4" fill="#fff"/></svg>`,
  )}`;
}

/** A demo identity as a RainbowKit wallet, shown in the connect dialog. */
export function demoRainbowWallet(info: DemoWalletInfo, identity: DemoIdentity = demoIdentities(info)[0]!): Wallet {
  return {
    id: identity.id,
    name: identity.name,
    shortName: identity.shortName,
    iconUrl: demoIcon(identity.color),
    iconBackground: identity.color,
    installed: true,
    createConnector: (walletDetails) =>
      createConnector((config) => ({ ...demoConnector(info, identity)(config), ...walletDetails })),
  };
}
