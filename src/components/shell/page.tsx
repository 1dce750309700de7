import Link from "next/link";
import { cn } from "@/components/ui/cn";
import { ArrowLeftIcon } from "@/components/ui/icons";

/** Page frame: title, optional back link and actions, content. */
export function Page({
  title,
  description,
  back,
  actions,
  className,
  children,
}: {
  title?: React.ReactNode;
  description?: React.ReactNode;
  back?: { href: string; label: string };
  actions?: React.ReactNode;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <main className={cn("mx-auto w-full max-w-6xl px-4 py-6 sm:px-6 sm:py-8", className)}>
      {back && (
        <Link
          href={back.href}
          className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-800"
        >
          <ArrowLeftIcon className="size-4" /> {back.label}
        </Link>
      )}
      {(title || actions) && (
        <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
          <div className="min-w-0">
            {title && <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>}
            {description && <p className="mt-1 text-sm text-slate-500">{description}</p>}
          </div>
          {actions && <div className="flex items-center gap-2">{actions}</div>}
        </div>
      )}
      {children}
    </main>
  );
}
