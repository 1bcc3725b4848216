# syntax=docker/dockerfile:1
#
# userplan: the GraphQL server with its GraphiQL playground embedded.
#   docker build -t userplan .
#   docker run -p 8000:8000 -v userplan-data:/data userplan
# NOTE: written without a Docker engine at hand (none runs on the development machine),
# so this file has not been built; each step mirrors a command that was run by hand.

# ---- 1. The playground bundle (playground/dist), from the pinned npm packages ----------
FROM node:20-bookworm-slim AS playground
WORKDIR /src/playground
COPY playground/package.json playground/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY playground/ ./
RUN npm run build

# ---- 2. The release binary, embedding the bundle built above ---------------------------
# (this image has no npm: USERPLAN_PLAYGROUND names the built bundle for build.rs)
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY entity/ entity/
COPY migration/ migration/
COPY src/ src/
COPY tests/ tests/
COPY playground/ playground/
COPY --from=playground /src/playground/dist/ /src/playground-dist/
ENV USERPLAN_PLAYGROUND=/src/playground-dist
# The registry and target caches outlive this build; the binary is copied out of the
# cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin userplan \
    && install -m 0755 target/release/userplan /usr/local/bin/userplan

# ---- 3. The runtime image ---------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 userplan \
    && useradd --system --uid 10001 --gid userplan --home-dir /data --no-create-home userplan \
    && mkdir /data \
    && chown userplan:userplan /data
COPY --from=build /usr/local/bin/userplan /usr/local/bin/userplan

ENV LISTEN=0.0.0.0:8000 \
    DATABASE_URL=sqlite:///data/userplan.db?mode=rwc \
    RUST_LOG=info
USER userplan
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# /ready answers 200 once the database answers. The image has no curl: bash speaks HTTP.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["userplan"]
CMD ["serve"]
