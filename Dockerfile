# SPDX-License-Identifier: EUPL-1.2
# jubes in a container: the same two steps as scripts/run (scripts/install-deps --runtime, a Release
# build of jubesd and jubesctl), then `cmake --install` into a slim Debian 12 image with only the
# runtime libraries. Runs as the unprivileged user `jubes`; the store and the PKI live in the volume
# /var/lib/jubes (put the TLS files in /var/lib/jubes/pki). docs/operations.md, "Install", "Docker".
#   docker build --build-arg JUBES_REVISION=$(git rev-parse --short=12 HEAD) -t jubes .
#   docker run -v jubes-data:/var/lib/jubes -p 8443:8443 -p 127.0.0.1:9090:9090 jubes

FROM debian:12 AS build
ARG JUBES_REVISION=unknown
WORKDIR /src
COPY . .
RUN scripts/install-deps --runtime \
 && cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
      -DJUBES_BUILD_TESTS=OFF -DJUBES_BUILD_BENCH=OFF -DJUBES_REVISION="${JUBES_REVISION}" \
 && cmake --build /build \
 && DESTDIR=/staging cmake --install /build

FROM debian:12-slim
# The shared libraries jubesd and jubesctl link (tests/packaging/dockerfile_test.sh checks this list
# against the binaries).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libboost-json1.81.0 libboost-container1.81.0 libssl3 libxerces-c3.2 liblmdb0 libyaml-cpp0.7 libpq5 libzstd1 \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/jubes --shell /usr/sbin/nologin jubes \
 && install -d -o jubes -g jubes -m 0750 /var/lib/jubes
COPY --from=build /staging/ /
USER jubes
VOLUME /var/lib/jubes
# 8443: the mutual-TLS API; 9090: the ops listener (metrics, dashboard; no authentication: publish
# it on the host's loopback only).
EXPOSE 8443 9090
ENTRYPOINT ["/usr/bin/jubesd", "--config", "/etc/jubes/jubes.yaml"]
# In a container the ops listener must leave the container's own loopback to be reachable.
CMD ["--ops-listen", "0.0.0.0:9090"]
