"use client";

import { useSession } from "@/components/wallet/session";
import { SignInPrompt } from "@/components/wallet/connect-button";
import { ButtonLink, Card, LoadingBlock, LockIcon } from "@/components/ui";
import { shortAddress } from "@/lib/format";
import { AuditLog } from "./audit-log";
import { MarketOverview } from "./market-overview";
import { NodeModeration } from "./node-moderation";
import { PaymentsLedger } from "./payments-ledger";

/** Shown to anyone signed in whose address is not in ADMIN_ADDRESSES; the admin API refuses them too. */
function Forbidden({ address }: { address: string }) {
  return (
    <Card>
      <div className="flex flex-col items-center px-6 py-16 text-center" data-testid="forbidden">
        <div className="flex size-12 items-center justify-center rounded-full bg-rose-50 text-rose-600">
          <LockIcon className="size-6" />
        </div>
        <p className="mt-4 text-xs font-semibold tracking-widest text-rose-600 uppercase">Access denied</p>
        <h2 className="mt-1 text-lg font-semibold text-slate-900">403: admins only</h2>
        <p className="mt-2 max-w-md text-sm text-slate-500">
          You are signed in as <span className="font-mono text-slate-700">{shortAddress(address)}</span>, which is not a
          ComputeSwarm admin. This page and the admin API refuse this address.
        </p>
        <ButtonLink href="/" variant="secondary" className="mt-6">
          Back to the marketplace
        </ButtonLink>
      </div>
    </Card>
  );
}

const SECTIONS = [
  ["overview", "Overview"],
  ["nodes", "Nodes"],
  ["payments", "Payments"],
  ["audit", "Audit log"],
] as const;

export function AdminDashboard() {
  const { session, loading } = useSession();
  if (loading) return <LoadingBlock />;
  if (!session) {
    return (
      <Card>
        <SignInPrompt
          title="Sign in as an admin"
          description="Admins sign in with a wallet listed in the marketplace's ADMIN_ADDRESSES."
        />
      </Card>
    );
  }
  if (!session.isAdmin) return <Forbidden address={session.address} />;
  return (
    <div className="space-y-6">
      <nav aria-label="Admin sections" className="-mx-1 flex gap-1 overflow-x-auto px-1 pb-1">
        {SECTIONS.map(([id, label]) => (
          <a
            key={id}
            href={`#${id}`}
            className="rounded-full bg-white px-3 py-1 text-sm font-medium whitespace-nowrap text-slate-600 shadow-sm ring-1 ring-slate-200 hover:text-slate-900"
          >
            {label}
          </a>
        ))}
      </nav>
      <MarketOverview />
      <NodeModeration />
      <PaymentsLedger />
      <AuditLog />
    </div>
  );
}
