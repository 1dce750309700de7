"use client";

import { useEffect, useRef, useState } from "react";
import { chainName } from "@/lib/chains";
import { describeError } from "@/lib/errors";
import { shortAddress } from "@/lib/format";
import { Button, cn, Spinner, Toast, WalletIcon } from "@/components/ui";
import { UsdcBalance } from "./balance";
import { useSession } from "./session";
import { useAppSettings } from "./settings";

function Avatar({ address }: { address: string }) {
  // A small deterministic gradient from the address: no image requests.
  const h1 = parseInt(address.slice(2, 6), 16) % 360;
  const h2 = parseInt(address.slice(-4), 16) % 360;
  return (
    <span
      aria-hidden
      className="inline-block size-5 shrink-0 rounded-full"
      style={{ background: `linear-gradient(135deg, hsl(${h1} 80% 60%), hsl(${h2} 80% 45%))` }}
    />
  );
}

/**
 * The header's wallet control: connect (RainbowKit's dialog: injected wallets,
 * WalletConnect when configured, the demo wallet in the embedded default),
 * then Sign-In with Ethereum, then an account menu.
 */
export function ConnectButton() {
  const { session, loading, wallet, address, isConnected, walletStatus, mismatch } = useSession();
  const { signIn, signingIn, signInError, clearSignInError, signOut } = useSession();
  const { chainId, connectorName, openConnectModal, connectModalOpen, disconnect } = wallet;
  const settings = useAppSettings();
  const [switching, setSwitching] = useState(false);
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (menuRef.current && !menuRef.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);

  const wrongChain = Boolean(isConnected && settings.data && chainId !== settings.data.chainId);

  if (loading || (!session && (walletStatus === "reconnecting" || walletStatus === "loading"))) {
    return (
      <div className="flex h-9 w-28 items-center justify-center rounded-lg bg-slate-100 text-slate-400">
        <Spinner />
      </div>
    );
  }

  if (!session) {
    if (!isConnected || !address) {
      return (
        <Button
          size="sm"
          onClick={() => openConnectModal()}
          loading={connectModalOpen || walletStatus === "connecting"}
        >
          <WalletIcon className="size-4" />
          Connect wallet
        </Button>
      );
    }
    return (
      <div className="flex items-center gap-2">
        <span className="hidden items-center gap-1.5 text-sm text-slate-600 sm:inline-flex">
          <Avatar address={address} />
          {shortAddress(address)}
        </span>
        <Button
          size="sm"
          onClick={signIn}
          loading={signingIn}
          title={signInError ? describeError(signInError) : undefined}
        >
          Sign in
        </Button>
        {signInError ? (
          <Toast message={`Sign-in failed: ${describeError(signInError)}`} onClose={clearSignInError} />
        ) : null}
      </div>
    );
  }

  return (
    <div className="relative" ref={menuRef}>
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="account-button"
        className={cn(
          "inline-flex h-9 items-center gap-2 rounded-lg bg-white pr-2 pl-2 text-sm font-medium whitespace-nowrap text-slate-800 shadow-sm ring-1 ring-inset hover:bg-slate-50 sm:pr-3",
          mismatch || wrongChain ? "ring-amber-400" : "ring-slate-300",
        )}
      >
        <Avatar address={session.address} />
        <span className="tabular-nums">{shortAddress(session.address)}</span>
        {(mismatch || wrongChain) && <span className="size-2 rounded-full bg-amber-500" aria-label="needs attention" />}
        <svg className="size-4 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden>
          <path d="M5.2 7.2a.75.75 0 0 1 1.06 0L10 10.94l3.74-3.74a.75.75 0 1 1 1.06 1.06l-4.27 4.27a.75.75 0 0 1-1.06 0L5.2 8.26a.75.75 0 0 1 0-1.06Z" />
        </svg>
      </button>
      {open && (
        <div
          role="menu"
          className="absolute right-0 z-40 mt-2 w-72 max-w-[calc(100vw-2rem)] origin-top-right rounded-xl bg-white p-2 text-sm shadow-lg ring-1 ring-slate-200"
        >
          <div className="px-3 py-2">
            <p className="text-xs text-slate-500">Signed in as</p>
            <p className="mt-0.5 font-mono text-xs break-all text-slate-900">{session.address}</p>
            <p className="mt-1 text-xs text-slate-500">
              {isConnected
                ? `Wallet: ${connectorName ?? "connected"} on ${chainName(chainId)}`
                : "Wallet not connected"}
              {session.isAdmin && " · admin"}
            </p>
            <p className="mt-2 flex items-baseline justify-between gap-2 text-xs text-slate-500">
              Balance
              <UsdcBalance className="font-medium text-slate-900 tabular-nums" />
            </p>
          </div>
          {mismatch && (
            <div className="mx-1 my-1 rounded-lg bg-amber-50 p-2 text-xs text-amber-900">
              Your wallet switched to {shortAddress(address)}. Sign in again to use it.
              <Button size="sm" className="mt-2 w-full" onClick={signIn} loading={signingIn}>
                Sign in as {shortAddress(address)}
              </Button>
            </div>
          )}
          {wrongChain && settings.data && (
            <button
              role="menuitem"
              className="w-full rounded-lg px-3 py-2 text-left text-amber-800 hover:bg-amber-50"
              onClick={() => {
                setSwitching(true);
                wallet.switchChain(settings.data.chainId).finally(() => setSwitching(false));
              }}
              disabled={switching}
            >
              Switch wallet to {chainName(settings.data.chainId)}
            </button>
          )}
          {!isConnected && (
            <button
              role="menuitem"
              className="w-full rounded-lg px-3 py-2 text-left hover:bg-slate-100"
              onClick={() => openConnectModal()}
            >
              Connect wallet (to pay)
            </button>
          )}
          <div className="my-1 border-t border-slate-100" />
          <button
            role="menuitem"
            className="w-full rounded-lg px-3 py-2 text-left hover:bg-slate-100"
            onClick={() => {
              setOpen(false);
              signOut();
            }}
          >
            Sign out
          </button>
          {isConnected && (
            <button
              role="menuitem"
              className="w-full rounded-lg px-3 py-2 text-left text-slate-600 hover:bg-slate-100"
              onClick={() => {
                setOpen(false);
                // RainbowKit's authentication provider signs out when the wallet disconnects.
                disconnect();
              }}
            >
              Sign out and disconnect wallet
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** Shown where a page needs a session: connect and sign in, in place. */
export function SignInPrompt({ title = "Sign in to continue", description }: { title?: string; description?: string }) {
  const { isConnected, signIn, signingIn, signInError, wallet } = useSession();
  return (
    <div className="flex flex-col items-center px-6 py-14 text-center">
      <div className="flex size-12 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
        <WalletIcon className="size-6" />
      </div>
      <h3 className="mt-4 text-base font-semibold text-slate-900">{title}</h3>
      <p className="mt-1 max-w-md text-sm text-slate-500">
        {description ??
          "Connect a wallet and sign a message to prove it is yours. Signing is free and sends no transaction."}
      </p>
      <div className="mt-5">
        {isConnected ? (
          <Button onClick={signIn} loading={signingIn}>
            Sign in with your wallet
          </Button>
        ) : (
          <Button onClick={() => wallet.openConnectModal()}>
            <WalletIcon className="size-4" /> Connect wallet
          </Button>
        )}
      </div>
      {signInError ? <p className="mt-3 text-sm text-rose-600">{describeError(signInError)}</p> : null}
    </div>
  );
}
