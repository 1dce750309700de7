import Decimal from "decimal.js";
import superjson from "superjson";

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

export const transformer = superjson;
