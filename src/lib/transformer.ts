import Decimal from "decimal.js";
import superjson, { type SuperJSONResult } from "superjson";

/**
 * superjson shared by the tRPC server and client. Prisma's Decimal is a
 * decimal.js instance: it travels as a string and arrives as a Decimal.
 */
superjson.registerCustom<Decimal, string>(
  {
    isApplicable: (v): v is Decimal => Decimal.isDecimal(v),
    serialize: (v) => v.toString(),
    deserialize: (v) => new Decimal(v),
  },
  "decimal.js",
);

/**
 * True when `value` is JSON as it stands: strings, finite numbers (not -0),
 * booleans, null, arrays and plain objects, with no undefined anywhere.
 * superjson would send such a value unchanged (no meta), after a walk that
 * asks every value whether it is a Date, Map, Decimal, …; this check is that
 * walk without the questions. Answers the API sends (money as decimal strings,
 * times as ISO strings) are almost all like this.
 */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (depth > 64) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * superjson's wire format, with its walk skipped for plain JSON (what
 * superjson.serialize returns for it: the value and no meta). Values sharing
 * an object are sent as copies: equal, not identical, once deserialized.
 */
export const transformer = {
  serialize: (value: unknown): SuperJSONResult =>
    isPlainJson(value) ? { json: value as SuperJSONResult["json"] } : superjson.serialize(value),
  deserialize: <T = unknown>(payload: SuperJSONResult): T => superjson.deserialize<T>(payload),
};
