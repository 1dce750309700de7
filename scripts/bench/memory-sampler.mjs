// Preloaded (`node --import`) into the soak's app and agents: writes this process's
// memory use to $CS_MEMORY_DIR/<pid>.json every second, for scripts/bench/soak.ts.
import { writeFileSync, renameSync } from "node:fs";
import path from "node:path";
const dir = process.env.CS_MEMORY_DIR;
if (dir) {
  const file = path.join(dir, `${process.pid}.json`);
  const write = () => {
    const m = process.memoryUsage();
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), rss: m.rss, heapUsed: m.heapUsed }));
      renameSync(`${file}.tmp`, file);
    } catch {
      /* the soak removed its directory: nothing to report to */
    }
  };
  write();
  setInterval(write, 1000).unref();
}
