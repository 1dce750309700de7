/**
 * A node's name for people: the seller's name for it, or else what it runs on
 * ("8× NVIDIA H200", "NVIDIA H200", "CPU"). Pure: pages and server views use
 * this one rule.
 */
export function nodeDisplayName(node: { name?: string | null; gpuModel: string; gpuCount: number }): string {
  const name = node.name?.trim();
  if (name) return name;
  return node.gpuCount > 1 ? `${node.gpuCount}× ${node.gpuModel}` : node.gpuModel;
}
