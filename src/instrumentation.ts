/**
 * Next.js calls this once per server process: start the background loops. Not in
 * `npm start`'s pages worker (pages-server.mjs): server.mjs's main thread runs them.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && !process.env.COMPUTESWARM_PAGES_ONLY) {
    const { boot } = await import("./server/boot");
    await boot();
  }
}
