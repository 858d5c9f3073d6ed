# Portolan: the backend serving the built app, one image for every replica.
#
# Multi-stage: the build stage runs the same commands as `bin/portal build`
# (Yarn install from the committed lock file, then the app's production
# bundle), so CI exercises them on every run
# (packages/deploy-checks/src/Dockerfile.test.ts compares them).
#
#   docker build -t portolan:dev .
#   docker run --read-only --tmpfs /tmp -p 7007:7007 --env-file portolan.env portolan:dev
#
# The base image is pinned to the Node version bin/portal bootstraps
# (NODE_VERSION there). Pin it by digest as well in your registry mirror:
#   FROM node:22.23.3-bookworm-slim@sha256:<digest>

FROM node:22.23.3-bookworm-slim AS build

# node-gyp builds better-sqlite3 and isolated-vm against Node's headers.
RUN apt-get update && \
    apt-get install -y --no-install-recommends python3 g++ make git ca-certificates && \
    rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .

# = bin/portal ensure_install
RUN node .yarn/releases/yarn-4.13.0.cjs install --immutable
# = bin/portal ensure_build
RUN cd packages/app && node /app/node_modules/.bin/backstage-cli package build

FROM node:22.23.3-bookworm-slim

# git: the scaffolder's publish actions; tini: signals and zombie reaping.
RUN apt-get update && \
    apt-get install -y --no-install-recommends git ca-certificates tini && \
    rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Everything the backend reads at run time: dependencies, the backend and
# plugin sources (run through Backstage's Node transform, as bin/portal
# does), the built app, the base config files and the catalog.
COPY --from=build --chown=0:0 /app /app

ENV NODE_ENV=production \
    HOME=/tmp \
    PORTOLAN_BACKEND_HEAP_MB=384

# The node image's unprivileged user (uid 1000), numeric so Kubernetes can
# verify runAsNonRoot. Files stay root-owned: the root filesystem may be
# mounted read-only; only /tmp (scaffolder workspaces) must be writable.
USER 1000:1000
EXPOSE 7007
VOLUME ["/tmp"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7007/.backstage/health/v1/liveness').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

WORKDIR /app/packages/backend
ENTRYPOINT ["/usr/bin/tini", "--"]
# = bin/portal cmd_start's backend command. Kubernetes appends its own
# config layer (deploy/base/deployment.yaml).
CMD ["node", "--max-old-space-size=384", "--require", "@backstage/cli-node/config/nodeTransform.cjs", "src/index.ts", "--config", "/app/app-config.yaml", "--config", "/app/app-config.production.yaml"]
