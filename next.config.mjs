/** @type {import('next').NextConfig} */
const nextConfig = {
  // The Docker image runs the standalone server (behind nginx); `npm start` runs server.mjs.
  output: process.env.NEXT_STANDALONE === "1" ? "standalone" : undefined,
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-only packages with WASM, native binaries or dynamic requires: load them from node_modules.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "ioredis",
    "ioredis-mock",
    "pino",
    "prom-client",
    "rate-limiter-flexible",
    "@foundry-rs/anvil",
  ],
  // The migration runner reads the SQL files at run time; the agent download serves the built agent.
  outputFileTracingIncludes: {
    "/*": ["./prisma/migrations/**/*"],
    "/agent/computeswarm-agent.js": ["./agent/dist/cli.js"],
  },
  typedRoutes: false,
};

export default nextConfig;
