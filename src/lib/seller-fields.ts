/**
 * The seller form checks, as you type: the protocol's rules (priceSchema,
 * endpointSchema, nodeNameSchema in @computeswarm/protocol) in words, without
 * loading zod on the page. seller-fields.test.ts holds them to the schemas.
 */

/** The price rule of the protocol (priceSchema): up to 6 decimals, at most 10,000 USD per hour. */
export function priceProblem(price: string): string | undefined {
  const p = price.trim();
  if (!p) return "Enter a price per hour, e.g. 2.50 (0 for free).";
  if (!/^\d{1,5}(\.\d{1,6})?$/.test(p)) return "A number in USD with at most 6 decimals, e.g. 2.50.";
  if (Number(p) > 10_000) return "At most 10,000 USD per hour.";
  return undefined;
}

/** The node name rule of the protocol (nodeNameSchema), after trimming: at most 64 characters, no control characters. */
export function nodeNameProblem(name: string): string | undefined {
  const n = name.trim();
  if (n.length > 64) return `At most 64 characters (${n.length} now).`;
  if (/[\u0000-\u001f\u007f]/.test(n)) return "No line breaks, tabs or other control characters.";
  return undefined;
}

/** The endpoint rule of the protocol (endpointSchema): empty, or an http(s):// or agent:// URL. */
export function endpointProblem(endpoint: string): string | undefined {
  const e = endpoint.trim();
  if (!e) return undefined;
  if (e.length > 255) return "At most 255 characters.";
  if (!/^(https?|agent):\/\/\S+$/.test(e)) return "An http(s):// or agent:// URL, or leave it empty.";
  return undefined;
}
