import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The README's x402 client snippet: the code block after its
 * `<!-- x402-client-snippet` marker, as a reader would copy it. Read by the
 * vitest that runs it against a test server and by the browser journey.
 */
export function readmeX402Snippet(root = process.cwd()): string {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const marker = readme.indexOf("<!-- x402-client-snippet");
  if (marker < 0) throw new Error("the README does not mark its x402 client snippet (<!-- x402-client-snippet)");
  const block = /```[a-z]*\n([\s\S]*?)\n```/.exec(readme.slice(marker));
  if (!block) throw new Error("no code block follows the README's x402-client-snippet marker");
  return block[1]!;
}
