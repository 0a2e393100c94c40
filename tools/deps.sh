#!/bin/sh
# Installs what `make run` (`deps.sh build`) or `make test` (`deps.sh test`) needs and is missing:
# Debian packages through apt (as root, or through sudo), with one `apt-get update` before one
# `apt-get install`; for `test`, also the Python tools, into a virtual environment ($VENV, under
# the build folder), never into the system interpreter. Prints what it installs; silent when
# nothing is missing. tools/deps-check.sh runs it with stand-ins that report everything missing.
#
# Environment: VENV (default .build/venv), SCHEMATHESIS_VERSION, OPENAPI_CLIENT_VERSION, WEBSOCKETS_VERSION,
# PLAYWRIGHT_VERSION (Playwright for Python drives Debian's chromium; it downloads no browser);
# DEPS_EXTRA_PACKAGES, more Debian packages for the same apt run (.ci/run adds make there).
set -eu

usage() { echo "usage: $0 build|test|bench-peers|docker" >&2; exit 2; }
[ $# -eq 1 ] || usage

# liblz4-dev: the CLZ4 system-library target; lz4: the CLI the tests check snapshot payloads
# against; libvips-dev: the CVips system-library target (image thumbnails); pkg-config: how
# SwiftPM finds liblz4 and libvips; curl: the API test scripts. The knowledge base: libstemmer-dev
# (CStemmer, Snowball stemming), libxml2-dev (CLibXML2, the HTML and DOCX XML parser), zlib1g-dev
# (ZIPFoundation opens DOCX files), poppler-utils (pdftotext, run for PDF uploads). Several
# nodes on Redis: libhiredis-dev (CHiredis, Redis's reply reader and command formatter).
# libisal-dev: CISAL, Intel's ISA-L, whose crc32_iscsi is the log's and snapshots' CRC-32C.
packages="liblz4-dev libisal-dev libvips-dev lz4 pkg-config curl libstemmer-dev libxml2-dev zlib1g-dev poppler-utils libhiredis-dev"
case "$1" in
  build) ;;
  # iproute2: `ss`, which the load smoke test reads the server's sockets with; python3 and
  # python3-venv: the virtual environment of the Python test tools; chromium: the headless
  # browser the web clients are tested in (tools/browser-check, through Playwright);
  # prometheus: promtool and the Prometheus server tools/ops-check checks docs/ops/ against;
  # nginx and openssl: tools/deploy-check runs deploy/nginx/parley.conf with a certificate it makes;
  # redis-server: the Redis client's tests (Tests/ParleyRedisTests) start one.
  test) packages="$packages iproute2 python3 chromium prometheus nginx openssl redis-server" ;;
  # The peers `make bench-peers` measures Parley against (redis-server and redis-benchmark,
  # nats-server, nginx with the nchan module), taskset (util-linux) for the pinning, and the
  # Python of the plotting environment.
  bench-peers) packages="$packages redis-server redis-tools nats-server nginx libnginx-mod-nchan util-linux python3" ;;
  # `make docker-check` (tools/docker-check): Debian's podman with runc (crun refuses hybrid
  # cgroups) and debootstrap, which makes the Debian 12 base image where no registry is reachable.
  docker) packages="$packages podman runc debootstrap" ;;
  *) usage ;;
esac
packages="$packages ${DEPS_EXTRA_PACKAGES:-}"

missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
# A Python that cannot make a virtual environment with pip (Debian's without python3-venv).
if [ "$1" != build ] && [ "$1" != docker ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing="$missing python3-venv"
fi

if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    echo "$0: not root and no sudo; install these packages as root:$missing" >&2
    exit 1
  fi
  # `env` sets the variable for apt-get whether or not sudo is in front.
  $as_root apt-get update -qq
  # shellcheck disable=SC2086 # the package list is meant to split into words
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

case "$1" in build | docker) exit 0 ;; esac

venv=${VENV:-.build/venv}
if [ "$1" = bench-peers ]; then
  # matplotlib draws the plots (tools/bench-plot.py), in the same environment as the test tools,
  # under a stamp of its own.
  requirements="matplotlib==${MATPLOTLIB_VERSION:-3.10.7}"
  stamp="$venv/plots.stamp"
else
  requirements="schemathesis==${SCHEMATHESIS_VERSION:-4.32.5} openapi-python-client==${OPENAPI_CLIENT_VERSION:-0.29.1} websockets==${WEBSOCKETS_VERSION:-15.0.1} playwright==${PLAYWRIGHT_VERSION:-1.65.2}"
  stamp="$venv/requirements.stamp"
fi
if [ ! -x "$venv/bin/pip" ]; then
  echo "creating the Python test environment in $venv"
  python3 -m venv "$venv"
fi
# The stamp names what was installed; a changed pin installs again.
if [ "$(cat "$stamp" 2>/dev/null)" != "$requirements" ]; then
  echo "installing into $venv: $requirements"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q $requirements
  echo "$requirements" >"$stamp"
fi
