"use client";

import { useMemo, useRef } from "react";
import type { JobType } from "@computeswarm/protocol";
import { cn } from "@/components/ui";

/**
 * A small monospace code editor: line numbers, Tab indents (Esc then Tab moves
 * focus on), no wrapping so numbers line up. Plain textarea underneath, so
 * typing, undo, paste and screen readers behave as usual.
 */
export function ScriptEditor({
  value,
  onChange,
  language,
  id,
  invalid,
  minLines = 14,
  maxLines = 30,
}: {
  value: string;
  onChange: (v: string) => void;
  language: JobType;
  id?: string;
  invalid?: boolean;
  minLines?: number;
  maxLines?: number;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const escaped = useRef(false);
  const lines = useMemo(() => Math.max(value.split("\n").length, minLines), [value, minLines]);
  const numbers = useMemo(() => Array.from({ length: lines + 1 }, (_, i) => i + 1).join("\n"), [lines]);
  // Grows with the script up to maxLines, then scrolls (the gutter follows).
  const height = `${Math.min(lines + 1, maxLines) * 20 + 24}px`;

  const onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      escaped.current = true;
      return;
    }
    if (e.key !== "Tab" || escaped.current || e.metaKey || e.ctrlKey || e.altKey) {
      escaped.current = false;
      return;
    }
    e.preventDefault();
    const ta = e.currentTarget;
    const indent = language === "python" ? "    " : "  ";
    const { selectionStart: start, selectionEnd: end } = ta;
    if (e.shiftKey) {
      // Outdent the current line.
      const lineStart = value.lastIndexOf("\n", start - 1) + 1;
      const removable = value.slice(lineStart, lineStart + indent.length).match(/^ */)?.[0].length ?? 0;
      if (removable === 0) return;
      const next = value.slice(0, lineStart) + value.slice(lineStart + removable);
      onChange(next);
      requestAnimationFrame(() =>
        ta.setSelectionRange(Math.max(lineStart, start - removable), Math.max(lineStart, end - removable)),
      );
      return;
    }
    const next = value.slice(0, start) + indent + value.slice(end);
    onChange(next);
    requestAnimationFrame(() => ta.setSelectionRange(start + indent.length, start + indent.length));
  };

  return (
    <div
      className={cn(
        "flex overflow-hidden rounded-lg bg-slate-950 font-mono text-[13px] leading-5 ring-1 ring-inset focus-within:ring-2",
        invalid ? "ring-rose-500" : "ring-slate-800 focus-within:ring-indigo-500",
      )}
    >
      <div
        ref={gutter}
        aria-hidden
        className="shrink-0 overflow-hidden border-r border-slate-800 bg-slate-900 px-3 py-3 text-right text-slate-500 select-none"
        style={{ height }}
      >
        <pre className="font-mono">{numbers}</pre>
      </div>
      <textarea
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        wrap="off"
        aria-label={`${language === "python" ? "Python" : "Shell"} script`}
        aria-invalid={invalid || undefined}
        className="min-w-0 flex-1 resize-none bg-transparent px-3 py-3 text-slate-100 caret-indigo-400 outline-none placeholder:text-slate-600"
        style={{ height, tabSize: 4 }}
      />
    </div>
  );
}
