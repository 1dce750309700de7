/**
 * Newline-delimited JSON as the log stream carries it (POST jobs/{id}/logs/stream):
 * one JSON value per line, `\n` ends a line, blank lines are skipped. Text goes
 * in as it arrives, split anywhere; each complete line comes out once.
 */
export function ndjsonLines(onLine: (line: string) => void) {
  let partial = "";
  return {
    push(text: string) {
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf("\n")) !== -1) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (line.trim() !== "") onLine(line);
      }
    },
    /** Characters still waiting for their newline. */
    get waiting() {
      return partial.length;
    },
    /** The text ended: a last line without its newline still counts. */
    end() {
      const rest = partial;
      partial = "";
      if (rest.trim() !== "") onLine(rest);
    },
  };
}
