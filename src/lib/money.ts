/**
 * Money, for the browser and the server alike: decimal strings and bigints,
 * never floats. USDC has 6 decimals. A job's price is price per hour × seconds,
 * rounded up to the USDC unit (the seller is never short-changed by rounding).
 */
export const USDC_DECIMALS = 6;

export function usdToAtomic(usd: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(usd.trim());
  if (!m) throw new Error(`not a USD amount: ${usd}`);
  return BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0"));
}

export function atomicToUsd(atomic: bigint): string {
  const whole = atomic / 1_000_000n;
  const frac = (atomic % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}

export function quoteAtomic(pricePerHourUsd: string, seconds: number): bigint {
  if (!Number.isInteger(seconds) || seconds <= 0) return 0n;
  return (usdToAtomic(pricePerHourUsd) * BigInt(seconds) + 3599n) / 3600n;
}

/** A price per hour is free when it is zero. */
export function isFree(pricePerHour: string): boolean {
  return /^0+(\.0*)?$/.test(pricePerHour.trim());
}

/** Atomic USDC for people: at least two decimals, no trailing zeros beyond: 400000n → "0.40", 416n → "0.000416". */
export function formatUsdc(atomic: bigint): string {
  const sign = atomic < 0n ? "-" : "";
  const abs = atomic < 0n ? -atomic : atomic;
  const whole = abs / 1_000_000n;
  let frac = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${sign}${whole}.${frac}`;
}
