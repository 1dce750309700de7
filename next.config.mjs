const dev = process.env.NODE_ENV !== "production";

/**
 * Content Security Policy. Next inlines its bootstrap scripts and RainbowKit
 * injects styles, hence 'unsafe-inline' for both; the browser talks to our
 * own origin, the chain's JSON-RPC (https, or the embedded anvil on loopback)
 * and WalletConnect's relay (wss) when a project id is set. No page may frame us.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "font-src 'self' data:",
  "connect-src 'self' https: wss: http://127.0.0.1:* http://localhost:* ws://127.0.0.1:* ws://localhost:*",
  "frame-src 'self' https://verify.walletconnect.com https://verify.walletconnect.org",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Sent with every page (HSTS is added by server.mjs and nginx over https). */
export const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin-allow-popups" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

/**
 * Sent with JSON API answers instead (the lean layer's, and Next's under /api):
 * nothing in them is a document, so the strictest short policy fits, and each
 * heartbeat answer carries ~150 bytes of headers instead of ~900.
 */
export const apiSecurityHeaders = [
  { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // `npm start` and the Docker image run server.mjs (lean layer + Next); NEXT_STANDALONE=1 is kept for
  // anyone who wants Next alone (it bypasses the lean layer).
  output: process.env.NEXT_STANDALONE === "1" ? "standalone" : undefined,
  reactStrictMode: true,
  poweredByHeader: false,
  // The workspace package's exports point at its TypeScript sources: compile them with the app.
  transpilePackages: ["@computeswarm/protocol"],
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
    "secp256k1",
  ],
  // The migration runner reads the SQL files at run time; the agent download serves the built agent.
  outputFileTracingIncludes: {
    "/*": ["./prisma/migrations/**/*"],
    "/agent/computeswarm-agent.js": ["./agent/dist/cli.js"],
  },
  typedRoutes: false,
  async headers() {
    // The later rule wins for the keys it sets: /api answers get the API policy.
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: apiSecurityHeaders },
    ];
  },
};

export default nextConfig;
