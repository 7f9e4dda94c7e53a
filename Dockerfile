# syntax=docker/dockerfile:1
# The control plane as one image: Next.js standalone output, run as a non-root user.
# The server applies database migrations itself before it serves (Postgres replicas take an
# advisory lock, so several starting at once apply them once).
# It runs with a read-only root file system when /tmp (git clones) and /app/.next/cache (Next's
# caches) are writable, plus /data for the embedded database: emptyDir volumes in
# deploy/kubernetes, or `docker run --read-only --tmpfs /tmp --tmpfs /app/.next/cache`.

# An exact Node release that satisfies every dependency's `engines` in package-lock.json
# (test/deploy.test.ts checks it; zod-openapi needs >=22.14). Bump it together with the lock file.
ARG NODE_VERSION=22.21.1

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` with the committed lock file installs the locked versions; `npm ci` would refuse a
# lock file without the other platforms' optional native packages (see .ci/run).
RUN npm install --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    NEXT_MANUAL_SIG_HANDLE=true \
    OPENCRANE_DATA_DIR=/data
# git: git sources are shallow-cloned at run time.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 opencrane \
 && useradd --system --uid 10001 --gid opencrane --home-dir /app --shell /usr/sbin/nologin opencrane \
 && mkdir -p /data /app/.next/cache && chown opencrane:opencrane /data /app/.next /app/.next/cache
COPY --from=build --chown=opencrane:opencrane /app/.next/standalone ./
COPY --from=build --chown=opencrane:opencrane /app/.next/static ./.next/static
COPY --from=build --chown=opencrane:opencrane /app/public ./public
# The server: Next's standalone build behind the app's HTTP front (refuses what no route can take).
COPY --from=build --chown=opencrane:opencrane /app/scripts/server.mjs /app/scripts/http-front.mjs ./
USER 10001:10001
# 3000: console, tRPC and /api/v1. 3001: machine feeds and health checks (OPENCRANE_INTERNAL_PORT).
EXPOSE 3000 3001
# Only used by the embedded database; with DATABASE_URL set the container is stateless.
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node options: scripts/node-flags.mjs says why (test/deploy.test.ts checks they are the same).
CMD ["node", "--max-semi-space-size=8", "server.mjs"]
