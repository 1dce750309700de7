"use client";

import { useEffect, useState } from "react";
import { describeError, retryAfterSecondsOf, waitMessage } from "@/lib/errors";
import { Button } from "./button";
import { cn } from "./cn";
import { AlertIcon } from "./icons";

/** An error in words, with an optional retry. Takes the raw error or a message. */
export function ErrorMessage({
  error,
  title,
  onRetry,
  className,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  className?: string;
}) {
  if (!error) return null;
  const retryAfter = retryAfterSecondsOf(error);
  const message =
    retryAfter !== undefined ? (
      <Countdown key={errorKey(error)} seconds={retryAfter} />
    ) : typeof error === "string" ? (
      error
    ) : (
      describeError(error)
    );
  return (
    <div
      role="alert"
      className={cn(
        "flex gap-3 rounded-lg bg-rose-50 p-3 text-sm text-rose-800 ring-1 ring-rose-200 ring-inset",
        className,
      )}
    >
      <AlertIcon className="mt-0.5 size-5 shrink-0 text-rose-500" />
      <div className="min-w-0 flex-1">
        {title && <p className="font-medium">{title}</p>}
        <p className="break-words">{message}</p>
        {onRetry && (
          <Button variant="secondary" size="sm" className="mt-2" onClick={onRetry}>
            Try again
          </Button>
        )}
      </div>
    </div>
  );
}

// Each error object (one failed attempt) gets its own countdown, even with the same message.
const errorKeys = new WeakMap<object, number>();
let lastKey = 0;
function errorKey(error: unknown): number {
  if (typeof error !== "object" || error === null) return 0;
  let k = errorKeys.get(error);
  if (k === undefined) errorKeys.set(error, (k = ++lastKey));
  return k;
}

/** "Please wait 34 seconds…", counting down live to "You can try again now." */
function Countdown({ seconds }: { seconds: number }) {
  const [until] = useState(() => Date.now() + seconds * 1000);
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    const tick = () => setLeft(Math.max(0, Math.ceil((until - Date.now()) / 1000)));
    const timer = setInterval(tick, 250);
    return () => clearInterval(timer);
  }, [until]);
  return (
    <span data-testid="retry-countdown" aria-live="polite">
      {waitMessage(left)}
    </span>
  );
}

export function Notice({
  tone = "info",
  children,
  className,
}: {
  tone?: "info" | "warn";
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <div
      className={cn(
        "rounded-lg p-3 text-sm ring-1 ring-inset",
        tone === "info" ? "bg-indigo-50 text-indigo-900 ring-indigo-200" : "bg-amber-50 text-amber-900 ring-amber-200",
        className,
      )}
    >
      {children}
    </div>
  );
}
