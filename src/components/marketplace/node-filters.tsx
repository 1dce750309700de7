"use client";

import { useEffect, useState } from "react";
import { Button, cn, Field, FilterIcon, Input, Select } from "@/components/ui";

export const STATUS_OPTIONS = [
  { value: "online", label: "Online (available or busy)" },
  { value: "available", label: "Available now" },
  { value: "all", label: "All (incl. offline, paused)" },
] as const;

export const SORT_OPTIONS = [
  { value: "price_asc", label: "Price: low to high" },
  { value: "price_desc", label: "Price: high to low" },
  { value: "tflops_desc", label: "Fastest (TFLOPS)" },
  { value: "vram_desc", label: "Most VRAM" },
  { value: "newest", label: "Newest" },
] as const;

export interface Filters {
  model: string;
  vram: string;
  gpus: string;
  price: string;
  status: string;
  sort: string;
}

export const DEFAULT_FILTERS: Filters = {
  model: "",
  vram: "",
  gpus: "",
  price: "",
  status: "online",
  sort: "price_asc",
};

/** The filter form. Text fields apply after a short pause so typing does not spend the discovery rate limit. */
export function NodeFilters({ value, onChange }: { value: Filters; onChange: (next: Partial<Filters>) => void }) {
  const [draft, setDraft] = useState(value);
  const [open, setOpen] = useState(false);
  const active =
    (["vram", "gpus", "price"] as const).filter((k) => value[k]).length +
    (value.status !== DEFAULT_FILTERS.status ? 1 : 0);
  // The URL changed (back button, "Clear filters"): show it.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setDraft(value);
  }

  useEffect(() => {
    const changed = (["model", "vram", "gpus", "price"] as const).filter((k) => draft[k] !== value[k]);
    if (changed.length === 0) return;
    const t = setTimeout(() => onChange(Object.fromEntries(changed.map((k) => [k, draft[k]]))), 500);
    return () => clearTimeout(t);
  }, [draft, value, onChange]);

  const priceInvalid = draft.price !== "" && !/^\d{1,5}(\.\d{1,6})?$/.test(draft.price);

  return (
    <form
      className="grid grid-cols-2 gap-3 md:grid-cols-[2fr_1fr_1fr_1fr_1.6fr]"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft);
      }}
      aria-label="Filter nodes"
    >
      <Field label="GPU model" htmlFor="f-model" className="col-span-2 md:col-span-1">
        <div className="flex gap-2">
          <Input
            id="f-model"
            type="search"
            placeholder="e.g. H100, 4090"
            value={draft.model}
            onChange={(e) => setDraft({ ...draft, model: e.target.value })}
          />
          <Button
            variant="secondary"
            className="md:hidden"
            aria-expanded={open}
            aria-controls="more-filters"
            onClick={() => setOpen((o) => !o)}
          >
            <FilterIcon className="size-4" />
            Filters{active ? ` (${active})` : ""}
          </Button>
        </div>
      </Field>
      <div id="more-filters" className={cn(open ? "contents" : "hidden", "md:contents")}>
        <Field label="Min VRAM (GiB)" htmlFor="f-vram">
          <Input
            id="f-vram"
            inputMode="numeric"
            placeholder="any"
            value={draft.vram}
            onChange={(e) => setDraft({ ...draft, vram: e.target.value.replace(/[^\d]/g, "") })}
          />
        </Field>
        <Field label="Min GPUs" htmlFor="f-gpus">
          <Input
            id="f-gpus"
            inputMode="numeric"
            placeholder="any"
            value={draft.gpus}
            onChange={(e) => setDraft({ ...draft, gpus: e.target.value.replace(/[^\d]/g, "") })}
          />
        </Field>
        <Field label="Max $/hour" htmlFor="f-price" error={priceInvalid ? "A price like 2.50" : undefined}>
          <Input
            id="f-price"
            inputMode="decimal"
            placeholder="any"
            value={draft.price}
            onChange={(e) => setDraft({ ...draft, price: e.target.value.replace(/[^\d.]/g, "") })}
          />
        </Field>
        <Field label="Status" htmlFor="f-status" className="col-span-2 md:col-span-1">
          <Select id="f-status" value={value.status} onChange={(e) => onChange({ status: e.target.value })}>
            {STATUS_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
    </form>
  );
}

export function SortSelect({ value, onChange }: { value: string; onChange: (sort: string) => void }) {
  return (
    <label className="flex items-center gap-2 text-sm text-slate-500">
      <span className="hidden sm:inline">Sort</span>
      <Select aria-label="Sort nodes" className="h-9 w-auto" value={value} onChange={(e) => onChange(e.target.value)}>
        {SORT_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
    </label>
  );
}
