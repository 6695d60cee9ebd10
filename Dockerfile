# videohookd in a container.
#
#   docker build -t videohookd .
#   docker run -d --name videohookd -p 8443:8443 \
#       -e VIDEOHOOKD_PUBLIC_URL=https://hooks.example.com:8443 \
#       -v videohookd-state:/var/lib/videohookd -v videohookd-archive:/srv/videohookd/archive \
#       videohookd
#
# With no config file the daemon runs on its embedded defaults: a self-signed certificate
# and a callback token made on first start in the state volume. The callback URL is
# printed at start (docker logs videohookd) with <token> in place of the secret, which is
# read with: docker exec videohookd cat /var/lib/videohookd/callback-token
# The log file is /var/lib/videohookd/videohookd.log; -e VIDEOHOOKD_LOG_FILE=/dev/stderr
# sends it to docker logs instead. Settings come from VIDEOHOOKD_* variables, or a file:
#   -v ./videohookd.yaml:/etc/videohookd/videohookd.yaml:ro ... videohookd serve --config /etc/videohookd/videohookd.yaml
# The API key is best passed as a file (a Docker or Kubernetes secret):
#   -e VIDEOHOOKD_API_KEY_FILE=/run/secrets/api_key

ARG SWIFT_VERSION=6.3

# ---- build --------------------------------------------------------------------------
FROM swift:${SWIFT_VERSION}-bookworm AS build

# libssl-dev for the OpenSSL shim target, libpq-dev for the PostgreSQL one (CLibPQ, found
# through pkg-config); libsqlite3-dev and pkg-config are in the image.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libssl-dev libsqlite3-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, in a layer of their own that survives source changes.
# (Package.resolve[d]: copied when present, without failing when it is not.)
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY Sources ./Sources
COPY Tests ./Tests

# The Swift runtime and Foundation linked in statically: the runtime image needs no
# Swift toolchain, only the C libraries below.
RUN swift build -c release --static-swift-stdlib --product videohookd \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/videohookd" /staging/usr/local/bin/videohookd \
    && install -D -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /staging/usr/local/libexec/swift-backtrace-static

# ---- runtime ------------------------------------------------------------------------
FROM debian:bookworm-slim

# libssl3 for TLS, libsqlite3-0 for the ledger, libpq5 for the ledger on PostgreSQL,
# ca-certificates for the downloader's HTTPS, libstdc++6 for the statically linked Swift
# runtime, curl for the health check.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        libssl3 libsqlite3-0 libpq5 ca-certificates libstdc++6 tzdata curl \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid, so that host directories mounted as volumes can be given to it.
RUN groupadd --system --gid 10001 videohookd \
    && useradd --system --uid 10001 --gid videohookd --no-create-home --home-dir /var/lib/videohookd \
        --shell /usr/sbin/nologin videohookd \
    && install -d -o videohookd -g videohookd -m 0750 /var/lib/videohookd /srv/videohookd/archive \
    && install -d -m 0755 /etc/videohookd

COPY --from=build /staging/ /

# The state folder (ledger, token, self-signed certificate, log) as systemd would pass
# it, and the archive on a volume of its own: it grows large, the ledger stays small.
ENV STATE_DIRECTORY=/var/lib/videohookd \
    VIDEOHOOKD_ARCHIVE_DIR=/srv/videohookd/archive \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace-static
VOLUME ["/var/lib/videohookd", "/srv/videohookd/archive"]

USER videohookd:videohookd
WORKDIR /var/lib/videohookd

# The callback listener (TLS). The admin listener stays on 127.0.0.1:9090 inside the
# container: the health check below runs inside too, and metrics are not published.
EXPOSE 8443

# /healthz: the process answers. (The daemon's own /readyz also checks the ledger,
# the archive and the disk reserve; an orchestrator's readiness probe should use that.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:9090/healthz || exit 1

# SIGTERM (docker stop): stop accepting, finish requests in flight, let downloads stop
# at a resumable point, exit 0. Give it the time to, with docker stop -t 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/videohookd"]
CMD ["serve"]
