"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui";
import { ConnectButton } from "@/components/wallet/connect-button";
import { useSession } from "@/components/wallet/session";

function Logo() {
  return (
    <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold tracking-tight text-slate-900">
      <svg viewBox="0 0 32 32" className="size-7" aria-hidden>
        <rect width="32" height="32" rx="8" fill="#4f46e5" />
        <g fill="#fff">
          <circle cx="11" cy="11" r="2.6" />
          <circle cx="21" cy="11" r="2.6" />
          <circle cx="11" cy="21" r="2.6" />
          <circle cx="21" cy="21" r="2.6" opacity=".55" />
        </g>
      </svg>
      <span>ComputeSwarm</span>
    </Link>
  );
}

export function Header() {
  const pathname = usePathname();
  const { session } = useSession();
  const links = [
    {
      href: "/",
      label: "Marketplace",
      active: pathname === "/" || pathname.startsWith("/nodes") || pathname === "/jobs/new",
    },
    { href: "/jobs", label: "My jobs", active: pathname.startsWith("/jobs") && pathname !== "/jobs/new" },
    { href: "/seller", label: "Seller", active: pathname.startsWith("/seller") },
    ...(session?.isAdmin ? [{ href: "/admin", label: "Admin", active: pathname.startsWith("/admin") }] : []),
  ];
  const nav = (
    <>
      {links.map((l) => (
        <Link
          key={l.href}
          href={l.href}
          aria-current={l.active ? "page" : undefined}
          className={cn(
            "rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap transition-colors",
            l.active ? "bg-slate-100 text-slate-900" : "text-slate-600 hover:bg-slate-50 hover:text-slate-900",
          )}
        >
          {l.label}
        </Link>
      ))}
    </>
  );
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-6xl items-center gap-6 px-4 sm:px-6">
        <Logo />
        <nav aria-label="Main" className="hidden items-center gap-1 md:flex">
          {nav}
        </nav>
        <div className="ml-auto">
          <ConnectButton />
        </div>
      </div>
      <nav
        aria-label="Main (mobile)"
        className="flex gap-1 overflow-x-auto border-t border-slate-100 px-3 py-1.5 md:hidden"
      >
        {nav}
      </nav>
    </header>
  );
}

export function Footer() {
  return (
    <footer className="mt-16 border-t border-slate-200">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-6 text-xs text-slate-500 sm:px-6">
        <span>ComputeSwarm · GPU compute, paid per second used in USDC with x402</span>
        <span className="flex gap-4">
          <a className="hover:text-slate-700" href="/status">
            Status
          </a>
        </span>
      </div>
    </footer>
  );
}
