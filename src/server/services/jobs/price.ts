/** USDC has 6 decimals. Money never goes through floating point. */
export const USDC_DECIMALS = 6;

/** "2.5" → 2_500_000n (atomic USDC units). */
export function usdToAtomic(usd: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(usd.trim());
  if (!m) throw new Error(`not a USD amount: ${usd}`);
  return BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0"));
}

/** 2_500_000n → "2.5" */
export function atomicToUsd(atomic: bigint): string {
  const whole = atomic / 1_000_000n;
  const frac = (atomic % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}

/** Price per hour × duration, in atomic units, rounded up (the seller is never short-changed by rounding). */
export function quoteAtomic(pricePerHourUsd: string, seconds: number): bigint {
  const numerator = usdToAtomic(pricePerHourUsd) * BigInt(seconds);
  return (numerator + 3599n) / 3600n;
}
