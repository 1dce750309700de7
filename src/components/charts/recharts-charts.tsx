"use client";

import {
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

/** Axis ticks: "$0", "$0.005", "$0.25", "$12", "$1.5k": short, and never two ticks alike. */
const usdTick = (v: number) =>
  v === 0
    ? "$0"
    : v >= 1000
      ? `$${Math.round(v / 100) / 10}k`
      : v >= 10
        ? `$${Math.round(v)}`
        : `$${Number(v.toPrecision(2))}`;
/** 0..max in 4 or 5 round steps (1, 2, 2.5 or 5 × 10^k). */
function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1, 2, 3, 4];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const n = Math.ceil(max / step - 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

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

/** USD per day (settled earnings, settled volume): one bar per day, so a single busy day reads as one. */
export function DailyUsdChart({
  data,
  label,
  height = 240,
}: {
  data: DailyUsdPoint[];
  label: string;
  height?: number;
}) {
  const ticks = niceTicks(Math.max(0, ...data.map((d) => d.usd)));
  return (
    <BarChart
      responsive
      data={data}
      style={{ width: "100%", height }}
      margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
      barCategoryGap="20%"
      accessibilityLayer
    >
      <CartesianGrid stroke={GRID} strokeDasharray="3 3" vertical={false} />
      <XAxis
        dataKey="day"
        tickFormatter={formatDay}
        tick={AXIS}
        tickLine={false}
        axisLine={{ stroke: GRID }}
        minTickGap={24}
      />
      <YAxis
        tickFormatter={usdTick}
        tick={AXIS}
        tickLine={false}
        axisLine={false}
        ticks={ticks}
        domain={[0, ticks[ticks.length - 1]!]}
        width={Math.max(36, Math.max(...ticks.map((t) => usdTick(t).length)) * 7 + 10)}
      />
      <Tooltip
        cursor={{ fill: "#eef2ff" }}
        content={({ active, payload, label: day }: TipProps) =>
          active && payload?.length ? (
            <TooltipBox
              title={formatDay(String(day))}
              rows={[{ label, value: usdExact(Number(payload[0]?.value ?? 0)), color: "#6366f1" }]}
            />
          ) : null
        }
      />
      <Bar dataKey="usd" name={label} fill="#6366f1" radius={[3, 3, 0, 0]} minPointSize={0} isAnimationActive={false} />
    </BarChart>
  );
}

const clip = (v: string) => (v.length > 22 ? `${v.slice(0, 21)}…` : v);

/** One line per category label (recharts would wrap it into the bar's height otherwise). */
function CategoryTick({ x, y, payload }: { x?: number | string; y?: number | string; payload?: { value?: unknown } }) {
  const label = String(payload?.value ?? "");
  return (
    <text x={Number(x)} y={Number(y)} dy={4} textAnchor="end" fontSize={12} fill={AXIS.fill}>
      <title>{label}</title>
      {clip(label)}
    </text>
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
  const longest = data.reduce((m, d) => Math.max(m, clip(d.label).length), 0);
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
        tick={CategoryTick}
        tickLine={false}
        axisLine={false}
        width={Math.min(170, Math.max(56, Math.ceil(longest * 6.9) + 14))}
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
