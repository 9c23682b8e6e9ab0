#!/bin/sh
# Installs the Debian packages frost needs to build and test, only the missing ones.
# Called by `make test`, `make demo` and .ci/run, so a fresh Debian machine needs no other step.
set -eu
PKGS="build-essential pkg-config liburing-dev liblz4-dev libxxhash-dev libcriterion-dev \
zlib1g-dev libbz2-dev liblzma-dev libsodium-dev libjansson-dev libssl-dev clang libclang-rt-14-dev \
python3 python3-sklearn python3-pandas python3-lz4 python3-xxhash python3-cryptography \
libmicrohttpd-dev libgnutls28-dev nettle-dev libgmp-dev libtasn1-6-dev \
libidn2-dev libunistring-dev libp11-kit-dev curl \
python3-pytest python3-dask python3-distributed"
# remote models (libfrost_remote.so; tests/stages/remote.sh's SigV4 checks and certificate)
PKGS="$PKGS libcurl4-openssl-dev python3-botocore openssl"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
