# Shared steps of scripts/demo and scripts/test: install what is missing, then build.
# Every step is idempotent: a second run only rebuilds what changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${TOPICDESK_BUILD_DIR:-$ROOT/build}"

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang-format clang-tidy
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libqrencode-dev
  postgresql libpq-dev haproxy
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium fonts-noto-color-emoji python3 curl openssl tzdata
)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Node.js may come from elsewhere than Debian (the machine image ships its own, whose npm
# conflicts with Debian's npm package): install Debian's only when there is none at all.
ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then return 0; fi
  log "installing Node.js and npm from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
}

install_node_packages() {
  ensure_node
  local stamp="$ROOT/node_modules/.topicdesk-installed"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/package.json" ]; then return 0; fi
  log "installing npm packages (TDLib, grammY, playwright-core)"
  (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error)
  touch "$stamp"
}

build() {
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  log "building (incremental)"
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

setup_all() {
  install_debian_packages
  install_node_packages
  build
}
