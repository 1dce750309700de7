"use client";

import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import { XIcon } from "./icons";

const noSubscription = () => () => {};

/**
 * A short message at the bottom of the screen. Rendered into document.body: a
 * `fixed` element inside the sticky header (its backdrop-blur makes it the
 * containing block) would sit under the header instead. Closes by itself after
 * `durationMs` unless the pointer rests on it; the ✕ always closes it.
 */
export function Toast({
  message,
  onClose,
  durationMs = 8000,
}: {
  message: React.ReactNode;
  onClose: () => void;
  durationMs?: number;
}) {
  // document.body exists only in the browser; the server renders nothing.
  const mounted = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  const [hovered, setHovered] = useState(false);
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);
  useEffect(() => {
    if (hovered) return;
    const timer = setTimeout(() => close.current(), durationMs);
    return () => clearTimeout(timer);
  }, [message, durationMs, hovered]);

  if (!mounted) return null;
  return createPortal(
    <div
      role="alert"
      data-testid="toast"
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      className="fixed inset-x-4 bottom-4 z-[60] mx-auto flex max-w-md items-start gap-3 rounded-xl bg-slate-900 p-4 text-sm text-white shadow-xl sm:inset-x-auto sm:right-4"
    >
      <div className="min-w-0 flex-1 break-words">{message}</div>
      <button
        type="button"
        onClick={() => close.current()}
        className="-m-1 shrink-0 rounded p-1 text-slate-300 hover:text-white"
        aria-label="Dismiss"
      >
        <XIcon className="size-4" />
      </button>
    </div>,
    document.body,
  );
}
