#!/usr/bin/env bash
# Installs the Debian 12 packages aciswarm needs to build, test, fuzz and benchmark.
# Idempotent: asks dpkg what is already there, runs `apt-get update` only when
# something is missing, and uses sudo only when not root.
set -euo pipefail

packages=(
  # build (universal-ctags: scripts/check-structure.sh)
  build-essential cmake ninja-build pkg-config ccache clang clang-format universal-ctags libclang-rt-14-dev
  # libraries
  libtorrent-rasterbar-dev libboost-dev libcurl4-openssl-dev nlohmann-json3-dev libgtest-dev libgmock-dev
  libgumbo-dev libsqlite3-dev libarchive-dev zlib1g-dev libssl-dev libsystemd-dev
  librnp-dev  # OpenPGP for image trust (trust/)
  libmicrohttpd-dev  # the agent daemon's web page and /metrics (agent/daemon/web_server.*)
  # servers and peers used by integration, interop tests and benchmarks
  nginx-light openssl curl aria2 transmission-cli transmission-daemon qbittorrent-nox python3 python3-libtorrent opentracker
  chromium  # headless browser for the web pages tests (tests/integration/web)
  python3-prometheus-client  # an independent parser of the agent's /metrics (tests/integration/web)
  prometheus  # promtool check metrics: lints the agent's /metrics (tests/integration/web)
  # OCI (issue 20): the distribution registry as upstream, skopeo to push test images,
  # containerd's ctr pulling through the agent's registry mirror
  docker-registry skopeo containerd
  appc-spec  # actool validate: an independent check of the ACIs convert/ writes (tests/integration/convert)
  iproute2 systemd procps psmisc
  gnupg  # test keys and signatures (tests/*/trust, examples, bench/trust-verify.sh)
  # archive tools to make test images
  gzip bzip2 xz-utils zstd tar
  # benchmark scripts
  bc time
)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends keeps the install small; nginx must not start a service here.
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
