/**
 * A node's name for people: the seller's name for it, or else its GPU model
 * ("NVIDIA H200", "CPU" for a CPU-only node). Pure: pages and server views
 * use this one rule.
 */
export function nodeDisplayName(node: { name?: string | null; gpuModel: string }): string {
  return node.name?.trim() || node.gpuModel;
}
