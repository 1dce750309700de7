/** Display helpers shared by the pages. Pure: no React, no server. */

export function shortAddress(address: string | null | undefined): string {
  if (!address) return "—";
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** 143771 MiB → "140 GiB"; 24564 → "24 GiB"; 8192 → "8 GiB"; 1536 → "1.5 GiB". */
export function formatVram(mib: number): string {
  const gib = mib / 1024;
  if (gib >= 10) return `${Math.round(gib)} GiB`;
  return `${Math.round(gib * 10) / 10} GiB`;
}

export function formatTflops(tflops: string | null | undefined): string {
  if (tflops === null || tflops === undefined) return "—";
  const n = Number(tflops);
  if (!Number.isFinite(n)) return tflops;
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : String(Math.round(n * 10) / 10);
}

/** 42 → "42 s", 300 → "5 min", 5400 → "1 h 30 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const totalMin = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (totalMin < 60) return s ? `${totalMin} min ${s} s` : `${totalMin} min`;
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  return formatDuration(ms / 1000);
}

const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "just now", "3 min ago", "2 h ago", or a date for older. */
export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const diff = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 10) return "just now";
  if (abs < 60) return rtf.format(Math.round(diff), "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  return formatDateTime(iso);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Node reliability (0..1, null before its first job) → "98%", "99.6%", "100%", "—". */
export function formatReliability(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "—";
  const pct = Math.max(0, Math.min(1, r)) * 100;
  if (pct === 100) return "100%";
  // 0.9996 must not read as a perfect 100%.
  if (pct >= 99) return `${Math.floor(pct * 10) / 10}%`;
  return `${Math.round(pct)}%`;
}

/** "2026-11-03" → "Nov 3" (UTC days, as the server groups them). */
export function formatDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** The last `days` UTC days, oldest first, with `rows` filled in and zeros elsewhere. */
export function fillDays<T extends { day: string; usd: string }>(rows: T[], days: number, now = Date.now()) {
  const byDay = new Map(rows.map((r) => [r.day, r.usd]));
  const out: { day: string; usd: string }[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(now - i * 86_400_000).toISOString().slice(0, 10);
    out.push({ day, usd: byDay.get(day) ?? "0" });
  }
  return out;
}

/** "pytorch/pytorch:2.5.1@sha256:abc…" → "pytorch/pytorch:2.5.1 (sha256:abcdef012345…)": the digest is what pins it. */
export function imageLabel(ref: string): string {
  const at = ref.indexOf("@");
  if (at < 0) return ref;
  return `${ref.slice(0, at)} (${ref.slice(at + 1, at + 20)}…)`;
}

/**
 * A USD amount for people, rounded sensibly; the one formatter for every
 * amount the pages show. Dollars and up: cents ("$1,234.50"); under a dollar:
 * at most 4 decimals ("$0.2083", "$0.0375", "$0.0017"); under $0.0001: two
 * significant digits ("$0.000042"), never "$0.00" for something non-zero.
 * Rounds half up. `exact` is the unrounded amount ("$0.001667") for a tooltip
 * where the shown one is rounded or under a cent.
 */
export function usdAmount(
  amount: string | null | undefined,
  opts: { unit?: string } = {},
): { text: string; exact?: string } {
  if (amount === null || amount === undefined || amount === "") return { text: "—" };
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return { text: amount };
  const [, sign, whole = "0", frac = ""] = m;
  const scaled = BigInt(whole + frac);
  const firstSignificant = frac.search(/[1-9]/);
  const decimals =
    BigInt(whole) >= 1n || scaled === 0n ? 2 : firstSignificant < 4 ? 4 : Math.max(firstSignificant + 2, 2);
  const shown = roundHalfUp(scaled, frac.length, decimals);
  const intPart = (shown / 10n ** BigInt(decimals)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let fracPart = (shown % 10n ** BigInt(decimals)).toString().padStart(decimals, "0").replace(/0+$/, "");
  if (fracPart.length < 2) fracPart = fracPart.padEnd(2, "0");
  const unit = opts.unit ? ` ${opts.unit}` : "";
  const text = `${sign && scaled !== 0n ? "-" : ""}$${intPart}.${fracPart}${unit}`;
  const exactFrac = frac.replace(/0+$/, "").padEnd(2, "0");
  const exactText = `${sign && scaled !== 0n ? "-" : ""}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${exactFrac}${unit}`;
  const subCent = scaled !== 0n && BigInt(whole) === 0n && firstSignificant >= 2;
  return text !== exactText || subCent ? { text, exact: exactText } : { text };
}

/** `usdAmount`'s text only: "$0.0017", "$2.50", "—" for none. */
export function formatUsd(amount: string | null | undefined, opts: { unit?: string } = {}): string {
  return usdAmount(amount, opts).text;
}

function roundHalfUp(scaled: bigint, fromDecimals: number, toDecimals: number): bigint {
  if (toDecimals >= fromDecimals) return scaled * 10n ** BigInt(toDecimals - fromDecimals);
  const div = 10n ** BigInt(fromDecimals - toDecimals);
  const q = scaled / div;
  return (scaled % div) * 2n >= div ? q + 1n : q;
}
