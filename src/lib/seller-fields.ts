import { z } from "zod";
import { endpointSchema, nodeNameSchema, priceSchema } from "@computeswarm/protocol";

/**
 * The seller forms' fields as typed: trimmed (as the page sends them), then held to
 * the protocol's own rules, so a form shows the messages the server would answer with.
 */
export const priceField = z.string().trim().min(1, "Enter a price per hour, e.g. 2.50 (0 for free).").pipe(priceSchema);
export const nodeNameField = z.string().trim().pipe(nodeNameSchema);
export const endpointField = z.string().trim().pipe(endpointSchema);

/** Add a node: the PairNode message's seller-set fields. */
export const pairNodeFormSchema = z.object({ name: nodeNameField, pricePerHour: priceField, endpoint: endpointField });
/** The dashboard's inline edits. */
export const priceFormSchema = z.object({ pricePerHour: priceField });
export const nameFormSchema = z.object({ name: nodeNameField });
