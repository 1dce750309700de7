import pino from "pino";

/** JSON logs. Each request gets a child logger carrying its request id. */
export function createLogger(level: string) {
  return pino({
    level,
    base: { service: "computeswarm" },
    redact: { paths: ["*.signature", "*.agentToken", "*.privateKey", "req.headers.authorization"], remove: true },
  });
}
export type Logger = pino.Logger;
