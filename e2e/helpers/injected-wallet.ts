import type { Page } from "@playwright/test";
import { numberToHex, type Hex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

/**
 * A browser wallet for tests: an EIP-1193 provider injected into the page
 * (window.ethereum, and announced with EIP-6963 as "E2E Wallet", so RainbowKit
 * lists it under "Installed" like a real extension). Every request crosses to
 * the test (Node) through `page.exposeFunction`, where a viem account signs
 * with a test key. This drives the same injected-wallet path a real MetaMask
 * or Rabby user takes, with a second and third identity besides the demo wallet.
 */
export const E2E_WALLET_NAME = "E2E Wallet";

/** Anvil's well-known account #2 key (public; never use it for anything real): ADMIN_ADDRESS in playwright.config.ts. */
export const ANVIL_KEY_2: Hex = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

export interface InjectedWallet {
  account: PrivateKeyAccount;
  /** Every method the page asked for, in order (to assert what the wallet was shown). */
  requests: { method: string; primaryType?: string }[];
  chainId(): number;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** eth_signTypedData_v4 sends uint values as strings or numbers: turn them back into bigints for viem. */
function reviveTypedData(raw: string): TypedDataDefinition {
  const data = JSON.parse(raw) as {
    domain?: Record<string, unknown>;
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
    message: Record<string, unknown>;
  };
  const revive = (type: string, value: unknown): unknown => {
    if (type.endsWith("]") && Array.isArray(value))
      return value.map((v) => revive(type.slice(0, type.lastIndexOf("[")), v));
    if (/^u?int\d*$/.test(type) && (typeof value === "string" || typeof value === "number")) return BigInt(value);
    const fields = data.types[type];
    if (fields && value && typeof value === "object") {
      return Object.fromEntries(
        fields.map((f) => [f.name, revive(f.type, (value as Record<string, unknown>)[f.name])]),
      );
    }
    return value;
  };
  const { EIP712Domain: _domain, ...types } = data.types;
  const domain = data.domain ? { ...data.domain } : undefined;
  if (domain && typeof domain.chainId === "string") domain.chainId = Number(domain.chainId);
  return {
    domain,
    types,
    primaryType: data.primaryType,
    message: revive(data.primaryType, data.message),
  } as unknown as TypedDataDefinition;
}

/**
 * Installs the wallet in `page` (call before the first goto). It starts on
 * `chainId` and switches when asked (`wallet_switchEthereumChain`) to any of
 * `chains`, emitting `chainChanged` as real wallets do.
 */
export async function installInjectedWallet(
  page: Page,
  privateKey: Hex,
  opts: {
    chainId?: number;
    chains?: number[];
    /** A faulty wallet: signs messages (sign-in) with this other key, so the server rejects the signature. */
    signMessagesWith?: Hex;
  } = {},
): Promise<InjectedWallet> {
  const account = privateKeyToAccount(privateKey);
  const messageSigner = opts.signMessagesWith ? privateKeyToAccount(opts.signMessagesWith) : account;
  const chains = opts.chains ?? [31337, 8453, 84532];
  let chainId = opts.chainId ?? 31337;
  // Like a real wallet, it shares the account only once the site asked (and the user agreed),
  // and remembers that across reloads; until then eth_accounts is empty, so nothing auto-connects.
  let authorized = false;
  const requests: InjectedWallet["requests"] = [];

  const permissions = () => [
    { parentCapability: "eth_accounts", caveats: [{ type: "restrictReturnedAccounts", value: [account.address] }] },
  ];
  const handle = async (method: string, params: unknown[]): Promise<unknown> => {
    switch (method) {
      case "eth_requestAccounts":
        authorized = true;
        return [account.address];
      case "eth_accounts":
        return authorized ? [account.address] : [];
      case "wallet_requestPermissions":
        authorized = true;
        return permissions();
      case "wallet_getPermissions":
        return authorized ? permissions() : [];
      case "wallet_revokePermissions":
        authorized = false;
        return null;
      case "eth_chainId":
        return numberToHex(chainId);
      case "net_version":
        return String(chainId);
      case "personal_sign": {
        if (!authorized) throw new RpcError(4100, "not authorized");
        const [message, from] = params as [Hex, string];
        if (from.toLowerCase() !== account.address.toLowerCase()) throw new RpcError(4100, "unknown account");
        return messageSigner.signMessage({ message: { raw: message } });
      }
      case "eth_signTypedData_v4": {
        if (!authorized) throw new RpcError(4100, "not authorized");
        const [from, json] = params as [string, string];
        if (from.toLowerCase() !== account.address.toLowerCase()) throw new RpcError(4100, "unknown account");
        const typed = reviveTypedData(json);
        requests[requests.length - 1]!.primaryType = typed.primaryType as string;
        return account.signTypedData(typed);
      }
      case "wallet_switchEthereumChain": {
        const wanted = Number((params[0] as { chainId: string }).chainId);
        if (!chains.includes(wanted)) throw new RpcError(4902, `Unrecognized chain ${wanted}`);
        chainId = wanted;
        return null;
      }
      default:
        throw new RpcError(4200, `The e2e wallet does not support ${method}`);
    }
  };

  await page.exposeFunction("__e2eWalletRequest", async (method: string, paramsJson: string) => {
    requests.push({ method });
    try {
      const result = await handle(method, JSON.parse(paramsJson || "[]") as unknown[]);
      return JSON.stringify({ result: result ?? null, chainId: numberToHex(chainId) });
    } catch (err) {
      const code = err instanceof RpcError ? err.code : -32603;
      return JSON.stringify({ error: { code, message: (err as Error).message }, chainId: numberToHex(chainId) });
    }
  });

  await page.addInitScript(
    ({ name, address }) => {
      type Listener = (...args: unknown[]) => void;
      const listeners = new Map<string, Set<Listener>>();
      let chainId: string | undefined;
      const emit = (event: string, ...args: unknown[]) => listeners.get(event)?.forEach((l) => l(...args));
      const call = (window as unknown as { __e2eWalletRequest(m: string, p: string): Promise<string> })
        .__e2eWalletRequest;
      const provider = {
        isE2EWallet: true,
        async request({ method, params }: { method: string; params?: unknown[] }) {
          const out = JSON.parse(await call(method, JSON.stringify(params ?? []))) as {
            result?: unknown;
            error?: { code: number; message: string };
            chainId: string;
          };
          if (chainId !== undefined && out.chainId !== chainId) {
            chainId = out.chainId;
            emit("chainChanged", out.chainId);
          }
          chainId = out.chainId;
          if (out.error) throw Object.assign(new Error(out.error.message), { code: out.error.code });
          return out.result;
        },
        on(event: string, fn: Listener) {
          if (!listeners.has(event)) listeners.set(event, new Set());
          listeners.get(event)!.add(fn);
          return provider;
        },
        removeListener(event: string, fn: Listener) {
          listeners.get(event)?.delete(fn);
          return provider;
        },
      };
      const icon =
        "data:image/svg+xml," +
        encodeURIComponent(
          '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#0f766e"/><path d="M9 16h14M16 9v14" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>',
        );
      const info = { uuid: `e2e-${address}`, name, icon, rdns: "dev.computeswarm.e2e" };
      const announce = () =>
        window.dispatchEvent(
          new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }),
        );
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
      Object.defineProperty(window, "ethereum", { value: provider, configurable: true });
    },
    { name: E2E_WALLET_NAME, address: account.address },
  );

  return { account, requests, chainId: () => chainId };
}
