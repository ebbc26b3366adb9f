#!/usr/bin/env bash
# make deps: install every build and test dependency on a fresh Debian machine,
# idempotently. Debian packages first (only the missing ones), then the Go-built
# test tools (kube-apiserver & co, etcd, kwok, helm), cached outside the repo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=(
  # build
  gcc make pkg-config libgit2-dev libyaml-dev libcurl4-openssl-dev libssl-dev
  libuv1-dev libjson-c-dev zlib1g-dev libarchive-dev libmicrohttpd-dev libgpgme-dev
  # sanitizers and fuzzing
  clang libclang-rt-14-dev
  # tests: real servers and clients
  git openssl curl jq nginx fcgiwrap openssh-server openssh-client gnupg
  docker-registry procps psmisc iproute2 time
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# nginx/ssh/registry packages may start system services; tests run their own.
for s in nginx ssh docker-registry fcgiwrap; do
  (command -v systemctl >/dev/null && systemctl stop "$s" >/dev/null 2>&1) || true
done

"$here/build-tools.sh"
