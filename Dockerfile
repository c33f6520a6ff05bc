# syntax=docker/dockerfile:1
# The tlsproof image: the binary and the CA certificates it validates chains against, run as an
# unprivileged user. The CI examples (examples/ci/) run it.
#
#   docker build -t tlsproof .
#   docker run --rm -v "$PWD:/src:ro" tlsproof scan /src

FROM rust:1.95-bookworm AS build
WORKDIR /build
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo build --release --locked --bin tlsproof

# Debian slim rather than distroless: the fan-in step of examples/ci/argo-workflow.yaml needs a
# shell to name every bundle it merges. Same Debian release as the build stage, so the same glibc.
FROM debian:bookworm-slim
# The system trust store that certificate chains are validated against (certs::SYSTEM_BUNDLES).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /build/target/release/tlsproof /usr/local/bin/tlsproof
# A numeric user, so that Kubernetes' runAsNonRoot can check it is not root.
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["/usr/local/bin/tlsproof"]
