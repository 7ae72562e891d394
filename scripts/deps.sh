#!/usr/bin/env bash
# Installs what wmss needs (Debian packages; npm packages for the tokenizer oracle).
# Idempotent; skips apt-get when everything is already present.
#   bash scripts/deps.sh          build and run: compiler, BLAS, OpenMP, MPI, pcre2,
#                                 utf8proc, cJSON, pkg-config (scripts/demo.sh)
#   bash scripts/deps.sh test     also the test oracles and tools: clang (sanitizers),
#                                 python3 with numpy, PyTorch and jinja2, node and the npm
#                                 packages of tests/js (scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="build-essential make libomp-dev libopenblas-openmp-dev libpcre2-dev libutf8proc-dev libcjson-dev
      libopenmpi-dev openmpi-bin pkg-config zlib1g-dev python3"
case "${1:-build}" in
    build) ;;
    test) PKGS="$PKGS clang libclang-rt-14-dev python3 python3-numpy python3-torch python3-jinja2 nodejs npm" ;;
    *) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac
missing=()
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    # node and npm may come from outside Debian on some machines: keep what works.
    if command -v node >/dev/null && command -v npm >/dev/null; then
        missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
    fi
    want=$(printf '%s ' "${missing[@]}" | xargs -n1 2>/dev/null | tr '\n' ' ')
    if [ -n "${want// /}" ]; then
        echo "deps: installing $want"
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $want >/dev/null
    fi
fi
if [ "${1:-build}" = test ] && [ -f tests/js/package.json ] && [ ! -d tests/js/node_modules ]; then
    echo "deps: npm install (tokenizer oracle)"
    (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi
