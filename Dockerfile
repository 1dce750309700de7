# ComputeSwarm marketplace image (Next.js App Router + the lean HTTP layer, one process).
#
# Stages:
#   deps       npm ci of the whole workspace (root app + agent/), dev deps included
#   build      prisma generate + `npm run build` (agent bundle, next build, dist/lean-server.mjs)
#   migrate    one-shot: `npm run db:migrate` (tsx scripts/migrate.ts, under the react-server
#              condition that `server-only` wants); docker-compose runs it
#              once, before any marketplace replica starts
#   prod-deps  the build with its dev dependencies pruned (what the runner copies); the
#              embedded default's packages (ioredis-mock, PGlite, anvil) are dev dependencies,
#              so the runner needs DATABASE_URL and REDIS_URL (and RPC_URL for CHAIN=local)
#   runner     the production server, non-root: `node server.mjs`, which answers the
#              machine-facing paths (agent protocol, x402 door, tRPC) from the lean layer and
#              hands pages to Next. Not Next's standalone server.js: that would bypass the
#              lean layer (and its output leaves out the packages the lean bundle imports).
#
#   docker build -t computeswarm .                    # runner (the last stage)
#   docker build --target migrate -t computeswarm-migrate .
#
# The deps stage is byte-for-byte the same as in agent/Dockerfile, so the two builds
# share that layer in the build cache.

FROM node:20-bookworm-slim AS base
ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /app

# ---------------------------------------------------------------------------
FROM base AS deps
# Only the manifests, so this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json ./packages/protocol/package.json
COPY agent/package.json ./agent/package.json
# --ignore-scripts: the root postinstall (`npm run db:generate`) needs prisma/schema.prisma,
# which is not copied yet; it runs explicitly in the build stage below. No dependency needs
# its own install script (npm 11, which wrote the lockfile, skips them by default too).
# NODE_ENV must not be "production" here: the build needs the dev dependencies.
RUN npm ci --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------
FROM deps AS build
COPY . .
# Same command as the postinstall hook: PRISMA_SCHEMA_ENGINE_BINARY=/bin/true prisma generate
RUN npm run db:generate
# NEXT_PUBLIC_* values are inlined into the browser bundle at build time, so they are
# build arguments, not runtime environment. Left empty, the app builds its
# injected-wallet-only RainbowKit config (no WalletConnect).
ARG NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID=""
# public/ may be absent; the runner copies it unconditionally.
RUN mkdir -p public \
 && if [ -z "$NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID" ]; then unset NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID; fi \
 && npm run build \
 && test -f dist/lean-server.mjs && test -f .next/BUILD_ID

# ---------------------------------------------------------------------------
# One-shot migration job. Keeps the full node_modules (tsx, pg) of the build stage;
# it is never the long-running server. docker-compose.yml also runs the local chain
# (node_modules/.bin/anvil) from this image.
FROM build AS migrate
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
USER node
CMD ["npm", "run", "db:migrate"]

# ---------------------------------------------------------------------------
# Production dependencies only: server.mjs loads `next` and the packages the lean bundle
# leaves external from node_modules. Next's build cache is not needed at run time.
FROM build AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf .next/cache

# ---------------------------------------------------------------------------
FROM base AS runner
# HOST: server.mjs binds to loopback unless told otherwise; nginx reaches the replicas over
# Docker's network, so all interfaces (the HEALTHCHECK uses 127.0.0.1). HOSTNAME: Docker sets
# it to the container id; pinned too, for anything of Next's that reads it.
# KEEP_ALIVE_TIMEOUT: longer than nginx's upstream keepalive_timeout (60s), so nginx never
# reuses a connection that Node has just closed (a source of sporadic 502s).
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    HOSTNAME=0.0.0.0 \
    KEEP_ALIVE_TIMEOUT=65000

# The image's built-in unprivileged user `node` (uid 1000) owns everything the app writes.
COPY --from=prod-deps --chown=node:node /app/package.json /app/server.mjs /app/pages-server.mjs /app/next.config.mjs ./
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
# The workspace packages node_modules links to, and the agent bundle the download route serves.
COPY --from=prod-deps --chown=node:node /app/packages ./packages
COPY --from=prod-deps --chown=node:node /app/agent/package.json ./agent/package.json
COPY --from=prod-deps --chown=node:node /app/agent/dist ./agent/dist
# The lean layer (bundled from src/server/http/lean) and Next's build, static assets included.
COPY --from=prod-deps --chown=node:node /app/dist ./dist
COPY --from=prod-deps --chown=node:node /app/.next ./.next
COPY --from=prod-deps --chown=node:node /app/public ./public
# The SQL migrations, so /api/health can report applied vs. shipped migrations.
# They are applied by the `migrate` stage, not by this one.
COPY --from=prod-deps --chown=node:node /app/prisma/migrations ./prisma/migrations
RUN mkdir -p .data && chown node:node /app /app/.data

USER node
EXPOSE 3000

# node:20-bookworm-slim has no curl/wget: use Node's fetch. /api/health answers 503 when
# PostgreSQL or Redis is down.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# server.mjs handles SIGTERM/SIGINT (stops accepting, stores pending live logs, exits), so
# `docker stop` shuts it down cleanly.
CMD ["node", "server.mjs"]
