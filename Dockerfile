# syntax=docker/dockerfile:1
# partner-center-exporter image: docker build -t partner-center-exporter .
# Runs as an unprivileged user on a read-only root filesystem; its only writable path is STATE_DIR
# (/var/lib/partner-center-exporter, a volume), where rotated refresh tokens are persisted.
#   docker run --read-only -p 9841:9841 partner-center-exporter --demo
ARG NODE_IMAGE=node:24.11.0-bookworm-slim

# Build: all dependencies, then tsc into dist/. dist/ is plain JavaScript, so a multi-arch build
# (docker buildx build --platform linux/amd64,linux/arm64) compiles once, on the builder's own
# platform; only the runtime stage is per platform (docs/install.md).
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the prepare script builds, and src/ is not here yet (this layer caches).
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY simulator ./simulator
COPY scripts/build-info.mjs ./scripts/
# --version and build_info report these (scripts/build-info.mjs; the context has no .git).
ARG REVISION=""
ARG CREATED=""
RUN BUILD_REVISION="${REVISION}" BUILD_DATE="${CREATED}" npm run build

# Runtime: production dependencies and dist/, owned by root and read-only for the exporter.
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=""
ARG CREATED=""
LABEL org.opencontainers.image.title="partner-center-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Microsoft Partner Center licence usage analytics" \
      org.opencontainers.image.source="https://github.com/partner-center-exporter/partner-center-exporter" \
      org.opencontainers.image.url="https://github.com/partner-center-exporter/partner-center-exporter" \
      org.opencontainers.image.documentation="https://github.com/partner-center-exporter/partner-center-exporter#readme" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
# --max-semi-space-size=1: 1 MiB semi-spaces for the young generation, 5 to 15 MiB less idle RSS
# (bench/idle.mjs, docs/performance.md); the CLI runs without it too.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=1 \
    STATE_DIR=/var/lib/partner-center-exporter
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: prepare would run tsc, a dev dependency; dist/ comes from the build stage.
# --omit=optional: valibot names typescript as an optional peer, which npm would otherwise install.
# STATE_DIR belongs to the runtime user (1000 is "node" in the Node.js images); a volume mounted
# there starts with this owner.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
    && install -d -o 1000 -g 1000 -m 0700 /var/lib/partner-center-exporter
COPY --from=build /src/dist ./dist
COPY LICENSE ./
USER 1000:1000
VOLUME ["/var/lib/partner-center-exporter"]
EXPOSE 9841
# No curl in slim images: Node's http(s), on the port of WEB_LISTEN_ADDRESS (default :9841). /healthz
# over http, then https (certificate not checked: this asks "alive?", not "who?"); any answer below
# 500 is alive, 401 included: basic auth's passwords are not in the web config (hashes only).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["node", "-e", "const a=process.env.WEB_LISTEN_ADDRESS||':9841',port=a.slice(a.lastIndexOf(':')+1);const get=(m)=>new Promise((done)=>{const q=require(m).get({host:'127.0.0.1',port,path:'/healthz',timeout:2000,rejectUnauthorized:false},(r)=>{r.resume();done(r.statusCode)});q.on('timeout',()=>q.destroy());q.on('error',()=>done(0))});get('http').then((s)=>s||get('https')).then((s)=>process.exit(s>0&&s<500?0:1))"]
# The soft open-file limit raised to the hard one, as Go's runtime does (Node cannot); SIGUSR1 opens
# no inspector (the CLI ignores it: docs/reliability.md).
ENTRYPOINT ["/bin/sh", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec node /app/dist/src/cli.js \"$@\"", "partner-center-exporter"]
