"use client";

import { useEffect, useState } from "react";
import { cn } from "./cn";
import { CheckIcon, CopyIcon } from "./icons";

/** Copies `text` to the clipboard; falls back to selecting it where the clipboard is refused. */
export function CopyButton({
  text,
  label = "Copy",
  className,
  onFallback,
}: {
  text: string;
  label?: string;
  className?: string;
  /** Called when the clipboard API is unavailable (e.g. a page not served over HTTPS). */
  onFallback?: () => void;
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const t = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      aria-label={label}
      title={state === "failed" ? "Copy refused by the browser: select the text instead" : label}
      className={cn(
        "inline-flex h-8 shrink-0 items-center gap-1.5 rounded-md px-2 text-xs font-medium transition-colors",
        "text-slate-300 ring-1 ring-white/15 ring-inset hover:bg-white/10 hover:text-white",
        className,
      )}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setState("copied");
        } catch {
          setState("failed");
          onFallback?.();
        }
      }}
    >
      {state === "copied" ? <CheckIcon className="size-4 text-emerald-400" /> : <CopyIcon className="size-4" />}
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Select it" : "Copy"}</span>
    </button>
  );
}
