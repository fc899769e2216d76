# cam serve in a container: builds the cam binary on Debian 12 (bookworm) with Swift 6, then
# runs it on a slim Debian 12 with the shipped model. Not built on the development machines
# (they have no Docker engine); the steps are the README's set-up command and a release build.
#   docker build -t camkit .
#   docker run --rm -p 8080:8080 camkit
FROM swift:6.1-bookworm AS build
WORKDIR /src
COPY . .
RUN Scripts/setup && swift build -c release --product cam --static-swift-stdlib \
    && mkdir -p /out && cp .build/release/cam /out/ && cp -r Samples/models /out/models

FROM debian:12-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libpng16-16 libturbojpeg0 libwebp7 libwebpmux3 libopenblas0 libfreetype6 fonts-dejavu-core libssl3 libisal2 libdnnl2 libgomp1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/cam /usr/local/bin/cam
COPY --from=build /out/models /opt/camkit/Samples/models
WORKDIR /opt/camkit
EXPOSE 8080
# Inside a container the service must listen beyond loopback for -p to reach it.
CMD ["cam", "serve", "--host", "0.0.0.0", "--port", "8080"]
