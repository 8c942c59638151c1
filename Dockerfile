# waggle's container image: one binary, `waggle broker` or `waggle gateway`.
#   docker build -t waggle .
#   docker run --rm -p 26500:26500 waggle gateway --contact-points HOST:26501,...
#   docker run --rm -v waggle-data:/var/lib/waggle waggle broker   # a 1-broker cluster
# k8s/ runs it as a StatefulSet of brokers and a Deployment of gateways
# (README, "Kubernetes").

# --- build: the release binary, as on a developer's machine ----------------
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
# Debian's packages only (the npm clients are for tests, not for the binary).
RUN WAGGLE_INSTALL_NPM=0 scripts/install-deps.sh \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN scripts/build.sh release --target waggle \
 && strip --strip-debug build/release/cmd/waggle \
 && scripts/runtime-packages.sh build/release/cmd/waggle > /runtime-packages.txt \
 && cat /runtime-packages.txt

# --- runtime: the binary, its shared libraries, a non-root user -------------
FROM debian:bookworm-slim
COPY --from=build /runtime-packages.txt /tmp/runtime-packages.txt
# tini as PID 1: forwards SIGTERM to waggle and reaps children.
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 waggle \
 && useradd --system --uid 10001 --gid waggle --home-dir /var/lib/waggle --shell /usr/sbin/nologin waggle \
 && mkdir -p /var/lib/waggle /etc/waggle \
 && chown waggle:waggle /var/lib/waggle
COPY --from=build /src/build/release/cmd/waggle /usr/local/bin/waggle
COPY scripts/docker-entrypoint.sh /usr/local/bin/waggle-entrypoint
# The broker's data (data.directory "data" is relative: /var/lib/waggle/data;
# k8s/ sets /var/lib/waggle, the PersistentVolume's mount point).
VOLUME /var/lib/waggle
WORKDIR /var/lib/waggle
USER 10001:10001
# gateway (Zeebe gRPC), broker command API, broker internal (Raft), monitoring
EXPOSE 26500 26501 26502 9600
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/waggle-entrypoint"]
CMD ["broker"]
