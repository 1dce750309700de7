"use client";

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
  type TooltipValueType,
} from "recharts";

type TipProps = TooltipContentProps<TooltipValueType, string | number>;
import { formatDay } from "@/lib/format";

/**
 * The charts of the seller and admin pages (recharts). Loaded on demand
 * through ./index.tsx (next/dynamic, client only), so the library stays out
 * of every page's first load.
 */
const AXIS = { fontSize: 12, fill: "#64748b" };
const GRID = "#e2e8f0";

const usdTick = (v: number) =>
  v === 0 ? "$0" : v >= 1000 ? `$${Math.round(v / 100) / 10}k` : v < 1 ? `$${v.toFixed(2)}` : `$${Math.round(v)}`;
const usdExact = (v: number) => `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;

function TooltipBox({ title, rows }: { title: string; rows: { label: string; value: string; color?: string }[] }) {
  return (
    <div className="rounded-lg bg-white px-3 py-2 text-xs shadow-lg ring-1 ring-slate-200">
      <p className="font-medium text-slate-900">{title}</p>
      {rows.map((r) => (
        <p key={r.label} className="mt-0.5 flex items-center gap-1.5 text-slate-600">
          {r.color && <span className="size-2 rounded-full" style={{ background: r.color }} />}
          {r.label}: <span className="font-medium text-slate-900 tabular-nums">{r.value}</span>
        </p>
      ))}
    </div>
  );
}

export interface DailyUsdPoint {
  day: string;
  usd: number;
}

/** USD per day (settled earnings, settled volume) as a filled line. */
export function DailyUsdChart({
  data,
  label,
  height = 240,
}: {
  data: DailyUsdPoint[];
  label: string;
  height?: number;
}) {
  const gradient = `fill-${label.replace(/\W/g, "")}`;
  return (
    <AreaChart
      responsive
      data={data}
      style={{ width: "100%", height }}
      margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
      accessibilityLayer
    >
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0%" stopColor="#6366f1" stopOpacity={0.3} />
          <stop offset="100%" stopColor="#6366f1" stopOpacity={0.02} />
        </linearGradient>
      </defs>
      <CartesianGrid stroke={GRID} strokeDasharray="3 3" vertical={false} />
      <XAxis
        dataKey="day"
        tickFormatter={formatDay}
        tick={AXIS}
        tickLine={false}
        axisLine={{ stroke: GRID }}
        minTickGap={24}
      />
      <YAxis tickFormatter={usdTick} tick={AXIS} tickLine={false} axisLine={false} width={48} allowDecimals />
      <Tooltip
        cursor={{ stroke: "#a5b4fc" }}
        content={({ active, payload, label: day }: TipProps) =>
          active && payload?.length ? (
            <TooltipBox
              title={formatDay(String(day))}
              rows={[{ label, value: usdExact(Number(payload[0]?.value ?? 0)), color: "#6366f1" }]}
            />
          ) : null
        }
      />
      <Area
        type="monotone"
        dataKey="usd"
        name={label}
        stroke="#4f46e5"
        strokeWidth={2}
        fill={`url(#${gradient})`}
        isAnimationActive={false}
      />
    </AreaChart>
  );
}

export interface BarDatum {
  label: string;
  value: number;
  /** Stacked after `value` (e.g. offline after online). */
  rest?: number;
  color?: string;
}

/**
 * Horizontal bars, one per category (GPU model, failure reason, job state):
 * long labels stay readable on a phone.
 */
export function CategoryBars({
  data,
  valueLabel,
  restLabel,
  color = "#6366f1",
  restColor = "#cbd5e1",
}: {
  data: BarDatum[];
  valueLabel: string;
  restLabel?: string;
  color?: string;
  restColor?: string;
}) {
  const height = Math.max(120, data.length * 36 + (restLabel ? 56 : 32));
  const longest = data.reduce((m, d) => Math.max(m, d.label.length), 0);
  return (
    <BarChart
      responsive
      layout="vertical"
      data={data}
      style={{ width: "100%", height }}
      margin={{ top: 4, right: 16, bottom: 0, left: 0 }}
      barCategoryGap={8}
      accessibilityLayer
    >
      <CartesianGrid stroke={GRID} strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" allowDecimals={false} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} />
      <YAxis
        type="category"
        dataKey="label"
        tick={AXIS}
        tickLine={false}
        axisLine={false}
        width={Math.min(150, Math.max(64, longest * 7))}
        tickFormatter={(v: string) => (v.length > 22 ? `${v.slice(0, 21)}…` : v)}
      />
      <Tooltip
        cursor={{ fill: "#f1f5f9" }}
        content={({ active, payload, label }: TipProps) => {
          if (!active || !payload?.length) return null;
          const d = payload[0]?.payload as BarDatum;
          return (
            <TooltipBox
              title={String(label)}
              rows={[
                { label: valueLabel, value: String(d.value), color: d.color ?? color },
                ...(restLabel ? [{ label: restLabel, value: String(d.rest ?? 0), color: restColor }] : []),
              ]}
            />
          );
        }}
      />
      {restLabel && <Legend verticalAlign="bottom" height={24} iconType="circle" iconSize={8} wrapperStyle={AXIS} />}
      <Bar
        dataKey="value"
        name={valueLabel}
        stackId="a"
        fill={color}
        radius={restLabel ? [0, 0, 0, 0] : [0, 4, 4, 0]}
        isAnimationActive={false}
      >
        {data.map((d) => (
          <Cell key={d.label} fill={d.color ?? color} />
        ))}
      </Bar>
      {restLabel && (
        <Bar
          dataKey="rest"
          name={restLabel}
          stackId="a"
          fill={restColor}
          radius={[0, 4, 4, 0]}
          isAnimationActive={false}
        />
      )}
    </BarChart>
  );
}
