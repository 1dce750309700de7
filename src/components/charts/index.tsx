"use client";

import dynamic from "next/dynamic";
import { Spinner } from "@/components/ui";

/**
 * Charts, loaded on demand (client only): recharts is a large library that
 * only the seller and admin pages need, after their data has arrived.
 */
function ChartPlaceholder() {
  return (
    <div className="flex h-60 items-center justify-center gap-2 text-sm text-slate-400">
      <Spinner label="Loading chart" />
    </div>
  );
}

const load = () => import("./recharts-charts");

export const DailyUsdChart = dynamic(() => load().then((m) => m.DailyUsdChart), {
  ssr: false,
  loading: ChartPlaceholder,
});

export const CategoryBars = dynamic(() => load().then((m) => m.CategoryBars), {
  ssr: false,
  loading: ChartPlaceholder,
});

export type { BarDatum, DailyUsdPoint } from "./recharts-charts";

/** What a chart shows when there is nothing to chart yet. */
export function NoChartData({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex h-40 items-center justify-center rounded-lg border border-dashed border-slate-200 px-4 text-center text-sm text-slate-500">
      {children}
    </div>
  );
}
