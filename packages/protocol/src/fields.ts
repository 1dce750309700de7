import { z } from "zod";

/**
 * The field types every wire schema is built from (agent protocol, tRPC
 * inputs, the x402 door), so that a value that passes validation also fits
 * its PostgreSQL column: text without NUL (PostgreSQL text and JSONB cannot
 * hold U+0000), integers within int4/int8, dates within the timestamp range.
 */

export const NUL_MESSAGE = "must not contain NUL characters (\\u0000)";
const hasNoNul = (s: string) => !s.includes("\u0000");

/** A string that PostgreSQL can store (text, varchar, JSONB): no NUL. Chain .max()/.min()/.trim() as usual. */
export const text = () => z.string().refine(hasNoNul, NUL_MESSAGE);

export const INT4_MIN = -2_147_483_648;
export const INT4_MAX = 2_147_483_647;
export const INT8_MAX = 9_223_372_036_854_775_807n;

/** An integer that fits a PostgreSQL `integer` (int4) column. */
export const int4 = () => z.number().int().min(INT4_MIN).max(INT4_MAX);
/** A non-negative int4 (counts, sequence numbers, durations in ms). */
export const nonNegativeInt4 = () => int4().min(0);

/** A non-negative PostgreSQL `bigint` (int8) as a decimal string, e.g. a log id cursor. */
export const int8String = (what = "must be") =>
  z
    .string()
    .regex(/^\d{1,19}$/, `${what} a non-negative integer`)
    .refine((v) => BigInt(v) <= INT8_MAX, `${what} at most ${INT8_MAX}`);

/** PostgreSQL timestamps reach far, but people and the ledger only need years 1–9999. */
export const MIN_DATE = new Date("0001-01-01T00:00:00.000Z");
export const MAX_DATE = new Date("9999-12-31T23:59:59.999Z");

/** A date (Date, ISO string or epoch ms) within years 1–9999. */
export const dateInRange = () =>
  z.coerce
    .date({ error: "must be a date" })
    .min(MIN_DATE, "must be a date in the years 1 to 9999")
    .max(MAX_DATE, "must be a date in the years 1 to 9999");

/** A UUID (the id type of every table). */
export const uuid = (message = "must be a UUID") => z.string().uuid(message);
