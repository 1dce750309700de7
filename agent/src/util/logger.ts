/**
 * A tiny pino-compatible JSON-lines logger: one object per line with numeric
 * levels, `time` in epoch ms and `msg`, so pino-pretty and test harnesses can
 * read it. Values under secret-looking keys are redacted before writing.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type LevelName = keyof typeof LEVELS;

const SECRET_KEY = /(private.?key|secret|token|authorization|password|mnemonic)/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
  }
  return out;
}

export function createLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  minLevel: LevelName = "info",
): Logger {
  const log = (level: LevelName, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    const record = {
      level: LEVELS[level],
      time: Date.now(),
      pid: process.pid,
      msg,
      ...(redact(fields ?? {}) as LogFields),
    };
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
  };
}

/** For tests and library callers that do not want output. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Error message without stack, for log fields. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
